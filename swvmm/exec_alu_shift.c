/* Shifts and rotates (group 2: C0 C1 D0-D3, ROL ROR RCL RCR SHL SHR SAL
 * SAR) and the double shifts SHLD, SHRD. Semantics: Intel SDM Vol. 2.
 *
 * The count is masked to 5 bits (6 with a 64-bit operand); a masked count
 * of 0 changes no flag, but the destination is still written (a 32-bit
 * register is zero-extended in 64-bit mode, as processors do). Where the
 * SDM leaves flags or results undefined, this follows AMD processors
 * (measured on AMD EPYC over all counts, sizes and random operands):
 * - SHL/SAL: OF = MSB(result) XOR CF for every count; CF = 0 once the
 *   count exceeds the width (8- and 16-bit operands).
 * - SHR: OF = MSB(operand) for count 1, 0 otherwise. SAR: OF = 0.
 * - SHL/SHR/SAR/SHLD/SHRD: AF = 1.
 * - ROL/RCL: OF = MSB(result) XOR CF; ROR/RCR: OF = the two top bits of
 *   the result XORed; for every nonzero masked count, even when the
 *   rotation itself is a multiple of the width.
 * - SHLD: OF = MSB(result) XOR CF, but OF = CF for a 16-bit count of 16;
 *   SHRD: OF = the two top bits of the result XORed.
 * - SHLD/SHRD with a 16-bit operand and a count of 17-31: the result is
 *   the source rotated by count - 16 (left for SHLD, right for SHRD), CF = 0,
 *   OF = 0 for SHLD and as above for SHRD. */
#include "swvmm/exec_alu.h"

typedef unsigned __int128 u128;

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

static unsigned mask_count(unsigned count, unsigned size)
{
	return count & (size == 8 ? 63 : 31);
}

static bool msb(uint64_t v, unsigned size)
{
	return (v >> (size * 8 - 1)) & 1;
}

static uint64_t set_cf_of(bool cf, bool of)
{
	return (cf ? RFLAGS_CF : 0) | (of ? RFLAGS_OF : 0);
}

/* Group 2 with the count already masked and nonzero. Returns the result;
 * *cf and *of are the new CF and OF, and *szp says whether PF, ZF, SF
 * and AF change too (shifts) or not (rotates). cf_in is CF before. */
static uint64_t shift(unsigned op, uint64_t a, unsigned n, unsigned size, bool cf_in,
                      bool *cf, bool *of, bool *szp)
{
	unsigned w = size * 8;
	uint64_t r;

	a = sw_trunc(a, size);
	*szp = op >= SH_SHL;
	switch (op) {
	case SH_ROL:
	case SH_ROR: {
		unsigned k = n % w;
		if (k)
			r = op == SH_ROL ? (a << k) | (a >> (w - k)) : (a >> k) | (a << (w - k));
		else
			r = a;
		r = sw_trunc(r, size);
		if (op == SH_ROL) {
			*cf = r & 1;
			*of = msb(r, size) ^ *cf;
		} else {
			*cf = msb(r, size);
			*of = *cf ^ ((r >> (w - 2)) & 1);
		}
		return r;
	}
	case SH_RCL:
	case SH_RCR: {
		/* A (w+1)-bit rotation of CF:operand. */
		unsigned k = w == 8 ? n % 9 : w == 16 ? n % 17 : n;
		u128 x = ((u128)cf_in << w) | a;
		if (k)
			x = op == SH_RCL ? (x << k) | (x >> (w + 1 - k)) : (x >> k) | (x << (w + 1 - k));
		x &= ((u128)1 << (w + 1)) - 1;
		r = sw_trunc((uint64_t)x, size);
		*cf = (x >> w) & 1;
		if (op == SH_RCL)
			*of = msb(r, size) ^ *cf;
		else
			*of = msb(r, size) ^ ((r >> (w - 2)) & 1);
		return r;
	}
	case SH_SHL:
	case SH_SAL:
		r = n >= w ? 0 : sw_trunc(a << n, size);
		*cf = n > w ? 0 : (a >> (w - n)) & 1;
		*of = msb(r, size) ^ *cf;
		return r;
	case SH_SHR:
		r = n >= w ? 0 : a >> n;
		*cf = n > w ? 0 : (a >> (n - 1)) & 1;
		*of = n == 1 && msb(a, size);
		return r;
	default: { /* SAR: the sign-extended operand shifts in copies of the sign */
		int64_t s = sw_sext(a, size);
		*cf = (s >> (n - 1)) & 1;
		*of = false;
		return sw_trunc((uint64_t)(s >> n), size);
	}
	}
}

