/* x87 checks for suite32 and suite64 (CR0.NE=1, CR0.MP=1, set by
 * fpu_ctl.c). Expected values from the Intel SDM vol. 1, chapter 8 (FPU
 * state, FINIT, tag word, stack faults, rounding and precision control,
 * FXAM classes, the QNaN indefinite) and the instruction pages of vol. 2;
 * significands worked out exactly (1/3 is binary 0.0101...).
 * FCW: bits 11:10 RC (00 nearest, 01 down, 10 up, 11 chop), 9:8 PC
 * (00 24-bit, 10 53-bit, 11 64-bit), 5:0 exception masks. FSW: 15 B,
 * 14 C3, 13:11 TOP, 10 C2, 9 C1, 8 C0, 7 ES, 6 SF, 5:0 PE UE OE ZE DE IE. */
#include "suite/simd.h"

#define FSW_CC		0x4700	/* C3 C2 C1 C0 */
#define FSW_CC_NO_C1	0x4500

/* Doubles and floats as bits. */
#define D_1	0x3ff0000000000000ULL
#define D_2	0x4000000000000000ULL
#define D_3	0x4008000000000000ULL
#define D_10	0x4024000000000000ULL
#define D_144	0x4062000000000000ULL
#define D_1_5	0x3ff8000000000000ULL
#define D_2_25	0x4002000000000000ULL
#define D_M2_25	0xc002000000000000ULL
#define D_M2_7	0xc00599999999999aULL
#define D_2_5	0x4004000000000000ULL
#define D_M2_5	0xc004000000000000ULL
#define D_1234_5 0x40934a0000000000ULL
#define D_40000	0x40e3880000000000ULL
#define D_QNAN	0x7ff8000000000000ULL
#define D_MINF	0xfff0000000000000ULL
#define F_1_5	0x3fc00000U
#define F_INF	0x7f800000U
#define X_PI_N	0xc90fdaa22168c235ULL	/* pi, 64 bits, to nearest */
#define X_INDEF	0xc000000000000000ULL	/* QNaN indefinite, with 0xffff */

static const char *const rc_name[4] = { "nearest", "down", "up", "chop" };

static void ld64(uint64_t d)
{
	__asm__ volatile(GUARD("fldl %0") : : "m"(d) : "memory");
}

static void ld80(uint16_t se, uint64_t m)
{
	struct f80 v = { m, se, { 0, 0, 0 } };

	__asm__ volatile(GUARD("fldt %0") : : "m"(v) : "memory");
}

/* Pops ST0 and compares it. */
static void want80(uint16_t se, uint64_t m, const char *name)
{
	struct f80 v = pop80();

	check_x(se, m, v.se, v.m, "%s", name);
}

static void finit_state(void)
{
	trap_clear();
	fpu_reset(0);	/* FLDCW 0 first: FNINIT must undo it */
	__asm__ volatile(GUARD("fninit") : : : "memory");
	{
		uint16_t cw = 0;

		__asm__ volatile(GUARD("fnstcw %0") : "+m"(cw));
		check_g(FCW_INIT, cw, "x87 fninit fcw");
	}
	check_g(0, get_fsw(), "x87 fninit fsw");
	check_g(0xffff, get_ftw(), "x87 fninit tag word all empty");
}

