/* SSE, SSE2, MMX and, where CPUID offers them, SSE3, SSSE3, SSE4.1 and
 * SSE4.2 checks for suite32 and suite64 (CR4.OSFXSR and OSXMMEXCPT set by
 * fpu_ctl.c). Expected values from the Intel SDM vol. 1, chapters 10-12
 * (MXCSR, DAZ and FTZ, the integer indefinite, SIMD exceptions) and the
 * instruction pages of vol. 2, worked out lane by lane. MXCSR: bits 5:0
 * PE UE OE ZE DE IE flags, 6 DAZ, 12:7 masks, 14:13 RC (00 nearest,
 * 01 down, 10 up, 11 chop), 15 FTZ. */
#include "suite/simd.h"

/* Bytes (lowest first) 0xf0 0x10 0x80 0xff 0x01 0x7f 0x00 0x55 0xaa 0x33
 * 0xc8 0x64 0x02 0xfe 0x40 0x90, and 0x20 0xf5 0x80 0x01 0x01 0x80 0x00
 * 0xaa 0x55 0x33 0x38 0x9c 0x03 0x01 0xc0 0x70. */
static const struct xmm ia = { 0x55007f01ff8010f0ULL, 0x9040fe0264c833aaULL };
static const struct xmm ib = { 0xaa0080010180f520ULL, 0x70c001039c383355ULL };
/* Floats 1 2 3 4 and 5 6 7 8. */
static const struct xmm fa = { 0x400000003f800000ULL, 0x4080000040400000ULL };
static const struct xmm fb = { 0x40c0000040a00000ULL, 0x4100000040e00000ULL };

static const char *const rc_name[4] = { "nearest", "down", "up", "chop" };

/* xmm0 = *a, xmm1 = *b, one operation, *r = xmm0. */
typedef void (*xop_fn)(const struct xmm *a, const struct xmm *b,
		       struct xmm *r);
#define XOP(name, insn)							\
static void op_##name(const struct xmm *a, const struct xmm *b,	\
		      struct xmm *r)					\
{									\
	__asm__ volatile(GUARD("movdqu %1, %%xmm0\n\t"			\
			       "movdqu %2, %%xmm1\n\t" insn "\n\t"	\
			       "movdqu %%xmm0, %0")			\
			 : "+m"(*r) : "m"(*a), "m"(*b) : "memory");	\
}

/* SSE and SSE2 floating point. */
XOP(divps, "divps %%xmm1, %%xmm0")
XOP(divsd, "divsd %%xmm1, %%xmm0")
XOP(divss, "divss %%xmm1, %%xmm0")
XOP(mulss, "mulss %%xmm1, %%xmm0")
XOP(addss, "addss %%xmm1, %%xmm0")
XOP(sqrtss, "sqrtss %%xmm1, %%xmm0")
XOP(cvtsd2ss, "cvtsd2ss %%xmm1, %%xmm0")
XOP(cvtdq2ps, "cvtdq2ps %%xmm1, %%xmm0")
/* Integer, SSE2. */
XOP(paddusb, "paddusb %%xmm1, %%xmm0")
XOP(psubusb, "psubusb %%xmm1, %%xmm0")
XOP(paddsw, "paddsw %%xmm1, %%xmm0")
XOP(paddq, "paddq %%xmm1, %%xmm0")
XOP(pmulhuw, "pmulhuw %%xmm1, %%xmm0")
XOP(pmulhw, "pmulhw %%xmm1, %%xmm0")
XOP(pmaddwd, "pmaddwd %%xmm1, %%xmm0")
XOP(pcmpeqb, "pcmpeqb %%xmm1, %%xmm0")
XOP(pcmpgtb, "pcmpgtb %%xmm1, %%xmm0")
XOP(psadbw, "psadbw %%xmm1, %%xmm0")
XOP(pavgb, "pavgb %%xmm1, %%xmm0")
XOP(pminub, "pminub %%xmm1, %%xmm0")
XOP(pmaxsw, "pmaxsw %%xmm1, %%xmm0")
XOP(punpcklbw, "punpcklbw %%xmm1, %%xmm0")
XOP(packsswb, "packsswb %%xmm1, %%xmm0")
XOP(pshufd, "pshufd $0x1b, %%xmm0, %%xmm0")
XOP(psrldq, "psrldq $3, %%xmm0")
XOP(psraw, "psraw $4, %%xmm0")
/* SSE3 */
XOP(haddps, "haddps %%xmm1, %%xmm0")
XOP(addsubps, "addsubps %%xmm1, %%xmm0")
XOP(movddup, "movddup %%xmm1, %%xmm0")
/* SSSE3 */
XOP(pshufb, "pshufb %%xmm1, %%xmm0")
XOP(palignr, "palignr $5, %%xmm1, %%xmm0")
XOP(pabsb, "pabsb %%xmm0, %%xmm0")
XOP(phaddw, "phaddw %%xmm1, %%xmm0")
XOP(pmulhrsw, "pmulhrsw %%xmm1, %%xmm0")
XOP(psignb, "psignb %%xmm1, %%xmm0")
/* SSE4.1 */
XOP(pmulld, "pmulld %%xmm1, %%xmm0")
XOP(pminsd, "pminsd %%xmm1, %%xmm0")
XOP(pblendw, "pblendw $0xa5, %%xmm1, %%xmm0")
XOP(pmovzxbw, "pmovzxbw %%xmm0, %%xmm0")
XOP(roundsd, "roundsd $1, %%xmm1, %%xmm0")
/* SSE4.2 */
XOP(pcmpgtq, "pcmpgtq %%xmm1, %%xmm0")

