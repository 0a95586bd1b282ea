/* SYSCALL/SYSRET and SYSENTER/SYSEXIT (Intel SDM Vol. 2; AMD APM Vol. 3).
 * These load CS and SS with fixed flat descriptors, not from the GDT.
 * Where vendors differ the CPUID vendor decides: Intel allows SYSCALL and
 * SYSRET only in 64-bit mode, AMD also in legacy mode; AMD has no
 * SYSENTER/SYSEXIT in long mode. */
#include "swvmm/audit.h"
#include "swvmm/cpu.h"
#include "swvmm/debug.h"
#include "swvmm/decode.h"
#include "swvmm/exec_branch.h"
#include "swvmm/far.h"
#include "swvmm/flags.h"

static void set_flat(struct seg_cache *sc, uint16_t sel, bool code, unsigned dpl, bool l)
{
	sc->selector = sel;
	sc->base = 0;
	sc->limit = 0xffffffffu;
	sc->type = code ? 0xb : 0x3;
	sc->s = 1;
	sc->dpl = (uint8_t)dpl;
	sc->present = 1;
	sc->avl = 0;
	sc->l = l;
	sc->db = !l;
	sc->g = 1;
	sc->unusable = 0;
}

static void exec_syscall(struct sw_cpu *c, const struct insn *i)
{
	struct vcpu_state *s = &c->s;
	sw_flags_sync(c);   /* RFLAGS is saved or replaced whole */
	bool lma = s->efer & EFER_LMA;
	uint16_t sel = (uint16_t)(s->msr.star >> 32);
	(void)i;

	if (!(s->efer & EFER_SCE) || c->mode == MODE_REAL || c->mode == MODE_VM86)
		sw_ud(c);
	if (!c->vendor_amd && c->mode != MODE_LONG64)
		sw_ud(c);
	if (lma) {
		s->gpr[RCX] = c->next_rip;
		s->gpr[R11] = s->rflags & ~RFLAGS_RF;
		c->next_rip = c->mode == MODE_LONG64 ? s->msr.lstar : s->msr.cstar;
		s->rflags &= ~(s->msr.sfmask | RFLAGS_RF);
	} else {
		s->gpr[RCX] = (uint32_t)c->next_rip;
		c->next_rip = (uint32_t)s->msr.star;
		s->rflags &= ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF);
	}
	s->rflags |= RFLAGS_FIXED;
	/* The single-step trap after SYSCALL follows TF as the mask left it,
	 * so a kernel masking TF is not traced (both vendors). */
	if (!(s->rflags & RFLAGS_TF))
		c->db_trap &= ~DR6_BS;
	set_flat(&s->seg[SEG_CS], sel & 0xfffc, true, 0, lma);
	set_flat(&s->seg[SEG_SS], (uint16_t)(sel + 8) & 0xfffc, false, 0, false);
	sw_update_mode(c);
	sw_note_event(c, RUN_EV_SYSCALL, c->s.gpr[RAX]);
	sw_audit_syscall(c, c->mode != MODE_LONG64);
}

static void exec_sysret(struct sw_cpu *c, const struct insn *i)
{
	struct vcpu_state *s = &c->s;
	sw_flags_sync(c);   /* RFLAGS is saved or replaced whole */
	uint16_t sel = (uint16_t)(s->msr.star >> 48);
	bool lma = s->efer & EFER_LMA;

	if (!(s->efer & EFER_SCE) || c->mode == MODE_REAL || c->mode == MODE_VM86)
		sw_ud(c);
	if (!c->vendor_amd && c->mode != MODE_LONG64)
		sw_ud(c);
	if (c->cpl != 0)
		sw_gp0(c);
	if (lma) {
		bool to64 = i->opsize == 8;
		/* Intel faults here, still at CPL 0, on a non-canonical RCX. */
		if (to64 && !sw_canonical(s->gpr[RCX]))
			sw_gp0(c);
		c->next_rip = to64 ? s->gpr[RCX] : (uint32_t)s->gpr[RCX];
		s->rflags = (s->gpr[R11] & 0x3c7fd7ull) | RFLAGS_FIXED;
		set_flat(&s->seg[SEG_CS], (uint16_t)((to64 ? sel + 16 : sel) | 3), true, 3, to64);
	} else {
		c->next_rip = (uint32_t)s->gpr[RCX];
		s->rflags |= RFLAGS_IF;
		set_flat(&s->seg[SEG_CS], sel | 3, true, 3, false);
	}
	set_flat(&s->seg[SEG_SS], (uint16_t)((sel + 8) | 3), false, 3, false);
	sw_update_mode(c);
}

static void exec_sysenter(struct sw_cpu *c, const struct insn *i)
{
	struct vcpu_state *s = &c->s;
	sw_flags_sync(c);   /* RFLAGS is saved or replaced whole */
	uint16_t sel = (uint16_t)s->msr.sysenter_cs & 0xfffc;
	bool lma = s->efer & EFER_LMA;
	(void)i;

	if (lma && c->vendor_amd)
		sw_ud(c);
	if (c->mode == MODE_REAL || !sel)
		sw_gp0(c);
	s->rflags &= ~(RFLAGS_VM | RFLAGS_IF | RFLAGS_RF);
	set_flat(&s->seg[SEG_CS], sel, true, 0, lma);
	set_flat(&s->seg[SEG_SS], (uint16_t)(sel + 8), false, 0, false);
	c->next_rip = lma ? s->msr.sysenter_eip : (uint32_t)s->msr.sysenter_eip;
	s->gpr[RSP] = lma ? s->msr.sysenter_esp : (uint32_t)s->msr.sysenter_esp;
	sw_update_mode(c);
	sw_note_event(c, RUN_EV_SYSCALL, c->s.gpr[RAX]);
	sw_audit_syscall(c, c->mode != MODE_LONG64);
}

static void exec_sysexit(struct sw_cpu *c, const struct insn *i)
{
	struct vcpu_state *s = &c->s;
	sw_flags_sync(c);   /* RFLAGS is saved or replaced whole */
	uint16_t sel = (uint16_t)s->msr.sysenter_cs & 0xfffc;
	bool lma = s->efer & EFER_LMA;
	bool to64 = i->opsize == 8;

	if (lma && c->vendor_amd)
		sw_ud(c);
	if (c->mode == MODE_REAL || !sel || c->cpl != 0)
		sw_gp0(c);
	if (to64 && (!sw_canonical(s->gpr[RDX]) || !sw_canonical(s->gpr[RCX])))
		sw_gp0(c);
	set_flat(&s->seg[SEG_CS], (uint16_t)((sel + (to64 ? 32 : 16)) | 3), true, 3, to64);
	set_flat(&s->seg[SEG_SS], (uint16_t)((sel + (to64 ? 40 : 24)) | 3), false, 3, false);
	c->next_rip = to64 ? s->gpr[RDX] : (uint32_t)s->gpr[RDX];
	s->gpr[RSP] = to64 ? s->gpr[RCX] : (uint32_t)s->gpr[RCX];
	sw_update_mode(c);
}

void sw_register_branch_sys(sw_exec_fn *t)
{
	t[IF_SYSCALL] = exec_syscall;
	t[IF_SYSRET] = exec_sysret;
	t[IF_SYSENTER] = exec_sysenter;
	t[IF_SYSEXIT] = exec_sysexit;
}