static void loads_stores(void)
{
	uint32_t f32 = F_1_5, s = 0, l = 0;
	uint64_t d = 0, q = 0;
	uint16_t w = 0;
	struct f80 t = { 0, 0, { 0, 0, 0 } };

	trap_clear();
	fpu_reset(FCW_INIT);
	__asm__ volatile(GUARD("flds %1\n\tfstpl %0") : "+m"(d) : "m"(f32));
	check_g(D_1_5, d, "x87 fld m32fp 1.5, fstp m64fp");
	d = D_M2_25;
	__asm__ volatile(GUARD("fldl %1\n\tfstps %0") : "+m"(s) : "m"(d));
	check_g(0xc0100000, s, "x87 fld m64fp -2.25, fstp m32fp");
	ld80(0x4000, X_PI_N);
	want80(0x4000, X_PI_N, "x87 fld m80fp, fstp m80fp keep all bits");
	ld80(0x4000, X_PI_N);
	__asm__ volatile(GUARD("fsts %0") : "+m"(s));
	check_g(0x40490fdb, s, "x87 fst m32fp rounds pi to nearest");
	__asm__ volatile(GUARD("fstpl %0") : "+m"(d));
	check_g(0x400921fb54442d18ULL, d, "x87 fstp m64fp rounds pi to nearest");
	w = 0xfffb;
	__asm__ volatile(GUARD("filds %1\n\tfstpl %0") : "+m"(d) : "m"(w));
	check_g(0xc014000000000000ULL, d, "x87 fild m16int -5");
	l = 0x7fffffff;
	__asm__ volatile(GUARD("fildl %1\n\tfstpl %0") : "+m"(d) : "m"(l));
	check_g(0x41dfffffffc00000ULL, d, "x87 fild m32int 0x7fffffff");
	q = 0x8000000000000000ULL;
	__asm__ volatile(GUARD("fildll %0") : : "m"(q) : "memory");
	want80(0xc03e, 0x8000000000000000ULL, "x87 fild m64int -2^63");
	ld64(D_1234_5);
	__asm__ volatile(GUARD("fistps %0") : "+m"(w));
	check_g(1234, w, "x87 fistp m16int 1234.5 to nearest even");
	ld64(D_2_5);
	__asm__ volatile(GUARD("fistpl %0") : "+m"(l));
	check_g(2, l, "x87 fistp m32int 2.5 to nearest even");
	ld64(D_M2_5);
	__asm__ volatile(GUARD("fistpll %0") : "+m"(q));
	check_g(0xfffffffffffffffeULL, q, "x87 fistp m64int -2.5 to nearest even");
	fpu_reset(FCW_INIT | 0xc00);
	ld64(D_M2_7);
	__asm__ volatile(GUARD("fistpl %0") : "+m"(l));
	check_g(0xfffffffe, l, "x87 fistp m32int -2.7 with rc=chop");
	fpu_reset(FCW_INIT);
	ld64(D_40000);
	__asm__ volatile(GUARD("fistps %0") : "+m"(w));
	check_g(0x8000, w, "x87 fistp m16int 40000 gives the integer indefinite");
	check_g(0x01, get_fsw() & 0x7f, "x87 fistp m16int 40000 sets ie");
	/* Packed BCD: 18 digits, two a byte from the lowest, sign in
	 * bit 7 of byte 9. */
	t.m = 0x0000000123456789ULL;
	t.se = 0x8000;
	__asm__ volatile(GUARD("fbld %1\n\tfistpl %0") : "+m"(l) : "m"(t));
	check_g(0xf8a432eb, l, "x87 fbld -123456789");
	q = 9876543210ULL;
	__asm__ volatile(GUARD("fildll %1\n\tfbstp %0") : "+m"(t) : "m"(q));
	check_x(0, 0x0000009876543210ULL, t.se, t.m, "x87 fbstp 9876543210");
	q = (uint64_t)-42;
	__asm__ volatile(GUARD("fildll %1\n\tfbstp %0") : "+m"(t) : "m"(q));
	check_x(0x8000, 0x42, t.se, t.m, "x87 fbstp -42");
}

/* 1/3 and -1/3 in each rounding mode, and 1/3 at each precision. */
static void rounding(void)
{
	/* Significand of 1/3 (0xaaaa...) rounded away from zero or not. */
	static const uint8_t pos_up[4] = { 1, 0, 1, 0 };
	static const uint8_t neg_up[4] = { 1, 1, 0, 0 };
	static const uint16_t pc[3] = { 0x000, 0x200, 0x300 };
	static const uint64_t third_pc[3] = {
		0xaaaaab0000000000ULL, 0xaaaaaaaaaaaaa800ULL,
		0xaaaaaaaaaaaaaaabULL
	};
	static const uint8_t pc_bits[3] = { 24, 53, 64 };
	uint64_t three = D_3;

	trap_clear();
	for (unsigned int rc = 0; rc < 4; rc++) {
		struct f80 v;

		fpu_reset(FCW_INIT | rc << 10);
		__asm__ volatile(GUARD("fld1\n\tfdivl %0") : : "m"(three)
				 : "memory");
		v = pop80();
		check_x(0x3ffd, 0xaaaaaaaaaaaaaaaaULL + pos_up[rc], v.se, v.m,
			"x87 fdiv 1/3 rc=%s", rc_name[rc]);
		__asm__ volatile(GUARD("fld1\n\tfchs\n\tfdivl %0") : : "m"(three)
				 : "memory");
		v = pop80();
		check_x(0xbffd, 0xaaaaaaaaaaaaaaaaULL + neg_up[rc], v.se, v.m,
			"x87 fdiv -1/3 rc=%s", rc_name[rc]);
	}
	for (unsigned int p = 0; p < 3; p++) {
		struct f80 v;

		fpu_reset(0x7f | pc[p]);
		__asm__ volatile(GUARD("fld1\n\tfdivl %0") : : "m"(three)
				 : "memory");
		v = pop80();
		check_x(0x3ffd, third_pc[p], v.se, v.m,
			"x87 fdiv 1/3 pc=%u bits", pc_bits[p]);
	}
}

