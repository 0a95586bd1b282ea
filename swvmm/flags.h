/* Arithmetic status flags (CF PF AF ZF SF OF): the one place that computes
 * them and the one place handlers read them. Handlers never touch these
 * six bits of c->s.rflags directly.
 *
 * Flags are lazy: an ADD, SUB, logic operation, shift, INC or DEC records
 * its operands and result in c->lf and computes nothing; a reader computes
 * what it needs (sw_cond answers the common conditions straight from the
 * operands). A write of some of the flags (sw_flags_set: CF of INC/DEC,
 * CF and OF of a multiply, CLC ...) puts them in c->s.rflags and marks
 * them kept (c->lf.keep), so the operation recorded before still supplies
 * the others. Anything that needs the whole RFLAGS uses sw_flags_get or
 * brings c->s.rflags up to date with sw_flags_sync; the run loop syncs
 * before it returns and before an event is delivered, so outside sw_run
 * c->s.rflags is always complete. Code that replaces the whole RFLAGS uses
 * sw_flags_put.
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

/* c->lf.op: what res = f(a, b) was. */
enum sw_lazy_op {
	LF_NONE,    /* c->s.rflags is complete */
	LF_LOGIC,   /* res; CF = OF = AF = 0 */
	LF_ADD,     /* res = a + b */
	LF_ADC,     /* res = a + b + carry in */
	LF_SUB,     /* res = a - b */
	LF_SBB,     /* res = a - b - borrow in */
	LF_INC,     /* res = a + 1 (CF kept) */
	LF_DEC,     /* res = a - 1 (CF kept) */
	LF_SHL,     /* res = a << b (SHL/SAL, b the masked count, not 0) */
	LF_SHR,     /* res = a >> b (SHR) */
	LF_SAR,     /* res = a >> b, sign-filled (SAR) */
};

