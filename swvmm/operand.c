/* Operands of the decoded instruction: effective addresses and the
 * ModRM register/memory operands. */
#include "swvmm/cpu.h"
#include "swvmm/decode.h"

uint64_t sw_ea(struct sw_cpu *c, const struct insn *i)
{
	uint64_t ea = (uint64_t)(int64_t)i->disp;

	if (i->base == INSN_REG_RIP)
		ea += c->next_rip;   /* RIP-relative: from the next instruction */
	else if (i->base != INSN_REG_NONE)
		ea += c->s.gpr[i->base];
	if (i->index != INSN_REG_NONE)
		ea += c->s.gpr[i->index] << i->scale;
	return sw_trunc(ea, i->adsize);
}

unsigned sw_ea_seg(const struct insn *i)
{
	return i->seg;
}

uint64_t sw_rm_read(struct sw_cpu *c, const struct insn *i, unsigned size)
{
	if (i->flags & INSN_MEM)
		return sw_read(c, i->seg, sw_ea(c, i), size);
	return sw_gpr_read(c, i->rm, size, i->flags & INSN_REX);
}

void sw_rm_write(struct sw_cpu *c, const struct insn *i, unsigned size, uint64_t val)
{
	if (i->flags & INSN_MEM)
		sw_write(c, i->seg, sw_ea(c, i), size, val);
	else
		sw_gpr_write(c, i->rm, size, i->flags & INSN_REX, val);
}

uint64_t sw_reg_read(struct sw_cpu *c, const struct insn *i, unsigned size)
{
	return sw_gpr_read(c, i->reg, size, i->flags & INSN_REX);
}

void sw_reg_write(struct sw_cpu *c, const struct insn *i, unsigned size, uint64_t val)
{
	sw_gpr_write(c, i->reg, size, i->flags & INSN_REX, val);
}