/* The CPUID feature a form needs: CPUID.1:ECX bit, or FEAT_SSE2 (always
 * there: the model and x86-64 have it). */
#define FEAT_SSE2	32
#define FEAT_SSE3	0
#define FEAT_SSSE3	9
#define FEAT_SSE41	19
#define FEAT_SSE42	20

static int has(unsigned int feat)
{
	return feat == FEAT_SSE2 || has_ecx1(feat);
}

static const char *feat_name(unsigned int feat)
{
	return feat == FEAT_SSE3 ? "no SSE3 in CPUID.1:ECX" :
	       feat == FEAT_SSSE3 ? "no SSSE3 in CPUID.1:ECX" :
	       feat == FEAT_SSE41 ? "no SSE4.1 in CPUID.1:ECX" :
				    "no SSE4.2 in CPUID.1:ECX";
}

static const struct xmm pshufb_ctl = { 0x807810100800e0fULL,
				       0x0c0b0a0605ff2213ULL };
static const struct xmm m2_5 = { 0xc004000000000000ULL, 0 };

/* Two-operand forms on ia/ib (or fa/fb): name, form, result. */
static const struct {
	const char *name;
	xop_fn fn;
	const struct xmm *a, *b;
	uint64_t hi, lo;
	unsigned int feat;
} xops[] = {
	{ "paddusb saturates at 0xff", op_paddusb, &ia, &ib,
	  0xffffff05ffff66ffULL, 0xff00ff02ffffffffULL, FEAT_SSE2 },
	{ "psubusb saturates at 0", op_psubusb, &ia, &ib,
	  0x2000fd0000900055ULL, 0xfe0000d0ULL, FEAT_SSE2 },
	{ "paddsw saturates", op_paddsw, &ia, &ib,
	  0x100ff05010066ffULL, 0xff00ff0201000610ULL, FEAT_SSE2 },
	{ "paddq", op_paddq, &ia, &ib,
	  0x100ff06010066ffULL, 0xff00ff0301010610ULL, FEAT_SSE2 },
	{ "pmulhuw", op_pmulhuw, &ia, &ib,
	  0x3f8801003d7f0a5cULL, 0x38723f80017f1037ULL, FEAT_SSE2 },
	{ "pmulhw", op_pmulhw, &ia, &ib,
	  0xcec8fffdd8b70a5cULL, 0xe372c07fffffff47ULL, FEAT_SSE2 },
	{ "pmaddwd", op_pmaddwd, &ia, &ib,
	  0xcec62c06e313f132ULL, 0xa3f1ff01ff470e00ULL, FEAT_SSE2 },
	{ "pcmpeqb", op_pcmpeqb, &ia, &ib,
	  0xff00, 0xff00ff00ff0000ULL, FEAT_SSE2 },
	{ "pcmpgtb (signed)", op_pcmpgtb, &ia, &ib,
	  0xff0000ff000000ULL, 0xff00ff000000ff00ULL, FEAT_SSE2 },
	{ "psadbw", op_psadbw, &ia, &ib, 0x2bb, 0x309, FEAT_SSE2 },
	{ "pavgb rounds up", op_pavgb, &ia, &ib,
	  0x8080800380803380ULL, 0x8000800180808388ULL, FEAT_SSE2 },
	{ "pminub", op_pminub, &ia, &ib,
	  0x7040010264383355ULL, 0x55007f0101801020ULL, FEAT_SSE2 },
	{ "pmaxsw", op_pmaxsw, &ia, &ib,
	  0x70c0010364c833aaULL, 0x55007f01018010f0ULL, FEAT_SSE2 },
	{ "punpcklbw", op_punpcklbw, &ia, &ib,
	  0xaa550000807f0101ULL, 0x1ff8080f51020f0ULL, FEAT_SSE2 },
	{ "packsswb saturates", op_packsswb, &ia, &ib,
	  0x7f7f807f80807f80ULL, 0x80807f7f7f7f807fULL, FEAT_SSE2 },
	{ "pshufd 0x1b reverses the dwords", op_pshufd, &ia, &ib,
	  0xff8010f055007f01ULL, 0x64c833aa9040fe02ULL, FEAT_SSE2 },
	{ "psrldq 3 bytes", op_psrldq, &ia, &ib,
	  0x9040fe0264ULL, 0xc833aa55007f01ffULL, FEAT_SSE2 },
	{ "psraw 4", op_psraw, &ia, &ib,
	  0xf904ffe0064c033aULL, 0x55007f0fff8010fULL, FEAT_SSE2 },
	{ "haddps 1 2 3 4, 5 6 7 8", op_haddps, &fa, &fb,
	  0x4170000041300000ULL, 0x40e0000040400000ULL, FEAT_SSE3 },
	{ "addsubps 1 2 3 4, 5 6 7 8", op_addsubps, &fa, &fb,
	  0x41400000c0800000ULL, 0x41000000c0800000ULL, FEAT_SSE3 },
	{ "movddup", op_movddup, &fa, &fb,
	  0x40c0000040a00000ULL, 0x40c0000040a00000ULL, FEAT_SSE3 },
	{ "pshufb (bit 7 zeroes, bits 3:0 index)", op_pshufb, &ia,
	  &pshufb_ctl, 0x264c8007f0080ffULL, 0xaa550010f0004090ULL,
	  FEAT_SSSE3 },
	{ "palignr 5", op_palignr, &ia, &ib,
	  0x1ff8010f070c001ULL, 0x39c383355aa0080ULL, FEAT_SSSE3 },
	{ "pabsb", op_pabsb, &ia, &ib,
	  0x7040020264383356ULL, 0x55007f0101801010ULL, FEAT_SSSE3 },
	{ "phaddw", op_phaddw, &ia, &ib,
	  0x71c3cf8d2a01f6a0ULL, 0x8e429872d4011070ULL, FEAT_SSSE3 },
	{ "pmulhrsw", op_pmulhrsw, &ia, &ib,
	  0x9d90fffcb17014b8ULL, 0xc6e48100fffffe90ULL, FEAT_SSSE3 },
	{ "psignb", op_psignb, &ia, &ib,
	  0x90c0fe029cc833aaULL, 0xab008101ff80f0f0ULL, FEAT_SSSE3 },
	{ "pmulld", op_pmulld, &ia, &ib,
	  0x5340fc063df40572ULL, 0x3e80ff01e837ce00ULL, FEAT_SSE41 },
	{ "pminsd", op_pminsd, &ia, &ib,
	  0x9040fe029c383355ULL, 0xaa008001ff8010f0ULL, FEAT_SSE41 },
	{ "pblendw 0xa5", op_pblendw, &ia, &ib,
	  0x70c0fe029c3833aaULL, 0x55008001ff80f520ULL, FEAT_SSE41 },
	{ "pmovzxbw", op_pmovzxbw, &ia, &ib,
	  0x550000007f0001ULL, 0xff0080001000f0ULL, FEAT_SSE41 },
	{ "roundsd floor -2.5 keeps the high lane", op_roundsd, &ia, &m2_5,
	  0x9040fe0264c833aaULL, 0xc008000000000000ULL, FEAT_SSE41 },
	{ "pcmpgtq", op_pcmpgtq, &ia, &ib, 0, 0xffffffffffffffffULL,
	  FEAT_SSE42 },
};

