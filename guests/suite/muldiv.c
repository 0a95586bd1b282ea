/* MUL, IMUL, DIV and IDIV at each operand size, #DE included (divide by
 * zero and quotients too large for the destination). Expected values
 * worked out from the SDM: MUL/IMUL set CF=OF when the upper half is
 * significant (SF, ZF, AF, PF undefined, not compared); DIV/IDIV leave all
 * six flags undefined, truncate toward zero, give the remainder the
 * dividend's sign, and on #DE change no register. Byte forms divide AX and
 * leave the quotient in AL, the remainder in AH. */
#include "suite/suite.h"

enum { MD_MUL, MD_IMUL, MD_DIV, MD_IDIV };

struct md_case {
	uint8_t op, size;
	uint64_t lo, hi, src, want_lo, want_hi;	/* (E/R)AX, (E/R)DX */
	uint16_t flags;
	uint8_t de;				/* expects #DE */
};

#define CF F_CF
#define OF F_OF

static const struct md_case md_cases[] = {
	{ MD_MUL, 8, 0x80, 0x0, 0x2, 0x100, 0x0, CF|OF, 0 },
	{ MD_MUL, 8, 0xf, 0x0, 0xf, 0xe1, 0x0, 0, 0 },
	{ MD_MUL, 8, 0xff, 0x0, 0xff, 0xfe01, 0x0, CF|OF, 0 },
	{ MD_IMUL, 8, 0x80, 0x0, 0xff, 0x80, 0x0, CF|OF, 0 },
	{ MD_IMUL, 8, 0xfe, 0x0, 0x3, 0xfffa, 0x0, 0, 0 },
	{ MD_IMUL, 8, 0x40, 0x0, 0x2, 0x80, 0x0, CF|OF, 0 },
	{ MD_DIV, 8, 0x100, 0x0, 0x2, 0x80, 0x0, 0, 0 },
	{ MD_DIV, 8, 0xff, 0x0, 0x10, 0xf0f, 0x0, 0, 0 },
	{ MD_DIV, 8, 0x200, 0x0, 0x2, 0x200, 0x0, 0, 1 },
	{ MD_DIV, 8, 0x1234, 0x0, 0x0, 0x1234, 0x0, 0, 1 },
	{ MD_IDIV, 8, 0xff80, 0x0, 0xff, 0xff80, 0x0, 0, 1 },
	{ MD_IDIV, 8, 0xfff9, 0x0, 0x2, 0xfffd, 0x0, 0, 0 },
	{ MD_IDIV, 8, 0x7, 0x0, 0xfe, 0x1fd, 0x0, 0, 0 },
	{ MD_IDIV, 8, 0x7f00, 0x0, 0x7f, 0x7f00, 0x0, 0, 1 },
	{ MD_IDIV, 8, 0x0, 0x0, 0x0, 0x0, 0x0, 0, 1 },
	{ MD_MUL, 16, 0xffff, 0x0, 0xffff, 0x1, 0xfffe, CF|OF, 0 },
	{ MD_MUL, 16, 0x100, 0x0, 0x100, 0x0, 0x1, CF|OF, 0 },
	{ MD_MUL, 16, 0x3, 0x55, 0x5, 0xf, 0x0, 0, 0 },
	{ MD_IMUL, 16, 0x8000, 0x0, 0xffff, 0x8000, 0x0, CF|OF, 0 },
	{ MD_IMUL, 16, 0xffff, 0x0, 0xffff, 0x1, 0x0, 0, 0 },
	{ MD_IMUL, 16, 0xfffd, 0x0, 0x7, 0xffeb, 0xffff, 0, 0 },
	{ MD_IMUL, 16, 0x100, 0x0, 0x100, 0x0, 0x1, CF|OF, 0 },
	{ MD_DIV, 16, 0x0, 0x1, 0x2, 0x8000, 0x0, 0, 0 },
	{ MD_DIV, 16, 0xffff, 0xfffe, 0xffff, 0xffff, 0xfffe, 0, 0 },
	{ MD_DIV, 16, 0x0, 0x2, 0x2, 0x0, 0x2, 0, 1 },
	{ MD_DIV, 16, 0x5, 0x0, 0x0, 0x5, 0x0, 0, 1 },
	{ MD_DIV, 16, 0x64, 0x0, 0x7, 0xe, 0x2, 0, 0 },
	{ MD_IDIV, 16, 0x8000, 0xffff, 0xffff, 0x8000, 0xffff, 0, 1 },
	{ MD_IDIV, 16, 0xfff9, 0xffff, 0x2, 0xfffd, 0xffff, 0, 0 },
	{ MD_IDIV, 16, 0x64, 0x0, 0xfff9, 0xfff2, 0x2, 0, 0 },
	{ MD_IDIV, 16, 0x0, 0x0, 0x0, 0x0, 0x0, 0, 1 },
	{ MD_IDIV, 16, 0x8000, 0xffff, 0x1, 0x8000, 0x0, 0, 0 },
	{ MD_MUL, 32, 0xffffffff, 0x0, 0xffffffff, 0x1, 0xfffffffe, CF|OF, 0 },
	{ MD_MUL, 32, 0x10000, 0x0, 0x10000, 0x0, 0x1, CF|OF, 0 },
	{ MD_MUL, 32, 0x3, 0x55, 0x5, 0xf, 0x0, 0, 0 },
	{ MD_IMUL, 32, 0x80000000, 0x0, 0xffffffff, 0x80000000, 0x0, CF|OF, 0 },
	{ MD_IMUL, 32, 0xffffffff, 0x0, 0xffffffff, 0x1, 0x0, 0, 0 },
	{ MD_IMUL, 32, 0xfffffffd, 0x0, 0x7, 0xffffffeb, 0xffffffff, 0, 0 },
	{ MD_IMUL, 32, 0x10000, 0x0, 0x10000, 0x0, 0x1, CF|OF, 0 },
	{ MD_DIV, 32, 0x0, 0x1, 0x2, 0x80000000, 0x0, 0, 0 },
	{ MD_DIV, 32, 0xffffffff, 0xfffffffe, 0xffffffff, 0xffffffff, 0xfffffffe, 0, 0 },
	{ MD_DIV, 32, 0x0, 0x2, 0x2, 0x0, 0x2, 0, 1 },
	{ MD_DIV, 32, 0x5, 0x0, 0x0, 0x5, 0x0, 0, 1 },
	{ MD_DIV, 32, 0x64, 0x0, 0x7, 0xe, 0x2, 0, 0 },
	{ MD_IDIV, 32, 0x80000000, 0xffffffff, 0xffffffff, 0x80000000, 0xffffffff, 0, 1 },
	{ MD_IDIV, 32, 0xfffffff9, 0xffffffff, 0x2, 0xfffffffd, 0xffffffff, 0, 0 },
	{ MD_IDIV, 32, 0x64, 0x0, 0xfffffff9, 0xfffffff2, 0x2, 0, 0 },
	{ MD_IDIV, 32, 0x0, 0x0, 0x0, 0x0, 0x0, 0, 1 },
	{ MD_IDIV, 32, 0x80000000, 0xffffffff, 0x1, 0x80000000, 0x0, 0, 0 },
#ifdef __x86_64__
	{ MD_MUL, 64, 0xffffffffffffffff, 0x0, 0xffffffffffffffff, 0x1, 0xfffffffffffffffe, CF|OF, 0 },
	{ MD_MUL, 64, 0x100000000, 0x0, 0x100000000, 0x0, 0x1, CF|OF, 0 },
	{ MD_MUL, 64, 0x3, 0x55, 0x5, 0xf, 0x0, 0, 0 },
	{ MD_IMUL, 64, 0x8000000000000000, 0x0, 0xffffffffffffffff, 0x8000000000000000, 0x0, CF|OF, 0 },
	{ MD_IMUL, 64, 0xffffffffffffffff, 0x0, 0xffffffffffffffff, 0x1, 0x0, 0, 0 },
	{ MD_IMUL, 64, 0xfffffffffffffffd, 0x0, 0x7, 0xffffffffffffffeb, 0xffffffffffffffff, 0, 0 },
	{ MD_IMUL, 64, 0x100000000, 0x0, 0x100000000, 0x0, 0x1, CF|OF, 0 },
	{ MD_DIV, 64, 0x0, 0x1, 0x2, 0x8000000000000000, 0x0, 0, 0 },
	{ MD_DIV, 64, 0xffffffffffffffff, 0xfffffffffffffffe, 0xffffffffffffffff, 0xffffffffffffffff, 0xfffffffffffffffe, 0, 0 },
	{ MD_DIV, 64, 0x0, 0x2, 0x2, 0x0, 0x2, 0, 1 },
	{ MD_DIV, 64, 0x5, 0x0, 0x0, 0x5, 0x0, 0, 1 },
	{ MD_DIV, 64, 0x64, 0x0, 0x7, 0xe, 0x2, 0, 0 },
	{ MD_IDIV, 64, 0x8000000000000000, 0xffffffffffffffff, 0xffffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0, 1 },
	{ MD_IDIV, 64, 0xfffffffffffffff9, 0xffffffffffffffff, 0x2, 0xfffffffffffffffd, 0xffffffffffffffff, 0, 0 },
	{ MD_IDIV, 64, 0x64, 0x0, 0xfffffffffffffff9, 0xfffffffffffffff2, 0x2, 0, 0 },
	{ MD_IDIV, 64, 0x0, 0x0, 0x0, 0x0, 0x0, 0, 1 },
	{ MD_IDIV, 64, 0x8000000000000000, 0xffffffffffffffff, 0x1, 0x8000000000000000, 0x0, 0, 0 },
#endif
};

