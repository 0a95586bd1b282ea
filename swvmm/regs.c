/* General-purpose register access with x86 sub-register rules, the cached
 * CPU mode, and the guest TSC. */
#include <x86intrin.h>

#include "swvmm/cpu.h"

uint64_t sw_gpr_read(const struct sw_cpu *c, unsigned reg, unsigned size, bool rex)
{
	if (size == 1 && !rex && reg >= 4 && reg < 8)
		return (c->s.gpr[reg - 4] >> 8) & 0xff;   /* AH CH DH BH */
	return sw_trunc(c->s.gpr[reg & 15], size);
}

void sw_gpr_write(struct sw_cpu *c, unsigned reg, unsigned size, bool rex, uint64_t val)
{
	uint64_t *r;

	if (size == 1 && !rex && reg >= 4 && reg < 8) {
		r = &c->s.gpr[reg - 4];
		*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
		return;
	}
	r = &c->s.gpr[reg & 15];
	switch (size) {
	case 1: *r = (*r & ~0xffull) | (val & 0xff); break;
	case 2: *r = (*r & ~0xffffull) | (val & 0xffff); break;
	case 4: *r = val & 0xffffffffull; break;   /* 32-bit writes zero-extend */
	default: *r = val; break;
	}
}

void sw_update_mode(struct sw_cpu *c)
{
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
}

uint64_t sw_tsc(const struct sw_cpu *c)
{
	return __rdtsc() + c->tsc_offset;
}
