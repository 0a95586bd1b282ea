/* suite64 at CPL 3: entered by IRETQ; privileged instructions and SWAPGS
 * raise #GP(0); with IOPL 0 and no I/O bitmap every port is denied;
 * SYSCALL saves RIP in RCX and RFLAGS in R11, masks RFLAGS with FMASK and
 * loads CS/SS from STAR, SYSRETQ returns to CS = STAR[63:48] + 16 and SS =
 * STAR[63:48] + 8 with RPL 3 (SDM vol. 2, SYSCALL/SYSRET); INT 0x80
 * switches to RSP0 and pushes SS:RSP. */
#include "suite/lm64.h"

static volatile ulong user_val, user_cs, user_ss, user_fl, user_rip;
static uint8_t desc_buf[16] __attribute__((used));

#define UFN(fn, body) static void fn(void) \
	{ __asm__ volatile(body : : : "rax", "rcx", "rdx", "r11", "memory", \
			   "cc"); }

UFN(u_hlt, FAULTS("hlt"))
UFN(u_cli, FAULTS("cli"))
UFN(u_rdcr0, FAULTS("mov %%cr0, %%rax"))
UFN(u_wrcr3, "xor %%eax, %%eax\n\t" FAULTS("mov %%rax, %%cr3"))
UFN(u_rdcr8, FAULTS("mov %%cr8, %%rax"))
UFN(u_lgdt, FAULTS("lgdt desc_buf(%%rip)"))
UFN(u_lidt, FAULTS("lidt desc_buf(%%rip)"))
UFN(u_ltr, "mov $0x30, %%eax\n\t" FAULTS("ltr %%ax"))
UFN(u_wrmsr, "mov $0xc0000080, %%ecx\n\txor %%eax, %%eax\n\t"
	"xor %%edx, %%edx\n\t" FAULTS("wrmsr"))
UFN(u_rdmsr, "mov $0xc0000080, %%ecx\n\t" FAULTS("rdmsr"))
UFN(u_invlpg, FAULTS("invlpg desc_buf(%%rip)"))
UFN(u_wrdr7, "xor %%eax, %%eax\n\t" FAULTS("mov %%rax, %%dr7"))
UFN(u_swapgs, FAULTS("swapgs"))
UFN(u_in80, FAULTS("inb $0x80, %%al"))
UFN(u_out80, FAULTS("outb %%al, $0x80"))
UFN(u_int80, FAULTS("int $0x80"))
UFN(u_int83, FAULTS("int $0x83"))
UFN(u_sysret, FAULTS("sysretq"))
/* POPF sets TF: the trap comes after the next instruction. */
UFN(u_step, TRAPS("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\tnop"))
UFN(u_gs_read, "mov %%gs:0, %%rax\n\tmov %%rax, user_val(%%rip)")
UFN(u_ids, "mov %%cs, %%eax\n\tmov %%rax, user_cs(%%rip)\n\t"
	"mov %%ss, %%eax\n\tmov %%rax, user_ss(%%rip)")
UFN(u_syscall, "std\n\tstc\n\tsyscall\n1:\tpushfq\n\tpopq user_fl(%%rip)\n\tcld\n\t"
	"lea 1b(%%rip), %%rax\n\tmov %%rax, user_rip(%%rip)\n\t"
	"mov %%cs, %%eax\n\tmov %%rax, user_cs(%%rip)\n\t"
	"mov %%ss, %%eax\n\tmov %%rax, user_ss(%%rip)")

#define IOPL0 0x2
#define IOPL3 (0x2 | F_IOPL3)

static void expect(void (*fn)(void), ulong rflags, ulong vec, ulong err,
		   const char *what)
{
	trap_clear();
	user_call(fn, rflags);
	check_trap(vec, err, "cpl3 %s", what);
}

/* IRETQ to CPL 3 nulls a data segment register whose DPL is below the
 * new CPL; the hidden base stays, on both vendors, as on KVM (a kernel
 * that keeps a per-CPU pointer in GS relies on it). */
static void iret_nulls_keeps_base(void)
{
	static volatile ulong gs_probe = 0x5eed1e55;
	uint64_t old = rdmsr(MSR_GS_BASE);

	__asm__ volatile("mov %0, %%gs" : : "r"(SEL_KDATA));
	wrmsr(MSR_GS_BASE, (uintptr_t)&gs_probe);
	user_val = 0;
	user_call(u_gs_read, IOPL0);
	check(0x5eed1e55, user_val, "iretq to cpl3 nulls gs (dpl 0), its base stays");
	wrmsr(MSR_GS_BASE, old);
}

static int vendor_amd(void)
{
	uint32_t b, c, d, a = 0;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x68747541;	/* "Auth" */
}

/* SYSCALL with TF from compatibility mode: AMD runs it (FMASK clears TF,
 * so no #DB follows), Intel raises #UD and CSTAR's code records nothing.
 * Under theorem3 the SYSCALL runs on KVM and CSTAR's code in the
 * interpreter. */
