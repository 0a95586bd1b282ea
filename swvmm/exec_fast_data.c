/* Specialised data-movement and branch handlers (see swvmm/exec_fast.h):
 * MOV, LEA, MOVZX/MOVSX/MOVSXD with 32/64-bit destinations, and in 64-bit
 * mode PUSH/POP of a register, Jcc, JMP, CALL and RET. Semantics as
 * swvmm/exec_data_move.c, exec_data_stack.c, exec_data_branch.c and
 * exec_alu_cond.c for those operands. Memory goes through the inline fast
 * path of swvmm/mem_fast.h; where that does not settle an access, the
 * general handler executes the whole instruction (nothing has changed by
 * then). */
#include "swvmm/exec_fast.h"
#include "swvmm/flags.h"
#include "swvmm/mem_fast.h"

/* The r/m operand (register, or memory under sw_fast_flat64) in *v;
 * false when the memory access needs the general handler. */
static inline bool rm_load(struct sw_cpu *c, const struct insn *i, unsigned size, uint64_t *v)
{
	if (i->flags & INSN_MEM) {
		const uint8_t *p = sw_rd64(c, sw_fast_ea64(c, i), size);
		if (!p)
			return false;
		*v = sw_load_le(p, size);
		return true;
	}
	*v = sw_gpr_read(c, i->rm, size, i->flags & INSN_REX);
	return true;
}

/* r/m = v; false when the memory access needs the general handler. */
static inline bool rm_store(struct sw_cpu *c, const struct insn *i, unsigned size, uint64_t v)
{
	if (i->flags & INSN_MEM) {
		uint8_t *p = sw_wr64(c, sw_fast_ea64(c, i), size);
		if (!p)
			return false;
		sw_store_le(p, size, v);
		return true;
	}
	sw_fast_put(c, i->rm, v, size);
	return true;
}

/* reg = ext(r/m) of width w; the general handler when memory needs it. */
static inline void load_ext(struct sw_cpu *c, const struct insn *i, unsigned w, bool sext,
                            unsigned size)
{
	uint64_t v;
	if (!rm_load(c, i, w, &v)) {
		c->exec[i->form](c, i);
		return;
	}
	sw_fast_put(c, i->reg, sext ? (uint64_t)sw_sext(v, w) : v, size);
}

#define MOV_FORMS(size)                                                                \
	static void mov_eg_##size(struct sw_cpu *c, const struct insn *i)             \
	{                                                                             \
		if (!rm_store(c, i, size, c->s.gpr[i->reg]))                          \
			c->exec[i->form](c, i);                                       \
	}                                                                             \
	static void mov_ge_##size(struct sw_cpu *c, const struct insn *i)             \
	{                                                                             \
		load_ext(c, i, size, false, size);                                    \
	}                                                                             \
	static void mov_ei_##size(struct sw_cpu *c, const struct insn *i)             \
	{                                                                             \
		if (!rm_store(c, i, size, i->imm))                                    \
			c->exec[i->form](c, i);                                       \
	}                                                                             \
	static void mov_zi_##size(struct sw_cpu *c, const struct insn *i)             \
	{                                                                             \
		sw_fast_put(c, i->rm, i->imm, size);                                  \
	}                                                                             \
	static void lea_##size(struct sw_cpu *c, const struct insn *i)                \
	{                                                                             \
		sw_fast_put(c, i->reg, sw_fast_ea(c, i), size);                       \
	}                                                                             \
	static void movzx_b_##size(struct sw_cpu *c, const struct insn *i)            \
	{                                                                             \
		load_ext(c, i, 1, false, size);                                       \
	}                                                                             \
	static void movzx_w_##size(struct sw_cpu *c, const struct insn *i)            \
	{                                                                             \
		load_ext(c, i, 2, false, size);                                       \
	}                                                                             \
	static void movsx_b_##size(struct sw_cpu *c, const struct insn *i)            \
	{                                                                             \
		load_ext(c, i, 1, true, size);                                        \
	}                                                                             \
	static void movsx_w_##size(struct sw_cpu *c, const struct insn *i)            \
	{                                                                             \
		load_ext(c, i, 2, true, size);                                        \
	}
MOV_FORMS(4)
MOV_FORMS(8)

static void movsxd_8(struct sw_cpu *c, const struct insn *i)
{
	load_ext(c, i, 4, true, 8);
}

/* ---- 64-bit mode: the stack is 64 bits wide, SS has no base or limit,
 * and a near branch target need only be canonical ---- */

/* 50+r other than RSP (PUSH RSP pushes the old value: general handler). */
static void push_r64(struct sw_cpu *c, const struct insn *i)
{
	uint64_t sp = c->s.gpr[RSP] - 8;
	uint8_t *p = sw_wr64(c, sp, 8);
	if (!p) {
		c->exec[i->form](c, i);
		return;
	}
	sw_store_le(p, 8, c->s.gpr[i->rm]);
	c->s.gpr[RSP] = sp;
}

/* 58+r other than RSP. */
static void pop_r64(struct sw_cpu *c, const struct insn *i)
{
	const uint8_t *p = sw_rd64(c, c->s.gpr[RSP], 8);
	if (!p) {
		c->exec[i->form](c, i);
		return;
	}
	c->s.gpr[RSP] += 8;
	c->s.gpr[i->rm] = sw_load_le(p, 8);
}

