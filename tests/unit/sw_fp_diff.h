/* Differential checking of the interpreter's x87, MMX and SSE..SSE4.2
 * against the host processor, header only (include after cmocka.h); the
 * floating-point counterpart of tests/unit/sw_alu_diff.h.
 *
 * A case is one 64-bit-mode instruction (bytes) and a whole starting
 * state: the FXSAVE image (x87 stack, FCW, FSW, tags, MXCSR, XMM0-15),
 * the general registers, the arithmetic flags and a data buffer that one
 * general register (the case's base) points into. The generators that
 * build cases from the opcode tables are in the test programs
 * (test_sw_fp_diff_simd.c, test_sw_fp_diff_x87.c).
 *
 * Native run: FXRSTOR64 of the image, the registers and flags loaded, the
 * instruction's exact bytes in an executable page, then the registers,
 * flags and FXSAVE64 saved and the host's own FPU state restored. A fault
 * (SIGFPE for #MF and #XM; SIGILL, SIGSEGV, SIGBUS caught too so that a
 * bad case is reported rather than fatal) records the trap number and
 * the FXSAVE image of the signal frame, which is the state at the fault
 * (faults are precise: registers and memory untouched), and resumes after
 * the instruction.
 *
 * Interpreter run: the same image in c->s.fx, the same registers, flags
 * and buffer (at FX_DATA_ADDR), CR0.NE=1 and CR4.OSFXSR|OSXMMEXCPT, one
 * instruction through the fixture; an exception is c->last_event.
 *
 * Compared bit for bit: XMM0-15, ST0-7 (80 bits each), FCW, FSW, the
 * abridged FTW, MXCSR, every GPR but RSP and R11 (the harness's), CF PF
 * AF ZF SF OF, the whole buffer, and the exception vector (0 for none).
 * Not compared: FOP, FIP/FCS, FDP/FDS. The interpreter keeps the guest's
 * values there by design (swvmm/exec_x87.c), the native run leaves host
 * addresses, so the host is not an oracle for them; the rules the
 * interpreter follows for them have their own unit tests. A case may also
 * exclude a byte range of the buffer for the same reason (the FIP/FOP/FDP
 * words of an FNSTENV or FNSAVE image). x87 precision control needs no
 * exception: the host runs the guest's FCW, so it is the oracle.
 *
 * Define _GNU_SOURCE before any include (the signal handler reads
 * REG_RIP and REG_TRAPNO). */
#ifndef HVMM_TESTS_SW_FP_DIFF_H
#define HVMM_TESTS_SW_FP_DIFF_H

#include <capstone/capstone.h>
#include <cpuid.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

/* _GNU_SOURCE (for REG_RIP, REG_TRAPNO) brings unistd.h's lockf()
 * command F_LOCK, which swvmm/opcode_table.h names otherwise. */
#undef F_LOCK
#include "swvmm/decode.h"
#include "swvmm/exec_system.h"
#include "tests/unit/sw_alu_diff.h"

#define FPD_MEM      DIFF_DATA_SIZE
#define FPD_MID      DIFF_DATA_MID
#define FPD_ARITH    0x8d5ull
#define FPD_CLASS_MIN 100000u      /* generated cases per instruction class */
#define FPD_SHOW     3             /* failing cases printed per row */

struct fpd_case {
	const char *name;              /* the table row */
	uint8_t code[15];
	unsigned len;
	int base;                      /* GPR pointing at the buffer + FPD_MID, or -1 */
	int ign_off, ign_len;          /* buffer bytes not compared (FIP/FDP in an image) */
};

struct fpd_state {
	struct fxsave_area fx;
	uint64_t r[16];
	uint64_t flags;
	uint8_t mem[FPD_MEM];
	unsigned trap;                 /* 0 or the exception vector */
};

/* ---- the native run ---- */

struct fpd_native {
	struct fxsave_area fx;         /*   0 */
	uint64_t r[16];                /* 512 */
	uint64_t flags;                /* 640 */
	uint64_t code;                 /* 648: the instruction */
	uint64_t exit;                 /* 656: fpd_exit */
	uint8_t pad[40];
	struct fxsave_area host;       /* 704: the host's own state */
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct fpd_native, r) == 512, "fpd_enter: r at 512");
_Static_assert(offsetof(struct fpd_native, exit) == 656, "page: exit at 656");
_Static_assert(offsetof(struct fpd_native, host) == 704, "fpd_exit: host at 704");

