/* suite32 in virtual-8086 mode (SDM vol. 3, chapter 20; vol. 2, IRET and
 * INT n): IRETD from CPL 0 with VM set enters it with segments loaded
 * real-mode style; addresses are segment * 16 + offset; CLI, STI, PUSHF,
 * POPF, INT n and IRET raise #GP(0) below IOPL 3 and run at IOPL 3 (POPF
 * and IRET leave IOPL alone there); INT3 is not IOPL-sensitive; the I/O
 * bitmap applies whatever IOPL. An event goes to ring 0 on the TSS stack
 * with GS, FS, DS, ES, SS, ESP, EFLAGS, CS, EIP (and an error code)
 * pushed and DS, ES, FS and GS null; IRETD from the handler resumes
 * virtual-8086 mode. */
#include "suite/pm32.h"

struct v86_regs {
	uint32_t eip, cs, eflags, esp, ss, es, ds, fs, gs;   /* IRETD frame */
	uint32_t eax, ebx, ecx, edx;
};
void vm86_call(const struct v86_regs *r);
void vm86_return(void);

/* What ring 0 saw when a run ended. */
static volatile struct {
	uint32_t vector, error, frame[9], frame_at, sel[4], eax, ebx, ecx, edx, back;
} seen;

static uint8_t v86_stack[256] __attribute__((aligned(16)));
static uint16_t v86_data[16] __attribute__((aligned(16))) = {
	[0] = 0x1111, [1] = 0x2222, [8] = 0x3333,
};

#define SEG(p) ((uint32_t)(uintptr_t)(p) >> 4)
#define IOPL0 0x2
#define IOPL3 (0x2 | F_IOPL3)

extern char v86_addr[], v86_addr_end[], v86_int3[], v86_back[], v86_back_end[];
extern char v86_io[], v86_io_at[];

void pm32_vm86_trap(struct frame32 *f)
{
	/* The data selectors of the interrupted code lie above SS. */
	const uint32_t *slot = (const uint32_t *)(uintptr_t)&f->eip;
	ulong fs, gs;

	if (f->vector == VEC_V86BACK) {
		seen.back++;
		return;
	}
	__asm__ volatile("mov %%fs, %0\n\tmov %%gs, %1" : "=r"(fs), "=r"(gs));
	seen.vector = f->vector;
	seen.error = f->error;
	for (unsigned int k = 0; k < 9; k++)
		seen.frame[k] = slot[k];
	seen.frame_at = (uint32_t)(uintptr_t)slot;
	seen.sel[0] = f->es & 0xffff;
	seen.sel[1] = f->ds & 0xffff;
	seen.sel[2] = fs & 0xffff;
	seen.sel[3] = gs & 0xffff;
	seen.eax = f->eax;
	seen.ebx = f->ebx;
	seen.ecx = f->ecx;
	seen.edx = f->edx;
	f->eip = (uintptr_t)vm86_return;
	f->cs = SEL_KCODE;
	f->eflags = IOPL0;
}

/* Runs code (16-byte aligned) in virtual-8086 mode with the data segments
 * on v86_data and the stack on v86_stack. */
static void run(const char *code, uint32_t eflags, uint32_t eax, uint32_t ecx)
{
	struct v86_regs r = {
		.eip = 0, .cs = SEG(code), .eflags = eflags | F_VM,
		.esp = sizeof(v86_stack), .ss = SEG(v86_stack),
		.es = SEG(v86_data) - 1, .ds = SEG(v86_data), .fs = SEG(v86_data),
		.gs = SEG(v86_data), .eax = eax, .ecx = ecx,
	};
	memset((void *)&seen, 0, sizeof(seen));
	vm86_call(&r);
}

/* The event that ended the run at offset ip of code: vector, error code
 * and the saved EIP, CS and EFLAGS (IOPL and VM as the run began; RF and
 * IF vary). */
static void check_exit(const char *code, const char *ip, ulong vector, ulong error,
		       uint32_t iopl, const char *what)
{
	check(vector, seen.vector, "vm86 %s: vector", what);
	check(error, seen.error, "vm86 %s: error code", what);
	check((uint32_t)(ip - code), seen.frame[0], "vm86 %s: saved eip", what);
	check(SEG(code), seen.frame[1], "vm86 %s: saved cs", what);
	check(F_VM | iopl, seen.frame[2] & (F_VM | F_IOPL3 | 0x2), "vm86 %s: saved eflags",
	      what);
}

/* ... and the rest of its frame, for a run that leaves SP where it began
 * and FS at fs. */
