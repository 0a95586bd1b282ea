/* Differential checking of the interpreter against the host processor,
 * header only (include after cmocka.h). Each case is one 64-bit-mode
 * instruction given as bytes. It runs natively (the bytes are copied
 * between a register-loading prologue and a register-saving epilogue in
 * an executable page) and in the interpreter (tests/unit/sw_fixture.h)
 * from the same random registers, arithmetic flags and data, and the two
 * final states are compared: the GPRs, CF PF AF ZF SF OF and the data
 * buffer. A native #DE (SIGFPE) must be an interpreter #DE with the state
 * unchanged.
 *
 * Conventions for the instruction: RSI points into a data buffer (native:
 * a host array, interpreter: FX_DATA_ADDR + DIFF_DATA_MID), RSP and R11 are
 * not used. Flags the SDM leaves undefined are compared only when the
 * host is an AMD processor (whose behaviour the interpreter follows);
 * elsewhere the case's undef mask drops them. */
#ifndef HVMM_TESTS_SW_ALU_DIFF_H
#define HVMM_TESTS_SW_ALU_DIFF_H

#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/unit/sw_fixture.h"

#define F_CF RFLAGS_CF
#define F_PF RFLAGS_PF
#define F_AF RFLAGS_AF
#define F_ZF RFLAGS_ZF
#define F_SF RFLAGS_SF
#define F_OF RFLAGS_OF
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* In undef: the case's result itself is undefined by the SDM (not just
 * flags): run it only on AMD hosts. */
#define DIFF_AMD_ONLY (1ull << 63)

#define DIFF_DATA_SIZE 512
#define DIFF_DATA_MID  256   /* RSI = start of the buffer + this (16-aligned) */

struct diff_regs {
	uint64_t r[16];
	uint64_t flags;
};

struct diff_case {
	const char *text;       /* the assembly, for failure reports */
	uint8_t code[15];
	unsigned len;
	uint64_t undef;         /* flags undefined by the SDM for this case */
	/* Optional: shape random inputs (e.g. make a division not overflow). */
	void (*fix)(struct diff_regs *r, uint8_t *data);
};

/* Register-loading prologue and register-saving epilogue (RDI = struct
 * diff_regs; RBX RBP R12-R15 are saved and restored; R11 holds the struct):
 *   push rbx; push rbp; push r12..r15; mov r11, rdi; push [r11+128]; popfq
 *   mov rax,[r11]; mov rcx,[r11+8] ... (all but RSP and R11)
 * and
 *   pushfq; pop [r11+128]; mov [r11],rax ... ; pop r15..rbx; ret */
static const uint8_t diff_pro[] = {
	0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, 0x49, 0x89, 0xfb, 0x41,
	0xff, 0xb3, 0x80, 0x00, 0x00, 0x00, 0x9d, 0x49, 0x8b, 0x03, 0x49, 0x8b, 0x4b, 0x08,
	0x49, 0x8b, 0x53, 0x10, 0x49, 0x8b, 0x5b, 0x18, 0x49, 0x8b, 0x6b, 0x28, 0x49, 0x8b,
	0x73, 0x30, 0x49, 0x8b, 0x7b, 0x38, 0x4d, 0x8b, 0x43, 0x40, 0x4d, 0x8b, 0x4b, 0x48,
	0x4d, 0x8b, 0x53, 0x50, 0x4d, 0x8b, 0x63, 0x60, 0x4d, 0x8b, 0x6b, 0x68, 0x4d, 0x8b,
	0x73, 0x70, 0x4d, 0x8b, 0x7b, 0x78,
};
static const uint8_t diff_epi[] = {
	0x9c, 0x41, 0x8f, 0x83, 0x80, 0x00, 0x00, 0x00, 0x49, 0x89, 0x03, 0x49, 0x89, 0x4b,
	0x08, 0x49, 0x89, 0x53, 0x10, 0x49, 0x89, 0x5b, 0x18, 0x49, 0x89, 0x6b, 0x28, 0x49,
	0x89, 0x73, 0x30, 0x49, 0x89, 0x7b, 0x38, 0x4d, 0x89, 0x43, 0x40, 0x4d, 0x89, 0x4b,
	0x48, 0x4d, 0x89, 0x53, 0x50, 0x4d, 0x89, 0x63, 0x60, 0x4d, 0x89, 0x6b, 0x68, 0x4d,
	0x89, 0x73, 0x70, 0x4d, 0x89, 0x7b, 0x78, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41,
	0x5c, 0x5d, 0x5b, 0xc3,
};

