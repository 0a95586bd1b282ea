/* BOUND: check a signed array index against a lower and an upper bound
 * stored side by side in memory; #BR (a fault) when it lies outside. */
#include "swvmm/exec_alu.h"

static void exec_bound(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = i->opsize;   /* 2 or 4: BOUND does not exist in 64-bit mode */
	unsigned seg = sw_ea_seg(i);
	uint64_t off = sw_ea(c, i);
	uint64_t amask = i->adsize == 2 ? 0xffff : 0xffffffffull;
	int64_t lower = sw_sext(sw_read(c, seg, off, size), size);
	int64_t upper = sw_sext(sw_read(c, seg, (off + size) & amask, size), size);
	int64_t index = sw_sext(sw_reg_read(c, i, size), size);
	if (index < lower || index > upper)
		sw_raise(c, EXC_BR, SW_NO_ERRCODE);
}

void sw_register_alu_bound(sw_exec_fn *t)
{
	t[IF_BOUND_GvMa] = exec_bound;
}
