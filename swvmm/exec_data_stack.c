/* Stack moves: PUSH/POP (register, immediate, r/m), PUSHA/POPA, ENTER,
 * LEAVE. Every slot is read or written at an offset from the current RSP
 * and RSP (and the destination registers) are committed last, so that a
 * #SS/#PF/#GP part-way through leaves the registers as before the
 * instruction (the instruction restarts; stack memory below RSP may
 * already have been written, which no program can rely on). */
#include "swvmm/cpu.h"
#include "swvmm/decode.h"
#include "swvmm/exec_data.h"

static void push(struct sw_cpu *c, uint64_t val, unsigned size)
{
	uint64_t off = sw_data_sp_off(c, -(int64_t)size);
	sw_write(c, SEG_SS, off, size, val);
	sw_data_set_sp(c, off);
}

static uint64_t pop(struct sw_cpu *c, unsigned size)
{
	uint64_t val = sw_read(c, SEG_SS, sw_data_sp_off(c, 0), size);
	sw_data_set_sp(c, sw_data_sp_off(c, size));
	return val;
}

/* 50+r: PUSH rSP pushes the value before the decrement. */
static void exec_push_Zv(struct sw_cpu *c, const struct insn *i)
{
	push(c, sw_gpr_read(c, i->rm, i->opsize, false), i->opsize);
}

/* 58+r: POP rSP leaves the popped value in rSP (written after the
 * increment; with a 16-bit operand on a 32-bit stack SP is merged into the
 * incremented ESP). */
static void exec_pop_Zv(struct sw_cpu *c, const struct insn *i)
{
	uint64_t val = pop(c, i->opsize);
	sw_gpr_write(c, i->rm, i->opsize, false, val);
}

/* 68, 6A: the immediate is sign-extended to the operand size. */
static void exec_push_imm(struct sw_cpu *c, const struct insn *i)
{
	push(c, i->imm, i->opsize);
}

/* FF /6: the operand is read (with the old RSP, for [rsp+x]) first. */
static void exec_push_Ev(struct sw_cpu *c, const struct insn *i)
{
	push(c, sw_rm_read(c, i, i->opsize), i->opsize);
}

/* 8F /0. The SDM: an RSP-based destination address is computed after RSP
 * has been incremented. The address is computed with the new RSP, the
 * store is done with the old one in place (a fault restarts cleanly),
 * and the new RSP is committed last. */
static void exec_pop_Ev(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize;
	uint64_t val = sw_read(c, SEG_SS, sw_data_sp_off(c, 0), size);
	uint64_t old_rsp = c->s.gpr[RSP];
	sw_data_set_sp(c, sw_data_sp_off(c, size));
	uint64_t new_rsp = c->s.gpr[RSP];
	if (!(i->flags & INSN_MEM)) {
		sw_rm_write(c, i, size, val);
		return;
	}
	uint64_t ea = sw_ea(c, i);
	c->s.gpr[RSP] = old_rsp;
	sw_write(c, sw_ea_seg(i), ea, size, val);
	c->s.gpr[RSP] = new_rsp;
}

/* 60 (not in 64-bit mode): AX CX DX BX SP(original) BP SI DI. */
static void exec_pusha(struct sw_cpu *c, const struct insn *i)
{
	unsigned n = i->opsize;
	for (unsigned r = 0; r < 8; r++)
		sw_write(c, SEG_SS, sw_data_sp_off(c, -(int64_t)(n * (r + 1))), n,
		         sw_gpr_read(c, r, n, false));
	sw_data_set_sp(c, sw_data_sp_off(c, -(int64_t)(n * 8)));
}

/* 61: DI SI BP (SP skipped) BX DX CX AX; every slot is read before any
 * register changes. */