/* FCOMI/FUCOMI: ST0 against ST1, all arithmetic flags set before; they
 * clear OF, SF and AF (the harness keeps them: HW_OSA). */
#define HW_OSA	(F_OF | F_SF | F_AF)
static ulong comi(uint64_t st0, uint64_t st1, int unordered)
{
	ulong fl = 0x2 | F_ARITH;

	fpu_reset(FCW_INIT);
	ld64(st1);
	ld64(st0);
	if (unordered)
		__asm__ volatile(WITH_FLAGS(GUARD("fucomi %%st(1), %%st"))
				 : [fl] "+r"(fl) : : "cc", "memory");
	else
		__asm__ volatile(WITH_FLAGS(GUARD("fcomi %%st(1), %%st"))
				 : [fl] "+r"(fl) : : "cc", "memory");
	return fl & F_ARITH;
}

/* FCOM m64fp and FSTSW AX: C3 C2 C0 (C1 undefined here). */
static uint16_t fcom(uint64_t st0, uint64_t src)
{
	uint16_t ax = 0;

	fpu_reset(FCW_INIT);
	ld64(st0);
	__asm__ volatile(GUARD("fcoml %1\n\tfstsw %0") : "+a"(ax) : "m"(src)
			 : "memory");
	return ax & FSW_CC_NO_C1;
}

static void compares(void)
{
	trap_clear();
	check_g_dev(F_CF, comi(D_1, D_2, 0), F_CF | HW_OSA,
		    "x87 fcomi less sets cf");
	check_g_dev(F_ZF, comi(D_2, D_2, 0), F_ZF | HW_OSA,
		    "x87 fcomi equal sets zf");
	check_g_dev(0, comi(D_3, D_2, 0), HW_OSA,
		    "x87 fcomi greater clears zf pf cf");
	check_g_dev(F_ZF | F_PF | F_CF, comi(D_QNAN, D_2, 0),
		    F_ZF | F_PF | F_CF | HW_OSA, "x87 fcomi qnan unordered");
	check_g(1, get_fsw() & 1, "x87 fcomi qnan sets ie");
	check_g_dev(F_ZF | F_PF | F_CF, comi(D_2, D_QNAN, 1),
		    F_ZF | F_PF | F_CF | HW_OSA, "x87 fucomi qnan unordered");
	check_g(0, get_fsw() & 1, "x87 fucomi qnan leaves ie clear");
	fpu_reset(FCW_INIT);
	ld64(D_2);
	ld80(0x7fff, 0xa000000000000000ULL);	/* SNaN: FLD m80 is silent */
	__asm__ volatile(GUARD("fucomi %%st(1), %%st") : : : "cc", "memory");
	check_g(0x01, get_fsw() & 0x7f, "x87 fucomi snan sets ie, not sf");
	check_g(0x0100, fcom(D_1, D_2), "x87 fcom less: c0");
	check_g(0x4000, fcom(D_2, D_2), "x87 fcom equal: c3");
	check_g(0, fcom(D_3, D_2), "x87 fcom greater: none");
	check_g(0x4500, fcom(D_QNAN, D_2), "x87 fcom unordered: c3 c2 c0");
}

/* The harness (no stack-fault detection) loads or stores over the
 * register as it is: R0 holds 1.0 from the eight pushes. */