static void table_ops(void)
{
	for (unsigned int i = 0; i < sizeof(xops) / sizeof(xops[0]); i++) {
		struct xmm r = { 0, 0 };

		if (!has(xops[i].feat)) {
			check_skip(feat_name(xops[i].feat), "sse %s",
				   xops[i].name);
			continue;
		}
		trap_clear();
		xops[i].fn(xops[i].a, xops[i].b, &r);
		check_x(xops[i].hi, xops[i].lo, r.hi, r.lo, "sse %s",
			xops[i].name);
	}
}

/* Scalar: the low lane of a with b, result and the MXCSR flags (dflags:
 * the harness's deviating flags, or wflags). */
static void scalar_dev(xop_fn fn, uint64_t a, uint64_t b, uint32_t mxcsr,
		       uint64_t want, uint32_t wflags, uint32_t dflags,
		       const char *name)
{
	struct xmm x = { a, 0x1111222233334444ULL }, y = { b, 0 }, r = { 0, 0 };

	trap_clear();
	set_mxcsr(mxcsr);
	fn(&x, &y, &r);
	check_x(0x1111222233334444ULL, want, r.hi, r.lo, "sse %s", name);
	check_g_dev(wflags, get_mxcsr() & MXCSR_FLAGS, dflags,
		    "sse %s mxcsr flags", name);
}