/* fpd_enter(ctx, code): callee-saved registers pushed, R11 = ctx, the
 * image, flags and registers (all but RSP and R11) loaded, jump to the
 * instruction; the page continues with jmp *656(%r11) to fpd_exit, which
 * saves everything and returns to fpd_enter's caller. */
void fpd_enter(struct fpd_native *n, const void *code);
void fpd_exit(void);
__asm__(
	".text\n"
	".globl fpd_enter\n.hidden fpd_enter\n.type fpd_enter, @function\n"
	"fpd_enter:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
	"	mov %rdi, %r11\n"
	"	mov %rsi, 648(%r11)\n"
	"	fxrstor64 (%r11)\n"
	"	pushq 640(%r11)\n	popfq\n"
	"	mov 512(%r11), %rax\n	mov 520(%r11), %rcx\n	mov 528(%r11), %rdx\n"
	"	mov 536(%r11), %rbx\n	mov 552(%r11), %rbp\n	mov 560(%r11), %rsi\n"
	"	mov 568(%r11), %rdi\n	mov 576(%r11), %r8\n	mov 584(%r11), %r9\n"
	"	mov 592(%r11), %r10\n	mov 608(%r11), %r12\n	mov 616(%r11), %r13\n"
	"	mov 624(%r11), %r14\n	mov 632(%r11), %r15\n"
	"	jmp *648(%r11)\n"
	".size fpd_enter, . - fpd_enter\n"
	".globl fpd_exit\n.hidden fpd_exit\n.type fpd_exit, @function\n"
	"fpd_exit:\n"
	"	pushfq\n	popq 640(%r11)\n"
	"	mov %rax, 512(%r11)\n	mov %rcx, 520(%r11)\n	mov %rdx, 528(%r11)\n"
	"	mov %rbx, 536(%r11)\n	mov %rbp, 552(%r11)\n	mov %rsi, 560(%r11)\n"
	"	mov %rdi, 568(%r11)\n	mov %r8, 576(%r11)\n	mov %r9, 584(%r11)\n"
	"	mov %r10, 592(%r11)\n	mov %r12, 608(%r11)\n	mov %r13, 616(%r11)\n"
	"	mov %r14, 624(%r11)\n	mov %r15, 632(%r11)\n"
	"	fxsave64 (%r11)\n"
	"	fxrstor64 704(%r11)\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbp\n	pop %rbx\n"
	"	ret\n"
	".size fpd_exit, . - fpd_exit\n");

/* jmp *656(%r11) */
static const uint8_t fpd_jmp_exit[] = { 0x41, 0xff, 0xa3, 0x90, 0x02, 0x00, 0x00 };

/* Test-program state of the native run (the signal handler's too). */
static struct fpd_native fpd_nat;
static uint8_t fpd_buf[FPD_MEM] __attribute__((aligned(64)));
static uint8_t *fpd_page;
static uintptr_t fpd_resume;
static volatile unsigned fpd_trap;
static struct fxsave_area fpd_trap_fx;

static void fpd_on_signal(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	greg_t *g = uc->uc_mcontext.gregs;
	uintptr_t rip = (uintptr_t)g[REG_RIP];
	(void)si;
	if (!fpd_page || rip < (uintptr_t)fpd_page || rip >= (uintptr_t)fpd_page + 4096) {
		signal(sig, SIG_DFL);          /* not ours: fault again, fatally */
		return;
	}
	fpd_trap = sig == SIGILL ? EXC_UD : (unsigned)g[REG_TRAPNO];
	memcpy(&fpd_trap_fx, uc->uc_mcontext.fpregs, sizeof(fpd_trap_fx));
	g[REG_RIP] = (greg_t)fpd_resume;
}

static inline void fpd_catch(int sig)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fpd_on_signal;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Run natively: s in, results out. The interpreter installs its own
 * SIGFPE handler when it needs one, so ours goes back in every time. */
