/* Lockstep's recorded deviations: differences between the two engines'
 * results that are not the interpreter's fault, each skipped by name and
 * counted (policy/lockstep.h). Most are the harness's emulated hardware
 * (QEMU's TCG under nested SVM), recorded for the instruction suite in
 * tests/suite/hw-deviations.md; docs/policy.md lists them all. */
#include <string.h>

#include "policy/lockstep.h"

/* Vectors of the exceptions the entries name. */
enum { V_MF = 16, V_SS = 12, V_GP = 13, V_PF = 14, V_XM = 19, V_UD = 6, V_NM = 7 };

#define GPRS "rax,rcx,rdx,rbx,rsp,rbp,rsi,rdi,r8,r9,r10,r11,r12,r13,r14,r15"

/* The mnemonic (first word of the disassembly) is m. */
static bool mnem_is(const struct ls_step *st, const char *m)
{
	size_t n = strlen(m);
	const char *d = st->insn.disasm;
	return !strncmp(d, m, n) && (d[n] == ' ' || d[n] == '\0');
}

/* ... starts with p. */
static bool mnem_starts(const struct ls_step *st, const char *p)
{
	return !strncmp(st->insn.disasm, p, strlen(p));
}

static bool long64(const struct ls_step *st)
{
	return vcpu_mode(st->before) == MODE_LONG64;
}

/* Nothing but memory differs, and only the pushed word at the stack top. */
static bool only_frame_word(const struct ls_step *st)
{
	return !st->fields[0] && st->mem[0] && st->mem_at_stack_top && st->hw_reached;
}

/* The interpreter raised vector v and KVM went on past it. */
static bool sw_raised_hw_not(const struct ls_step *st, int v)
{
	return st->sw_exception == v && !st->hw_reached;
}

static bool tsc_read(const struct ls_step *st)
{
	return (mnem_is(st, "rdtsc") || mnem_is(st, "rdtscp")) && !st->mem[0] &&
	       ls_fields_within(st, "rax,rdx,rcx");
}

static bool random_number(const struct ls_step *st)
{
	return (mnem_is(st, "rdrand") || mnem_is(st, "rdseed")) && !st->mem[0] &&
	       ls_fields_within(st, GPRS ",rflags");
}

/* The flags the SDM leaves undefined after an instruction (vol. 1,
 * appendix A, and each instruction's "Flags Affected"). */
static const struct {
	const char *mnem;
	uint64_t flags;
} undefined_flags[] = {
#define F(x) RFLAGS_##x
	{ "mul", F(SF) | F(ZF) | F(AF) | F(PF) },
	{ "imul", F(SF) | F(ZF) | F(AF) | F(PF) },
	{ "div", F(CF) | F(OF) | F(SF) | F(ZF) | F(AF) | F(PF) },
	{ "idiv", F(CF) | F(OF) | F(SF) | F(ZF) | F(AF) | F(PF) },
	{ "and", F(AF) }, { "or", F(AF) }, { "xor", F(AF) }, { "test", F(AF) },
	{ "shl", F(OF) | F(AF) }, { "sal", F(OF) | F(AF) }, { "shr", F(OF) | F(AF) },
	{ "sar", F(OF) | F(AF) }, { "shld", F(OF) | F(AF) | F(CF) },
	{ "shrd", F(OF) | F(AF) | F(CF) }, { "rol", F(OF) }, { "ror", F(OF) },
	{ "rcl", F(OF) }, { "rcr", F(OF) },
	{ "bsf", F(CF) | F(OF) | F(SF) | F(AF) | F(PF) },
	{ "bsr", F(CF) | F(OF) | F(SF) | F(AF) | F(PF) },
	{ "bt", F(OF) | F(SF) | F(AF) | F(PF) }, { "bts", F(OF) | F(SF) | F(AF) | F(PF) },
	{ "btr", F(OF) | F(SF) | F(AF) | F(PF) }, { "btc", F(OF) | F(SF) | F(AF) | F(PF) },
	{ "aaa", F(OF) | F(SF) | F(ZF) | F(PF) }, { "aas", F(OF) | F(SF) | F(ZF) | F(PF) },
	{ "aam", F(OF) | F(AF) | F(CF) }, { "aad", F(OF) | F(AF) | F(CF) },
	{ "daa", F(OF) }, { "das", F(OF) },
#undef F
};

static bool flags_undefined(const struct ls_step *st)
{
	if (st->mem[0] || strcmp(st->fields, "rflags"))
		return false;
	uint64_t diff = st->sw->rflags ^ st->hw->rflags;
	for (size_t i = 0; i < sizeof(undefined_flags) / sizeof(undefined_flags[0]); i++)
		if (mnem_is(st, undefined_flags[i].mnem))
			return !(diff & ~undefined_flags[i].flags);
	return false;
}

bool ls_null_selectors(struct vcpu_state *sw, const struct vcpu_state *hw)
{
	struct seg_cache *a[] = { &sw->seg[SEG_ES], &sw->seg[SEG_SS], &sw->seg[SEG_DS],
	                          &sw->seg[SEG_FS], &sw->seg[SEG_GS], &sw->ldtr };
	const struct seg_cache *b[] = { &hw->seg[SEG_ES], &hw->seg[SEG_SS], &hw->seg[SEG_DS],
	                                &hw->seg[SEG_FS], &hw->seg[SEG_GS], &hw->ldtr };
	bool any = false;
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
		if ((a[i]->selector & ~3) || (b[i]->selector & ~3) ||
		    a[i]->selector != b[i]->selector || a[i]->base != b[i]->base ||
		    seg_cache_equal(a[i], b[i]))
			continue;
		*a[i] = *b[i];
		any = true;
	}
	return any;
}