static void fp_rounding(void)
{
	static const uint64_t divps_lo[4] = {
		0xbeaaaaab3eaaaaabULL, 0xbeaaaaab3eaaaaaaULL,
		0xbeaaaaaa3eaaaaabULL, 0xbeaaaaaa3eaaaaaaULL };
	static const uint64_t divps_hi[4] = {
		0xbf2aaaab3f2aaaabULL, 0xbf2aaaab3f2aaaaaULL,
		0xbf2aaaaa3f2aaaabULL, 0xbf2aaaaa3f2aaaaaULL };
	static const uint64_t divsd_m3rd[4] = {
		0xbfd5555555555555ULL, 0xbfd5555555555556ULL,
		0xbfd5555555555555ULL, 0xbfd5555555555555ULL };
	/* 1 -1 2 -2 by 3 3 3 3 */
	static const struct xmm num = { 0xbf8000003f800000ULL,
					0xc000000040000000ULL };
	static const struct xmm three = { 0x4040000040400000ULL,
					  0x4040000040400000ULL };
	char name[40];

	for (unsigned int rc = 0; rc < 4; rc++) {
		struct xmm r = { 0, 0 };

		trap_clear();
		set_mxcsr(MXCSR_INIT | rc << 13);
		op_divps(&num, &three, &r);
		check_x(divps_hi[rc], divps_lo[rc], r.hi, r.lo,
			"sse divps 1 -1 2 -2 by 3 rc=%s", rc_name[rc]);
		snprintf(name, sizeof(name), "divsd -1/3 rc=%s", rc_name[rc]);
		scalar_dev(op_divsd, 0xbff0000000000000ULL,
			   0x4008000000000000ULL, MXCSR_INIT | rc << 13,
			   divsd_m3rd[rc], 0x20, 0x20, name);
	}
}

/* Scalar results and MXCSR flags. FTZ: a tiny result is 0 with UE and
 * PE; without it the exact denormal 2^-127 raises no flag (UE needs
 * inexact when masked). DAZ: a denormal source counts as 0, without DE. */