/* Test-program state: the SIGFPE landing point of the native run. */
static sigjmp_buf diff_fpe_jmp;

static void diff_fpe(int sig)
{
	(void)sig;
	siglongjmp(diff_fpe_jmp, 1);
}

static inline bool diff_host_amd(void)
{
	unsigned a, b, c, d;
	__cpuid(0, a, b, c, d);
	return b == 0x68747541u; /* "Auth" of AuthenticAMD */
}

/* xorshift64*: reproducible pseudo-random inputs. */
static inline uint64_t diff_rand(uint64_t *st)
{
	uint64_t x = *st;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Random operand values biased toward the edges: 0, 1, all ones, the
 * signed extremes of each width, small numbers, and plain random. */
static inline uint64_t diff_value(uint64_t *st)
{
	static const uint64_t edge[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
		0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~1ull,
		0xffffffff80000000ull, 0xffffffffffff8000ull, 0xffffffffffffff80ull, 9, 0x99,
	};
	uint64_t r = diff_rand(st);
	switch (r & 7) {
	case 0:
	case 1: return edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))];
	case 2: return (r >> 8) & 0xff;
	case 3: return (r >> 8) & 0xffff;
	case 4: return diff_rand(st) >> ((r >> 8) & 63);
	default: return diff_rand(st);
	}
}

struct diff_ctx {
	struct sw_fx *fx;
	uint8_t *page;                /* executable page for the native run */
	bool amd;
	uint64_t seed;
};

static inline void diff_init(struct diff_ctx *d)
{
	d->fx = fx_new(FX_LONG64);
	assert_non_null(d->fx);
	d->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	               -1, 0);
	assert_true(d->page != MAP_FAILED);
	d->amd = diff_host_amd();
	d->seed = 0x9e3779b97f4a7c15ull;
	signal(SIGFPE, diff_fpe);
}

static inline void diff_fini(struct diff_ctx *d)
{
	signal(SIGFPE, SIG_DFL);
	munmap(d->page, 4096);
	fx_free(d->fx);
}

/* Run natively; returns false on #DE. */
static inline bool diff_native(struct diff_ctx *d, const struct diff_case *k, struct diff_regs *r)
{
	uint8_t *p = d->page;
	memcpy(p, diff_pro, sizeof(diff_pro));
	memcpy(p + sizeof(diff_pro), k->code, k->len);
	memcpy(p + sizeof(diff_pro) + k->len, diff_epi, sizeof(diff_epi));
	__builtin___clear_cache((char *)p, (char *)p + 4096);
	void (*fn)(struct diff_regs *) = (void (*)(struct diff_regs *))(void *)p;
	if (sigsetjmp(diff_fpe_jmp, 1))
		return false;
	fn(r);
	return true;
}

/* The instruction and a HLT at FX_CODE_ADDR, the vCPU ready to run it. */
static inline void diff_load_code(struct sw_fx *fx, const uint8_t *code, unsigned len)
{
	uint8_t b[16];
	memcpy(b, code, len);
	b[len] = 0xf4;
	fx_resume(fx);
	fx_code_at(fx, FX_CODE_ADDR, b, len + 1);
}

/* Run in the interpreter; returns false on #DE (and fails on any other
 * exception). */
static inline bool diff_interp(struct diff_ctx *d, const struct diff_case *k, struct diff_regs *r,
                               uint8_t *data)
{
	struct sw_fx *fx = d->fx;
	struct sw_cpu *c = fx->c;
	diff_load_code(fx, k->code, k->len);
	fx_poke(fx, FX_DATA_ADDR, data, DIFF_DATA_SIZE);
	for (int g = 0; g < 16; g++)
		c->s.gpr[g] = r->r[g];
	c->s.gpr[RSP] = FX_STACK_TOP;
	c->s.gpr[RSI] = FX_DATA_ADDR + DIFF_DATA_MID;
	c->s.rflags = (r->flags & F_ARITH) | RFLAGS_FIXED;
	memset(&c->last_event, 0, sizeof(c->last_event));
	fx_run(fx, 1);
	if (c->last_event.count) {
		if (c->last_event.vector != EXC_DE)
			fail_msg("%s: exception %u in the interpreter", k->text,
			         c->last_event.vector);
		return false;
	}
	if (c->s.rip != FX_CODE_ADDR + k->len)
		fail_msg("%s: RIP %#llx after the instruction", k->text,
		         (unsigned long long)c->s.rip);
	for (int g = 0; g < 16; g++)
		r->r[g] = c->s.gpr[g];
	r->flags = c->s.rflags;
	gmem_read(&fx->vm.mem, FX_DATA_ADDR, data, DIFF_DATA_SIZE);
	return true;
}

