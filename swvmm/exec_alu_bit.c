/* Bit tests and scans: BT BTS BTR BTC (0F A3/AB/B3/BB and group 8, 0F BA),
 * BSF, BSR, and TZCNT, LZCNT, POPCNT, CRC32 where the CPUID model offers
 * them.
 * Semantics: Intel SDM Vol. 2; undefined flags as AMD processors set them
 * (measured on AMD EPYC):
 * - BT*: only CF changes.
 * - BSF/BSR: CF = OF = SF = AF = 0, PF from the bit index; on a zero
 *   source ZF = PF = 1 and the destination is not written at all (a
 *   32-bit destination keeps its upper half in 64-bit mode).
 * - TZCNT/LZCNT: CF and ZF defined, SF = AF = PF = 0, OF unchanged. */
#include "swvmm/exec_alu.h"
#include "swvmm/exec_system.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static uint64_t bt_apply(unsigned op, uint64_t v, uint64_t mask)
{
	switch (op) {
	case BT_SET: return v | mask;
	case BT_RESET: return v & ~mask;
	case BT_COMPLEMENT: return v ^ mask;
	default: return v;
	}
}

/* offset is the bit number; from a register it is a signed number that
 * may address memory outside the operand, from an immediate it is taken
 * modulo the operand width (the caller masks it). */
static void bt_common(struct sw_cpu *c, const struct insn *i, unsigned op, int64_t offset,
                      bool from_reg)
{
	unsigned size = i->opsize, w = size * 8;
	uint64_t v, mask;

	if (!(i->flags & INSN_MEM) || !from_reg) {
		mask = 1ull << ((uint64_t)offset & (w - 1));
		if (op == BT_TEST) {
			v = sw_rm_read(c, i, size);
		} else {
			struct alu_loc l;
			v = alu_rmw_read(c, i, size, &l);
			alu_rmw_write(c, i, size, &l, bt_apply(op, v, mask));
		}
	} else {
		/* The operand-sized unit holding the bit: a signed number of
		 * units away from the effective address. */
		int64_t unit = offset >> (__builtin_ctz(w));
		unsigned seg = sw_ea_seg(i);
		uint64_t off = sw_trunc(sw_ea(c, i) + (uint64_t)unit * size, i->adsize);
		mask = 1ull << ((uint64_t)offset & (w - 1));
		if (op == BT_TEST) {
			v = sw_read(c, seg, off, size);
		} else {
			sw_check_write(c, seg, off, size);
			v = sw_read(c, seg, off, size);
			sw_write(c, seg, off, size, bt_apply(op, v, mask));
		}
	}
	sw_flags_set(c, RFLAGS_CF, (v & mask) ? RFLAGS_CF : 0);
}

static unsigned bt_op(const struct insn *i)
{
	switch (i->form) {
	case IF_BTS_EvGv: case IF_BTS_EvIb: return BT_SET;
	case IF_BTR_EvGv: case IF_BTR_EvIb: return BT_RESET;
	case IF_BTC_EvGv: case IF_BTC_EvIb: return BT_COMPLEMENT;
	default: return BT_TEST;
	}
}

static void exec_bt_EvGv(struct sw_cpu *c, const struct insn *i)
{
	int64_t offset = sw_sext(sw_reg_read(c, i, i->opsize), i->opsize);
	bt_common(c, i, bt_op(i), offset, true);
}

static void exec_bt_EvIb(struct sw_cpu *c, const struct insn *i)
{
	bt_common(c, i, bt_op(i), (int64_t)(i->imm & 0xff), false);
}

/* ---- BSF, BSR ---- */

