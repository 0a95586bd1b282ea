/* The executor's dispatch table: one handler per decoded form. Forms no
 * group claims raise #UD and are reported once per engine. */
#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/decode.h"

_Static_assert(NR_INSN_FORMS <= sizeof(((struct sw_cpu *)0)->exec) /
                                 sizeof(((struct sw_cpu *)0)->exec[0]),
               "struct sw_cpu.exec is too small for the opcode table");
_Static_assert(NR_INSN_FORMS <= sizeof(((struct sw_cpu *)0)->unimpl_seen) * 8,
               "struct sw_cpu.unimpl_seen is too small for the opcode table");

static void exec_missing(struct sw_cpu *c, const struct insn *i)
{
	unsigned f = i->form;
	if (!(c->unimpl_seen[f / 8] & (1u << (f % 8)))) {
		c->unimpl_seen[f / 8] |= (uint8_t)(1u << (f % 8));
		vm_log(c->vm, LOG_WARN, "not implemented: %s at rip %#llx", insn_form_name(f),
		       (unsigned long long)c->insn_rip);
	}
	sw_ud(c);
}

void sw_exec_table_init(sw_exec_fn *t)
{
	for (unsigned f = 0; f < NR_INSN_FORMS; f++)
		t[f] = exec_missing;
	sw_register_alu(t);
	sw_register_data(t);
	sw_register_branch(t);
	sw_register_system(t);
}
