/* suite64: 64-bit long mode with its own GDT (SYSCALL/SYSRET order), TSS
 * (RSP0, IST1, no I/O bitmap) and IDT. Runs the shared groups (with their
 * 64-bit operand forms), then 64-bit specifics: MOVSXD, 32-bit results
 * zero-extending, REX byte registers, RIP-relative addressing,
 * CMPXCHG16B, 64-bit string counts, FS/GS bases and SWAPGS,
 * non-canonical addresses, the IST switch; then ring 3 and paging. */
#include "suite/lm64.h"

const char suite_mode[] = "lm64";

#define MSR_KGS_BASE	0xc0000102
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_FMASK	0xc0000084
#define MSR_CSTAR	0xc0000083

struct tss64 {
	uint32_t r0;
	uint64_t rsp[3];
	uint64_t r1;
	uint64_t ist[7];
	uint64_t r2;
	uint16_t r3, iomap;
} __attribute__((packed));

struct gate64 {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, r;
} __attribute__((packed));

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct frame64 {
	uint64_t r11, r10, r9, r8, rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

static uint64_t gdt[8] __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffffULL,	/* SEL_KCODE */
	0x00cf93000000ffffULL,	/* SEL_KDATA */
	0x00cffb000000ffffULL,	/* SEL_UCODE32 */
	0x00cff3000000ffffULL,	/* SEL_UDATA */
	0x00affb000000ffffULL,	/* SEL_UCODE64 */
};
static struct tss64 tss __attribute__((aligned(16)));
static struct gate64 idt[256] __attribute__((aligned(16)));
volatile struct entry_seen int_seen, ist_seen, sys_seen;
volatile ulong db_dr6, trap_rflags;

extern const uint64_t lm64_stubs[32], lm64_stub_user, lm64_stub_ist;
void user_exit_entry(void);
void lm64_trap(struct frame64 *f);

void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
}

uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void set_gate(unsigned int v, uint64_t target, unsigned int dpl,
		     unsigned int ist)
{
	idt[v] = (struct gate64){ (uint16_t)target, SEL_KCODE, (uint8_t)ist,
				  (uint8_t)(0x8e | dpl << 5),
				  (uint16_t)(target >> 16),
				  (uint32_t)(target >> 32), 0 };
}

static void setup(void)
{
	uint64_t base = (uintptr_t)&tss;
	struct table_ptr gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };
	struct table_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	tss.rsp[0] = (uintptr_t)trap_stack_top;
	tss.ist[0] = (uintptr_t)ist_stack_top;
	tss.iomap = sizeof(tss);	/* no bitmap: every port denied */
	gdt[SEL_TSS / 8] = (sizeof(tss) - 1) | (base & 0xffffff) << 16 |
			   0x89ULL << 40 | ((base >> 24) & 0xff) << 56;
	gdt[SEL_TSS / 8 + 1] = base >> 32;
	for (unsigned int v = 0; v < 32; v++)
		set_gate(v, lm64_stubs[v], 0, 0);
	set_gate(VEC_USER, lm64_stub_user, 3, 0);
	set_gate(VEC_EXIT, (uintptr_t)user_exit_entry, 3, 0);
	set_gate(VEC_IST, lm64_stub_ist, 0, 1);
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\tlea 1f(%%rip), %%rax\n\tpushq %%rax\n\t"
			 "lretq\n1:\t"
			 "mov %2, %%ds\n\tmov %2, %%es\n\tmov %2, %%ss\n\t"
			 "lidt %3\n\tltr %w4"
			 : : "m"(gdtr), "i"(SEL_KCODE), "r"(SEL_KDATA),
			   "m"(idtr), "r"(SEL_TSS) : "rax", "memory");
	wrmsr(0xc0000080, rdmsr(0xc0000080) | 0x801);	/* SCE, NXE */
	wrmsr(MSR_STAR, (uint64_t)SEL_UCODE32 << 48 |
			(uint64_t)SEL_KCODE << 32);
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_CSTAR, (uintptr_t)cstar_entry);
	wrmsr(MSR_FMASK, F_DF | F_TF | F_AC);
}

