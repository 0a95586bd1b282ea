/* Near transfers: CALL rel/r/m, JMP rel/r/m, RET [imm16]. The operand
 * size is the decoder's (F_F64: 64 bits in 64-bit mode whatever 66 says,
 * as Intel processors do); a 16-bit operand size truncates the target to
 * 16 bits (the upper bits of EIP cleared). The target is checked before
 * anything changes, so a #GP(0) is raised with RIP at the branch. */
#include "swvmm/cpu.h"
#include "swvmm/decode.h"
#include "swvmm/exec_data.h"

void sw_check_near_target(struct sw_cpu *c, uint64_t target)
{
	if (c->mode == MODE_LONG64) {
		if (!sw_canonical(target))
			sw_gp0(c);
	} else if (target > c->s.seg[SEG_CS].limit) {
		sw_gp0(c);
	}
}

static void jump(struct sw_cpu *c, uint64_t target, unsigned size)
{
	target = sw_trunc(target, size);
	sw_check_near_target(c, target);
	c->next_rip = target;
}

/* The return address is pushed after the target is checked and before
 * RIP changes; RSP is committed only once the push has succeeded. */
static void call(struct sw_cpu *c, uint64_t target, unsigned size)
{
	target = sw_trunc(target, size);
	sw_check_near_target(c, target);
	uint64_t off = sw_data_sp_off(c, -(int64_t)size);
	sw_write(c, SEG_SS, off, size, c->next_rip);
	sw_data_set_sp(c, off);
	c->next_rip = target;
}

/* E8: relative to the next instruction. */
static void exec_call_Jz(struct sw_cpu *c, const struct insn *i)
{
	call(c, c->next_rip + i->imm, i->opsize);
}

/* FF /2: the target is read (with the old RSP) before the push. */
static void exec_call_Ev(struct sw_cpu *c, const struct insn *i)
{
	call(c, sw_rm_read(c, i, i->opsize), i->opsize);
}

/* E9, EB. */
static void exec_jmp_rel(struct sw_cpu *c, const struct insn *i)
{
	jump(c, c->next_rip + i->imm, i->opsize);
}

/* FF /4. */
static void exec_jmp_Ev(struct sw_cpu *c, const struct insn *i)
{
	jump(c, sw_rm_read(c, i, i->opsize), i->opsize);
}

/* C3, C2 iw: pop the target, then release imm16 more bytes (stack address
 * size arithmetic). */
static void ret(struct sw_cpu *c, const struct insn *i, uint64_t release)
{
	unsigned size = i->opsize;
	uint64_t target = sw_trunc(sw_read(c, SEG_SS, sw_data_sp_off(c, 0), size), size);
	sw_check_near_target(c, target);
	sw_data_set_sp(c, sw_data_sp_off(c, (int64_t)(size + release)));
	c->next_rip = target;
}

static void exec_ret(struct sw_cpu *c, const struct insn *i)
{
	ret(c, i, 0);
}

static void exec_ret_Iw(struct sw_cpu *c, const struct insn *i)
{
	ret(c, i, i->imm & 0xffff);
}

void sw_register_data_branch(sw_exec_fn *t)
{
	t[IF_CALL_Jz] = exec_call_Jz;
	t[IF_CALL_Ev] = exec_call_Ev;
	t[IF_JMP_Jz] = exec_jmp_rel;
	t[IF_JMP_Jb] = exec_jmp_rel;
	t[IF_JMP_Ev] = exec_jmp_Ev;
	t[IF_RET] = exec_ret;
	t[IF_RET_Iw] = exec_ret_Iw;
}
