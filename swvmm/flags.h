/* Arithmetic status flags (CF PF AF ZF SF OF): the one place that computes
 * them and the one place handlers read them. Handlers never touch these
 * six bits of c->s.rflags directly, so that flag evaluation can later be
 * made lazy (record operands and operation, compute on demand) by
 * changing this header alone.
 *
 * Sizes are operand sizes in bytes (1, 2, 4, 8); operands may carry
 * garbage above the size, it is ignored. Semantics: Intel SDM Vol. 1,
 * 3.4.3.1 and the instruction pages; AF is the carry/borrow out of bit 3. */
#ifndef HVMM_SWVMM_FLAGS_H
#define HVMM_SWVMM_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "swvmm/cpu.h"

#define SW_FLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* Condition codes: the low 4 bits of Jcc, SETcc and CMOVcc opcodes. */
enum sw_cc {
	CC_O, CC_NO, CC_B, CC_AE, CC_E, CC_NE, CC_BE, CC_A,
	CC_S, CC_NS, CC_P, CC_NP, CC_L, CC_GE, CC_LE, CC_G,
};

static inline unsigned sw_msb_shift(unsigned size)
{
	return size * 8 - 1;
}

/* Replace the flags in mask with those of val (other bits of val ignored). */
static inline void sw_flags_set(struct sw_cpu *c, uint64_t mask, uint64_t val)
{
	c->s.rflags = (c->s.rflags & ~mask) | (val & mask);
}

/* Read one flag (or any of several). */
static inline bool sw_flag(const struct sw_cpu *c, uint64_t bit)
{
	return (c->s.rflags & bit) != 0;
}

/* The whole RFLAGS with the arithmetic flags up to date (PUSHF, LAHF,
 * interrupt frames, migration). */
static inline uint64_t sw_flags_get(const struct sw_cpu *c)
{
	return c->s.rflags;
}

/* The PF, ZF and SF bits of a result. */
static inline uint64_t sw_flags_szp(uint64_t res, unsigned size)
{
	uint64_t f = 0;
	res = sw_trunc(res, size);
	if (!__builtin_parity((unsigned)(res & 0xff)))
		f |= RFLAGS_PF;
	if (res == 0)
		f |= RFLAGS_ZF;
	if ((res >> sw_msb_shift(size)) & 1)
		f |= RFLAGS_SF;
	return f;
}

/* PF ZF SF from res; CF, AF and OF given explicitly (shifts, multiplies,
 * BCD adjustments, anything whose CF/OF/AF follow their own rules). */
static inline void sw_flags_result(struct sw_cpu *c, uint64_t res, unsigned size,
                                   bool cf, bool af, bool of)
{
	uint64_t f = sw_flags_szp(res, size);
	if (cf)
		f |= RFLAGS_CF;
	if (af)
		f |= RFLAGS_AF;
	if (of)
		f |= RFLAGS_OF;
	sw_flags_set(c, SW_FLAGS_ARITH, f);
}

/* a + b + carry (carry 0 or 1): ADD, ADC, XADD. */
static inline void sw_flags_add(struct sw_cpu *c, uint64_t a, uint64_t b, uint64_t carry,
                                unsigned size)
{
	uint64_t res = a + b + carry;
	unsigned m = sw_msb_shift(size);
	/* Carry out of the top bit: both set, or one set and the sum clear. */
	bool cf = (((a & b) | ((a | b) & ~res)) >> m) & 1;
	bool of = (((a ^ res) & (b ^ res)) >> m) & 1;
	bool af = ((a ^ b ^ res) >> 4) & 1;
	sw_flags_result(c, res, size, cf, af, of);
}

/* a - b - borrow (borrow 0 or 1): SUB, SBB, CMP, NEG (0 - b), CMPS,
 * SCAS, CMPXCHG. */
static inline void sw_flags_sub(struct sw_cpu *c, uint64_t a, uint64_t b, uint64_t borrow,
                                unsigned size)
{
	uint64_t res = a - b - borrow;
	unsigned m = sw_msb_shift(size);
	bool cf = (((~a & b) | ((~a | b) & res)) >> m) & 1;
	bool of = (((a ^ b) & (a ^ res)) >> m) & 1;
	bool af = ((a ^ b ^ res) >> 4) & 1;
	sw_flags_result(c, res, size, cf, af, of);
}

/* AND, OR, XOR, TEST: CF = OF = 0; AF is undefined, and cleared as AMD
 * and Intel processors do. */
static inline void sw_flags_logic(struct sw_cpu *c, uint64_t res, unsigned size)
{
	sw_flags_result(c, res, size, false, false, false);
}

/* INC and DEC: as ADD/SUB of 1 but CF is left unchanged. */
static inline void sw_flags_incdec(struct sw_cpu *c, uint64_t a, bool dec, unsigned size)
{
	uint64_t res = dec ? a - 1 : a + 1;
	unsigned m = sw_msb_shift(size);
	bool of = dec ? (((a & ~res) >> m) & 1) : (((~a & res) >> m) & 1);
	bool af = ((a ^ res) >> 4) & 1;
	uint64_t f = sw_flags_szp(res, size);
	if (af)
		f |= RFLAGS_AF;
	if (of)
		f |= RFLAGS_OF;
	sw_flags_set(c, SW_FLAGS_ARITH & ~RFLAGS_CF, f);
}
static inline void sw_flags_inc(struct sw_cpu *c, uint64_t a, unsigned size)
{
	sw_flags_incdec(c, a, false, size);
}
static inline void sw_flags_dec(struct sw_cpu *c, uint64_t a, unsigned size)
{
	sw_flags_incdec(c, a, true, size);
}

/* The 16 conditions (SDM Vol. 1, Appendix B). */
static inline bool sw_cond(const struct sw_cpu *c, unsigned cc)
{
	uint64_t f = c->s.rflags;
	bool r;
	switch ((cc >> 1) & 7) {
	case 0: r = f & RFLAGS_OF; break;
	case 1: r = f & RFLAGS_CF; break;
	case 2: r = f & RFLAGS_ZF; break;
	case 3: r = f & (RFLAGS_CF | RFLAGS_ZF); break;
	case 4: r = f & RFLAGS_SF; break;
	case 5: r = f & RFLAGS_PF; break;
	case 6: r = !(f & RFLAGS_SF) != !(f & RFLAGS_OF); break;
	default: r = (f & RFLAGS_ZF) || (!(f & RFLAGS_SF) != !(f & RFLAGS_OF)); break;
	}
	return (cc & 1) ? !r : r;
}

#endif