void lm64_trap(struct frame64 *f)
{
	ulong cr2 = 0, ip = f->rip;

	if (f->vector == VEC_USER || f->vector == VEC_IST) {
		volatile struct entry_seen *s =
			f->vector == VEC_USER ? &int_seen : &ist_seen;

		s->cs = f->cs;
		s->ss = f->ss;
		s->rip = f->rip;
		s->rsp = f->rsp;
		s->frame = (uintptr_t)&f->rip;
		s->count++;
		return;
	}
	if (f->vector == 14)
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	if (f->vector == 1) {
		/* DR6's status bits are sticky: keep them for the check and
		 * clear them. */
		__asm__ volatile("mov %%dr6, %0" : "=r"(db_dr6));
		__asm__ volatile("mov %0, %%dr6" : : "r"(0xffff0ff0UL));
	}
	trap_rflags = f->rflags;
	if (trap_record(f->vector, f->error, cr2, &ip, f->cs,
			(uintptr_t)&f->rip)) {
		/* A check that single-steps resumes without TF. */
		f->rip = ip;
		f->rflags &= ~(uint64_t)F_TF;
		return;
	}
	printf("FAIL %s: unexpected exception %lu error 0x%lx at %lx:%lx "
	       "cr2 0x%lx\n", suite_mode, f->vector, f->error, f->cs, f->rip,
	       cr2);
	exit_vm(EXIT_EXCEPTION + (unsigned int)f->vector);
}

/* CR8 is the APIC's TPR[7:4]. Lowering it makes KVM without an
 * in-kernel APIC exit (KVM_EXIT_SET_TPR) so that the monitor can deliver
 * what the old priority held back. Interrupts are off here. */
static void cr8_tpr(void)
{
	ulong r;

	__asm__ volatile("mov %1, %%cr8\n\tmov %%cr8, %0" : "=r"(r) : "r"(9UL));
	check(9, r, "mov to cr8 9, read back");
	__asm__ volatile("mov %1, %%cr8\n\tmov %%cr8, %0" : "=r"(r) : "r"(2UL));
	check(2, r, "mov to cr8 lowers the priority to 2");
	__asm__ volatile("mov %1, %%cr8\n\tmov %%cr8, %0" : "=r"(r) : "r"(0UL));
	check(0, r, "mov to cr8 0");
}

static void widths(void)
{
	ulong r;

	__asm__ volatile("movslq %k1, %0" : "=r"(r) : "r"(0x80000000UL));
	check(0xffffffff80000000UL, r, "movsxd 0x80000000");
	__asm__ volatile("movslq %k1, %0" : "=r"(r) : "r"(0xffffffff7fffffffUL));
	check(0x7fffffff, r, "movsxd 0x7fffffff");
	r = ~0UL;
	__asm__ volatile("addl $1, %k0" : "+r"(r) : : "cc");
	check(0, r, "32-bit add zero-extends");
	r = ~0UL;
	__asm__ volatile("movl %k0, %k0" : "+r"(r));
	check(0xffffffff, r, "32-bit mov to itself zero-extends");
	r = ~0UL;
	__asm__ volatile("cmp %0, %0\n\tcmovnel %k1, %k0" : "+r"(r)
			 : "r"(5UL) : "cc");
	check(0xffffffff, r, "cmov32 not taken still zero-extends");
	r = ~0UL;
	__asm__ volatile("movw $1, %w0" : "+r"(r));
	check(0xffffffffffff0001UL, r, "16-bit mov keeps bits 63:16");
	r = ~0UL;
	__asm__ volatile("movb $1, %b0" : "+r"(r));
	check(0xffffffffffffff01UL, r, "8-bit mov keeps bits 63:8");
	r = 0x1122334455667788UL;
	__asm__ volatile("bswap %0" : "+r"(r));
	check(0x8877665544332211UL, r, "bswap64");
	__asm__ volatile("movsbq %b1, %0" : "=r"(r) : "q"(0x80UL));
	check(0xffffffffffffff80UL, r, "movsx64 byte");
	__asm__ volatile("movzwq %w1, %0" : "=r"(r) : "r"(0xffff8000UL));
	check(0x8000, r, "movzx64 word");
}

static void rex_bytes(void)
{
	ulong r, a;

	r = 0x1122334455667788UL;
	__asm__ volatile("movb $0xaa, %%sil" : "+S"(r));
	check(0x11223344556677aaUL, r, "rex mov to sil");
	r = 0x1122334455667788UL;
	__asm__ volatile("movb $0xbb, %%dil" : "+D"(r));
	check(0x11223344556677bbUL, r, "rex mov to dil");
	__asm__ volatile("push %%rbp\n\tmov %1, %%rbp\n\tmovb $0xcc, %%bpl\n\t"
			 "mov %%rbp, %0\n\tpop %%rbp"
			 : "=r"(r) : "r"(0x1122334455667788UL));
	check(0x11223344556677ccUL, r, "rex mov to bpl");
	__asm__ volatile("mov %%rsp, %%r11\n\tmov %1, %%rsp\n\t"
			 "movb $0xdd, %%spl\n\tmov %%rsp, %0\n\tmov %%r11, %%rsp"
			 : "=r"(r) : "r"(0x1122334455667788UL) : "r11");
	check(0x11223344556677ddUL, r, "rex mov to spl");
	/* 88 e0 is mov %ah,%al; with any REX it is mov %spl,%al. */
	a = 0x1234;
	__asm__ volatile(".byte 0x88, 0xe0" : "+a"(a));
	check(0x1212, a, "88 e0 without rex reads ah");
	a = 0x1234;
	__asm__ volatile("mov %%rsp, %%r11\n\tmov $0x56, %%rsp\n\t"
			 ".byte 0x40, 0x88, 0xe0\n\tmov %%r11, %%rsp"
			 : "+a"(a) : : "r11");
	check(0x1256, a, "40 88 e0 reads spl");
	r = 0x00ff;
	__asm__ volatile("mov $0xff00, %%r8\n\taddb %%r8b, %b0" : "+q"(r)
			 : : "r8", "cc");
	check(0x00ff, r, "r8b is the low byte of r8");
}