static inline void fpd_native_run(const struct fpd_case *k, struct fpd_state *s)
{
	struct fpd_native *n = &fpd_nat;
	memcpy(fpd_page, k->code, k->len);
	memcpy(fpd_page + k->len, fpd_jmp_exit, sizeof(fpd_jmp_exit));
	fpd_resume = (uintptr_t)fpd_page + k->len;
	n->fx = s->fx;
	memcpy(n->r, s->r, sizeof(n->r));
	if (k->base >= 0)
		n->r[k->base] = (uintptr_t)(fpd_buf + FPD_MID);
	n->flags = (s->flags & FPD_ARITH) | RFLAGS_FIXED;
	memcpy(fpd_buf, s->mem, FPD_MEM);
	fpd_trap = 0;
	fpd_catch(SIGFPE);
	fpd_enter(n, fpd_page);
	s->trap = fpd_trap;
	s->fx = s->trap ? fpd_trap_fx : n->fx;
	memcpy(s->r, n->r, sizeof(s->r));
	s->flags = n->flags;
	memcpy(s->mem, fpd_buf, FPD_MEM);
}

/* ---- the interpreter run ---- */

#define FPD_STOPPED 0x100u   /* trap: the interpreter stopped or ran elsewhere */

static inline void fpd_interp_run(struct sw_fx *fx, const struct fpd_case *k, struct fpd_state *s)
{
	struct sw_cpu *c = fx->c;
	diff_load_code(fx, k->code, k->len);
	fx_poke(fx, FX_DATA_ADDR, s->mem, FPD_MEM);
	memcpy(c->s.gpr, s->r, sizeof(s->r));
	c->s.gpr[RSP] = FX_STACK_TOP;
	if (k->base >= 0)
		c->s.gpr[k->base] = FX_DATA_ADDR + FPD_MID;
	c->s.rflags = (s->flags & FPD_ARITH) | RFLAGS_FIXED;
	c->s.fx = s->fx;
	fx_run(fx, 1);
	if (c->last_event.count)
		s->trap = c->last_event.vector;
	else if (fx->vm.stop != VM_RUNNING || c->s.rip != FX_CODE_ADDR + k->len)
		s->trap = FPD_STOPPED;
	else
		s->trap = 0;
	s->fx = c->s.fx;
	memcpy(s->r, c->s.gpr, sizeof(s->r));
	s->flags = c->s.rflags;
	gmem_read(&fx->vm.mem, FX_DATA_ADDR, s->mem, FPD_MEM);
}

/* ---- edge-biased values ---- */

static inline uint64_t fpd_pick(uint64_t *seed, const uint64_t *v, size_t n)
{
	return v[diff_rand(seed) % n];
}
#define FPD_PICK(seed, arr) fpd_pick((seed), (arr), sizeof(arr) / sizeof((arr)[0]))

static inline uint32_t fpd_f32(uint64_t *seed)
{
	static const uint64_t edge[] = {
		0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff,
		0x00400000, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x7f800000,
		0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001, 0xff800001,
		0x7fa00000, 0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000,
		0xbf000000, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000,
		0xdf000000, 0x46fffe00, 0x47000000, 0x33800000, 0x0c000000, 0x72000000,
	};
	uint64_t r = diff_rand(seed);
	switch (r & 3) {
	case 0: case 1: return (uint32_t)FPD_PICK(seed, edge);
	case 2: return (uint32_t)(r >> 32) ^ (uint32_t)(diff_rand(seed) & 0x7fffff);
	default: return (uint32_t)((r >> 40) & 0x803fffff) | 0x3e000000u; /* near 1 */
	}
}

static inline uint64_t fpd_f64(uint64_t *seed)
{
	static const uint64_t edge[] = {
		0, 1ull << 63, 1, (1ull << 63) | 1, 0x000fffffffffffffull, 0x800fffffffffffffull,
		0x0008000000000000ull, 0x0010000000000000ull, 0x8010000000000000ull,
		0x7fefffffffffffffull, 0xffefffffffffffffull, 0x7ff0000000000000ull,
		0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull,
		0x7ff8000000012345ull, 0x7ff0000000000001ull, 0xfff0000000000001ull,
		0x7ff4000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
		0x3fe0000000000000ull, 0x3ff8000000000000ull, 0x4004000000000000ull,
		0x41e0000000000000ull, 0xc1e0000000000000ull, 0x41dfffffffffffffull,
		0xc1e0000000200000ull, 0x43e0000000000000ull, 0xc3e0000000000000ull,
		0x47efffffe0000000ull, 0x36a0000000000000ull, 0x3810000000000000ull,
		0x380fffffffffffffull, 0x4330000000000000ull, 0x3ca0000000000000ull,
	};
	uint64_t r = diff_rand(seed);
	switch (r & 3) {
	case 0: case 1: return FPD_PICK(seed, edge);
	case 2: return diff_rand(seed);
	default: return (diff_rand(seed) & 0x800fffffffffffffull) | ((0x3f0ull + (r >> 58)) << 52);
	}
}