static inline unsigned sw_msb_shift(unsigned size)
{
	return size * 8 - 1;
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

/* CF of the recorded operation, or c->s.rflags's when kept or none. Shifts
 * follow swvmm/exec_alu_shift.c: a is recorded truncated, CF is the last
 * bit shifted out, 0 once the count exceeds the width. The common cases
 * without a jump table: ADD and SUB share one formula. */
static inline bool sw_lazy_cf(const struct sw_cpu *c)
{
	const struct sw_lazy_flags *l = &c->lf;
	unsigned m = sw_msb_shift(l->size), w = m + 1;
	if ((l->keep & RFLAGS_CF) || l->op == LF_NONE)
		return c->s.rflags & RFLAGS_CF;
	if (l->op <= LF_SBB) {
		/* Carry out of the top bit of a + b: both set, or one set and
		 * the sum clear; the borrow of a - b is that with a and the
		 * result complemented. */
		bool sub = l->op >= LF_SUB;
		uint64_t a = sub ? ~l->a : l->a, r = sub ? l->res : ~l->res;
		uint64_t cy = (a & l->b) | ((a | l->b) & r);
		return l->op != LF_LOGIC && ((cy >> m) & 1);
	}
	if (l->op == LF_SHL)
		return l->b > w ? 0 : (l->a >> (w - l->b)) & 1;
	if (l->op == LF_SHR)
		return l->b > w ? 0 : (l->a >> (l->b - 1)) & 1;
	if (l->op == LF_SAR)
		return (sw_sext(l->a, l->size) >> (l->b - 1)) & 1;
	return c->s.rflags & RFLAGS_CF;   /* INC, DEC keep it */
}

/* The six flags as the recorded operation sets them (op != LF_NONE). */
static inline uint64_t sw_lazy_arith(const struct sw_cpu *c)
{
	const struct sw_lazy_flags *l = &c->lf;
	unsigned m = sw_msb_shift(l->size);
	uint64_t f = sw_flags_szp(l->res, l->size);
	bool of = false, af = false;

	switch (l->op) {
	case LF_ADD:
	case LF_ADC:
		of = (((l->a ^ l->res) & (l->b ^ l->res)) >> m) & 1;
		af = ((l->a ^ l->b ^ l->res) >> 4) & 1;
		break;
	case LF_SUB:
	case LF_SBB:
		of = (((l->a ^ l->b) & (l->a ^ l->res)) >> m) & 1;
		af = ((l->a ^ l->b ^ l->res) >> 4) & 1;
		break;
	case LF_INC:
		of = ((~l->a & l->res) >> m) & 1;
		af = ((l->a ^ l->res) >> 4) & 1;
		break;
	case LF_DEC:
		of = ((l->a & ~l->res) >> m) & 1;
		af = ((l->a ^ l->res) >> 4) & 1;
		break;
	case LF_SHL:
		/* AMD: OF = MSB(result) XOR CF for every count; AF = 1. */
		of = ((l->res >> m) & 1) ^ sw_lazy_cf(c);
		af = true;
		break;
	case LF_SHR:
		of = l->b == 1 && ((l->a >> m) & 1);
		af = true;
		break;
	case LF_SAR:
		af = true;
		break;
	default:
		break;
	}
	if (sw_lazy_cf(c))
		f |= RFLAGS_CF;
	if (af)
		f |= RFLAGS_AF;
	if (of)
		f |= RFLAGS_OF;
	return f;
}

/* The whole RFLAGS with the arithmetic flags up to date (PUSHF, LAHF,
 * interrupt frames, migration). */
static inline uint64_t sw_flags_get(const struct sw_cpu *c)
{
	if (c->lf.op == LF_NONE)
		return c->s.rflags;
	uint64_t from_op = SW_FLAGS_ARITH & ~(uint64_t)c->lf.keep;
	return (c->s.rflags & ~from_op) | (sw_lazy_arith(c) & from_op);
}

/* Bring c->s.rflags up to date and drop the recorded operation. */
static inline void sw_flags_sync(struct sw_cpu *c)
{
	if (c->lf.op != LF_NONE) {
		c->s.rflags = sw_flags_get(c);
		c->lf.op = LF_NONE;
	}
}

/* Replace the whole RFLAGS (IRET, SYSRET, set-up by tests). */
static inline void sw_flags_put(struct sw_cpu *c, uint64_t val)
{
	c->lf.op = LF_NONE;
	c->s.rflags = val;
}

/* Replace the flags in mask with those of val (other bits of val ignored).
 * The arithmetic ones among them are kept from now on. */
static inline void sw_flags_set(struct sw_cpu *c, uint64_t mask, uint64_t val)
{
	c->s.rflags = (c->s.rflags & ~mask) | (val & mask);
	c->lf.keep |= (uint16_t)(mask & SW_FLAGS_ARITH);
	if (c->lf.keep == SW_FLAGS_ARITH)
		c->lf.op = LF_NONE;
}

/* Read one flag (or any of several). */
static inline bool sw_flag(const struct sw_cpu *c, uint64_t bit)
{
	if (bit == RFLAGS_CF)
		return sw_lazy_cf(c);
	return (sw_flags_get(c) & bit) != 0;
}

/* Record an operation; res is kept truncated to the size, so that ZF and
 * SF need no masking. */
static inline void sw_lazy_record(struct sw_cpu *c, enum sw_lazy_op op, uint64_t a, uint64_t b,
                                  uint64_t res, unsigned size)
{
	c->lf.a = a;
	c->lf.b = b;
	c->lf.res = sw_trunc(res, size);
	c->lf.op = (uint8_t)op;
	c->lf.size = (uint8_t)size;
	c->lf.keep = 0;
}

/* PF ZF SF from res; CF, AF and OF given explicitly (rotates, BCD
 * adjustments, anything whose CF/OF/AF follow their own rules). */
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
	sw_flags_put(c, (c->s.rflags & ~SW_FLAGS_ARITH) | f);
}

/* a + b + carry (carry 0 or 1): ADD, ADC, XADD. */
static inline void sw_flags_add(struct sw_cpu *c, uint64_t a, uint64_t b, uint64_t carry,
                                unsigned size)
{
	sw_lazy_record(c, carry ? LF_ADC : LF_ADD, a, b, a + b + carry, size);
}

/* a - b - borrow (borrow 0 or 1): SUB, SBB, CMP, NEG (0 - b), CMPS,
 * SCAS, CMPXCHG. */