static void group2(struct sw_cpu *c, const struct insn *i, unsigned count)
{
	unsigned size = i->opsize;
	unsigned n = mask_count(count, size);
	struct alu_loc l;
	uint64_t a = alu_rmw_read(c, i, size, &l);
	bool cf, of, szp;

	if (!n) {
		alu_rmw_write(c, i, size, &l, a);
		return;
	}
	uint64_t r = shift((i->modrm >> 3) & 7, a, n, size, sw_flag(c, RFLAGS_CF), &cf, &of, &szp);
	alu_rmw_write(c, i, size, &l, r);
	if (szp)
		sw_flags_result(c, r, size, cf, true, of);
	else
		sw_flags_set(c, RFLAGS_CF | RFLAGS_OF, set_cf_of(cf, of));
}

static void exec_grp2_1(struct sw_cpu *c, const struct insn *i) { group2(c, i, 1); }
static void exec_grp2_Ib(struct sw_cpu *c, const struct insn *i) { group2(c, i, (unsigned)i->imm); }
static void exec_grp2_CL(struct sw_cpu *c, const struct insn *i)
{
	group2(c, i, (unsigned)c->s.gpr[RCX] & 0xff);
}

/* ---- SHLD, SHRD: dest shifted, vacated bits filled from the source ---- */

static void double_shift(struct sw_cpu *c, const struct insn *i, unsigned count, bool right)
{
	unsigned size = i->opsize, w = size * 8;
	unsigned n = mask_count(count, size);
	struct alu_loc l;
	uint64_t a = alu_rmw_read(c, i, size, &l);
	uint64_t b = sw_reg_read(c, i, size);
	uint64_t r;
	bool cf, of;

	if (!n) {
		alu_rmw_write(c, i, size, &l, a);
		return;
	}
	if (n > w) {
		/* Only 16-bit operands get here (counts 17-31). */
		unsigned k = n - 16;
		r = right ? (b >> k) | (b << (16 - k)) : (b << k) | (b >> (16 - k));
		r = sw_trunc(r, size);
		cf = false;
		of = right ? msb(r, size) ^ ((r >> (w - 2)) & 1) : false;
	} else if (!right) {
		r = n == w ? b : sw_trunc((a << n) | (b >> (w - n)), size);
		cf = (a >> (w - n)) & 1;
		of = n == w ? cf : msb(r, size) ^ cf;
	} else {
		r = n == w ? b : sw_trunc((a >> n) | (b << (w - n)), size);
		cf = (a >> (n - 1)) & 1;
		of = msb(r, size) ^ ((r >> (w - 2)) & 1);
	}
	alu_rmw_write(c, i, size, &l, r);
	sw_flags_result(c, r, size, cf, true, of);
}

static void exec_shld_Ib(struct sw_cpu *c, const struct insn *i)
{
	double_shift(c, i, (unsigned)i->imm, false);
}
static void exec_shld_CL(struct sw_cpu *c, const struct insn *i)
{
	double_shift(c, i, (unsigned)c->s.gpr[RCX] & 0xff, false);
}
static void exec_shrd_Ib(struct sw_cpu *c, const struct insn *i)
{
	double_shift(c, i, (unsigned)i->imm, true);
}
static void exec_shrd_CL(struct sw_cpu *c, const struct insn *i)
{
	double_shift(c, i, (unsigned)c->s.gpr[RCX] & 0xff, true);
}

void sw_register_alu_shift(sw_exec_fn *t)
{
#define REG_GRP2(OP)                                                                    \
	t[IF_##OP##_Eb1] = t[IF_##OP##_Ev1] = exec_grp2_1;                              \
	t[IF_##OP##_EbIb] = t[IF_##OP##_EvIb] = exec_grp2_Ib;                           \
	t[IF_##OP##_EbCL] = t[IF_##OP##_EvCL] = exec_grp2_CL;
	REG_GRP2(ROL)
	REG_GRP2(ROR)
	REG_GRP2(RCL)
	REG_GRP2(RCR)
	REG_GRP2(SHL)
	REG_GRP2(SHR)
	REG_GRP2(SAL)
	REG_GRP2(SAR)
#undef REG_GRP2
	t[IF_SHLD_EvGvIb] = exec_shld_Ib;
	t[IF_SHLD_EvGvCL] = exec_shld_CL;
	t[IF_SHRD_EvGvIb] = exec_shrd_Ib;
	t[IF_SHRD_EvGvCL] = exec_shrd_CL;
}