/* An 80-bit x87 value: the significand in *m, sign and exponent returned. */
static inline uint16_t fpd_f80(uint64_t *seed, uint64_t *m)
{
	static const struct { uint16_t se; uint64_t m; } edge[] = {
		{ 0x0000, 0 }, { 0x8000, 0 },                               /* zeros */
		{ 0x0000, 1 }, { 0x8000, 0x7fffffffffffffffull },           /* denormals */
		{ 0x0000, 0x8000000000000000ull },                          /* pseudo-denormal */
		{ 0x3fff, 0x4000000000000000ull },                          /* unnormal */
		{ 0x7fff, 0x8000000000000000ull }, { 0xffff, 0x8000000000000000ull }, /* inf */
		{ 0x7fff, 0 },                                              /* pseudo-infinity */
		{ 0x7fff, 0xc000000000000000ull }, { 0xffff, 0xc000000000000000ull }, /* QNaN, indefinite */
		{ 0x7fff, 0xc000000000012345ull }, { 0x7fff, 0x8000000000000001ull }, /* SNaN */
		{ 0xffff, 0xa000000000000000ull }, { 0x7fff, 0x4000000000000000ull }, /* pseudo-NaN */
		{ 0x3fff, 0x8000000000000000ull }, { 0xbfff, 0x8000000000000000ull }, /* +-1 */
		{ 0x3ffe, 0x8000000000000000ull }, { 0x3fff, 0xc000000000000000ull }, /* 0.5, 1.5 */
		{ 0x4000, 0xa000000000000000ull }, { 0xbffe, 0xc000000000000000ull }, /* 2.5, -0.75 */
		{ 0x7ffe, 0xffffffffffffffffull }, { 0xfffe, 0xffffffffffffffffull }, /* max */
		{ 0x0001, 0x8000000000000000ull }, { 0x8001, 0x8000000000000000ull }, /* min normal */
		{ 0x403e, 0x8000000000000000ull }, { 0xc03e, 0x8000000000000000ull }, /* 2^63 */
		{ 0x403d, 0xffffffffffffffffull }, { 0xc03e, 0x8000000000000001ull },
		{ 0x401e, 0x8000000000000000ull }, { 0xc01e, 0x8000000000000000ull }, /* 2^31 */
		{ 0x401d, 0xfffffffe00000000ull }, { 0x400e, 0x8000000000000000ull }, /* 2^15 */
		{ 0xc00e, 0x8000000000000000ull }, { 0x400d, 0xfffe000000000000ull },
		{ 0x4000, 0xc90fdaa22168c235ull }, { 0x403f, 0xc90fdaa22168c235ull }, /* pi, big */
		{ 0x4036, 0xde0b6b3a7640000ull << 4 }, { 0x4037, 0x8ac7230489e80000ull }, /* 1e18 */
		{ 0x43ff, 0x8000000000000000ull }, { 0x3bff, 0x8000000000000000ull }, /* 2^+-1024 */
		{ 0x407f, 0x8000000000000000ull }, { 0x3f80, 0x8000000000000000ull }, /* 2^+-128 */
	};
	uint64_t r = diff_rand(seed);
	unsigned k;
	switch (r & 3) {
	case 0: case 1:
		k = (unsigned)(diff_rand(seed) % (sizeof(edge) / sizeof(edge[0])));
		*m = edge[k].m;
		return edge[k].se;
	case 2:
		*m = diff_rand(seed) | 1ull << 63;
		return (uint16_t)(0x3fff - 40 + (r >> 56) % 80) | (uint16_t)(r >> 48 & 0x8000);
	default:
		*m = diff_rand(seed);
		return (uint16_t)(r >> 16);
	}
}