static inline void sw_flags_sub(struct sw_cpu *c, uint64_t a, uint64_t b, uint64_t borrow,
                                unsigned size)
{
	sw_lazy_record(c, borrow ? LF_SBB : LF_SUB, a, b, a - b - borrow, size);
}

/* AND, OR, XOR, TEST: CF = OF = 0; AF is undefined, and cleared as AMD
 * and Intel processors do. */
static inline void sw_flags_logic(struct sw_cpu *c, uint64_t res, unsigned size)
{
	sw_lazy_record(c, LF_LOGIC, 0, 0, res, size);
}

/* SHL/SAL, SHR, SAR with a masked count n != 0 and its result res (the
 * rotates and double shifts set their flags with sw_flags_result). */
static inline void sw_flags_shift(struct sw_cpu *c, enum sw_lazy_op op, uint64_t a, unsigned n,
                                  uint64_t res, unsigned size)
{
	sw_lazy_record(c, op, sw_trunc(a, size), n, res, size);
}

/* INC and DEC: as ADD/SUB of 1 but CF is left unchanged: the CF of the
 * operation before goes to rflags and is kept. */
static inline void sw_flags_incdec(struct sw_cpu *c, uint64_t a, bool dec, unsigned size)
{
	c->s.rflags = (c->s.rflags & ~RFLAGS_CF) | (sw_lazy_cf(c) ? RFLAGS_CF : 0);
	sw_lazy_record(c, dec ? LF_DEC : LF_INC, a, 0, dec ? a - 1 : a + 1, size);
	c->lf.keep = RFLAGS_CF;
}
static inline void sw_flags_inc(struct sw_cpu *c, uint64_t a, unsigned size)
{
	sw_flags_incdec(c, a, false, size);
}
static inline void sw_flags_dec(struct sw_cpu *c, uint64_t a, unsigned size)
{
	sw_flags_incdec(c, a, true, size);
}

/* The 16 conditions from a complete RFLAGS (SDM Vol. 1, Appendix B). */
static inline bool sw_cond_flags(uint64_t f, unsigned cc)
{
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

/* With an operation recorded and only CF kept (at most), ZF and SF come
 * from its result and CF from sw_lazy_cf; after a SUB or CMP the other
 * conditions are comparisons of the operands, after a logic operation
 * (CF = OF = 0) tests of the result. The rest is read from the computed
 * flags. */
static inline bool sw_cond(const struct sw_cpu *c, unsigned cc)
{
	const struct sw_lazy_flags *l = &c->lf;
	bool r;

	if (l->op != LF_NONE && !(l->keep & ~RFLAGS_CF)) {
		switch ((cc >> 1) & 7) {
		case 1:
			r = sw_lazy_cf(c);
			return (cc & 1) ? !r : r;
		case 2:
			r = l->res == 0;
			return (cc & 1) ? !r : r;
		case 4:
			r = (l->res >> sw_msb_shift(l->size)) & 1;
			return (cc & 1) ? !r : r;
		default:
			break;
		}
	}
	if (l->op == LF_SUB && !l->keep && ((cc >> 1) & 7) != 0 && ((cc >> 1) & 7) != 5) {
		uint64_t a = sw_trunc(l->a, l->size), b = sw_trunc(l->b, l->size);
		int64_t sa = sw_sext(l->a, l->size), sb = sw_sext(l->b, l->size);
		switch ((cc >> 1) & 7) {
		case 3: r = a <= b; break;
		case 6: r = sa < sb; break;
		default: r = sa <= sb; break;
		}
		return (cc & 1) ? !r : r;
	}
	if (l->op == LF_LOGIC && !l->keep && ((cc >> 1) & 7) != 5) {
		bool sf = (l->res >> sw_msb_shift(l->size)) & 1;
		switch ((cc >> 1) & 7) {
		case 0: r = false; break;
		case 3: r = l->res == 0; break;
		case 6: r = sf; break;
		default: r = l->res == 0 || sf; break;
		}
		return (cc & 1) ? !r : r;
	}
	return sw_cond_flags(sw_flags_get(c), cc);
}

#endif
