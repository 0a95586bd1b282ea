/* Handlers specialised at decode time (swvmm/exec_fast*.c): for the
 * commonest forms with the commonest operands (32- and 64-bit registers,
 * 64-bit mode), variants that do exactly what the general handler does
 * for those operands with less work per execution. The decoded-instruction
 * cache stores the chosen handler with the instruction. */
#ifndef HVMM_SWVMM_EXEC_FAST_H
#define HVMM_SWVMM_EXEC_FAST_H

#include "swvmm/cpu.h"
#include "swvmm/decode.h"

/* A specialised handler for i, or NULL: the general one applies. */
sw_exec_fn sw_fast_alu(const struct sw_cpu *c, const struct insn *i);
sw_exec_fn sw_fast_data(const struct sw_cpu *c, const struct insn *i);

/* sw_ea inline. */
static inline uint64_t sw_fast_ea(const struct sw_cpu *c, const struct insn *i)
{
	uint64_t ea = (uint64_t)(int64_t)i->disp;
	if (i->base == INSN_REG_RIP)
		ea += c->next_rip;
	else if (i->base != INSN_REG_NONE)
		ea += c->s.gpr[i->base];
	if (i->index != INSN_REG_NONE)
		ea += c->s.gpr[i->index] << i->scale;
	return sw_trunc(ea, i->adsize);
}

/* The same with a 64-bit address size (no truncation). */
static inline uint64_t sw_fast_ea64(const struct sw_cpu *c, const struct insn *i)
{
	uint64_t ea = (uint64_t)(int64_t)i->disp;
	if (i->base == INSN_REG_RIP)
		ea += c->next_rip;
	else if (i->base != INSN_REG_NONE)
		ea += c->s.gpr[i->base];
	if (i->index != INSN_REG_NONE)
		ea += c->s.gpr[i->index] << i->scale;
	return ea;
}

/* A memory operand that sw_fast_ea64 and sw_rd64/sw_wr64 can take:
 * 64-bit mode, 64-bit address size, a segment without a base. */
static inline bool sw_fast_flat64(const struct sw_cpu *c, const struct insn *i)
{
	return c->mode == MODE_LONG64 && i->adsize == 8 && i->seg != SEG_FS && i->seg != SEG_GS;
}

/* A 32-bit register write zero-extends; a 64-bit one replaces. */
static inline void sw_fast_put(struct sw_cpu *c, unsigned reg, uint64_t v, unsigned size)
{
	c->s.gpr[reg] = size == 8 ? v : (uint32_t)v;
}

#endif