/* Eight bytes of integer lanes: edges of one lane width, or bytes of a
 * small alphabet with zeros (string compares), or random. */
static inline uint64_t fpd_int(uint64_t *seed)
{
	static const uint64_t e16[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x8001, 0x100 };
	static const uint64_t e32[] = { 0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, 0x10000,
	                                0xffff8000, 0x7fff };
	static const uint8_t alpha[] = { 0, 'a', 'b', 'z', 'A', 0x80, 0xff, ' ' };
	uint64_t r = diff_rand(seed), v = 0;
	switch (r & 7) {
	case 0: case 1: return diff_value(seed);
	case 2:
		for (int k = 0; k < 4; k++)
			v |= FPD_PICK(seed, e16) << 16 * k;
		return v;
	case 3: return FPD_PICK(seed, e32) | FPD_PICK(seed, e32) << 32;
	case 4:
		for (int k = 0; k < 8; k++)
			v |= (uint64_t)alpha[(r >> (8 + 3 * k)) & 7] << 8 * k;
		return v;
	default: return diff_rand(seed);
	}
}

enum fpd_kind { FPD_K_INT, FPD_K_F32, FPD_K_F64, FPD_K_MIX };

/* Eight bytes of the given kind (FPD_K_MIX: any, chosen here). */
static inline uint64_t fpd_chunk(uint64_t *seed, enum fpd_kind kind)
{
	if (kind == FPD_K_MIX || (diff_rand(seed) & 7) == 0)
		kind = (enum fpd_kind)(diff_rand(seed) % 3);
	switch (kind) {
	case FPD_K_F32: return fpd_f32(seed) | (uint64_t)fpd_f32(seed) << 32;
	case FPD_K_F64: return fpd_f64(seed);
	default: return fpd_int(seed);
	}
}

static inline void fpd_fill(uint64_t *seed, uint8_t *p, size_t n, enum fpd_kind kind)
{
	for (size_t o = 0; o < n; o += 8) {
		uint64_t v = fpd_chunk(seed, kind);
		memcpy(p + o, &v, n - o < 8 ? n - o : 8);
	}
}

/* A random MXCSR: rounding, DAZ, FTZ, the masks (all, none or some) and
 * the flags (often clear). */
static inline uint32_t fpd_mxcsr(uint64_t *seed)
{
	uint64_t r = diff_rand(seed);
	uint32_t masks;
	switch (r & 7) {
	case 0: case 1: case 2: masks = 0x1f80; break;
	case 3: masks = 0; break;
	default: masks = (uint32_t)(r >> 8) & 0x1f80;
	}
	uint32_t flags = (r >> 20) & 1 ? (uint32_t)(r >> 24) & 0x3f : 0;
	return masks | flags | ((uint32_t)(r >> 32) & 0x6040);  /* RC, FTZ, DAZ */
}

/* A random x87 state: FCW (precision, rounding, masks), FSW (TOS,
 * condition codes, flags; ES and B set exactly when a flag is unmasked,
 * which is a pending exception only now and then), the abridged tag word
 * and the stack. Bytes 10-15 of each register slot stay zero. */
static inline void fpd_x87(uint64_t *seed, struct fxsave_area *fx, bool mmx)
{
	uint64_t r = diff_rand(seed);
	unsigned masks = (r & 3) ? 0x3f : (unsigned)(r >> 8) & 0x3f;
	fx->fcw = (uint16_t)(0x40 | masks | ((r >> 16) & 0x1f00));
	unsigned flags = (r >> 24) & 1 ? (unsigned)(r >> 32) & 0x7f : 0;
	if ((flags & ~masks & 0x3f) && ((r >> 40) & 7))
		flags &= masks | 0x40;              /* pending only one time in eight */
	bool es = flags & ~masks & 0x3f;
	fx->fsw = (uint16_t)(flags | (es ? 0x8080 : 0) | ((r >> 44) & 0x4700) | ((r >> 48) & 0x3800));
	switch ((r >> 56) & 7) {
	case 0: case 1: fx->ftw = 0xff; break;
	case 2: fx->ftw = 0; break;
	default: fx->ftw = (uint8_t)diff_rand(seed);
	}
	for (int k = 0; k < 8; k++) {
		uint64_t m;
		uint16_t se = fpd_f80(seed, &m);
		if (mmx && (diff_rand(seed) & 1)) {
			m = fpd_int(seed);
			se = (diff_rand(seed) & 3) ? 0xffff : se;
		}
		memset(fx->st[k], 0, 16);
		memcpy(fx->st[k], &m, 8);
		memcpy(fx->st[k] + 8, &se, 2);
	}
}

