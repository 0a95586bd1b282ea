/* Far transfers and event instructions (swvmm/exec_branch*.c). */
#ifndef HVMM_SWVMM_EXEC_BRANCH_H
#define HVMM_SWVMM_EXEC_BRANCH_H

#include "swvmm/cpu.h"

void sw_register_branch_int(sw_exec_fn *t);    /* INT n, INT3, INTO, INT1, IRET */
void sw_register_branch_far(sw_exec_fn *t);    /* far JMP/CALL/RET, call gates */
void sw_register_branch_sys(sw_exec_fn *t);    /* SYSCALL/SYSRET, SYSENTER/SYSEXIT */

#endif