static volatile uint64_t rip_var = 0x0123456789abcdefUL;

static void rip_relative(void)
{
	ulong r, l;

	__asm__ volatile("mov rip_var(%%rip), %0" : "=r"(r));
	check(0x0123456789abcdefUL, r, "rip-relative load");
	__asm__ volatile("lea 1f(%%rip), %0\n1:\tmov $1b, %1" : "=r"(r),
			 "=r"(l));
	check(l, r, "rip-relative lea is relative to the next instruction");
	__asm__ volatile("incq rip_var(%%rip)" : : : "memory", "cc");
	check(0x0123456789abcdf0UL, rip_var, "rip-relative inc");
}

static uint64_t pair[4] __attribute__((aligned(16)));

static void cmpxchg16b(void)
{
	uint64_t lo = 1, hi = 2;
	ulong fl = 0x2;

	pair[0] = 1; pair[1] = 2;
	__asm__ volatile(WITH_FLAGS("lock cmpxchg16b %[m]") : "+a"(lo),
			 "+d"(hi), [m] "+m"(pair[0]), [fl] "+r"(fl)
			 : "b"(0x33UL), "c"(0x44UL) : "cc", "memory");
	check_vf(0x33, F_ZF, pair[0], fl, F_ZF, "cmpxchg16b equal stores rbx");
	check(0x44, pair[1], "cmpxchg16b equal stores rcx");
	lo = 0; hi = 0; fl = 0x2 | F_ZF;
	__asm__ volatile(WITH_FLAGS("cmpxchg16b %[m]") : "+a"(lo),
			 "+d"(hi), [m] "+m"(pair[0]), [fl] "+r"(fl)
			 : "b"(0UL), "c"(0UL) : "cc", "memory");
	check_vf(0x33, 0, lo, fl, F_ZF, "cmpxchg16b differ loads rax");
	check(0x44, hi, "cmpxchg16b differ loads rdx");
	trap_clear();
	__asm__ volatile(FAULTS("cmpxchg16b (%0)") : : "r"(&pair[0] + 1),
			 "a"(0), "d"(0), "b"(0), "c"(0) : "cc", "memory");
	check_trap(13, 0, "cmpxchg16b misaligned raises #gp(0)");
}

static uint8_t sbuf[64] __attribute__((aligned(16)));

static void strings64(void)
{
	ulong di = (uintptr_t)sbuf, c = 4;

	memset(sbuf, 0, sizeof(sbuf));
	__asm__ volatile("cld\n\trep stosq" : "+D"(di), "+c"(c)
			 : "a"(0x0101010101010101UL) : "memory");
	check(32, di - (uintptr_t)sbuf, "rep stosq rdi");
	check(0, c, "rep stosq rcx");
	check(0x0101010101010101UL, *(uint64_t *)(sbuf + 24),
	      "rep stosq last element");
	memset(sbuf, 0, sizeof(sbuf));
	/* With a 32-bit address size the count is ECX: 2, not 2^32 + 2. */
	di = (uintptr_t)sbuf; c = 0x100000002UL;
	__asm__ volatile("cld\n\taddr32 rep stosb" : "+D"(di), "+c"(c)
			 : "a"(0x7fUL) : "memory");
	check(0, c & 0xffffffff, "addr32 rep stosb uses ecx");
	check(0x7f7f00, sbuf[0] << 16 | sbuf[1] << 8 | sbuf[2],
	      "addr32 rep stosb stores ecx bytes");
	di = (uintptr_t)sbuf + 8; c = 2;
	{
		ulong si = (uintptr_t)pair + 8;

		pair[0] = 0x1111; pair[1] = 0x2222;
		__asm__ volatile("std\n\trep movsq\n\tcld" : "+D"(di),
				 "+S"(si), "+c"(c) : "m"(pair) : "memory");
		check(0x1111, *(uint64_t *)sbuf, "std rep movsq");
		check((uintptr_t)pair - 8, si, "std rep movsq rsi");
	}
}

