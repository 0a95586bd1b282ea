/* The system-instruction group: descriptor tables, control and debug
 * registers, MSRs, port I/O, segment registers, flags, and the
 * instructions a kernel runs that are neither arithmetic nor data moves. */
#include "core/vm.h"
#include "swvmm/exec_system.h"

void sw_register_system(sw_exec_fn *t)
{
	sw_register_system_tables(t);
	sw_register_system_cr(t);
	sw_register_system_msr(t);
	sw_register_system_io(t);
	sw_register_system_seg(t);
	sw_register_system_desc(t);
	sw_register_system_flags(t);
	sw_register_system_misc(t);
	sw_register_system_fpu(t);
	sw_register_system_ext(t);
	sw_register_system_xsave(t);
	sw_register_system_hypercall(t);
}

uint32_t sys_cpuid_reg(const struct sw_cpu *c, uint32_t leaf, uint32_t sub, unsigned reg)
{
	uint32_t r[4];
	cpuid_model_query(&c->vm->cpuid, leaf, sub, r);
	return r[reg & 3];
}

uint64_t sys_linear_nocheck(const struct sw_cpu *c, unsigned seg, uint64_t off)
{
	if (c->mode == MODE_LONG64)
		return off + (seg == SEG_FS || seg == SEG_GS ? c->s.seg[seg].base : 0);
	return (c->s.seg[seg].base + off) & 0xffffffffull;
}

void sys_not_executed(struct sw_cpu *c, const struct insn *i)
{
	unsigned f = i->form;
	if (!(c->unimpl_seen[f / 8] & (1u << (f % 8)))) {
		c->unimpl_seen[f / 8] |= (uint8_t)(1u << (f % 8));
		vm_log(c->vm, LOG_WARN, "not executed by the interpreter: %s at rip %#llx (#UD)",
		       insn_form_name(f), (unsigned long long)c->insn_rip);
	}
	sw_ud(c);
}
