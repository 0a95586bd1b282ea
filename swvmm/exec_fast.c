/* Handler selection at decode time: the decoded-instruction cache stores
 * the handler with each instruction, so the run loop calls it directly. */
#include "swvmm/cpu.h"
#include "swvmm/decode.h"
#include "swvmm/exec_fast.h"
#include "swvmm/icache.h"

sw_exec_fn sw_select_handler(const struct sw_cpu *c, const struct insn *i)
{
	sw_exec_fn f = sw_fast_alu(c, i);
	if (!f)
		f = sw_fast_data(c, i);
	return f ? f : c->exec[i->form];
}
