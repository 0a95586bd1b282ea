/* PUSH and POP at SS:RSP with the stack address size. The memory access
 * comes first, so a fault leaves RSP unchanged. */
#include "swvmm/cpu.h"

unsigned sw_stack_size(const struct sw_cpu *c)
{
	if (c->mode == MODE_LONG64)
		return 8;
	return c->s.seg[SEG_SS].db ? 4 : 2;
}

void sw_push(struct sw_cpu *c, uint64_t val, unsigned size)
{
	unsigned ss = sw_stack_size(c);
	uint64_t sp = sw_trunc(c->s.gpr[RSP] - size, ss);
	sw_write(c, SEG_SS, sp, size, val);
	sw_gpr_write(c, RSP, ss, false, sp);
}

uint64_t sw_pop(struct sw_cpu *c, unsigned size)
{
	unsigned ss = sw_stack_size(c);
	uint64_t sp = sw_trunc(c->s.gpr[RSP], ss);
	uint64_t v = sw_read(c, SEG_SS, sp, size);
	sw_gpr_write(c, RSP, ss, false, sp + size);
	return v;
}