static void stack_faults(void)
{
	uint32_t s = 0;
	struct f80 v;

	trap_clear();
	fpu_reset(FCW_INIT);
	__asm__ volatile(GUARD("fld1\n\tfld1\n\tfld1\n\tfld1\n\t"
			       "fld1\n\tfld1\n\tfld1\n\tfld1") : : : "memory");
	check_g(0, get_fsw(), "x87 eight pushes fill the stack");
	__asm__ volatile(GUARD("fldz") : : : "memory");
	check_g_dev(0x3a41, get_fsw(), 0x3800,
		    "x87 ninth push: top 7, c1 (overflow), sf, ie");
	v = pop80();
	check_x_dev(0xffff, X_INDEF, v.se, v.m, 0, 0,
		    "x87 stack overflow loads the qnan indefinite");
	fpu_reset(FCW_INIT);
	__asm__ volatile(GUARD("fsts %0") : "+m"(s));
	check_g_dev(0xffc00000, s, 0x3f800000,
		    "x87 fst of an empty st0 stores the indefinite");
	check_g_dev(0x0041, get_fsw(), 0,
		    "x87 stack underflow: sf, ie, c1 clear");
	fpu_reset(FCW_INIT);
	__asm__ volatile(GUARD("fld1\n\tfadd %%st(1), %%st") : : : "memory");
	check_g_dev(0x3841, get_fsw(), 0x3800,
		    "x87 fadd with an empty st1 underflows");
	v = pop80();
	check_x_dev(0xffff, X_INDEF, v.se, v.m, 0x4000, 0x8000000000000000ULL,
		    "x87 fadd with an empty st1 gives the indefinite");
}

/* FXAM of ST0: C3 C2 C0 the class, C1 the sign. */
static uint16_t fxam(void)
{
	uint16_t ax = 0;

	__asm__ volatile(GUARD("fxam\n\tfnstsw %0") : "+a"(ax) : : "memory");
	__asm__ volatile(GUARD("ffree %%st(0)\n\tfincstp") : : : "memory");
	return ax & FSW_CC;
}

static void classes(void)
{
	uint16_t ax = 0;

	trap_clear();
	fpu_reset(FCW_INIT);
	__asm__ volatile(GUARD("fxam\n\tfnstsw %0") : "+a"(ax) : : "memory");
	check_g(0x4100, ax & FSW_CC_NO_C1, "x87 fxam empty: c3 c0");
	__asm__ volatile(GUARD("fldz\n\tfchs") : : : "memory");
	check_g(0x4200, fxam(), "x87 fxam -0: c3, c1");
	__asm__ volatile(GUARD("fld1") : : : "memory");
	check_g(0x0400, fxam(), "x87 fxam normal: c2");
	ld64(D_MINF);
	check_g(0x0700, fxam(), "x87 fxam -inf: c2 c0, c1");
	ld64(D_QNAN);
	check_g(0x0100, fxam(), "x87 fxam nan: c0");
	ld80(0, 1);
	check_g(0x4400, fxam(), "x87 fxam denormal: c3 c2");
	ld80(0x4000, 0x4000000000000000ULL);	/* unnormal: J bit clear */
	check_g(0, fxam(), "x87 fxam unsupported (unnormal): none");
}

/* Results 1.5 * 2^n: significand 0xc000..., sign and exponent se. */
static void fsqrt(uint64_t x, uint16_t se, const char *name)
{
	ld64(x);
	__asm__ volatile(GUARD("fsqrt") : : : "memory");
	want80(se, 0xc000000000000000ULL, name);
}

static void fscale(uint64_t x, uint64_t by, uint16_t se, const char *name)
{
	ld64(by);
	ld64(x);
	__asm__ volatile(GUARD("fscale\n\tfstp %%st(1)") : : : "memory");
	want80(se, 0xc000000000000000ULL, name);
}

