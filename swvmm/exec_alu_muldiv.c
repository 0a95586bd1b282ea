/* MUL, IMUL (one, two and three operands), DIV, IDIV.
 * Semantics: Intel SDM Vol. 2 instruction pages.
 *
 * Undefined flags follow AMD processors (measured on AMD EPYC):
 * - MUL/IMUL: CF = OF = the product does not fit the destination;
 *   SF, ZF, AF and PF are left unchanged.
 * - DIV/IDIV: CF and OF unchanged; SF = ZF = PF = 0 and AF = 1.
 * Intel processors and QEMU's emulation differ on these; the in-guest
 * suite treats them as undefined. */
#include "swvmm/exec_alu.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

static void mul_flags(struct sw_cpu *c, bool overflow)
{
	sw_flags_set(c, RFLAGS_CF | RFLAGS_OF, overflow ? RFLAGS_CF | RFLAGS_OF : 0);
}

/* The double-width accumulator pair: AX for bytes, rDX:rAX otherwise. */
static void acc_write(struct sw_cpu *c, unsigned size, uint64_t lo, uint64_t hi)
{
	if (size == 1) {
		sw_gpr_write(c, RAX, 2, false, (lo & 0xff) | ((hi & 0xff) << 8));
		return;
	}
	sw_gpr_write(c, RAX, size, false, lo);
	sw_gpr_write(c, RDX, size, false, hi);
}

/* F6/F7 /4: unsigned rDX:rAX = rAX * r/m. */
static void exec_mul(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize, bits = size * 8;
	uint64_t b = sw_rm_read(c, i, size);
	uint64_t a = sw_gpr_read(c, RAX, size, false);
	u128 p = (u128)a * b;
	uint64_t lo = sw_trunc((uint64_t)p, size);
	uint64_t hi = sw_trunc((uint64_t)(p >> bits), size);
	acc_write(c, size, lo, hi);
	mul_flags(c, hi != 0);
}

/* F6/F7 /5: signed rDX:rAX = rAX * r/m. */
static void exec_imul1(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize, bits = size * 8;
	int64_t b = sw_sext(sw_rm_read(c, i, size), size);
	int64_t a = sw_sext(sw_gpr_read(c, RAX, size, false), size);
	s128 p = (s128)a * b;
	uint64_t lo = sw_trunc((uint64_t)p, size);
	uint64_t hi = sw_trunc((uint64_t)((u128)p >> bits), size);
	acc_write(c, size, lo, hi);
	/* Overflow: the product is not the sign extension of its low half. */
	mul_flags(c, p != (s128)sw_sext(lo, size));
}

/* Signed reg = a * b truncated (0F AF, 69, 6B). */
static void imul_to_reg(struct sw_cpu *c, const struct insn *i, uint64_t a, uint64_t b)
{
	unsigned size = i->opsize;
	s128 p = (s128)sw_sext(a, size) * sw_sext(b, size);
	uint64_t lo = sw_trunc((uint64_t)p, size);
	sw_reg_write(c, i, size, lo);
	mul_flags(c, p != (s128)sw_sext(lo, size));
}

static void exec_imul_GvEv(struct sw_cpu *c, const struct insn *i)
{
	uint64_t b = sw_rm_read(c, i, i->opsize);
	imul_to_reg(c, i, sw_reg_read(c, i, i->opsize), b);
}

/* 69, 6B: the immediate is already sign-extended. */
static void exec_imul_GvEvI(struct sw_cpu *c, const struct insn *i)
{
	imul_to_reg(c, i, sw_rm_read(c, i, i->opsize), i->imm);
}

static void div_flags(struct sw_cpu *c)
{
	sw_flags_set(c, RFLAGS_SF | RFLAGS_ZF | RFLAGS_PF | RFLAGS_AF, RFLAGS_AF);
}

/* The dividend: AX for bytes, rDX:rAX otherwise. */
static u128 dividend(const struct sw_cpu *c, unsigned size)
{
	if (size == 1)
		return sw_gpr_read(c, RAX, 2, false);
	return ((u128)sw_gpr_read(c, RDX, size, false) << (size * 8)) |
	       sw_gpr_read(c, RAX, size, false);
}

/* F6/F7 /6: #DE on a zero divisor or a quotient wider than the operand. */
static void exec_div(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize;
	uint64_t d = sw_rm_read(c, i, size);
	if (d == 0)
		sw_raise(c, EXC_DE, SW_NO_ERRCODE);
	u128 n = dividend(c, size);
	u128 q = n / d;
	uint64_t r = (uint64_t)(n % d);
	if (q > sw_trunc(~0ull, size))
		sw_raise(c, EXC_DE, SW_NO_ERRCODE);
	acc_write(c, size, (uint64_t)q, r);
	div_flags(c);
}

/* F6/F7 /7: signed; the quotient truncates toward zero and the remainder
 * has the dividend's sign. #DE when the quotient leaves the signed range
 * (INT_MIN / -1 included). */
static void exec_idiv(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize, bits = size * 8;
	int64_t d = sw_sext(sw_rm_read(c, i, size), size);
	if (d == 0)
		sw_raise(c, EXC_DE, SW_NO_ERRCODE);
	/* Sign-extend the 2*bits-wide dividend to 128 bits. */
	u128 un = dividend(c, size);
	unsigned sh = 128 - 2 * bits;
	s128 n = (s128)(un << sh) >> sh;
	s128 q, r;
	if (d == -1) {
		/* Avoid the C overflow of the most negative 128-bit value: it
		 * only arises for 64-bit operands and overflows anyway. */
		if (bits == 64 && un == ((u128)1 << 127))
			sw_raise(c, EXC_DE, SW_NO_ERRCODE);
		q = -n;
		r = 0;
	} else {
		q = n / d;
		r = n % d;
	}
	s128 lim = (s128)1 << (bits - 1);
	if (q >= lim || q < -lim)
		sw_raise(c, EXC_DE, SW_NO_ERRCODE);
	acc_write(c, size, (uint64_t)q, (uint64_t)r);
	div_flags(c);
}

void sw_register_alu_muldiv(sw_exec_fn *t)
{
	t[IF_MUL_Eb] = t[IF_MUL_Ev] = exec_mul;
	t[IF_IMUL_Eb] = t[IF_IMUL_Ev] = exec_imul1;
	t[IF_IMUL_GvEv] = exec_imul_GvEv;
	t[IF_IMUL_GvEvIz] = t[IF_IMUL_GvEvIbs] = exec_imul_GvEvI;
	t[IF_DIV_Eb] = t[IF_DIV_Ev] = exec_div;
	t[IF_IDIV_Eb] = t[IF_IDIV_Ev] = exec_idiv;
}
