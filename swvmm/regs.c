/* The cached CPU mode and the guest TSC (general-purpose register access
 * is inline in swvmm/cpu.h). */
#include <x86intrin.h>

#include "core/vm.h"
#include "swvmm/audit.h"
#include "swvmm/cpu.h"
#include "swvmm/tlb.h"

void sw_update_mode(struct sw_cpu *c)
{
	unsigned old_cpl = c->cpl;
	c->mode = vcpu_mode(&c->s);
	c->cpl = vcpu_cpl(&c->s);
	switch (c->mode) {
	case MODE_LONG64:
		c->addr_size_default = 8;
		c->op_size_default = 4;
		break;
	case MODE_PROT32:
	case MODE_COMPAT32:
		c->addr_size_default = 4;
		c->op_size_default = 4;
		break;
	default:
		c->addr_size_default = 2;
		c->op_size_default = 2;
		break;
	}
	/* Real mode has no rings, whatever CS.DPL the cache holds. */
	if (c->mode == MODE_REAL)
		c->cpl = 0;
	c->rd_vpn = c->wr_vpn = TLB_EMPTY;   /* they hold what this CPL may do */
	c->fast_r = sw_tlb_fast_bit(c, ACC_READ);
	c->fast_w = sw_tlb_fast_bit(c, ACC_WRITE);
	c->fast_x = sw_tlb_fast_bit(c, ACC_FETCH);
	/* Armed data breakpoints see every access: none goes inline. */
	if (c->dbg_data)
		c->fast_r = c->fast_w = 0;
	/* A decoded block assumed the old mode: end it after this instruction. */
	sw_block_break(c);
	if (c->cpl != old_cpl && c->vm && c->vm->audit)
		sw_audit_event(c, AUDIT_CPL, 0, old_cpl, c->cpl, 0);
	sw_tlb_check_context(c);
}

uint64_t sw_tsc(const struct sw_cpu *c)
{
	return vclock_host_tsc(&c->vm->clock) + c->tsc_offset;
}