static uint64_t fs_buf[2] = { 0xf5f5f5f5f5f5f5f5UL, 0x1234 };
static uint64_t gs_buf[2] = { 0x6565656565656565UL, 0x5678 };
static uint64_t kgs_buf[2] = { 0x4b4b4b4b4b4b4b4bUL, 0x9abc };

static void seg_bases(void)
{
	ulong r, si, di, c;
	uint64_t out = 0;

	wrmsr(MSR_FS_BASE, (uintptr_t)fs_buf);
	__asm__ volatile("mov %%fs:8, %0" : "=r"(r));
	check(0x1234, r, "fs base from msr");
	si = 0; di = (uintptr_t)&out; c = 8;
	__asm__ volatile("cld\n\trep movsb %%fs:(%%rsi), %%es:(%%rdi)"
			 : "+S"(si), "+D"(di), "+c"(c) : "m"(fs_buf)
			 : "memory");
	check(0xf5f5f5f5f5f5f5f5UL, out, "rep movsb fs: source");
	wrmsr(MSR_GS_BASE, (uintptr_t)gs_buf);
	wrmsr(MSR_KGS_BASE, (uintptr_t)kgs_buf);
	__asm__ volatile("mov %%gs:8, %0" : "=r"(r));
	check(0x5678, r, "gs base from msr");
	__asm__ volatile("swapgs\n\tmov %%gs:8, %0\n\tswapgs" : "=r"(r));
	check(0x9abc, r, "swapgs exchanges gs base and kernel gs base");
	__asm__ volatile("swapgs" : : : "memory");
	check((uintptr_t)kgs_buf, rdmsr(MSR_GS_BASE), "swapgs gs base msr");
	check((uintptr_t)gs_buf, rdmsr(MSR_KGS_BASE),
	      "swapgs kernel gs base msr");
	__asm__ volatile("swapgs" : : : "memory");
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);
}

static void canonical(void)
{
	trap_clear();
	__asm__ volatile(FAULTS("mov (%0), %%rax") : : "r"(0x0000800000000000UL)
			 : "rax", "memory");
	check_trap(13, 0, "load from non-canonical 0x800000000000");
	/* A fault's frame has RF set, so that the IRET back does not take an
	 * instruction breakpoint twice (SDM vol. 3, 18.3.1.1). */
	check_dev(0x10000, trap_rflags & 0x10000, 0, "#gp fault frame has rf set");
	trap_clear();
	__asm__ volatile(FAULTS("movq $0, (%0)") : : "r"(0xffff7fffffffff00UL)
			 : "memory");
	check_trap(13, 0, "store to non-canonical 0xffff7fffffffff00");
	trap_clear();
	__asm__ volatile("push %%rbp\n\tmov %0, %%rbp\n\t"
			 FAULTS("mov 0(%%rbp), %%rax") "pop %%rbp"
			 : : "r"(0x0000800000000000UL) : "rax", "memory");
	check_trap_dev(12, 0, 13, 0, "rbp-based non-canonical raises #ss(0)");
	trap_clear();
	__asm__ volatile(FAULTS("wrmsr") : : "c"(MSR_FS_BASE), "a"(0),
			 "d"(0x8000) : "memory");
	check_trap_dev(13, 0, NO_TRAP, 0, "wrmsr fs base non-canonical");
	wrmsr(MSR_FS_BASE, 0);
}

static void ist_switch(void)
{
	ist_seen.count = 0;
	__asm__ volatile("int $0x83" : : : "memory");
	check(1, ist_seen.count, "int 0x83 through an ist gate");
	check((uintptr_t)ist_stack_top - 40, ist_seen.frame,
	      "ist 1 stack holds the frame");
	check(SEL_KDATA, ist_seen.ss, "ist frame saved ss");
}

void guest_main(unsigned long magic, unsigned long info)
{
	(void)magic;
	(void)info;
	setup();
	trap_clear();
	alu_checks();
	muldiv_checks();
	bitops_checks();
	bcd_checks();
	xchg_checks();
	cond_checks();
	string_checks();
	stack_checks();
	widths();
	cr8_tpr();
	rex_bytes();
	rip_relative();
	cmpxchg16b();
	strings64();
	seg_bases();
	canonical();
	ist_switch();
	lm64_paging_checks();	/* also maps the image for ring 3 */
	lm64_user_checks();
	fpu_checks();
	suite_done();
}