static bool guest_debug(const struct ls_step *st)
{
	return (st->before->rflags & RFLAGS_TF) || (st->before->dr[7] & 0xff);
}

static bool segment_checks(const struct ls_step *st)
{
	return !long64(st) && (sw_raised_hw_not(st, V_GP) || sw_raised_hw_not(st, V_SS));
}

static bool pf_reserved_bit(const struct ls_step *st)
{
	return st->sw_exception == V_PF && only_frame_word(st);
}

static bool noncanonical_stack(const struct ls_step *st)
{
	return long64(st) && sw_raised_hw_not(st, V_SS);
}

static bool wrmsr_noncanonical(const struct ls_step *st)
{
	return mnem_is(st, "wrmsr") && sw_raised_hw_not(st, V_GP);
}

static bool int_error_code(const struct ls_step *st)
{
	return long64(st) && mnem_is(st, "int") && st->sw_exception == V_GP &&
	       only_frame_word(st);
}

bool ls_fpu_insn(const struct ls_step *st)
{
	return st->insn.disasm[0] == 'f' || mnem_is(st, "wait") || mnem_is(st, "emms") ||
	       mnem_is(st, "ldmxcsr") || mnem_is(st, "stmxcsr") || strstr(st->insn.disasm, "mm");
}

static bool x87_sse(const struct ls_step *st)
{
	if (!ls_fpu_insn(st))
		return false;
	int v = st->sw_exception;
	if ((v == V_MF || v == V_XM || v == V_UD || v == V_GP || v == V_NM) && !st->hw_reached)
		return true;
	return st->hw_reached && ls_fields_within(st, "fx.,rflags");
}

/* Fault-class exceptions: the frame's RFLAGS image has RF set (SDM vol. 3,
 * 18.3.1.1; KVM sets it where it injects one). */
static bool fault_rf(const struct ls_step *st)
{
	static const int faults[] = { 0, 5, 6, 7, 10, 11, 12, 13, 14, 16, 17, 19 };
	bool fault = false;
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		fault |= st->sw_exception == faults[i];
	return fault && st->hw_reached && !st->fields[0] && st->mem_only_rf;
}

/* 64-bit SYSCALL: only RFLAGS differs, and KVM's is the interpreter's
 * without the arithmetic flags. */
static bool syscall_flags(const struct ls_step *st)
{
	const uint64_t arith = RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF |
	                       RFLAGS_OF;
	return long64(st) && mnem_is(st, "syscall") && !st->mem[0] && st->hw_reached &&
	       !strcmp(st->fields, "rflags") && st->hw->rflags == (st->sw->rflags & ~arith);
}

static bool xsave(const struct ls_step *st)
{
	return mnem_starts(st, "xsave") || mnem_starts(st, "xrstor") || mnem_is(st, "xsetbv") ||
	       mnem_is(st, "xgetbv");
}

static const struct ls_deviation deviations[] = {
	{ "vm-stop", "the step that ends the VM (its devices acted once, in the "
	  "interpreter): KVM does not run it", NULL },
	{ "tsc", "RDTSC and RDTSCP read the time-stamp counter at a different host moment "
	  "in each engine", tsc_read },
	{ "random", "RDRAND and RDSEED return random numbers", random_number },
	{ "undefined-flags", "flags the manuals leave undefined after the instruction",
	  flags_undefined },
	{ "null-selector", "the hidden attributes of a register holding a null selector, "
	  "which the guest cannot see: the interpreter's take KVM's", NULL },
	{ "guest-debug", "the guest's own TF or DR7 breakpoints: KVM's debug registers "
	  "stop the step, so the interpreter alone runs it", guest_debug },
	{ "tcg-segment-checks", "TCG does not check segment limits and types on data "
	  "accesses (hw-deviations.md)", segment_checks },
	{ "tcg-pf-reserved-bit", "TCG reports a reserved-bit page fault without P in the "
	  "error code (hw-deviations.md)", pf_reserved_bit },
	{ "tcg-noncanonical-stack", "TCG raises #GP, not #SS, for a non-canonical stack "
	  "reference (hw-deviations.md)", noncanonical_stack },
	{ "tcg-wrmsr-noncanonical", "TCG takes a non-canonical FS/GS base in WRMSR "
	  "(hw-deviations.md)", wrmsr_noncanonical },
	{ "tcg-int-error-code", "TCG's #GP error code for INT n through a low-DPL 64-bit "
	  "gate (hw-deviations.md)", int_error_code },
	{ "tcg-x87-sse", "TCG's x87, SSE and FXSAVE exceptions and state "
	  "(hw-deviations.md)", x87_sse },
	{ "tcg-xsave", "XSETBV in the nested guest never reaches KVM, so XCR0 and the "
	  "XSAVE image differ (hw-deviations.md)", xsave },
	{ "tcg-fault-rf", "TCG pushes a fault's RFLAGS image without RF (hw-deviations.md)",
	  fault_rf },
	{ "tcg-syscall-flags", "TCG's SYSCALL clears the arithmetic flags FMASK leaves "
	  "(hw-deviations.md)", syscall_flags },
};
#define NR_DEVIATIONS (sizeof(deviations) / sizeof(deviations[0]))
_Static_assert(NR_DEVIATIONS <= LS_MAX_DEVIATIONS, "lockstep counts at most 32 deviations");

const struct ls_deviation *ls_deviation(unsigned i)
{
	return i < NR_DEVIATIONS ? &deviations[i] : NULL;
}

unsigned ls_nr_deviations(void)
{
	return NR_DEVIATIONS;
}

int ls_deviation_index(const char *name)
{
	for (unsigned i = 0; i < NR_DEVIATIONS; i++)
		if (!strcmp(deviations[i].name, name))
			return (int)i;
	return -1;
}