/* A whole random starting state; kind steers the XMM lanes. */
static inline void fpd_state_init(uint64_t *seed, struct fpd_state *s, enum fpd_kind kind, bool mmx)
{
	memset(&s->fx, 0, sizeof(s->fx));
	fpd_x87(seed, &s->fx, mmx);
	s->fx.mxcsr = fpd_mxcsr(seed);
	s->fx.mxcsr_mask = 0xffff;
	for (int k = 0; k < 16; k++)
		fpd_fill(seed, s->fx.xmm[k], 16, kind);
	for (int g = 0; g < 16; g++)
		s->r[g] = diff_value(seed);
	s->flags = (diff_rand(seed) & FPD_ARITH) | RFLAGS_FIXED;
	fpd_fill(seed, s->mem, FPD_MEM, kind);
	s->trap = 0;
}

/* ---- comparison and reports ---- */

static inline void fpd_hex(char *out, const uint8_t *b, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		sprintf(out + 3 * k, "%02x ", b[k]);
	out[n ? 3 * n - 1 : 0] = 0;
}

static inline void fpd_disasm(const struct fpd_case *k, char *out, size_t size)
{
	static csh cs;
	static bool open;
	cs_insn *ins;
	snprintf(out, size, "?");
	if (!open && cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return;
	open = true;
	if (cs_disasm(cs, k->code, k->len, 0, 1, &ins) == 1) {
		snprintf(out, size, "%s %s", ins->mnemonic, ins->op_str);
		cs_free(ins, 1);
	}
}

/* One field: print it when it differs. */
static inline bool fpd_field(bool show, const char *what, const void *in, const void *nat,
                             const void *emu, unsigned n)
{
	if (!memcmp(nat, emu, n))
		return false;
	if (show) {
		char a[64], b[64], c[64];
		fpd_hex(a, in, n);
		fpd_hex(b, nat, n);
		fpd_hex(c, emu, n);
		printf("#   %-6s in %s\n#          host %s\n#          interp %s\n", what, a, b, c);
	}
	return true;
}

/* Compare the two results of case k from state in; true when they agree. */
static inline bool fpd_compare(const struct fpd_case *k, const struct fpd_state *in,
                               struct fpd_state *nat, struct fpd_state *emu, bool show)
{
	char name[16];
	bool bad = false;
	if (k->base >= 0 && nat->r[k->base] == (uintptr_t)(fpd_buf + FPD_MID) &&
	    emu->r[k->base] == FX_DATA_ADDR + FPD_MID)
		nat->r[k->base] = emu->r[k->base] = in->r[k->base];
	nat->r[RSP] = emu->r[RSP] = nat->r[R11] = emu->r[R11] = 0;
	nat->flags &= FPD_ARITH;
	emu->flags &= FPD_ARITH;
	if (k->ign_len > 0) {
		memset(nat->mem + k->ign_off, 0, (size_t)k->ign_len);
		memset(emu->mem + k->ign_off, 0, (size_t)k->ign_len);
	}
	bad |= fpd_field(show, "trap", &in->trap, &nat->trap, &emu->trap, 4);
	bad |= fpd_field(show, "fcw", &in->fx.fcw, &nat->fx.fcw, &emu->fx.fcw, 2);
	bad |= fpd_field(show, "fsw", &in->fx.fsw, &nat->fx.fsw, &emu->fx.fsw, 2);
	bad |= fpd_field(show, "ftw", &in->fx.ftw, &nat->fx.ftw, &emu->fx.ftw, 1);
	bad |= fpd_field(show, "mxcsr", &in->fx.mxcsr, &nat->fx.mxcsr, &emu->fx.mxcsr, 4);
	for (int r = 0; r < 8; r++) {
		snprintf(name, sizeof(name), "st%d", r);
		bad |= fpd_field(show, name, in->fx.st[r], nat->fx.st[r], emu->fx.st[r], 10);
	}
	for (int r = 0; r < 16; r++) {
		snprintf(name, sizeof(name), "xmm%d", r);
		bad |= fpd_field(show, name, in->fx.xmm[r], nat->fx.xmm[r], emu->fx.xmm[r], 16);
	}
	for (int r = 0; r < 16; r++) {
		snprintf(name, sizeof(name), "r%d", r);
		bad |= fpd_field(show, name, &in->r[r], &nat->r[r], &emu->r[r], 8);
	}
	bad |= fpd_field(show, "rflags", &in->flags, &nat->flags, &emu->flags, 8);
	for (int o = 0; o < FPD_MEM; o += 16) {
		snprintf(name, sizeof(name), "m%+d", o - FPD_MID);
		bad |= fpd_field(show, name, in->mem + o, nat->mem + o, emu->mem + o, 16);
	}
	return !bad;
}

/* Run case k from state in both ways and compare; true when they agree.
 * show: print the case and the fields that differ. */
static unsigned fpd_traps[32];     /* native exceptions seen, by vector */

static inline bool fpd_check(struct sw_fx *fx, const struct fpd_case *k, const struct fpd_state *in,
                             bool show)
{
	static struct fpd_state nat, emu;
	nat = *in;
	emu = *in;
	fpd_native_run(k, &nat);
	fpd_interp_run(fx, k, &emu);
	fpd_traps[nat.trap & 31]++;
	if (fpd_compare(k, in, &nat, &emu, false))
		return true;
	if (show) {
		char hex[48], dis[200];
		fpd_hex(hex, k->code, k->len);
		fpd_disasm(k, dis, sizeof(dis));
		printf("# MISMATCH %s: %s  (%s), base r%d\n", k->name, hex, dis, k->base);
		printf("#   in: fcw=%04x fsw=%04x ftw=%02x mxcsr=%08x flags=%03llx\n", in->fx.fcw,
		       in->fx.fsw, in->fx.ftw, in->fx.mxcsr, (unsigned long long)in->flags);
		fpd_compare(k, in, &nat, &emu, true);
		if (emu.trap == FPD_STOPPED)
			printf("#   interpreter: %s\n", fx->vm.err);
	}
	return false;
}

/* ---- encodings ---- */

/* The general registers a case may name: all but RSP and R11. */
static inline unsigned fpd_gpr(uint64_t *seed, unsigned avoid)
{
	avoid |= 1u << RSP | 1u << R11;
	for (;;) {
		unsigned g = (unsigned)(diff_rand(seed) >> 40) & 15;
		if (!(avoid & (1u << g)))
			return g;
	}
}

/* An instruction being put together: prefixes, REX, opcode bytes, ModRM
 * and what follows it. */
struct fpd_enc {
	uint8_t pfx[3], op[4], tail[8];
	unsigned npfx, nop, ntail;
	unsigned rex;                  /* 0x40 | WRXB, or 0: none */
	unsigned modrm;
	bool has_modrm;
};

/* ModRM.rm naming [base + disp] for a random base (not one in avoid):
 * disp8 in -64..48, a multiple of align; mod 00 where the base allows
 * it and disp is 0; a SIB byte for RSP/R12-style bases. Returns the base
 * and the displacement in *disp. */
static inline unsigned fpd_mem_operand(uint64_t *seed, struct fpd_enc *e, unsigned avoid,
                                       unsigned align, int *disp)
{
	unsigned b = fpd_gpr(seed, avoid);
	uint64_t r = diff_rand(seed);
	int d = (int)((r >> 8) % 113) - 64;
	d -= ((d % (int)align) + (int)align) % (int)align;
	if ((r & 3) == 0 && (b & 7) != 5)
		d = 0;
	e->modrm = (e->modrm & 0x38) | (b & 7) | (d || (b & 7) == 5 ? 0x40 : 0);
	if (b & 8)
		e->rex |= 0x41;
	if ((b & 7) == 4)
		e->tail[e->ntail++] = 0x24;
	if (e->modrm & 0x40)
		e->tail[e->ntail++] = (uint8_t)d;
	*disp = d;
	return b;
}

static inline void fpd_emit(const struct fpd_enc *e, struct fpd_case *k)
{
	unsigned n = 0;
	for (unsigned j = 0; j < e->npfx; j++)
		k->code[n++] = e->pfx[j];
	if (e->rex)
		k->code[n++] = (uint8_t)(0x40 | e->rex);
	for (unsigned j = 0; j < e->nop; j++)
		k->code[n++] = e->op[j];
	if (e->has_modrm)
		k->code[n++] = (uint8_t)e->modrm;
	for (unsigned j = 0; j < e->ntail; j++)
		k->code[n++] = e->tail[j];
	k->len = n;
}

/* ---- the driver ---- */

struct fpd_sw {
	struct sw_fx *fx;
	uint64_t seed;
};

static inline void fpd_setup(struct fpd_sw *d)
{
	d->fx = fx_new_ok(FX_LONG64);
	struct sw_cpu *c = d->fx->c;
	c->s.cr0 = (c->s.cr0 | CR0_NE | CR0_MP) & ~(uint64_t)(CR0_EM | CR0_TS);
	c->s.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	fx_sync(d->fx);
	d->seed = 0x5eed0f87d1ffull;
	if (!fpd_page) {
		fpd_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(fpd_page != MAP_FAILED);
		fpd_nat.exit = (uintptr_t)fpd_exit;
		__asm__ volatile("fxsave64 %0" : "=m"(fpd_nat.host));
	}
	fpd_catch(SIGILL);
	fpd_catch(SIGSEGV);
	fpd_catch(SIGBUS);
}

static inline void fpd_teardown(struct fpd_sw *d)
{
	signal(SIGFPE, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	fx_free(d->fx);
}

/* Whether the host processor has a CPUID feature bit. */
static inline bool fpd_host_has(uint32_t leaf, unsigned reg, unsigned bit)
{
	unsigned r[4];
	if (!__get_cpuid_count(leaf, 0, &r[0], &r[1], &r[2], &r[3]))
		return false;
	return (r[reg] >> bit) & 1;
}

static inline double fpd_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* A row of a class: gen builds a case of row (its bytes, its base
 * register and its starting state). */
typedef void fpd_gen_fn(uint64_t *seed, unsigned row, struct fpd_case *k, struct fpd_state *s);

/* Run the rows of one class, per = cases each, and report. Returns the
 * number of rows with a mismatch. */
static inline unsigned fpd_run_rows(struct fpd_sw *d, const char *cls, const unsigned *rows,
                                    unsigned nrows, unsigned per, fpd_gen_fn *gen)
{
	static struct fpd_state in;
	unsigned bad_rows = 0;
	double t0 = fpd_now();
	memset(fpd_traps, 0, sizeof(fpd_traps));
	for (unsigned r = 0; r < nrows; r++) {
		unsigned bad = 0;
		for (unsigned n = 0; n < per; n++) {
			struct fpd_case k = { .base = -1 };
			gen(&d->seed, rows[r], &k, &in);
			if (!fpd_check(d->fx, &k, &in, bad < FPD_SHOW))
				bad++;
		}
		if (bad) {
			struct fpd_case k = { .base = -1 };
			gen(&d->seed, rows[r], &k, &in);
			printf("# %s: %s: %u of %u cases differ\n", cls, k.name, bad, per);
			fflush(stdout);
			bad_rows++;
		}
	}
	printf("# %s: %u rows, %u cases (%u #MF, %u #XM), %.1f s\n", cls, nrows, nrows * per,
	       fpd_traps[EXC_MF], fpd_traps[EXC_XM], fpd_now() - t0);
	fflush(stdout);
	return bad_rows;
}

/* A cmocka test per class: the program defines run_class(cls). */
#define FPD_CLASS_TEST(fn, cls) \
	static void fn(void **state) { (void)state; run_class(cls); }

/* Run the rows of a class, enough cases each for FPD_CLASS_MIN in all,
 * then tear down; the test fails if any row differs. */
static inline void fpd_run_class(struct fpd_sw *d, const char *cls, const unsigned *rows,
                                 unsigned nrows, fpd_gen_fn *gen)
{
	unsigned per = nrows ? (FPD_CLASS_MIN + nrows - 1) / nrows : 0;
	unsigned bad = fpd_run_rows(d, cls, rows, nrows, per, gen);
	fpd_teardown(d);
	if (bad)
		fail_msg("%s: %u rows differ from the host", cls, bad);
}

#endif
