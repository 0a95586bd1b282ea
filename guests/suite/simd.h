/* The x87, MMX and SSE groups of suite32 and suite64: control-register
 * bits, CPUID, operand layouts. The checks are inline assembly with
 * memory operands only, so the guests keep -mgeneral-regs-only and the
 * compiler never touches the x87 or XMM state between two statements:
 * state set up by one asm statement is still there in the next. */
#ifndef GUESTS_SUITE_SIMD_H
#define GUESTS_SUITE_SIMD_H

#include "suite/suite.h"

#define CR0_MP		0x02UL
#define CR0_EM		0x04UL
#define CR0_TS		0x08UL
#define CR0_NE		0x20UL
#define CR4_OSFXSR	0x200UL
#define CR4_OSXMMEXCPT	0x400UL
#define CR4_OSXSAVE	0x40000UL

#define MXCSR_INIT	0x1f80	/* all masked, round to nearest */
#define MXCSR_FLAGS	0x3f	/* IE DE ZE OE UE PE */
#define FCW_INIT	0x37f

/* An x87 register image (FLD/FSTP m80, FXSAVE's ST slots): significand,
 * then sign and exponent. */
struct f80 {
	uint64_t m;
	uint16_t se;
	uint16_t pad[3];
};

/* An XMM register image. */
struct xmm {
	uint64_t lo, hi;
} __attribute__((aligned(16)));

/* read_crN, write_crN */
#define CR_ACCESS(n)							\
static inline ulong read_cr##n(void)					\
{									\
	ulong v;							\
									\
	__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));		\
	return v;							\
}									\
static inline void write_cr##n(ulong v)					\
{									\
	__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");	\
}
CR_ACCESS(0)
CR_ACCESS(4)

/* CPUID leaf, subleaf: r[] = EAX, EBX, ECX, EDX. */
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]),
			 "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* Whether CPUID.1:ECX has bit. */
static inline int has_ecx1(unsigned int bit)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return (r[2] >> bit) & 1;
}

/* Under GUARD: the control words of each unit. */
static inline void set_mxcsr(uint32_t v)
{
	__asm__ volatile(GUARD("ldmxcsr %0") : : "m"(v) : "memory");
}

static inline uint32_t get_mxcsr(void)
{
	uint32_t v = 0;

	__asm__ volatile(GUARD("stmxcsr %0") : "+m"(v));
	return v;
}

static inline void fpu_reset(uint16_t fcw)
{
	__asm__ volatile(GUARD("fninit\n\tfldcw %0") : : "m"(fcw) : "memory");
}

static inline uint16_t get_fsw(void)
{
	uint16_t v = 0;

	__asm__ volatile(GUARD("fnstsw %0") : "+m"(v));
	return v;
}

/* Pops ST0. */
static inline struct f80 pop80(void)
{
	struct f80 v = { 0, 0, { 0, 0, 0 } };

	__asm__ volatile(GUARD("fstpt %0") : "+m"(v));
	return v;
}

/* FNSTENV's tag word (it also masks every x87 exception). */
static inline uint16_t get_ftw(void)
{
	uint16_t env[14] = { 0 };

	__asm__ volatile(GUARD("fnstenv %0") : "+m"(env));
	return env[4];
}

/* n bytes (up to 8) at p, little-endian: fields of FXSAVE images. */
static inline uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

void x87_checks(void);
void sse_checks(void);
void fpu_ctl_checks(void);

#endif
