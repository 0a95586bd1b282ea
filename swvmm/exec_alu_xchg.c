/* Compare-and-exchange and exchange-and-add: CMPXCHG, CMPXCHG8B,
 * CMPXCHG16B, XADD. One vCPU, so LOCK needs nothing beyond the decoder's
 * legality check. Semantics: Intel SDM Vol. 2; register-form details as
 * measured on AMD EPYC:
 * - CMPXCHG r/m32, r32 in 64-bit mode: on a match the destination is
 *   written (zero-extended) and RAX untouched; on a mismatch EAX is
 *   loaded (zero-extended) and a register destination is not written,
 *   while a memory destination is written back with its own value.
 * - CMPXCHG8B: on a mismatch EAX and EDX are loaded (zero-extended); on
 *   a match they are untouched. */
#include "swvmm/exec_alu.h"
#include "swvmm/exec_system.h"

static void exec_cmpxchg(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize;
	struct alu_loc l;
	uint64_t dst = alu_rmw_read(c, i, size, &l);
	uint64_t acc = sw_gpr_read(c, RAX, size, false);
	uint64_t src = sw_reg_read(c, i, size);
	if (acc == dst) {
		alu_rmw_write(c, i, size, &l, src);
	} else {
		if (l.mem)
			alu_rmw_write(c, i, size, &l, dst);
		sw_gpr_write(c, RAX, size, false, dst);
	}
	sw_flags_sub(c, acc, dst, 0, size);
}

/* 0F C7 /1: CMPXCHG8B m64, or CMPXCHG16B m128 with REX.W (16-byte
 * aligned, else #GP(0)). Only ZF changes. */
static void exec_cmpxchg8b(struct sw_cpu *c, const struct insn *i)
{
	bool wide = (i->rex & 8) != 0;
	if (wide ? !sys_cpuid_has(c, 1, CPUID_ECX, 13) : !sys_cpuid_has(c, 1, CPUID_EDX, 8))
		sw_ud(c);
	unsigned half = wide ? 8 : 4;
	unsigned seg = sw_ea_seg(i);
	uint64_t off = sw_ea(c, i);
	uint64_t lo, hi;
	if (wide) {
		/* The alignment is checked on the linear address. */
		if ((c->s.seg[seg].base + off) & 15)
			sw_gp0(c);
		sw_check_write(c, seg, off, 8);
		sw_check_write(c, seg, sw_trunc(off + 8, i->adsize), 8);
		lo = sw_read(c, seg, off, 8);
		hi = sw_read(c, seg, sw_trunc(off + 8, i->adsize), 8);
	} else {
		sw_check_write(c, seg, off, 8);
		uint64_t m = sw_read(c, seg, off, 8);
		lo = m & 0xffffffffu;
		hi = m >> 32;
	}
	bool eq = lo == sw_gpr_read(c, RAX, half, false) && hi == sw_gpr_read(c, RDX, half, false);
	uint64_t wlo = eq ? sw_gpr_read(c, RBX, half, false) : lo;
	uint64_t whi = eq ? sw_gpr_read(c, RCX, half, false) : hi;
	if (wide) {
		sw_write(c, seg, off, 8, wlo);
		sw_write(c, seg, sw_trunc(off + 8, i->adsize), 8, whi);
	} else {
		sw_write(c, seg, off, 8, wlo | (whi << 32));
	}
	if (!eq) {
		sw_gpr_write(c, RAX, half, false, lo);
		sw_gpr_write(c, RDX, half, false, hi);
	}
	sw_flags_set(c, RFLAGS_ZF, eq ? RFLAGS_ZF : 0);
}

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP. With one register as
 * both operands the destination write comes last and wins. */
static void exec_xadd(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize;
	struct alu_loc l;
	uint64_t dst = alu_rmw_read(c, i, size, &l);
	uint64_t src = sw_reg_read(c, i, size);
	sw_reg_write(c, i, size, dst);
	alu_rmw_write(c, i, size, &l, dst + src);
	sw_flags_add(c, dst, src, 0, size);
}

void sw_register_alu_xchg(sw_exec_fn *t)
{
	t[IF_CMPXCHG_EbGb] = t[IF_CMPXCHG_EvGv] = exec_cmpxchg;
	t[IF_CMPXCHG8B_Mq] = exec_cmpxchg8b;
	t[IF_XADD_EbGb] = t[IF_XADD_EvGv] = exec_xadd;
}
