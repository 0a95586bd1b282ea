/* suite32 at CPL 3: privileged instructions raise #GP(0) (SDM vol. 3,
 * 5.9), CLI and I/O need IOPL or, for I/O, a clear TSS I/O-bitmap bit per
 * port accessed (vol. 1, 19.5; ports past the TSS limit count as set),
 * POPF leaves IOPL alone, INT n checks the gate's DPL (#GP(vector*8+2)),
 * and a call gate raises the CPL with a stack switch and a parameter
 * copy. Each ring-3 function does one thing; ring 0 checks the record. */
#include "suite/pm32.h"

static volatile ulong user_val, user_esp, user_esp_after;
static uint8_t desc_buf[8] __attribute__((used));

#define UFN(fn, body) static void fn(void) \
	{ __asm__ volatile(body : : : "eax", "ecx", "edx", "memory", "cc"); }

UFN(u_hlt, FAULTS("hlt"))
UFN(u_cli, FAULTS("cli"))
UFN(u_rdcr0, FAULTS("mov %%cr0, %%eax"))
UFN(u_wrcr3, "xor %%eax, %%eax\n\t" FAULTS("mov %%eax, %%cr3"))
UFN(u_lgdt, FAULTS("lgdt desc_buf"))
UFN(u_lidt, FAULTS("lidt desc_buf"))
UFN(u_lldt, "xor %%eax, %%eax\n\t" FAULTS("lldt %%ax"))
UFN(u_ltr, "mov $0x28, %%eax\n\t" FAULTS("ltr %%ax"))
UFN(u_wrmsr, "mov $0xc0000080, %%ecx\n\txor %%eax, %%eax\n\t"
	"xor %%edx, %%edx\n\t" FAULTS("wrmsr"))
UFN(u_rdmsr, "mov $0xc0000080, %%ecx\n\t" FAULTS("rdmsr"))
UFN(u_clts, FAULTS("clts"))
UFN(u_invlpg, FAULTS("invlpg desc_buf"))
UFN(u_rddr7, FAULTS("mov %%dr7, %%eax"))
UFN(u_in80, FAULTS("inb $0x80, %%al"))
UFN(u_out80, FAULTS("outb %%al, $0x80"))
UFN(u_out84, FAULTS("outb %%al, $0x84"))
UFN(u_outw7f, "mov $0x7f, %%dx\n\t" FAULTS("outw %%ax, %%dx"))
UFN(u_outl80, "mov $0x80, %%dx\n\t" FAULTS("outl %%eax, %%dx"))
UFN(u_outl82, "mov $0x82, %%dx\n\t" FAULTS("outl %%eax, %%dx"))
UFN(u_in3f8, "mov $0x3fd, %%dx\n\t" FAULTS("inb %%dx, %%al"))
UFN(u_outsb84, "push %%esi\n\tmov $0x84, %%dx\n\tmov $desc_buf, %%esi\n\t"
	FAULTS("outsb") "pop %%esi")
UFN(u_popf_iopl, "pushf\n\torl $0x3000, (%%esp)\n\tpopf\n\tpushf\n\t"
	"popl user_val")
UFN(u_int80, FAULTS("int $0x80"))
UFN(u_int82, FAULTS("int $0x82"))
UFN(u_int3, FAULTS("int3"))
UFN(u_into, "mov $0x7f, %%al\n\tadd $1, %%al\n\t" FAULTS("into"))
UFN(u_gate, "push $0xabcd\n\tmov %%esp, user_esp\n\t"
	"lcall $0x33, $0\n\tmov %%esp, user_esp_after")
UFN(u_gate0, FAULTS("lcall $0x7b, $0"))
UFN(u_ds_kdata, "mov $0x10, %%eax\n\t" FAULTS("mov %%ax, %%ds")
	"mov $0x23, %%eax\n\tmov %%ax, %%ds")
UFN(u_ss_kdata, "mov $0x10, %%eax\n\t" FAULTS("mov %%ax, %%ss"))
UFN(u_cpl, "mov %%cs, %%eax\n\tmov %%eax, user_val")

#define IOPL0 0x2
#define IOPL3 (0x2 | F_IOPL3)

static void expect(void (*fn)(void), ulong eflags, ulong vec, ulong err,
		   const char *what)
{
	trap_clear();
	user_call(fn, eflags);
	check_trap(vec, err, "cpl3 %s", what);
}