static void check_frame_rest(uint32_t fs, const char *what)
{
	const uint32_t want[6] = { sizeof(v86_stack), SEG(v86_stack), SEG(v86_data) - 1,
				   SEG(v86_data), fs, SEG(v86_data) };
	static const char *const names[6] = { "esp", "ss", "es", "ds", "fs", "gs" };

	for (unsigned int k = 0; k < 6; k++)
		check(want[k], seen.frame[3 + k], "vm86 %s: saved %s", what, names[k]);
}

static void addressing_checks(void)
{
	run(v86_addr, IOPL0, 0, SEG(v86_data) + 1);
	check(0x1111, seen.eax & 0xffff, "vm86 mov ax, [0]: ds * 16 + 0");
	check(0x2222, seen.ebx & 0xffff, "vm86 mov bx, es:[0x12]: the word at ds:2");
	check(0x3333, seen.edx & 0xffff, "vm86 mov fs, cx; mov dx, fs:[0]");
	check(0x1111, seen.ecx & 0xffff, "vm86 push and pop through ss:sp");
	check_exit(v86_addr, v86_addr_end, 13, 0, IOPL0, "hlt");
	check_frame_rest(SEG(v86_data) + 1, "hlt");
	check((uintptr_t)trap_stack_top - 36, seen.frame_at,
	      "vm86 the frame is on the tss esp0 stack");
	static const char *const regs[4] = { "es", "ds", "fs", "gs" };
	for (unsigned int k = 0; k < 4; k++)
		check(0, seen.sel[k], "vm86 %s is null in the handler", regs[k]);
}

struct sensitive {
	const char *name;
	const char *code, *at, *end;
	ulong vector3;		/* what ends the run at IOPL 3 */
};

#define SENSITIVE(n, vec) { #n, v86_##n, v86_##n##_at, v86_##n##_end, vec }
extern char v86_cli[], v86_cli_at[], v86_cli_end[], v86_sti[], v86_sti_at[], v86_sti_end[];
extern char v86_pushf[], v86_pushf_at[], v86_pushf_end[];
extern char v86_popf[], v86_popf_at[], v86_popf_end[];
extern char v86_int[], v86_int_at[], v86_int_end[];
extern char v86_iret[], v86_iret_at[], v86_iret_end[];

static void sensitive_checks(void)
{
	static const struct sensitive list[] = {
		SENSITIVE(cli, 13), SENSITIVE(sti, 13), SENSITIVE(pushf, 13),
		SENSITIVE(popf, 13), SENSITIVE(int, VEC_V86EXIT), SENSITIVE(iret, 13),
	};
	char what[40];

	for (unsigned int k = 0; k < sizeof(list) / sizeof(list[0]); k++) {
		const struct sensitive *s = &list[k];
		run(s->code, IOPL0, F_CF, 0);
		snprintf(what, sizeof(what), "%s at iopl 0", s->name);
		check_exit(s->code, s->at, 13, 0, IOPL0, what);
		run(s->code, IOPL3, F_CF, 0);
		snprintf(what, sizeof(what), "%s at iopl 3", s->name);
		check_exit(s->code, s->end, s->vector3, 0, IOPL3, what);
	}
	run(v86_int, IOPL3, 0, 0);
	check_frame_rest(SEG(v86_data), "int at iopl 3");
	run(v86_pushf, IOPL3, 0, 0);
	check(F_IOPL3, seen.eax & F_IOPL3, "vm86 pushf at iopl 3 shows iopl 3");
	run(v86_popf, IOPL3, F_CF, 0);
	check(F_IOPL3 | F_CF, seen.ebx & (F_IOPL3 | F_CF),
	      "vm86 popf at iopl 3 sets cf, leaves iopl");
	run(v86_iret, IOPL3, F_CF, 0);
	check(F_IOPL3 | F_CF, seen.ebx & (F_IOPL3 | F_CF),
	      "vm86 iret at iopl 3 sets cf, leaves iopl");
	run(v86_int3, IOPL0, 0, 0);
	check_exit(v86_int3, v86_int3, 13, 3 * 8 + 2, IOPL0, "int3 through a dpl 0 gate");
}

static void return_checks(void)
{
	run(v86_back, IOPL3, 0, 0);
	check(2, seen.back, "vm86 iretd from the handler returns twice");
	check(SEG(v86_data), seen.eax & 0xffff, "vm86 ds restored by iretd");
	check_exit(v86_back, v86_back_end, 13, 0, IOPL3, "after two round trips");
	check_frame_rest(SEG(v86_data), "after two round trips");
	run(v86_io, IOPL3, 0, 0);
	check_exit(v86_io, v86_io_at, 13, 0, IOPL3, "out 0x84 denied by the bitmap at iopl 3");
}

void pm32_vm86_checks(void)
{
	addressing_checks();
	sensitive_checks();
	return_checks();
}
