/* CR0/CR4 rules and the host unit's faults (swvmm/exec_fpu.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "swvmm/decode.h"
#include "swvmm/exec_fpu.h"
#include "swvmm/exec_system.h"

int sw_fpu_create(struct sw_cpu *c)
{
#define FEAT_BIT(name, leaf, reg, bit) | (sys_cpuid_has(c, leaf, reg, bit) ? 1u << SFEAT_##name : 0u)
	c->simd_feats = 0u SIMD_FEATURE_LIST(FEAT_BIT);
#undef FEAT_BIT
	c->fpu = malloc(sizeof(*c->fpu));
	if (!c->fpu)
		return -ENOMEM;
	int r = fpu_host_init(c->fpu);
	if (r) {
		free(c->fpu);
		c->fpu = NULL;
	}
	return r;
}

void sw_fpu_destroy(struct sw_cpu *c)
{
	if (c->fpu)
		fpu_host_free(c->fpu);
	free(c->fpu);
	c->fpu = NULL;
}

static __attribute__((noreturn)) void raise_nm(struct sw_cpu *c)
{
	sw_raise(c, EXC_NM, SW_NO_ERRCODE);
}

void fpu_check_x87(struct sw_cpu *c)
{
	if (c->s.cr0 & (CR0_EM | CR0_TS))
		raise_nm(c);
}

void fpu_check_mmx(struct sw_cpu *c)
{
	if (c->s.cr0 & CR0_EM)
		sw_ud(c);
	if (c->s.cr0 & CR0_TS)
		raise_nm(c);
}

void fpu_check_sse(struct sw_cpu *c)
{
	if ((c->s.cr0 & CR0_EM) || !(c->s.cr4 & CR4_OSFXSR))
		sw_ud(c);
	if (c->s.cr0 & CR0_TS)
		raise_nm(c);
}

void fpu_x87_pending(struct sw_cpu *c)
{
	if (c->s.cr0 & CR0_NE)
		sw_raise(c, EXC_MF, SW_NO_ERRCODE);
	/* FERR# to IRQ 13: the instruction stays where it is and runs again
	 * once the handler has cleared the exception. */
	isa_irq_pulse(&c->vm->isa, 13);
	c->next_rip = c->insn_rip;
	sw_block_break(c);
}

void fpu_x87_set_top(struct fxsave_area *fx, unsigned top)
{
	unsigned old = (fx->fsw >> 11) & 7u;
	uint8_t st[8][16];
	for (unsigned k = 0; k < 8; k++)
		memcpy(st[k], fx->st[(k + top - old) & 7u], 16);
	memcpy(fx->st, st, sizeof(st));
	fx->fsw = (uint16_t)((fx->fsw & ~0x3800u) | (top & 7u) << 11);
}

void fpu_x87_reset(struct fxsave_area *fx)
{
	fpu_x87_set_top(fx, 0);
	fx->fcw = 0x37f;
	fx->fsw = 0;
	fx->ftw = 0;
	fx->fop = 0;
	fx->fip = 0;
	fx->fdp = 0;
}

uint64_t fpu_aligned_operand(struct sw_cpu *c, const struct insn *i, unsigned align)
{
	uint64_t off = sw_ea(c, i);
	if (sys_linear_nocheck(c, i->seg, off) & (align - 1))
		sw_gp0(c);
	return off;
}

struct fpu_host_ctx *fpu_begin(struct sw_cpu *c)
{
	if (!c->fpu)
		sw_unsupported(c, "x87/SIMD instruction without the host unit");
	struct fpu_host_ctx *x = c->fpu->ctx;
	x->fx = c->s.fx;
	x->rflags = c->s.rflags;
	return x;
}

/* The host's fault as the guest's (see fpu_run). */
static bool take_trap(struct sw_cpu *c, const struct fpu_host_ctx *x, bool full)
{
	switch (x->trap) {
	case 0:
		return true;
	case EXC_MF:
		fpu_x87_pending(c);
		return false;
	default:
		/* The image the fault left: the MXCSR flags that say why, and
		 * for a form on MMX registers (CVTPS2PI ..) the x87-to-MMX
		 * transition (TOS 0, all tags valid), which the processor
		 * makes before it faults. An SSE snippet loaded only its own
		 * registers, which the fault left as they were: MXCSR alone. */
		if (full)
			fpu_commit_image(c, x);
		else
			c->s.fx.mxcsr = x->fx.mxcsr;
		if (c->s.cr4 & CR4_OSXMMEXCPT)
			sw_raise(c, EXC_XM, SW_NO_ERRCODE);
		sw_ud(c);
	}
}

bool fpu_run(struct sw_cpu *c, const uint8_t *insn, unsigned len)
{
	if (fpu_host_run(c->fpu, insn, len))
		sw_unsupported(c, "x87/SIMD instruction: the host unit cannot catch its faults");
	return take_trap(c, c->fpu->ctx, true);
}

/* The XMM registers of the mask, one 16-byte copy each. */
static void copy_xmm(uint8_t (*to)[16], const uint8_t (*from)[16], unsigned mask)
{
	for (; mask; mask &= mask - 1) {
		unsigned k = (unsigned)__builtin_ctz(mask);
		memcpy(to[k], from[k], 16);
	}
}

struct fpu_host_ctx *fpu_begin_sse(struct sw_cpu *c, uint16_t xmm)
{
	if (!c->fpu)
		sw_unsupported(c, "x87/SIMD instruction without the host unit");
	struct fpu_host_ctx *x = c->fpu->ctx;
	copy_xmm(x->fx.xmm, c->s.fx.xmm, xmm);
	x->fx.mxcsr = c->s.fx.mxcsr;
	x->rflags = c->s.rflags;
	return x;
}

bool fpu_run_sse(struct sw_cpu *c, const uint8_t *insn, unsigned len, uint16_t xmm)
{
	struct fpu_host_ctx *x = c->fpu->ctx;
	if (fpu_host_run_sse(c->fpu, insn, len, xmm))
		sw_unsupported(c, "SIMD instruction: the host unit cannot catch its faults");
	if (!take_trap(c, x, false))
		return false;
	copy_xmm(c->s.fx.xmm, x->fx.xmm, xmm);
	c->s.fx.mxcsr = x->fx.mxcsr;
	return true;
}

void fpu_commit_image(struct sw_cpu *c, const struct fpu_host_ctx *x)
{
	struct fxsave_area *fx = &c->s.fx;
	uint16_t fop = fx->fop;
	uint64_t fip = fx->fip, fdp = fx->fdp;
	uint32_t mask = fx->mxcsr_mask;
	*fx = x->fx;
	fx->fop = fop;
	fx->fip = fip;
	fx->fdp = fdp;
	fx->mxcsr_mask = mask;
}