static const struct {
	xop_fn fn;
	uint64_t a, b;
	uint32_t mxcsr;
	uint64_t want;
	uint8_t flags, dev_flags;
	const char *name;
} scalars[] = {
	{ op_mulss, 0x00800000, 0x3f000000, MXCSR_INIT, 0x00400000, 0, 0,
	  "mulss min normal by 0.5 gives a denormal" },
	{ op_mulss, 0x00800000, 0x3f000000, MXCSR_INIT | 0x8000, 0, 0x30, 0x30,
	  "mulss min normal by 0.5 with ftz" },
	{ op_addss, 0x00000001, 0, MXCSR_INIT, 1, 0x02, 0,
	  "addss denormal sets de" },
	{ op_addss, 0x00000001, 0, MXCSR_INIT | 0x40, 0, 0, 0,
	  "addss denormal with daz" },
	{ op_divss, 0x3f800000, 0, MXCSR_INIT, 0x7f800000, 0x04, 0x04,
	  "divss 1/0" },
	{ op_sqrtss, 0, 0xbf800000, MXCSR_INIT, 0xffc00000, 0x01, 0x01,
	  "sqrtss -1 gives the qnan indefinite" },
	{ op_mulss, 0x7f7fffff, 0x40000000, MXCSR_INIT, 0x7f800000, 0x28, 0x28,
	  "mulss max by 2 overflows" },
	{ op_divss, 0x3f800000, 0x40400000, MXCSR_INIT, 0x3eaaaaab, 0x20, 0x20,
	  "divss 1/3 is inexact" },
	{ op_addss, 0x7f800001, 0x3f800000, MXCSR_INIT, 0x7fc00001, 0x01, 0x01,
	  "addss snan gives its qnan" },
	{ op_addss, 0x7fc00000, 0x3f800000, MXCSR_INIT, 0x7fc00000, 0, 0,
	  "addss qnan" },
	{ op_cvtsd2ss, 0, 0x3fd5555555555555ULL, MXCSR_INIT, 0x3eaaaaab, 0x20,
	  0x20, "cvtsd2ss 1/3" },
};