static void constants_and_exact(void)
{
	trap_clear();
	fpu_reset(FCW_INIT);
	__asm__ volatile(GUARD("fldpi") : : : "memory");
	want80(0x4000, X_PI_N, "x87 fldpi rc=nearest");
	fpu_reset(FCW_INIT | 0xc00);
	__asm__ volatile(GUARD("fldpi") : : : "memory");
	want80(0x4000, X_PI_N - 1, "x87 fldpi rc=chop");
	fpu_reset(FCW_INIT);
	__asm__ volatile(GUARD("fldl2e") : : : "memory");
	want80(0x3fff, 0xb8aa3b295c17f0bcULL, "x87 fldl2e rc=nearest");
	fpu_reset(FCW_INIT);
	fsqrt(D_2_25, 0x3fff, "x87 fsqrt 2.25");
	check_g(0, get_fsw() & 0x3f, "x87 fsqrt 2.25 is exact (no pe)");
	fsqrt(D_144, 0x4002, "x87 fsqrt 144");
	__asm__ volatile(GUARD("fld1\n\tfchs\n\tfsqrt") : : : "memory");
	want80(0xffff, X_INDEF, "x87 fsqrt -1 gives the indefinite");
	check_g(0x01, get_fsw() & 0x3f, "x87 fsqrt -1 sets ie");
	fpu_reset(FCW_INIT);
	fscale(D_1_5, D_3, 0x4002, "x87 fscale 1.5 by 3");
	fscale(D_1_5, D_M2_7, 0x3ffd,
	       "x87 fscale 1.5 by -2.7 truncates the scale");
	ld64(D_3);
	ld64(D_10);
	__asm__ volatile(GUARD("fprem") : : : "memory");
	check_g(0x4200, get_fsw() & FSW_CC,
		"x87 fprem 10 by 3: quotient bits c3 c1, c2 clear");
	__asm__ volatile(GUARD("fstp %%st(1)") : : : "memory");
	want80(0x3fff, 0x8000000000000000ULL, "x87 fprem 10 by 3 leaves 1");
}

/* FNSTENV's full tag word: 2 bits per physical register, 00 valid,
 * 01 zero, 10 special, 11 empty. */
static void tags(void)
{
	uint32_t inf = F_INF;

	trap_clear();
	fpu_reset(FCW_INIT);
	__asm__ volatile(GUARD("fldz\n\tfld1\n\tfxch") : : : "memory");
	check_g(0x1fff, get_ftw(), "x87 fxch: tag word r7 valid, r6 zero");
	check_g(0x3000, get_fsw() & 0x3800, "x87 top 6 after two loads");
	__asm__ volatile(GUARD("ffree %%st(1)") : : : "memory");
	check_g(0xdfff, get_ftw(), "x87 ffree st1 empties r7");
	__asm__ volatile(GUARD("flds %0") : : "m"(inf) : "memory");
	check_g(0xdbff, get_ftw(), "x87 inf in r5 tagged special");
	want80(0x7fff, 0x8000000000000000ULL, "x87 st0 is +inf");
	want80(0, 0, "x87 st1 after fxch is the zero");
}

/* An unmasked x87 exception with CR0.NE=1: the FDIV only records it;
 * the next waiting instruction raises #MF. */
static void unmasked(void)
{
	trap_clear();
	fpu_reset(FCW_INIT & ~0x4);	/* ZM clear */
	__asm__ volatile(GUARD("fldz\n\tfld1\n\tfdiv %%st(1), %%st")
			 : : : "memory");
	check_g(0xb084, get_fsw(),
		"x87 unmasked divide by zero: b, es, ze pending, no fault yet");
	trap_clear();
	__asm__ volatile(FAULTS("fwait") : : : "memory");
	check_trap(16, 0, "x87 fwait after it raises #mf");
	trap_clear();
	check_g(0xb084, get_fsw(), "x87 fsw after #mf keeps b, es, ze");
	__asm__ volatile(GUARD("fnclex") : : : "memory");
	check_g(0x3000, get_fsw(), "x87 fnclex clears b, es, ze");
	{
		struct f80 v = pop80();

		check_x_dev(0x3fff, 0x8000000000000000ULL, v.se, v.m, 0x7fff,
			    0x8000000000000000ULL,
			    "x87 unmasked divide by zero leaves st0");
	}
	fpu_reset(FCW_INIT);
}

void x87_checks(void)
{
	finit_state();
	loads_stores();
	rounding();
	compares();
	stack_faults();
	classes();
	constants_and_exact();
	tags();
	unmasked();
}
