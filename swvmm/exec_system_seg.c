/* Segment-register moves: MOV Sreg,Ew, MOV Ev,Sreg, PUSH/POP Sreg,
 * LDS/LES/LFS/LGS/LSS and SWAPGS (Intel SDM Vol. 2). The descriptor checks
 * of a load are sw_load_sreg's; these handlers read every operand first
 * and commit the general registers (RSP, the LxS destination) last.
 *
 * Vendor differences (the CPUID model's vendor is the host's):
 * - PUSH Sreg with a 32-bit operand size: Intel processors write the 16-bit
 *   selector into the 4-byte slot, leaving its upper half as it was (SDM,
 *   PUSH); AMD's APM describes the selector zero-extended to the operand
 *   size, and that is what the AMD path pushes. A 64-bit push zero-extends
 *   on both.
 * - LFS/LGS/LSS with REX.W: Intel loads an m16:64 pointer; AMD ignores
 *   REX.W and loads m16:32. */
#include "swvmm/exec_system.h"

/* MOV SS and POP SS inhibit interrupts (and debug traps) until the next
 * instruction has completed, so that a stack switch can set RSP. */
static void after_ss_load(struct sw_cpu *c, unsigned sreg)
{
	if (sreg == SEG_SS)
		c->s.ev.shadow |= SHADOW_MOVSS;
}

static void exec_mov_sreg(struct sw_cpu *c, const struct insn *i)
{
	unsigned sreg = i->reg & 7;   /* REX.R is ignored; CS is #UD at decode */
	uint16_t sel = (uint16_t)sw_rm_read(c, i, 2);
	sw_load_sreg(c, sreg, sel);
	after_ss_load(c, sreg);
}

/* A register destination takes the operand size, zero-extended; memory
 * always 16 bits. */
static void exec_store_sreg(struct sw_cpu *c, const struct insn *i)
{
	uint16_t sel = c->s.seg[i->reg & 7].selector;
	sw_rm_write(c, i, (i->flags & INSN_MEM) ? 2 : i->opsize, sel);
}

static void push_sreg(struct sw_cpu *c, const struct insn *i, unsigned sreg)
{
	uint16_t sel = c->s.seg[sreg].selector;
	unsigned size = i->opsize;

	if (size != 4 || c->vendor_amd) {
		sw_push(c, sel, size);
		return;
	}
	unsigned ss = sw_stack_size(c);
	uint64_t sp = sw_trunc(c->s.gpr[RSP] - size, ss);
	sw_check_write(c, SEG_SS, sp, size);
	sw_write(c, SEG_SS, sp, 2, sel);
	sw_gpr_write(c, RSP, ss, false, sp);
}

/* The selector is read and loaded before RSP moves, so a faulting load
 * leaves the stack as it was. RSP advances with the stack size in force
 * when the instruction began (POP SS may change SS.B). */
static void pop_sreg(struct sw_cpu *c, const struct insn *i, unsigned sreg)
{
	unsigned size = i->opsize, ss = sw_stack_size(c);
	uint64_t sp = sw_trunc(c->s.gpr[RSP], ss);
	uint16_t sel = (uint16_t)sw_read(c, SEG_SS, sp, size);

	sw_load_sreg(c, sreg, sel);
	sw_gpr_write(c, RSP, ss, false, sp + size);
	after_ss_load(c, sreg);
}

#define PUSH_POP_SREG(name, sreg)                                               \
	static void exec_push_##name(struct sw_cpu *c, const struct insn *i)    \
	{                                                                       \
		push_sreg(c, i, sreg);                                          \
	}                                                                       \
	static void exec_pop_##name(struct sw_cpu *c, const struct insn *i)     \
	{                                                                       \
		pop_sreg(c, i, sreg);                                           \
	}
PUSH_POP_SREG(es, SEG_ES)
PUSH_POP_SREG(ss, SEG_SS)
PUSH_POP_SREG(ds, SEG_DS)
PUSH_POP_SREG(fs, SEG_FS)
PUSH_POP_SREG(gs, SEG_GS)
#undef PUSH_POP_SREG

static void exec_push_cs(struct sw_cpu *c, const struct insn *i)
{
	push_sreg(c, i, SEG_CS);
}

/* LxS: offset (operand size) then selector, both read before the segment
 * load, the destination register written last. */
static void load_far_pointer(struct sw_cpu *c, const struct insn *i, unsigned sreg)
{
	unsigned size = i->opsize;
	if (size == 8 && c->vendor_amd)
		size = 4;
	uint64_t off = sw_ea(c, i);
	uint64_t v = sw_read(c, i->seg, off, size);
	uint16_t sel = (uint16_t)sw_read(c, i->seg, sw_trunc(off + size, i->adsize), 2);
	sw_load_sreg(c, sreg, sel);
	sw_reg_write(c, i, size, v);
}

static void exec_les(struct sw_cpu *c, const struct insn *i)
{
	load_far_pointer(c, i, SEG_ES);
}

static void exec_lds(struct sw_cpu *c, const struct insn *i)
{
	load_far_pointer(c, i, SEG_DS);
}

static void exec_lss(struct sw_cpu *c, const struct insn *i)
{
	load_far_pointer(c, i, SEG_SS);
}

static void exec_lfs(struct sw_cpu *c, const struct insn *i)
{
	load_far_pointer(c, i, SEG_FS);
}

static void exec_lgs(struct sw_cpu *c, const struct insn *i)
{
	load_far_pointer(c, i, SEG_GS);
}

/* SWAPGS (64-bit mode only, enforced at decode): exchange GS.base with
 * IA32_KERNEL_GS_BASE. */
static void exec_swapgs(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sys_need_cpl0(c);
	uint64_t v = c->s.seg[SEG_GS].base;
	c->s.seg[SEG_GS].base = c->s.msr.kernel_gs_base;
	c->s.msr.kernel_gs_base = v;
}

void sw_register_system_seg(sw_exec_fn *t)
{
	t[IF_MOV_SwEw] = exec_mov_sreg;
	t[IF_MOV_EvSw] = exec_store_sreg;
	t[IF_PUSH_ES] = exec_push_es;
	t[IF_PUSH_CS] = exec_push_cs;
	t[IF_PUSH_SS] = exec_push_ss;
	t[IF_PUSH_DS] = exec_push_ds;
	t[IF_PUSH_FS] = exec_push_fs;
	t[IF_PUSH_GS] = exec_push_gs;
	t[IF_POP_ES] = exec_pop_es;
	t[IF_POP_SS] = exec_pop_ss;
	t[IF_POP_DS] = exec_pop_ds;
	t[IF_POP_FS] = exec_pop_fs;
	t[IF_POP_GS] = exec_pop_gs;
	t[IF_LES_GzMp] = exec_les;
	t[IF_LDS_GzMp] = exec_lds;
	t[IF_LSS_GvMp] = exec_lss;
	t[IF_LFS_GvMp] = exec_lfs;
	t[IF_LGS_GvMp] = exec_lgs;
	t[IF_SWAPGS] = exec_swapgs;
}