static void compat_syscall_checks(void)
{
	int amd = vendor_amd();

	trap_clear();
	sys_seen = (struct entry_seen){ 0 };
	trap_where = (uintptr_t)compat_syscall;
	trap_resume = (uintptr_t)compat_back;
	compat_call(IOPL0);
	trap_resume = 0;
	check_trap(amd ? NO_TRAP : 6, 0, "cpl3 compat syscall with tf: amd no #db, intel #ud");
	check(amd ? 1 : 0, sys_seen.count, "cpl3 compat syscall reaches cstar (amd)");
	check(amd ? SEL_KCODE : 0, sys_seen.cs, "compat syscall cs from star (amd)");
	check(amd ? (uintptr_t)compat_back : 0, sys_seen.rcx,
	      "compat syscall rcx holds the next eip (amd)");
	check(amd ? F_TF : 0, sys_seen.r11 & F_TF, "compat syscall r11 keeps tf (amd)");
	check(0, sys_seen.rflags & F_TF, "compat syscall masks tf");
}

void lm64_user_checks(void)
{
	user_call(u_ids, IOPL0);
	check(SEL_UCODE64 | 3, user_cs, "cpl3 cs after iretq");
	check(SEL_UDATA | 3, user_ss, "cpl3 ss after iretq");

	expect(u_hlt, IOPL3, 13, 0, "hlt");
	expect(u_cli, IOPL0, 13, 0, "cli with iopl 0");
	expect(u_cli, IOPL3, NO_TRAP, 0, "cli with iopl 3");
	expect(u_rdcr0, IOPL3, 13, 0, "mov from cr0");
	expect(u_wrcr3, IOPL3, 13, 0, "mov to cr3");
	expect(u_rdcr8, IOPL3, 13, 0, "mov from cr8");
	expect(u_lgdt, IOPL3, 13, 0, "lgdt");
	expect(u_lidt, IOPL3, 13, 0, "lidt");
	expect(u_ltr, IOPL3, 13, 0, "ltr");
	expect(u_wrmsr, IOPL3, 13, 0, "wrmsr");
	expect(u_rdmsr, IOPL3, 13, 0, "rdmsr");
	expect(u_invlpg, IOPL3, 13, 0, "invlpg");
	expect(u_wrdr7, IOPL3, 13, 0, "mov to dr7");
	expect(u_swapgs, IOPL3, 13, 0, "swapgs");
	expect(u_sysret, IOPL3, 13, 0, "sysretq");
	expect(u_in80, IOPL0, 13, 0, "in 0x80 with iopl 0, no bitmap");
	expect(u_out80, IOPL0, 13, 0, "out 0x80 with iopl 0, no bitmap");
	expect(u_out80, IOPL3, NO_TRAP, 0, "out 0x80 with iopl 3");

	int_seen.count = 0;
	expect(u_int80, IOPL0, NO_TRAP, 0, "int 0x80 through a dpl 3 gate");
	check(1, int_seen.count, "cpl3 int 0x80 handler ran");
	check(SEL_UCODE64 | 3, int_seen.cs, "cpl3 int 0x80 saved cs");
	check(SEL_UDATA | 3, int_seen.ss, "cpl3 int 0x80 saved ss");
	check((uintptr_t)trap_stack_top - 40, int_seen.frame,
	      "cpl3 int 0x80 frame on the rsp0 stack");
	/* The error code's index field holds the vector, whatever the
	 * gate size: (vector << 3) | IDT. */
	trap_clear();
	user_call(u_int83, IOPL0);
	check_trap_dev(13, 0x83 * 8 + 2, 13, 0x83 * 16 + 2,
		       "cpl3 int 0x83 through a dpl 0 gate");

	/* Under theorem3 the #DB is taken on KVM and its handler runs in
	 * the interpreter: DR6 must come across with the trap's BS. */
	db_dr6 = 0;
	expect(u_step, IOPL0, 1, 0, "single-step #db after popf sets tf");
	check(0x4000, db_dr6 & 0x400f, "cpl3 single-step #db: dr6.bs, no b0-b3");

	compat_syscall_checks();
	iret_nulls_keeps_base();

	sys_seen.count = 0;
	user_call(u_syscall, IOPL0);
	check(1, sys_seen.count, "cpl3 syscall reached lstar");
	check(SEL_KCODE, sys_seen.cs, "syscall cs from star");
	check(SEL_KDATA, sys_seen.ss, "syscall ss from star");
	check(user_rip, sys_seen.rcx, "syscall rcx holds the next rip");
	check(0x2 | F_DF, sys_seen.r11 & ~(ulong)F_ARITH,
	      "syscall r11 holds rflags");
	check(0, sys_seen.rflags & (F_DF | F_TF | F_AC),
	      "syscall masks rflags with fmask");
	/* RFLAGS AND NOT FMASK: CF, which FMASK leaves, stays set. */
	check_dev(F_CF, sys_seen.rflags & F_CF, 0, "syscall keeps cf, which fmask leaves");
	check(SEL_UCODE64 | 3, user_cs, "sysretq cs");
	check(SEL_UDATA | 3, user_ss, "sysretq ss");
	check(F_DF, user_fl & F_DF, "sysretq restores rflags from r11");
}