static void fp_flags(void)
{
	for (unsigned int i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
		scalar_dev(scalars[i].fn, scalars[i].a, scalars[i].b,
			   scalars[i].mxcsr, scalars[i].want, scalars[i].flags,
			   scalars[i].dev_flags, scalars[i].name);
	set_mxcsr(MXCSR_INIT);
}

/* An unmasked SIMD exception: #XM with CR4.OSXMMEXCPT=1, #UD without. */
static void unmasked(void)
{
	static const struct xmm one = { 0x3f800000, 0 }, zero = { 0, 0 };
	struct xmm r = { 0, 0 };
	ulong cr4 = read_cr4();

	trap_clear();
	set_mxcsr(MXCSR_INIT & ~0x200);	/* ZM clear */
	__asm__ volatile(GUARD("movdqu %0, %%xmm0\n\tmovdqu %1, %%xmm1")
			 : : "m"(one), "m"(zero) : "memory");
	__asm__ volatile(FAULTS("divss %%xmm1, %%xmm0") : : : "memory");
	check_trap_dev(19, 0, NO_TRAP, 0, "sse unmasked divss 1/0 raises #xm");
	trap_clear();
	__asm__ volatile(GUARD("movdqu %%xmm0, %0") : "+m"(r));
	check_x_dev(0, 0x3f800000, r.hi, r.lo, 0, 0x7f800000,
		    "sse unmasked divss 1/0 leaves the destination");
	check_g(0x04, get_mxcsr() & MXCSR_FLAGS,
		"sse unmasked divss 1/0 sets ze");
	set_mxcsr(MXCSR_INIT & ~0x200);
	write_cr4(cr4 & ~CR4_OSXMMEXCPT);
	trap_clear();
	__asm__ volatile(FAULTS("divss %%xmm1, %%xmm0") : : : "memory");
	check_trap_dev(6, 0, NO_TRAP, 0,
		       "sse unmasked divss 1/0 without osxmmexcpt is #ud");
	write_cr4(cr4);
	set_mxcsr(MXCSR_INIT);
}

static void conversions(void)
{
	uint64_t d;
	uint32_t f, l;
	ulong r;

	trap_clear();
	set_mxcsr(MXCSR_INIT);
	d = 0x4202a05f20000000ULL;	/* 1e10 */
	r = 0;
	__asm__ volatile(GUARD("cvttsd2si %1, %k0") : "+r"(r) : "m"(d));
	check_g(0x80000000, r, "sse cvttsd2si 1e10 gives the integer indefinite");
	check_g(0x01, get_mxcsr() & MXCSR_FLAGS, "sse cvttsd2si 1e10 sets ie");
	f = 0x7fc00000;
	__asm__ volatile(GUARD("cvttss2si %1, %k0") : "+r"(r) : "m"(f));
	check_g(0x80000000, r, "sse cvttss2si nan gives the integer indefinite");
	set_mxcsr(MXCSR_INIT);
	d = 0xc00599999999999aULL;	/* -2.7 */
	__asm__ volatile(GUARD("cvttsd2si %1, %k0") : "+r"(r) : "m"(d));
	check_g(0xfffffffe, r & 0xffffffff, "sse cvttsd2si -2.7 truncates");
	d = 0xc004000000000000ULL;	/* -2.5 */
	for (unsigned int rc = 0; rc < 4; rc++) {
		static const uint32_t want[4] = { 0xfffffffe, 0xfffffffd,
						  0xfffffffe, 0xfffffffe };

		set_mxcsr(MXCSR_INIT | rc << 13);
		__asm__ volatile(GUARD("cvtsd2si %1, %k0") : "+r"(r) : "m"(d));
		check_g(want[rc], r & 0xffffffff, "sse cvtsd2si -2.5 rc=%s",
			rc_name[rc]);
	}
	set_mxcsr(MXCSR_INIT);
	l = 0x7fffffff;
	d = 0;
	__asm__ volatile(GUARD("cvtsi2sdl %1, %%xmm0\n\tmovq %%xmm0, %0")
			 : "+m"(d) : "m"(l));
	check_g(0x41dfffffffc00000ULL, d, "sse cvtsi2sd 0x7fffffff");
	{
		/* 1 -1 2^24+1 0: 2^24+1 rounds to even */
		static const struct xmm in = { 0xffffffff00000001ULL,
					       0x01000001ULL };
		struct xmm x = { 0, 0 };

		op_cvtdq2ps(&in, &in, &x);	/* xmm1 = in */
		check_x(0x4b800000, 0xbf8000003f800000ULL, x.hi, x.lo,
			"sse cvtdq2ps 1 -1 2^24+1 0");
	}
#ifdef __x86_64__
	d = 0x4415af1d78b58c40ULL;	/* 1e20 */
	__asm__ volatile(GUARD("cvttsd2si %1, %0") : "+r"(r) : "m"(d));
	check_g(0x8000000000000000ULL, r,
		"sse cvttsd2si rax 1e20 gives the integer indefinite");
	r = 0x7fffffffffffffffULL;
	__asm__ volatile(GUARD("cvtsi2sdq %1, %%xmm0\n\tmovq %%xmm0, %0")
			 : "+m"(d) : "r"(r));
	check_g(0x43e0000000000000ULL, d, "sse cvtsi2sd rax 2^63-1 rounds");
#endif
	set_mxcsr(MXCSR_INIT);
}

/* COMISD/UCOMISD xmm0 against xmm1, all arithmetic flags set before. */
static ulong comisd(uint64_t a, uint64_t b, int unordered)
{
	ulong fl = 0x2 | F_ARITH;

	set_mxcsr(MXCSR_INIT);
	__asm__ volatile(GUARD("movq %0, %%xmm0\n\tmovq %1, %%xmm1")
			 : : "m"(a), "m"(b) : "memory");
	if (unordered)
		__asm__ volatile(WITH_FLAGS(GUARD("ucomisd %%xmm1, %%xmm0"))
				 : [fl] "+r"(fl) : : "cc", "memory");
	else
		__asm__ volatile(WITH_FLAGS(GUARD("comisd %%xmm1, %%xmm0"))
				 : [fl] "+r"(fl) : : "cc", "memory");
	return fl & F_ARITH;
}

static void compares(void)
{
	const uint64_t one = 0x3ff0000000000000ULL, two = 0x4000000000000000ULL;
	const uint64_t qnan = 0x7ff8000000000000ULL;
	const uint64_t snan = 0x7ff0000000000001ULL;

	trap_clear();
	check_g(F_CF, comisd(one, two, 0), "sse comisd less sets cf");
	check_g(F_ZF, comisd(two, two, 0), "sse comisd equal sets zf");
	check_g(0, comisd(two, one, 0), "sse comisd greater clears zf pf cf");
	check_g(F_ZF | F_PF | F_CF, comisd(qnan, one, 0),
		"sse comisd qnan unordered");
	check_g(0x01, get_mxcsr() & MXCSR_FLAGS, "sse comisd qnan sets ie");
	check_g(F_ZF | F_PF | F_CF, comisd(one, qnan, 1),
		"sse ucomisd qnan unordered");
	check_g(0, get_mxcsr() & MXCSR_FLAGS, "sse ucomisd qnan leaves ie clear");
	check_g(F_ZF | F_PF | F_CF, comisd(snan, one, 1),
		"sse ucomisd snan unordered");
	check_g(0x01, get_mxcsr() & MXCSR_FLAGS, "sse ucomisd snan sets ie");
	set_mxcsr(MXCSR_INIT);
}

static void to_gprs(void)
{
	ulong r = 0, fl = 0x2 | F_ARITH;

	trap_clear();
	__asm__ volatile(GUARD("movdqu %1, %%xmm0\n\tpmovmskb %%xmm0, %k0")
			 : "+r"(r) : "m"(ia));
	check_g(0xa50d, r, "sse pmovmskb");
	if (has(FEAT_SSE41)) {
		__asm__ volatile(GUARD("movdqu %1, %%xmm0\n\t"
				       "pextrb $13, %%xmm0, %k0")
				 : "+r"(r) : "m"(ia));
		check_g(0xfe, r, "sse pextrb 13");
		__asm__ volatile(GUARD("movdqu %1, %%xmm0\n\t"
				       "movdqu %2, %%xmm1")
				 : "+r"(r) : "m"(ia), "m"(ib) : "memory");
		__asm__ volatile(WITH_FLAGS(GUARD("ptest %%xmm1, %%xmm0"))
				 : [fl] "+r"(fl) : : "cc", "memory");
		check_g(0, fl & F_ARITH, "sse ptest mixed bits clears all");
		fl = 0x2 | F_ARITH;
		__asm__ volatile(WITH_FLAGS(GUARD("ptest %%xmm0, %%xmm0"))
				 : [fl] "+r"(fl) : : "cc", "memory");
		check_g(F_CF, fl & F_ARITH, "sse ptest with itself sets cf");
	} else {
		check_skip(feat_name(FEAT_SSE41), "sse pextrb 13");
		check_skip(feat_name(FEAT_SSE41), "sse ptest mixed bits clears all");
		check_skip(feat_name(FEAT_SSE41), "sse ptest with itself sets cf");
	}
	if (has(FEAT_SSE42)) {
		/* Equal any, unsigned bytes, least index: the first vowel. */
		static const char set[16] = "aeiou";
		static const char text[16] = "xyzzy hello";

		fl = 0x2 | F_ARITH;
		__asm__ volatile(GUARD("movdqu %1, %%xmm0\n\tmovdqu %2, %%xmm1")
				 : "+r"(r) : "m"(set), "m"(text) : "memory");
		__asm__ volatile(WITH_FLAGS(GUARD("pcmpistri $0, %%xmm1, %%xmm0"))
				 : [fl] "+r"(fl), "+c"(r) : : "cc", "memory");
		check_g(7, r, "sse pcmpistri equal any: index");
		check_g(F_CF | F_ZF | F_SF, fl & F_ARITH,
			"sse pcmpistri equal any: flags");
	} else {
		check_skip(feat_name(FEAT_SSE42), "sse pcmpistri equal any: index");
		check_skip(feat_name(FEAT_SSE42), "sse pcmpistri equal any: flags");
	}
}

static void alignment(void)
{
	static uint8_t buf[48] __attribute__((aligned(16)));
	struct xmm r = { 0, 0 };

	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	trap_clear();
	__asm__ volatile(FAULTS("movdqa 1(%0), %%xmm0") : : "r"(buf)
			 : "memory");
	check_trap(13, 0, "sse movdqa misaligned raises #gp(0)");
	trap_clear();
	__asm__ volatile(FAULTS("movaps %%xmm0, 8(%0)") : : "r"(buf)
			 : "memory");
	check_trap(13, 0, "sse movaps store misaligned raises #gp(0)");
	trap_clear();
	__asm__ volatile(GUARD("movdqu 1(%1), %%xmm0\n\tmovdqu %%xmm0, %0")
			 : "+m"(r) : "r"(buf) : "memory");
	check_x(0x100f0e0d0c0b0a09ULL, 0x0807060504030201ULL, r.hi, r.lo,
		"sse movdqu misaligned");
}

static uint8_t fx[512] __attribute__((aligned(16)));

static void fxsave(void)
{
	__asm__ volatile(GUARD("fxsave %0") : "+m"(fx));
}

/* MMX: PADDB wraps; an MMX instruction sets TOP 0, every tag valid
 * and the register's bits 79:64 to ones; EMMS empties every tag. */
static void mmx(void)
{
	uint64_t r = 0;

	trap_clear();
	/* R0..R7 hold 1.0 (exponent 0x3fff), all empty again. */
	fpu_reset(FCW_INIT);
	__asm__ volatile(GUARD("fld1\n\tfld1\n\tfld1\n\tfld1\n\t"
			       "fld1\n\tfld1\n\tfld1\n\tfld1\n\tfninit")
			 : : : "memory");
	__asm__ volatile(GUARD("fld1\n\tmovq %1, %%mm0\n\tmovq %2, %%mm1\n\t"
			       "paddb %%mm1, %%mm0\n\tmovq %%mm0, %0")
			 : "+m"(r) : "m"(ia.lo), "m"(ib.lo) : "memory");
	check_g(0xff00ff0200000510ULL, r, "mmx paddb wraps");
	check_g(0, get_fsw() & 0x3800, "mmx sets top 0");
	fxsave();
	check_g(0xff, fx[4], "mmx sets every tag valid (fxsave ftw)");
	check_g_dev(0xffff, le(fx + 40, 2), 0x3fff,
		    "mmx sets bits 79:64 of mm0");
	check_g(0xff00ff0200000510ULL, le(fx + 32, 8),
		"mmx mm0 is bits 63:0 of st0");
	__asm__ volatile(GUARD("emms") : : : "memory");
	fxsave();
	check_g(0, fx[4], "mmx emms empties every tag");
	fpu_reset(FCW_INIT);
}

#ifdef __x86_64__
/* REX.R/REX.B reach xmm8-xmm15; MOVQ moves between RAX and XMM. */
static void high_regs(void)
{
	struct xmm r = { 0, 0 };
	ulong q = 0;

	trap_clear();
	__asm__ volatile(GUARD("movdqu %1, %%xmm8\n\tmovdqu %2, %%xmm15\n\t"
			       "paddq %%xmm8, %%xmm15\n\tmovdqu %%xmm15, %0")
			 : "+m"(r) : "m"(ia), "m"(ib) : "memory");
	check_x(0x100ff06010066ffULL, 0xff00ff0301010610ULL, r.hi, r.lo,
		"sse paddq xmm8 to xmm15");
	__asm__ volatile(GUARD("movq %1, %%xmm9\n\tmovq %%xmm9, %0")
			 : "+r"(q) : "r"(0x0123456789abcdefULL));
	check_g(0x0123456789abcdefULL, q, "sse movq rax to xmm9 and back");
}
#endif

void sse_checks(void)
{
	table_ops();
	fp_rounding();
	fp_flags();
	unmasked();
	conversions();
	compares();
	to_gprs();
	alignment();
	mmx();
#ifdef __x86_64__
	high_regs();
#endif
	set_mxcsr(MXCSR_INIT);
}