static void exec_popa(struct sw_cpu *c, const struct insn *i)
{
	unsigned n = i->opsize;
	uint64_t v[8];
	for (unsigned k = 0; k < 8; k++) {
		if (k == 3)
			continue;
		v[7 - k] = sw_read(c, SEG_SS, sw_data_sp_off(c, (int64_t)(n * k)), n);
	}
	for (unsigned r = 0; r < 8; r++)
		if (r != RSP)
			sw_gpr_write(c, r, n, false, v[r]);
	sw_data_set_sp(c, sw_data_sp_off(c, (int64_t)(n * 8)));
}

/* C8 iw ib. Follows the SDM pseudocode: push rBP, copy level-1 frame
 * pointers from the enclosing frame (rBP stepped at the stack address
 * size), push the new frame pointer, then rBP = frame and rSP -= size.
 * rBP is written at the operand size (BP alone for a 16-bit ENTER, also
 * in 64-bit mode, where the SDM text is ambiguous). The final rSP is
 * checked as a write without one taking place, as the SDM lists: against
 * the stack segment (limit, or canonical form in 64-bit mode: #SS(0)) and
 * the paging rights (#PF "if a write using the final value of the stack
 * pointer ... would cause a page fault": a user ENTER whose frame ends in
 * a supervisor or read-only page faults). */
static void exec_enter(struct sw_cpu *c, const struct insn *i)
{
	unsigned n = i->opsize;
	unsigned ss = sw_stack_size(c);
	uint64_t alloc = i->imm & 0xffff;
	unsigned level = i->imm2 & 31;
	int64_t d = -(int64_t)n;

	sw_write(c, SEG_SS, sw_data_sp_off(c, d), n, sw_gpr_read(c, RBP, n, false));
	/* FrameTemp: rSP after that push, as an n-byte register reads it. */
	uint64_t rsp_after = c->s.gpr[RSP];
	if (ss == 2)
		rsp_after = (rsp_after & ~0xffffull) | sw_data_sp_off(c, d);
	else
		rsp_after = sw_data_sp_off(c, d);
	uint64_t frame = sw_trunc(rsp_after, n);

	if (level > 0) {
		uint64_t bp = c->s.gpr[RBP];
		for (unsigned k = 1; k < level; k++) {
			bp = sw_trunc(bp - n, ss);
			uint64_t v = sw_read(c, SEG_SS, bp, n);
			d -= n;
			sw_write(c, SEG_SS, sw_data_sp_off(c, d), n, v);
		}
		d -= n;
		sw_write(c, SEG_SS, sw_data_sp_off(c, d), n, frame);
	}
	uint64_t final_sp = sw_data_sp_off(c, d - (int64_t)alloc);
	if (alloc)
		sw_check_write(c, SEG_SS, final_sp, 1);
	sw_data_set_sp(c, final_sp);
	sw_gpr_write(c, RBP, n, false, frame);
}

/* C9: rSP = rBP (stack address size), then pop rBP (operand size). */
static void exec_leave(struct sw_cpu *c, const struct insn *i)
{
	unsigned n = i->opsize;
	unsigned ss = sw_stack_size(c);
	uint64_t top = sw_trunc(c->s.gpr[RBP], ss);
	uint64_t val = sw_read(c, SEG_SS, top, n);
	sw_data_set_sp(c, top + n);
	sw_gpr_write(c, RBP, n, false, val);
}

void sw_register_data_stack(sw_exec_fn *t)
{
	t[IF_PUSH_Zv] = exec_push_Zv;
	t[IF_POP_Zv] = exec_pop_Zv;
	t[IF_PUSH_Iz] = exec_push_imm;
	t[IF_PUSH_Ibs] = exec_push_imm;
	t[IF_PUSH_Ev] = exec_push_Ev;
	t[IF_POP_Ev] = exec_pop_Ev;
	t[IF_PUSHA] = exec_pusha;
	t[IF_POPA] = exec_popa;
	t[IF_ENTER_IwIb] = exec_enter;
	t[IF_LEAVE] = exec_leave;
}
