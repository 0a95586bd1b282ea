/* Far transfers and events: registration of the handlers in
 * swvmm/exec_branch_*.c. */
#include "swvmm/cpu.h"
#include "swvmm/decode.h"
#include "swvmm/exec_branch.h"

void sw_register_branch(sw_exec_fn *t)
{
	sw_register_branch_int(t);
	sw_register_branch_far(t);
	sw_register_branch_sys(t);
}
