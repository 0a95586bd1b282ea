/* suite16: real mode. The shared groups run with 16-bit default operand
 * and address size (the 32-bit forms carry prefixes); then interrupts and
 * exceptions through the IVT (SDM vol. 3, 20.1.4: FLAGS, CS, IP pushed,
 * IF/TF/AC cleared, no error codes; faults save the faulting IP, INT n,
 * INT3 and INTO the next one), and segment arithmetic: linear = segment *
 * 16 + offset, 16-bit offsets wrapping at 64 KiB, and #GP (no error code)
 * for an access past offset 0xffff. */
#include "suite/suite.h"

const char suite_mode[] = "rm16";

/* The frame rm_common builds. */
struct rm_frame {
	uint16_t es, ds;
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint16_t vector, ip, cs, flags;
} __attribute__((packed));

extern const uint16_t rm_vectors[9], rm_stubs[9];
void rm_far_fn(void);
void rm_trap(struct rm_frame *f);

static volatile struct {
	ulong ip, cs, flags, count;
} int_seen;

void rm_trap(struct rm_frame *f)
{
	ulong ip = f->ip;

	if (f->vector == 0x80) {
		int_seen.ip = f->ip;
		int_seen.cs = f->cs;
		int_seen.flags = f->flags;
		int_seen.count++;
		f->flags |= F_CF;	/* IRET must bring it back */
		return;
	}
	if (trap_record(f->vector, 0, 0, &ip, f->cs, (uintptr_t)&f->ip)) {
		f->ip = (uint16_t)ip;
		return;
	}
	printf("FAIL %s: unexpected exception %u at %x:%x\n", suite_mode,
	       f->vector, f->cs, f->ip);
	exit_vm(EXIT_EXCEPTION + f->vector);
}

static void set_vector(unsigned int v, uint16_t off)
{
	__asm__ volatile("pushl %%es\n\txor %%ax, %%ax\n\tmov %%ax, %%es\n\t"
			 "mov %w1, %%es:(%%bx)\n\tmov %%cs, %%es:2(%%bx)\n\t"
			 "popl %%es"
			 : : "b"(v * 4), "r"(off) : "eax", "memory");
}

static void ivt_checks(void)
{
	ulong fl, ip;
	static const int16_t bounds[2] = { 0, 4 };

	int_seen.count = 0;
	fl = 0x2;
	__asm__ volatile(WITH_FLAGS("int $0x80\n8:") : [fl] "+r"(fl)
			 : : "memory", "cc");
	__asm__ volatile("mov $8b, %0" : "=r"(ip));
	check(1, int_seen.count, "int 0x80 through the ivt");
	check(FLAT_SEG, int_seen.cs, "int 0x80 pushes cs");
	check(ip, int_seen.ip, "int 0x80 pushes the next ip");
	check(F_CF, fl & F_CF, "iret restores the flags the handler changed");

	trap_clear();
	__asm__ volatile(TRAPS("int3") : : : "memory");
	check_trap(3, 0, "int3 saves the next ip");
	trap_clear();
	__asm__ volatile("mov $0x7f, %%al\n\tadd $1, %%al\n\t" TRAPS("into")
			 : : : "eax", "memory", "cc");
	check_trap(4, 0, "into with of=1");
	trap_clear();
	__asm__ volatile("xor %%al, %%al\n\t" TRAPS("into")
			 : : : "eax", "memory", "cc");
	check_trap(NO_TRAP, 0, "into with of=0");
	trap_clear();
	__asm__ volatile(FAULTS("boundw %w0, %1")
			 : : "r"(5), "m"(bounds) : "memory");
	check_trap(5, 0, "bound 5 outside 0..4");
	trap_clear();
	__asm__ volatile(FAULTS("boundw %w0, %1")
			 : : "r"(4), "m"(bounds) : "memory");
	check_trap(NO_TRAP, 0, "bound 4 inside 0..4");
	trap_clear();
	__asm__ volatile(FAULTS("ud2") : : : "memory");
	check_trap(6, 0, "ud2");
	trap_clear();
	__asm__ volatile(FAULTS("divb %b0") : : "q"(0) : "eax", "memory",
			 "cc");
	check_trap(0, 0, "div by 0 through the ivt");
}

static void segment_checks(void)
{
	ulong v, off;

	/* Two segment:offset pairs for linear 0x20010. */
	__asm__ volatile("pushl %%es\n\tmov %w1, %%es\n\t"
			 "movw $0xbeef, %%es:0x10\n\tpopl %%es\n\t"
			 "pushl %%ds\n\tmov %w2, %%ds\n\tmov 0, %w0\n\t"
			 "popl %%ds"
			 : "=r"(v) : "r"(0x2000), "r"(0x2001) : "memory");
	check(0xbeef, v & 0xffff, "2000:0010 and 2001:0000 alias");
	/* [bx+si] wraps at 64 KiB: 0xfff0 + 0x20 = 0x0010. */
	__asm__ volatile("pushl %%ds\n\tmov %w1, %%ds\n\t"
			 ".byte 0x8b, 0x00\n\t"	/* mov (%bx,%si), %ax */
			 "popl %%ds"
			 : "=a"(v) : "r"(0x2000), "b"(0xfff0), "S"(0x20)
			 : "memory");
	check(0xbeef, v & 0xffff, "bx+si wraps at 64 KiB");
	__asm__ volatile("lea 0x20(%%bx), %w0" : "=r"(off) : "b"(0xfff0));
	check(0x10, off & 0xffff, "lea with 16-bit addressing wraps");
	off = 0xffff;
	__asm__ volatile("pushl %%es\n\tmov %w2, %%es\n\tstosb\n\tpopl %%es"
			 : "+D"(off) : "a"(0), "r"(0x2000) : "memory");
	check(0, off & 0xffff, "stosb at di 0xffff wraps di to 0");
	__asm__ volatile("lcallw %1, %2" : "=a"(v)
			 : "i"(FLAT_SEG + 1), "i"((uintptr_t)rm_far_fn - 16)
			 : "memory");
	check(FLAT_SEG + 1, v & 0xffff, "far call loads cs");

	trap_clear();
	__asm__ volatile("pushl %%es\n\tmov %w0, %%es\n\t"
			 FAULTS("movw $1, %%es:0xffff") "popl %%es"
			 : : "r"(0x2000) : "memory");
	check_trap_dev(13, 0, NO_TRAP, 0, "word write at offset 0xffff");
	trap_clear();
	__asm__ volatile("pushl %%es\n\tmov %w0, %%es\n\t"
			 FAULTS("movb %%es:(%%ebx), %%al") "popl %%es"
			 : : "r"(0x2000), "b"(0x10000) : "eax", "memory");
	check_trap_dev(13, 0, NO_TRAP, 0, "32-bit offset 0x10000 past the limit");
}

void guest_main(unsigned long magic, unsigned long info)
{
	(void)magic;
	(void)info;
	for (unsigned int i = 0; i < 9; i++)
		set_vector(rm_vectors[i], rm_stubs[i]);
	trap_clear();
	alu_checks();
	muldiv_checks();
	bitops_checks();
	bcd_checks();
	xchg_checks();
	cond_checks();
	string_checks();
	stack_checks();
	ivt_checks();
	segment_checks();
	suite_done();
}
