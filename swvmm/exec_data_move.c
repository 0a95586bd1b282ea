/* Register and memory moves: MOV (all general-purpose forms), MOVZX,
 * MOVSX, MOVSXD, MOVNTI, MOVBE, XCHG, BSWAP, LEA, CBW/CWDE/CDQE,
 * CWD/CDQ/CQO, XLAT. Semantics: Intel SDM Vol. 2 instruction pages. */
#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/decode.h"
#include "swvmm/exec_data.h"

static bool rex_of(const struct insn *i)
{
	return (i->flags & INSN_REX) != 0;
}

/* ---- MOV ---- */

static void exec_mov_eg(struct sw_cpu *c, const struct insn *i, unsigned size)
{
	sw_rm_write(c, i, size, sw_reg_read(c, i, size));
}

static void exec_mov_ge(struct sw_cpu *c, const struct insn *i, unsigned size)
{
	sw_reg_write(c, i, size, sw_rm_read(c, i, size));
}

static void exec_mov_EbGb(struct sw_cpu *c, const struct insn *i) { exec_mov_eg(c, i, 1); }
static void exec_mov_EvGv(struct sw_cpu *c, const struct insn *i) { exec_mov_eg(c, i, i->opsize); }
static void exec_mov_GbEb(struct sw_cpu *c, const struct insn *i) { exec_mov_ge(c, i, 1); }
static void exec_mov_GvEv(struct sw_cpu *c, const struct insn *i) { exec_mov_ge(c, i, i->opsize); }

/* C6 /0, C7 /0: Iz is already sign-extended; the write truncates. */
static void exec_mov_EbIb(struct sw_cpu *c, const struct insn *i) { sw_rm_write(c, i, 1, i->imm); }
static void exec_mov_EvIz(struct sw_cpu *c, const struct insn *i) { sw_rm_write(c, i, i->opsize, i->imm); }

/* B0+r, B8+r: the register is in rm (REX.B applied); B8+r with REX.W
 * carries a full 64-bit immediate. */
static void exec_mov_ZbIb(struct sw_cpu *c, const struct insn *i)
{
	sw_gpr_write(c, i->rm, 1, rex_of(i), i->imm);
}

static void exec_mov_ZvIv(struct sw_cpu *c, const struct insn *i)
{
	sw_gpr_write(c, i->rm, i->opsize, false, i->imm);
}

/* A0-A3: the offset is address-size wide (8 bytes in 64-bit mode) and is
 * relative to DS or the override. */
static uint64_t moffs(const struct insn *i)
{
	return sw_trunc(i->imm, i->adsize);
}

static void exec_mov_ALOb(struct sw_cpu *c, const struct insn *i)
{
	sw_gpr_write(c, RAX, 1, false, sw_read(c, sw_data_seg(i), moffs(i), 1));
}

static void exec_mov_rAXOv(struct sw_cpu *c, const struct insn *i)
{
	sw_gpr_write(c, RAX, i->opsize, false, sw_read(c, sw_data_seg(i), moffs(i), i->opsize));
}

static void exec_mov_ObAL(struct sw_cpu *c, const struct insn *i)
{
	sw_write(c, sw_data_seg(i), moffs(i), 1, c->s.gpr[RAX]);
}

static void exec_mov_OvrAX(struct sw_cpu *c, const struct insn *i)
{
	sw_write(c, sw_data_seg(i), moffs(i), i->opsize, c->s.gpr[RAX]);
}

/* ---- zero and sign extension ---- */

static void exec_movzx_GvEb(struct sw_cpu *c, const struct insn *i)
{
	sw_reg_write(c, i, i->opsize, sw_rm_read(c, i, 1));
}

static void exec_movzx_GvEw(struct sw_cpu *c, const struct insn *i)
{
	sw_reg_write(c, i, i->opsize, sw_rm_read(c, i, 2));
}

static void exec_movsx_GvEb(struct sw_cpu *c, const struct insn *i)
{
	sw_reg_write(c, i, i->opsize, (uint64_t)sw_sext(sw_rm_read(c, i, 1), 1));
}

static void exec_movsx_GvEw(struct sw_cpu *c, const struct insn *i)
{
	sw_reg_write(c, i, i->opsize, (uint64_t)sw_sext(sw_rm_read(c, i, 2), 2));
}

/* 63 in 64-bit mode. With REX.W it sign-extends a doubleword; without it
 * it is a plain 32-bit move (zero-extending into the 64-bit register), and
 * with 66 a 16-bit move that reads only a word (SDM "MOVSXD r16, r/m16"). */