static const char *const md_names[] = { "mul", "imul", "div", "idiv" };

#ifdef __x86_64__
#define Q(x) x
#else
#define Q(x)
#endif

/* The instruction runs armed: a #DE resumes after it and is recorded. */
#define RUN(body) __asm__ volatile("push %[f]\n\t" POPF FAULTS(body) PUSHF \
		"pop %[f]" : "+a"(lo), "+d"(hi), [f] "+r"(f) : [s] "q"(s) \
		: "cc", "memory")
#define K(op, sz) ((op) << 8 | (sz))
#define ONE(op, mn) \
	case K(op, 8): RUN(mn "b %b[s]"); break; \
	case K(op, 16): RUN(mn "w %w[s]"); break; \
	case K(op, 32): RUN(mn "l %k[s]"); break; \
	Q(case K(op, 64): RUN(mn "q %q[s]"); break;)

static void md_exec(const struct md_case *t, ulong *plo, ulong *phi,
		    ulong *flags)
{
	ulong lo = (ulong)t->lo, hi = (ulong)t->hi, s = (ulong)t->src;
	ulong f = 0x2;

	switch (K(t->op, t->size)) {
	ONE(MD_MUL, "mul") ONE(MD_IMUL, "imul") ONE(MD_DIV, "div")
	ONE(MD_IDIV, "idiv")
	}
	*plo = lo;
	*phi = hi;
	*flags = f;
}