static inline void jump64(struct sw_cpu *c, uint64_t target)
{
	if (!sw_canonical(target))
		sw_gp0(c);
	c->next_rip = target;
}

#define JCC64(cc)                                                                      \
	static void jcc64_##cc(struct sw_cpu *c, const struct insn *i)                \
	{                                                                             \
		if (sw_cond(c, cc))                                                   \
			jump64(c, c->next_rip + i->imm);                              \
	}
JCC64(0) JCC64(1) JCC64(2) JCC64(3) JCC64(4) JCC64(5) JCC64(6) JCC64(7)
JCC64(8) JCC64(9) JCC64(10) JCC64(11) JCC64(12) JCC64(13) JCC64(14) JCC64(15)
static const sw_exec_fn jcc64[16] = {
	jcc64_0, jcc64_1, jcc64_2, jcc64_3, jcc64_4, jcc64_5, jcc64_6, jcc64_7,
	jcc64_8, jcc64_9, jcc64_10, jcc64_11, jcc64_12, jcc64_13, jcc64_14, jcc64_15,
};

static void jmp64(struct sw_cpu *c, const struct insn *i)
{
	jump64(c, c->next_rip + i->imm);
}

/* The target is checked before the push; RSP changes once it succeeded. */
static void call64(struct sw_cpu *c, const struct insn *i)
{
	uint64_t target = c->next_rip + i->imm, sp = c->s.gpr[RSP] - 8;
	uint8_t *p = sw_wr64(c, sp, 8);
	if (!p || !sw_canonical(target)) {
		c->exec[i->form](c, i);
		return;
	}
	sw_store_le(p, 8, c->next_rip);
	c->s.gpr[RSP] = sp;
	c->next_rip = target;
}

static void ret64(struct sw_cpu *c, const struct insn *i)
{
	const uint8_t *p = sw_rd64(c, c->s.gpr[RSP], 8);
	uint64_t target = p ? sw_load_le(p, 8) : 0;
	if (!p || !sw_canonical(target)) {
		c->exec[i->form](c, i);
		return;
	}
	c->s.gpr[RSP] += 8;
	c->next_rip = target;
}

#define PICK(name) (i->opsize == 8 ? name##_8 : name##_4)

sw_exec_fn sw_fast_data(const struct sw_cpu *c, const struct insn *i)
{
	bool m64 = c->mode == MODE_LONG64;

	switch (i->form) {
	case IF_JO_Jb: case IF_JNO_Jb: case IF_JB_Jb: case IF_JAE_Jb:
	case IF_JE_Jb: case IF_JNE_Jb: case IF_JBE_Jb: case IF_JA_Jb:
	case IF_JS_Jb: case IF_JNS_Jb: case IF_JP_Jb: case IF_JNP_Jb:
	case IF_JL_Jb: case IF_JGE_Jb: case IF_JLE_Jb: case IF_JG_Jb:
	case IF_JO_Jz: case IF_JNO_Jz: case IF_JB_Jz: case IF_JAE_Jz:
	case IF_JE_Jz: case IF_JNE_Jz: case IF_JBE_Jz: case IF_JA_Jz:
	case IF_JS_Jz: case IF_JNS_Jz: case IF_JP_Jz: case IF_JNP_Jz:
	case IF_JL_Jz: case IF_JGE_Jz: case IF_JLE_Jz: case IF_JG_Jz:
		return m64 && i->opsize == 8 ? jcc64[i->opcode & 0xf] : NULL;
	case IF_JMP_Jb: case IF_JMP_Jz:
		return m64 && i->opsize == 8 ? jmp64 : NULL;
	case IF_CALL_Jz:
		return m64 && i->opsize == 8 ? call64 : NULL;
	case IF_RET:
		return m64 && i->opsize == 8 ? ret64 : NULL;
	case IF_PUSH_Zv:
		return m64 && i->opsize == 8 && i->rm != RSP ? push_r64 : NULL;
	case IF_POP_Zv:
		return m64 && i->opsize == 8 && i->rm != RSP ? pop_r64 : NULL;
	default:
		break;
	}
	if (i->opsize != 4 && i->opsize != 8)
		return NULL;
	if (i->form == IF_LEA_GvM)
		return PICK(lea);
	if ((i->flags & INSN_MEM) && !sw_fast_flat64(c, i))
		return NULL;
	switch (i->form) {
	case IF_MOV_EvGv: return PICK(mov_eg);
	case IF_MOV_GvEv: return PICK(mov_ge);
	case IF_MOV_EvIz: return PICK(mov_ei);
	case IF_MOV_ZvIv: return PICK(mov_zi);
	case IF_MOVZX_GvEb: return PICK(movzx_b);
	case IF_MOVZX_GvEw: return PICK(movzx_w);
	case IF_MOVSX_GvEb: return PICK(movsx_b);
	case IF_MOVSX_GvEw: return PICK(movsx_w);
	case IF_MOVSXD_GvEd: return i->opsize == 8 ? movsxd_8 : NULL;
	default: return NULL;
	}
}