static void exec_movsxd_GvEd(struct sw_cpu *c, const struct insn *i)
{
	if (i->opsize == 8) {
		sw_reg_write(c, i, 8, (uint64_t)sw_sext(sw_rm_read(c, i, 4), 4));
		return;
	}
	sw_reg_write(c, i, i->opsize, sw_rm_read(c, i, i->opsize));
}

/* ---- features the CPUID model may hide ---- */

static bool cpuid_has(struct sw_cpu *c, uint32_t leaf, unsigned reg, unsigned bit)
{
	uint32_t r[4];
	cpuid_model_query(&c->vm->cpuid, leaf, 0, r);
	return (r[reg] >> bit) & 1;
}

/* MOVNTI (SSE2, CPUID.01H:EDX bit 26): a store; the non-temporal hint
 * has no meaning without caches. */
static void exec_movnti_MyGy(struct sw_cpu *c, const struct insn *i)
{
	if (!cpuid_has(c, 1, 3, 26))
		sw_ud(c);
	unsigned size = i->opsize == 8 ? 8 : 4;
	sw_rm_write(c, i, size, sw_reg_read(c, i, size));
}

static uint64_t byte_swap(uint64_t v, unsigned size)
{
	switch (size) {
	case 2: return __builtin_bswap16((uint16_t)v);
	case 4: return __builtin_bswap32((uint32_t)v);
	default: return __builtin_bswap64(v);
	}
}

/* MOVBE (CPUID.01H:ECX bit 22): memory operand only (My); the 16-bit form
 * swaps the two bytes. */
static void exec_movbe_GvMv(struct sw_cpu *c, const struct insn *i)
{
	if (!cpuid_has(c, 1, 2, 22))
		sw_ud(c);
	sw_reg_write(c, i, i->opsize, byte_swap(sw_rm_read(c, i, i->opsize), i->opsize));
}

static void exec_movbe_MvGv(struct sw_cpu *c, const struct insn *i)
{
	if (!cpuid_has(c, 1, 2, 22))
		sw_ud(c);
	sw_rm_write(c, i, i->opsize, byte_swap(sw_reg_read(c, i, i->opsize), i->opsize));
}

/* ---- exchange ---- */

/* XCHG with memory: the write check comes first so that a read-only or
 * absent page faults before either operand changes. */
static void exec_xchg(struct sw_cpu *c, const struct insn *i, unsigned size)
{
	if (i->flags & INSN_MEM)
		sw_check_write(c, sw_ea_seg(i), sw_ea(c, i), size);
	uint64_t a = sw_rm_read(c, i, size);
	uint64_t b = sw_reg_read(c, i, size);
	sw_rm_write(c, i, size, b);
	sw_reg_write(c, i, size, a);
}

static void exec_xchg_EbGb(struct sw_cpu *c, const struct insn *i) { exec_xchg(c, i, 1); }
static void exec_xchg_EvGv(struct sw_cpu *c, const struct insn *i) { exec_xchg(c, i, i->opsize); }

/* 91-97, and 90 with REX.B (XCHG r8, rAX). Plain 90 decodes as NOP, so it
 * never clears the upper half of RAX; 87 C0 (xchg eax, eax) does. */
static void exec_xchg_ZvrAX(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize;
	uint64_t a = sw_gpr_read(c, i->rm, size, false);
	uint64_t b = sw_gpr_read(c, RAX, size, false);
	sw_gpr_write(c, i->rm, size, false, b);
	sw_gpr_write(c, RAX, size, false, a);
}

/* 0F C8+r. With a 16-bit operand the SDM leaves the result undefined;
 * Intel and AMD processors leave 0 in the low word (the swapped low word
 * of the doubleword is its zero upper half shifted down), the upper bits
 * of the register untouched. hvmm does the same. */
static void exec_bswap_Zv(struct sw_cpu *c, const struct insn *i)
{
	if (i->opsize == 2) {
		sw_gpr_write(c, i->rm, 2, false, 0);
		return;
	}
	sw_gpr_write(c, i->rm, i->opsize, false,
	             byte_swap(sw_gpr_read(c, i->rm, i->opsize, false), i->opsize));
}

/* ---- address and accumulator arithmetic ---- */

/* LEA: the offset is computed at the address size, then truncated (or
 * zero-extended) to the operand size. The register form is #UD (the
 * decoder rejects it: operand M). */
static void exec_lea_GvM(struct sw_cpu *c, const struct insn *i)
{
	sw_reg_write(c, i, i->opsize, sw_ea(c, i));
}