/* IMUL's two- and three-operand forms: truncated product, CF=OF when it
 * differs from the full signed product. */
static void imul_forms(void)
{
	ulong f, r;

	r = 0x4000;
	__asm__ volatile("imulw %w[b], %w[r]\n\t" PUSHF "pop %[f]"
			 : [r] "+r"(r), [f] "=r"(f) : [b] "r"((ulong)2) : "cc");
	check_vf(0x8000, F_CF | F_OF, r & 0xffff, f, F_CF | F_OF,
		 "imul16 r,r 4000*2");
	r = (ulong)-3;
	__asm__ volatile("imull $7, %k[r], %k[r]\n\t" PUSHF "pop %[f]"
			 : [r] "+r"(r), [f] "=r"(f) : : "cc");
	check_vf(0xffffffeb, 0, r & 0xffffffff, f, F_CF | F_OF,
		 "imul32 r,r,imm -3*7");
	r = 0x10000;
	__asm__ volatile("imull $0x10000, %k[r], %k[r]\n\t" PUSHF "pop %[f]"
			 : [r] "+r"(r), [f] "=r"(f) : : "cc");
	check_vf(0, F_CF | F_OF, r & 0xffffffff, f, F_CF | F_OF,
		 "imul32 r,r,imm 10000*10000");
	r = 0x7f;
	__asm__ volatile("imulw $-1, %w[r], %w[r]\n\t" PUSHF "pop %[f]"
			 : [r] "+r"(r), [f] "=r"(f) : : "cc");
	check_vf(0xff81, 0, r & 0xffff, f, F_CF | F_OF,
		 "imul16 r,r,imm8 7f*-1");
#ifdef __x86_64__
	r = 0x100000000UL;
	__asm__ volatile("imulq %[b], %[r]\n\t" PUSHF "pop %[f]"
			 : [r] "+r"(r), [f] "=r"(f) : [b] "r"(0x80000000UL)
			 : "cc");
	check_vf(0x8000000000000000UL, F_CF | F_OF, r, f, F_CF | F_OF,
		 "imul64 r,r 100000000*80000000");
	r = (ulong)-5;
	__asm__ volatile("imulq $-3, %[r], %[r]\n\t" PUSHF "pop %[f]"
			 : [r] "+r"(r), [f] "=r"(f) : : "cc");
	check_vf(15, 0, r, f, F_CF | F_OF, "imul64 r,r,imm -5*-3");
#endif
}

void muldiv_checks(void)
{
	for (unsigned int i = 0; i < sizeof(md_cases) / sizeof(md_cases[0]);
	     i++) {
		const struct md_case *t = &md_cases[i];
		uint64_t mask = ((uint64_t)2 << (t->size - 1)) - 1;
		unsigned int fmask = t->op <= MD_IMUL ? F_CF | F_OF : 0;
		ulong lo, hi, f;

		if (t->size == 8)
			mask = 0xffff;	/* AX holds both halves */
		trap_clear();
		md_exec(t, &lo, &hi, &f);
		check_trap(t->de ? 0 : NO_TRAP, 0, "%s%u %lx:%lx/%lx exception",
			   md_names[t->op], t->size, (ulong)t->hi,
			   (ulong)t->lo, (ulong)t->src);
		check_vf(t->want_lo, t->flags, lo & mask, (unsigned int)f,
			 fmask, "%s%u %lx:%lx,%lx low", md_names[t->op],
			 t->size, (ulong)t->hi, (ulong)t->lo, (ulong)t->src);
		if (t->size > 8)
			check(t->want_hi, hi & mask, "%s%u %lx:%lx,%lx high",
			      md_names[t->op], t->size, (ulong)t->hi,
			      (ulong)t->lo, (ulong)t->src);
	}
	imul_forms();
}