static void scan(struct sw_cpu *c, const struct insn *i, bool reverse)
{
	unsigned size = i->opsize;
	uint64_t v = sw_rm_read(c, i, size);
	if (!v) {
		sw_flags_set(c, SW_FLAGS_ARITH, RFLAGS_ZF | RFLAGS_PF);
		return;
	}
	uint64_t idx = reverse ? 63u - (unsigned)__builtin_clzll(v) : (unsigned)__builtin_ctzll(v);
	sw_reg_write(c, i, size, idx);
	sw_flags_set(c, SW_FLAGS_ARITH, sw_flags_szp(idx, 1) & RFLAGS_PF);
}
static void exec_bsf(struct sw_cpu *c, const struct insn *i) { scan(c, i, false); }
static void exec_bsr(struct sw_cpu *c, const struct insn *i) { scan(c, i, true); }

/* ---- TZCNT (BMI1), LZCNT (ABM): BSF/BSR on processors without them,
 * where the F3 prefix is ignored ---- */

static void count_zeros(struct sw_cpu *c, const struct insn *i, bool leading)
{
	unsigned size = i->opsize, w = size * 8;
	uint64_t v = sw_rm_read(c, i, size);
	uint64_t n;
	if (!v)
		n = w;
	else if (leading)
		n = (unsigned)__builtin_clzll(v) - (64 - w);
	else
		n = (unsigned)__builtin_ctzll(v);
	sw_reg_write(c, i, size, n);
	sw_flags_set(c, SW_FLAGS_ARITH & ~RFLAGS_OF, (v ? 0 : RFLAGS_CF) | (n ? 0 : RFLAGS_ZF));
}

static void exec_tzcnt(struct sw_cpu *c, const struct insn *i)
{
	if (sys_cpuid_has(c, 7, CPUID_EBX, 3))
		count_zeros(c, i, false);
	else
		scan(c, i, false);
}

static void exec_lzcnt(struct sw_cpu *c, const struct insn *i)
{
	if (sys_cpuid_has(c, 0x80000001u, CPUID_ECX, 5))
		count_zeros(c, i, true);
	else
		scan(c, i, true);
}

/* POPCNT: ZF = (source == 0), the other five flags cleared. */
static void exec_popcnt(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, 1, CPUID_ECX, 23))
		sw_ud(c);
	uint64_t v = sw_rm_read(c, i, i->opsize);
	sw_reg_write(c, i, i->opsize, (uint64_t)__builtin_popcountll(v));
	sw_flags_set(c, SW_FLAGS_ARITH, v ? 0 : RFLAGS_ZF);
}

/* CRC32 (SSE4.2): CRC-32C (polynomial 0x11EDC6F41, bit-reflected) of the
 * source's bytes, lowest first, continuing the CRC in the destination's
 * low 32 bits; the result is zero-extended (the REX.W form too). */
static void exec_crc32(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, 1, CPUID_ECX, 20))
		sw_ud(c);
	unsigned n = i->form == IF_CRC32_GdEb ? 1 : i->opsize;
	uint64_t v = sw_rm_read(c, i, n);
	uint32_t crc = (uint32_t)c->s.gpr[i->reg];
	for (unsigned k = 0; k < 8 * n; k++) {
		crc ^= (uint32_t)(v >> k) & 1;
		crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1));
	}
	sw_gpr_write(c, i->reg, i->rex & 8 ? 8 : 4, false, crc);
}

void sw_register_alu_bit(sw_exec_fn *t)
{
	t[IF_BT_EvGv] = t[IF_BTS_EvGv] = t[IF_BTR_EvGv] = t[IF_BTC_EvGv] = exec_bt_EvGv;
	t[IF_BT_EvIb] = t[IF_BTS_EvIb] = t[IF_BTR_EvIb] = t[IF_BTC_EvIb] = exec_bt_EvIb;
	t[IF_BSF_GvEv] = exec_bsf;
	t[IF_BSR_GvEv] = exec_bsr;
	t[IF_TZCNT_GvEv] = exec_tzcnt;
	t[IF_LZCNT_GvEv] = exec_lzcnt;
	t[IF_POPCNT_GvEv] = exec_popcnt;
	t[IF_CRC32_GdEb] = t[IF_CRC32_GdEv] = exec_crc32;
}
