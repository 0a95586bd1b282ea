/* Registration of the arithmetic, logic, bit, condition and flag
 * handlers, and the CPUID test they share. */
#include "core/vm.h"
#include "swvmm/exec_alu.h"

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