/* Run case k n times from random inputs; returns the number of mismatches
 * (each reported). */
static inline int diff_run(struct diff_ctx *d, const struct diff_case *k, int n)
{
	int bad = 0;
	if (!d->amd && (k->undef & DIFF_AMD_ONLY))
		return 0;
	for (int t = 0; t < n; t++) {
		struct diff_regs in, nat, emu;
		uint8_t data_in[DIFF_DATA_SIZE], data_nat[DIFF_DATA_SIZE], data_emu[DIFF_DATA_SIZE];
		for (int g = 0; g < 16; g++)
			in.r[g] = diff_value(&d->seed);
		in.flags = (diff_rand(&d->seed) & F_ARITH) | RFLAGS_FIXED;
		for (int b = 0; b < DIFF_DATA_SIZE; b += 8) {
			uint64_t v = diff_value(&d->seed);
			memcpy(data_in + b, &v, 8);
		}
		if (k->fix)
			k->fix(&in, data_in + DIFF_DATA_MID);
		memcpy(data_nat, data_in, sizeof(data_in));
		memcpy(data_emu, data_in, sizeof(data_in));
		nat = in;
		emu = in;
		nat.r[RSI] = (uint64_t)(uintptr_t)(data_nat + DIFF_DATA_MID);
		bool nat_ok = diff_native(d, k, &nat);
		bool emu_ok = diff_interp(d, k, &emu, data_emu);
		nat.r[RSI] = emu.r[RSI] = 0;
		nat.r[RSP] = emu.r[RSP] = 0;
		nat.r[R11] = emu.r[R11] = 0;
		uint64_t fmask = F_ARITH & ~(d->amd ? 0 : k->undef);
		const char *why = NULL;
		if (nat_ok != emu_ok)
			why = nat_ok ? "interpreter raised #DE" : "interpreter missed #DE";
		else if (nat_ok && memcmp(nat.r, emu.r, sizeof(nat.r)))
			why = "registers differ";
		else if (nat_ok && ((nat.flags ^ emu.flags) & fmask))
			why = "flags differ";
		else if (memcmp(data_nat, data_emu, sizeof(data_nat)))
			why = "memory differs";
		if (!why)
			continue;
		if (bad++ < 3) {
			printf("# %s: %s\n#   in:  rax=%#llx rcx=%#llx rdx=%#llx rbx=%#llx flags=%#llx mem=%#llx\n",
			       k->text, why, (unsigned long long)in.r[RAX], (unsigned long long)in.r[RCX],
			       (unsigned long long)in.r[RDX], (unsigned long long)in.r[RBX],
			       (unsigned long long)in.flags,
			       *(unsigned long long *)(void *)(data_in + DIFF_DATA_MID));
			for (int g = 0; g < 16; g++)
				if (nat.r[g] != emu.r[g])
					printf("#   r%d: host %#llx interpreter %#llx\n", g,
					       (unsigned long long)nat.r[g], (unsigned long long)emu.r[g]);
			printf("#   flags: host %#llx interpreter %#llx\n",
			       (unsigned long long)(nat.flags & F_ARITH),
			       (unsigned long long)(emu.flags & F_ARITH));
		}
	}
	return bad;
}

/* Run a table of cases; fails the test if any differs. */
static inline void diff_table(const struct diff_case *cases, size_t n, int trials)
{
	struct diff_ctx d;
	diff_init(&d);
	int bad = 0;
	for (size_t k = 0; k < n; k++)
		bad += diff_run(&d, &cases[k], trials) ? 1 : 0;
	diff_fini(&d);
	if (bad)
		fail_msg("%d of %zu instructions differ from the host", bad, n);
}

#endif
