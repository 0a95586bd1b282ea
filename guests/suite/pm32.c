/* suite32: 32-bit protected mode, flat, with its own GDT, IDT and TSS.
 * Runs the shared check groups, then segment loads and faults, ring 3
 * (privileged instructions, IOPL, the I/O bitmap, INT and a call gate),
 * virtual-8086 mode, paging (32-bit and PAE) and hardware task switches. */
#include "suite/pm32.h"

const char suite_mode[] = "pm32";

struct tss32 {
	uint16_t link, r0;
	uint32_t esp0;
	uint16_t ss0, r1;
	uint32_t esp1;
	uint16_t ss1, r2;
	uint32_t esp2;
	uint16_t ss2, r3;
	uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint16_t es, r4, cs, r5, ss, r6, ds, r7, fs, r8, gs, r9, ldt, r10;
	uint16_t trap, iomap;
	/* Ports 0-255: only 0x80-0x83 allowed; the byte after the bitmap
	 * must be all ones. Ports past the TSS limit are denied. LLDT 0 makes
	 * the LDT invalid (after reset its cache is base 0, limit 0xffff). */
	uint8_t iobitmap[32];
	uint8_t iobitmap_end;
} __attribute__((packed));

struct gate {
	uint16_t off0, sel;
	uint8_t params, type;
	uint16_t off1;
} __attribute__((packed));

struct table_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

/* Accessed bits are preset so that loads never write the table. */
uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16))) = {
	[SEL_KCODE / 8] = 0x00cf9b000000ffffULL,
	[SEL_KDATA / 8] = 0x00cf93000000ffffULL,
	[SEL_UCODE / 8] = 0x00cffb000000ffffULL,
	[SEL_UDATA / 8] = 0x00cff3000000ffffULL,
	[SEL_NP / 8] = 0x00cf13000000ffffULL,
	[SEL_XO / 8] = 0x00cf99000000ffffULL,
	[SEL_RCODE / 8] = 0x00cf9b000000ffffULL,
	[SEL_RO / 8] = 0x00cf91000000ffffULL,
	[SEL_LIM / 8] = 0x0040930000000fffULL,
	[SEL_DOWN / 8] = 0x0040970000000fffULL,
	[SEL_BASE / 8] = 0x00cf93010000ffffULL,
	[SEL_DATA1 / 8] = 0x00cfb3000000ffffULL,
};
static struct tss32 tss __attribute__((aligned(16)));
static struct gate idt[256] __attribute__((aligned(16)));
volatile struct entry_seen int_seen, gate_seen;

extern const uint32_t pm32_stubs[32], pm32_stub_user, pm32_stub_priv, pm32_stub_v86[2];
void user_exit_entry(void);
void gate_entry(void);

void pm32_trap(struct frame32 *f);

static uint64_t seg_desc(uint32_t base, uint32_t limit, unsigned int access,
			 unsigned int flags)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)flags << 52 | (uint64_t)(base >> 24) << 56;
}

static struct gate mkgate(uint32_t target, unsigned int type)
{
	return (struct gate){ (uint16_t)target, SEL_KCODE, 0, (uint8_t)type,
			      (uint16_t)(target >> 16) };
}

static void setup(void)
{
	struct table_ptr gdtr = { sizeof(gdt) - 1, (uintptr_t)gdt };
	struct table_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	struct gate g;

	tss.esp0 = (uintptr_t)trap_stack_top;
	tss.ss0 = SEL_KDATA;
	tss.iomap = __builtin_offsetof(struct tss32, iobitmap);
	memset(tss.iobitmap, 0xff, sizeof(tss.iobitmap));
	tss.iobitmap[0x80 / 8] = 0xf0;	/* 0x80-0x83 allowed */
	tss.iobitmap_end = 0xff;
	gdt[SEL_TSS / 8] = seg_desc((uintptr_t)&tss, sizeof(tss) - 1, 0x89, 0);
	/* A call gate: P, DPL 3, type 0xc (32-bit), one parameter. */
	g = mkgate((uintptr_t)gate_entry, 0xec);
	g.params = 1;
	memcpy(&gdt[SEL_GATE3 / 8], &g, 8);
	g.type = 0x8c;
	memcpy(&gdt[SEL_GATE0 / 8], &g, 8);

	for (unsigned int v = 0; v < 32; v++)
		idt[v] = mkgate(pm32_stubs[v], 0x8e);
	idt[VEC_USER] = mkgate(pm32_stub_user, 0xee);
	idt[VEC_EXIT] = mkgate((uintptr_t)user_exit_entry, 0xee);
	idt[VEC_PRIV] = mkgate(pm32_stub_priv, 0x8e);
	idt[VEC_V86EXIT] = mkgate(pm32_stub_v86[0], 0xee);
	idt[VEC_V86BACK] = mkgate(pm32_stub_v86[1], 0xee);

	__asm__ volatile("lgdt %0\n\t"
			 "ljmp %1, $1f\n1:\t"
			 "mov %2, %%ds\n\tmov %2, %%es\n\tmov %2, %%ss\n\t"
			 "mov %2, %%fs\n\tmov %2, %%gs\n\t"
			 "lidt %3\n\tltr %w4\n\tlldt %w5"
			 : : "m"(gdtr), "i"(SEL_KCODE), "r"(SEL_KDATA),
			   "m"(idtr), "r"(SEL_TSS), "r"(0) : "memory");
}

void pm32_trap(struct frame32 *f)
{
	ulong cr2 = 0, ip = f->eip;

	if (f->eflags & F_VM) {
		pm32_vm86_trap(f);
		return;
	}
	if (f->vector == VEC_USER) {
		int_seen.cs = f->cs;
		int_seen.eip = f->eip;
		int_seen.esp = (uintptr_t)&f->eip;
		int_seen.count++;
		return;
	}
	if (f->vector == 14)
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	if (trap_record(f->vector, f->error, cr2, &ip, f->cs,
			(uintptr_t)&f->eip)) {
		f->eip = ip;
		return;
	}
	printf("FAIL %s: unexpected exception %u error 0x%x at %x:%x "
	       "cr2 0x%lx\n", suite_mode, f->vector, f->error, f->cs, f->eip,
	       cr2);
	exit_vm(EXIT_EXCEPTION + f->vector);
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
	pm32_segment_checks();
	pm32_user_checks();
	pm32_vm86_checks();
	pm32_paging_checks();
	pm32_task_checks();
	fpu_checks();
	suite_done();
}
