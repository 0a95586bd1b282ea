/* Registration of the arithmetic, logic, bit, condition and flag
 * handlers, and the CPUID test they share. */
#include "core/vm.h"
#include "swvmm/exec_alu.h"

bool alu_cpuid_has(const struct sw_cpu *c, uint32_t leaf, unsigned reg, unsigned bit)
{
	uint32_t r[4];
	cpuid_model_query(&c->vm->cpuid, leaf, 0, r);
	return (r[reg & 3] >> bit) & 1;
}

void sw_register_alu(sw_exec_fn *t)
{
	sw_register_alu_arith(t);
	sw_register_alu_muldiv(t);
	sw_register_alu_shift(t);
	sw_register_alu_bit(t);
	sw_register_alu_bcd(t);
	sw_register_alu_cond(t);
	sw_register_alu_xchg(t);
	sw_register_alu_flags(t);
	sw_register_alu_bound(t);
}
