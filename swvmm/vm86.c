/* Virtual-8086 mode: entry by IRET, the IOPL-sensitive instructions and
 * the frame of an event taken to ring 0 (Intel SDM Vol. 3, 20.2-20.3 and
 * Vol. 2, IRET and INT n; swvmm/vm86.h). */
#include "swvmm/far.h"
#include "swvmm/flags.h"
#include "swvmm/segment.h"
#include "swvmm/vm86.h"

/* With CR4.VME these instructions would follow rules not modelled here. */
static void no_vme(struct sw_cpu *c)
{
	if (c->s.cr4 & CR4_VME)
		sw_unsupported(c, "virtual-8086 mode extensions (CR4.VME)");
}

void sw_vm86_sensitive(struct sw_cpu *c)
{
	if (c->mode != MODE_VM86 || sw_iopl(c) == 3)
		return;
	no_vme(c);
	sw_gp0(c);
}

void sw_vm86_int_n(struct sw_cpu *c)
{
	if (c->mode != MODE_VM86)
		return;
	no_vme(c);   /* the redirection bitmap applies at every IOPL */
	if (sw_iopl(c) < 3)
		sw_gp0(c);
}

void sw_vm86_enter(struct sw_cpu *c, uint64_t eip, uint16_t cs, uint64_t eflags)
{
	static const unsigned order[] = { SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	struct vcpu_state *s = &c->s;
	uint16_t sel[5];

	uint64_t esp = sw_far_stack_read(c, 12, 4);
	for (unsigned k = 0; k < 5; k++)   /* each in a dword: the high word is dropped */
		sel[k] = (uint16_t)sw_far_stack_read(c, 16 + 4 * k, 2);
	/* The CS it returns to has limit 0xffff. */
	if (eip > 0xffff)
		sw_gp0(c);

	sw_flags_put(c, (eflags & RFLAGS_DEFINED) | RFLAGS_FIXED);
	seg_cache_set_vm86(&s->seg[SEG_CS], cs);
	for (unsigned k = 0; k < 5; k++)
		seg_cache_set_vm86(&s->seg[order[k]], sel[k]);
	s->gpr[RSP] = (uint32_t)esp;
	sw_update_mode(c);
	c->next_rip = eip;
}

void sw_vm86_check_handler(struct sw_cpu *c, uint16_t sel, unsigned new_cpl, int ext)
{
	/* SDM Vol. 2, INT n: a conforming target (which keeps CPL 3) or one
	 * at DPL 1-3 is #GP. */
	if (new_cpl != 0)
		sw_raise(c, EXC_GP, (int)(sel & 0xfffc) | ext);
}

void sw_vm86_frame_segs(const struct sw_cpu *c, uint64_t out[4])
{
	static const unsigned order[] = { SEG_GS, SEG_FS, SEG_DS, SEG_ES };
	for (unsigned k = 0; k < 4; k++)
		out[k] = c->s.seg[order[k]].selector;
}

void sw_vm86_null_segs(struct sw_cpu *c)
{
	static const unsigned regs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	for (unsigned k = 0; k < 4; k++)
		sw_null_seg(c, &c->s.seg[regs[k]], 0);
}
