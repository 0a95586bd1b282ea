/* The data-movement group: moves, stack, strings, near branches. */
#include "swvmm/cpu.h"
#include "swvmm/exec_data.h"

void sw_register_data(sw_exec_fn *t)
{
	sw_register_data_move(t);
	sw_register_data_stack(t);
	sw_register_data_string(t);
	sw_register_data_branch(t);
}