void pm32_user_checks(void)
{
	user_val = 0;
	user_call(u_cpl, IOPL0);
	check(SEL_UCODE | 3, user_val & 0xffff, "cpl3 cs after iret");

	expect(u_hlt, IOPL0, 13, 0, "hlt");
	expect(u_hlt, IOPL3, 13, 0, "hlt with iopl 3");
	expect(u_cli, IOPL0, 13, 0, "cli with iopl 0");
	expect(u_cli, IOPL3, NO_TRAP, 0, "cli with iopl 3");
	expect(u_rdcr0, IOPL3, 13, 0, "mov from cr0");
	expect(u_wrcr3, IOPL3, 13, 0, "mov to cr3");
	expect(u_lgdt, IOPL3, 13, 0, "lgdt");
	expect(u_lidt, IOPL3, 13, 0, "lidt");
	expect(u_lldt, IOPL3, 13, 0, "lldt");
	expect(u_ltr, IOPL3, 13, 0, "ltr");
	expect(u_wrmsr, IOPL3, 13, 0, "wrmsr");
	expect(u_rdmsr, IOPL3, 13, 0, "rdmsr");
	expect(u_clts, IOPL3, 13, 0, "clts");
	expect(u_invlpg, IOPL3, 13, 0, "invlpg");
	expect(u_rddr7, IOPL3, 13, 0, "mov from dr7");

	expect(u_in80, IOPL0, NO_TRAP, 0, "in 0x80 allowed by the bitmap");
	expect(u_out80, IOPL0, NO_TRAP, 0, "out 0x80 allowed by the bitmap");
	expect(u_out84, IOPL0, 13, 0, "out 0x84 denied by the bitmap");
	expect(u_outw7f, IOPL0, 13, 0, "outw 0x7f (0x7f denied)");
	expect(u_outl80, IOPL0, NO_TRAP, 0, "outl 0x80 (0x80-0x83 allowed)");
	expect(u_outl82, IOPL0, 13, 0, "outl 0x82 (0x84 denied)");
	expect(u_in3f8, IOPL0, 13, 0, "in 0x3fd (past the TSS limit)");
	expect(u_outsb84, IOPL0, 13, 0, "outsb 0x84 denied by the bitmap");
	expect(u_out84, IOPL3, NO_TRAP, 0, "out 0x84 with iopl 3");
	expect(u_in3f8, IOPL3, NO_TRAP, 0, "in 0x3fd with iopl 3");

	user_val = 0;
	user_call(u_popf_iopl, IOPL0);
	check(0, user_val & F_IOPL3, "cpl3 popf leaves iopl 0");

	int_seen.count = 0;
	expect(u_int80, IOPL0, NO_TRAP, 0, "int 0x80 through a dpl 3 gate");
	check(1, int_seen.count, "cpl3 int 0x80 handler ran");
	check(SEL_UCODE | 3, int_seen.cs & 0xffff, "cpl3 int 0x80 saved cs");
	check((uintptr_t)trap_stack_top - 20, int_seen.esp,
	      "cpl3 int 0x80 frame on the tss esp0 stack");
	expect(u_int82, IOPL0, 13, 0x82 * 8 + 2, "int 0x82 through a dpl 0 gate");
	expect(u_int3, IOPL0, 13, 3 * 8 + 2, "int3 through a dpl 0 gate");
	expect(u_into, IOPL0, 13, 4 * 8 + 2, "into through a dpl 0 gate");

	gate_seen.count = 0;
	user_call(u_gate, IOPL0);
	check(1, gate_seen.count, "cpl3 call gate reached");
	check(SEL_KCODE, gate_seen.own_cs & 0xffff, "cpl3 call gate runs at cpl 0");
	check(SEL_UCODE | 3, gate_seen.cs & 0xffff, "cpl3 call gate saved cs");
	check(SEL_UDATA | 3, gate_seen.ss & 0xffff, "cpl3 call gate saved ss");
	check(user_esp, gate_seen.esp, "cpl3 call gate saved esp");
	check(0xabcd, gate_seen.param, "cpl3 call gate copied the parameter");
	check(user_esp + 4, user_esp_after, "cpl3 lret 4 releases the parameter");
	expect(u_gate0, IOPL0, 13, SEL_GATE0, "call through a dpl 0 gate");
	expect(u_ds_kdata, IOPL0, 13, SEL_KDATA, "mov ds, dpl 0 data");
	expect(u_ss_kdata, IOPL0, 13, SEL_KDATA, "mov ss, dpl 0 data");
}