/* 98: CBW / CWDE / CDQE: the accumulator's lower half sign-extended. */
static void exec_cbw(struct sw_cpu *c, const struct insn *i)
{
	unsigned half = i->opsize / 2;
	sw_gpr_write(c, RAX, i->opsize, false, (uint64_t)sw_sext(c->s.gpr[RAX], half));
}

/* 99: CWD / CDQ / CQO: rDX becomes the sign of rAX. */
static void exec_cwd(struct sw_cpu *c, const struct insn *i)
{
	int64_t v = sw_sext(c->s.gpr[RAX], i->opsize);
	sw_gpr_write(c, RDX, i->opsize, false, v < 0 ? ~0ull : 0);
}

/* D7: AL = [seg:rBX + AL], rBX and the sum at the address size. */
static void exec_xlat(struct sw_cpu *c, const struct insn *i)
{
	uint64_t off = sw_trunc(c->s.gpr[RBX] + (c->s.gpr[RAX] & 0xff), i->adsize);
	sw_gpr_write(c, RAX, 1, false, sw_read(c, sw_data_seg(i), off, 1));
}

/* ---- no-operations and hints ---- */

/* 90, F3 90 (PAUSE: a spin-loop hint), 0F 19-1F and 0F 18 /4-7 (hint
 * NOPs, whose memory operand is never accessed), prefetches (0F 0D, 0F 18
 * /0-3: no cache to fill, and a prefetch never faults). */
static void exec_nop(struct sw_cpu *c, const struct insn *i)
{
	(void)c;
	(void)i;
}

/* 0F 0B, 0F B9, 0F FF: defined to raise #UD. */
static void exec_ud(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_ud(c);
}

void sw_register_data_move(sw_exec_fn *t)
{
	t[IF_MOV_EbGb] = exec_mov_EbGb;
	t[IF_MOV_EvGv] = exec_mov_EvGv;
	t[IF_MOV_GbEb] = exec_mov_GbEb;
	t[IF_MOV_GvEv] = exec_mov_GvEv;
	t[IF_MOV_EbIb] = exec_mov_EbIb;
	t[IF_MOV_EvIz] = exec_mov_EvIz;
	t[IF_MOV_ZbIb] = exec_mov_ZbIb;
	t[IF_MOV_ZvIv] = exec_mov_ZvIv;
	t[IF_MOV_ALOb] = exec_mov_ALOb;
	t[IF_MOV_rAXOv] = exec_mov_rAXOv;
	t[IF_MOV_ObAL] = exec_mov_ObAL;
	t[IF_MOV_OvrAX] = exec_mov_OvrAX;
	t[IF_MOVZX_GvEb] = exec_movzx_GvEb;
	t[IF_MOVZX_GvEw] = exec_movzx_GvEw;
	t[IF_MOVSX_GvEb] = exec_movsx_GvEb;
	t[IF_MOVSX_GvEw] = exec_movsx_GvEw;
	t[IF_MOVSXD_GvEd] = exec_movsxd_GvEd;
	t[IF_MOVNTI_MyGy] = exec_movnti_MyGy;
	t[IF_MOVBE_GvMv] = exec_movbe_GvMv;
	t[IF_MOVBE_MvGv] = exec_movbe_MvGv;
	t[IF_XCHG_EbGb] = exec_xchg_EbGb;
	t[IF_XCHG_EvGv] = exec_xchg_EvGv;
	t[IF_XCHG_ZvrAX] = exec_xchg_ZvrAX;
	t[IF_BSWAP_Zv] = exec_bswap_Zv;
	t[IF_LEA_GvM] = exec_lea_GvM;
	t[IF_CBW] = exec_cbw;
	t[IF_CWD] = exec_cwd;
	t[IF_XLAT] = exec_xlat;
	t[IF_NOP] = exec_nop;
	t[IF_PAUSE] = exec_nop;
	t[IF_NOP_Ev] = exec_nop;
	t[IF_PREFETCH_Mb] = exec_nop;
	t[IF_PREFETCHW_Mb] = exec_nop;
	t[IF_PREFETCHWT1_Mb] = exec_nop;
	t[IF_PREFETCHNTA_Mb] = exec_nop;
	t[IF_PREFETCHT0_Mb] = exec_nop;
	t[IF_PREFETCHT1_Mb] = exec_nop;
	t[IF_PREFETCHT2_Mb] = exec_nop;
	t[IF_UD2] = exec_ud;
	t[IF_UD1_GvEv] = exec_ud;
	t[IF_UD0_GvEv] = exec_ud;
}
