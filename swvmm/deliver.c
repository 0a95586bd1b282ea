/* Event delivery: exceptions, software interrupts and external interrupts
 * through the real-mode IVT, 16/32-bit IDT gates (from virtual-8086 mode
 * too) and 64-bit IDT gates (Intel SDM Vol. 3, 6.10-6.14 and 20.3; Vol. 2,
 * INT n). Every check is made and every frame slot translated before the
 * first register changes, so a fault during delivery leaves the state as
 * it was before the event. */
#include "core/vm.h"
#include "swvmm/audit.h"
#include "swvmm/cpu.h"
#include "swvmm/event.h"
#include "swvmm/flags.h"
#include "swvmm/segment.h"
#include "swvmm/task_switch.h"
#include "swvmm/vm86.h"

/* The frame an event pushes, highest slot first. */
struct frame {
	const struct seg_cache *ss;  /* legacy modes: the stack segment used */
	uint64_t sp;                 /* stack pointer before the pushes */
	unsigned ssize;              /* stack address size: 2, 4 or 8 */
	unsigned slot;               /* bytes per slot */
	unsigned acc;                /* ACC_SYS for an inner-level stack */
	int ss_err;                  /* #SS error code for a bad stack */
	bool flat;                   /* 64-bit: no segmentation, canonical only */
	unsigned n;
	uint64_t val[10];            /* virtual-8086 mode pushes the most */
};

static void frame_add(struct frame *f, uint64_t v)
{
	f->val[f->n++] = v;
}

/* Linear address of a stack slot through sc, raising #SS(err). */
static uint64_t stack_lin(struct sw_cpu *c, const struct seg_cache *sc, uint64_t off,
                          unsigned size, int err)
{
	uint64_t last = off + size - 1;
	if (!(sc->type & 8) && (sc->type & 4)) {
		uint64_t upper = sc->db ? 0xffffffffull : 0xffffull;
		if (off <= sc->limit || last > upper)
			sw_raise(c, EXC_SS, err);
	} else if (last > sc->limit) {
		sw_raise(c, EXC_SS, err);
	}
	return (sc->base + off) & 0xffffffffull;
}

/* Check and translate every slot, then write them; returns the new SP. */
static uint64_t frame_push(struct sw_cpu *c, const struct frame *f)
{
	uint64_t lin[10], sp = f->sp;

	for (unsigned k = 0; k < f->n; k++) {
		sp = sw_trunc(sp - f->slot, f->ssize);
		if (f->flat) {
			if (!sw_canonical(sp) || !sw_canonical(sp + f->slot - 1))
				sw_raise(c, EXC_SS, f->ss_err);
			lin[k] = sp;
		} else {
			lin[k] = stack_lin(c, f->ss, sp, f->slot, f->ss_err);
		}
		sw_translate(c, lin[k], ACC_WRITE | f->acc);
		sw_translate(c, lin[k] + f->slot - 1, ACC_WRITE | f->acc);
	}
	for (unsigned k = 0; k < f->n; k++)
		sw_lin_write(c, lin[k], f->slot, f->val[k], ACC_WRITE | f->acc);
	return sp;
}

/* The EFLAGS image pushed: fault-class exceptions other than #DB push
 * RF=1 (SDM Vol. 3, 17.3.1.1), so that IRET resumes past an instruction
 * breakpoint. */
static uint64_t pushed_flags(const struct sw_cpu *c, unsigned vector, unsigned kind)
{
	uint64_t fl = c->s.rflags;
	if ((kind & SW_EV_EXCEPTION) && !(kind & SW_EV_TRAP) && vector != EXC_DB &&
	    vector != EXC_DF && vector != EXC_MC)
		fl |= RFLAGS_RF;
	return fl;
}

/* The audit's record of a delivery: an exception (CR2 with #PF), an
 * interrupt (sub 1 for INT n), and for INT 0x80 the system call too. */
static void audit_delivery(struct sw_cpu *c, unsigned vector, int errcode, unsigned kind)
{
	if (!c->vm->audit)
		return;
	if (kind & (SW_EV_SOFT | SW_EV_EXTERNAL)) {
		sw_audit_event(c, AUDIT_INTERRUPT, !!(kind & SW_EV_SOFT), vector, 0, 0);
		if ((kind & SW_EV_SOFT) && vector == 0x80)
			sw_audit_syscall(c, true);
		return;
	}
	sw_audit_event(c, AUDIT_EXCEPTION, 0, vector,
	               errcode == SW_NO_ERRCODE ? AUDIT_NONE : (uint64_t)(uint32_t)errcode,
	               vector == EXC_PF ? c->s.cr2 : 0);
}

static void finish(struct sw_cpu *c, unsigned vector, int errcode, unsigned kind,
                   uint64_t rip_after)
{
	sw_update_mode(c);
	c->s.ev.halted = false;
	c->s.ev.shadow = 0;
	if (vector == EXC_NMI && (kind & SW_EV_EXTERNAL))
		c->s.ev.nmi.masked = true;
	c->next_rip = c->s.rip;
	c->last_event.count++;
	c->last_event.vector = vector;
	c->last_event.errcode = errcode;
	c->last_event.soft = kind & (SW_EV_SOFT | SW_EV_ICEBP);
	c->last_event.rip = rip_after;
	if ((kind & SW_EV_SOFT) && vector == 0x80)
		sw_note_event(c, RUN_EV_SYSCALL, c->s.gpr[RAX]);
	else if (kind & (SW_EV_SOFT | SW_EV_EXTERNAL))
		sw_note_event(c, RUN_EV_INTERRUPT, vector);
	else
		sw_note_event(c, RUN_EV_EXCEPTION, vector);
	audit_delivery(c, vector, errcode, kind);
}

/* ---- real mode ---- */

static void deliver_real(struct sw_cpu *c, unsigned vector, uint64_t rip_after)
{
	struct vcpu_state *s = &c->s;

	if (vector * 4ull + 3 > s->idtr.limit)
		sw_gp0(c);
	uint32_t ent = (uint32_t)sw_lin_read(c, s->idtr.base + vector * 4ull, 4, ACC_SYS);
	unsigned ssize = s->seg[SEG_SS].db ? 4 : 2;
	struct frame f = { .ss = &s->seg[SEG_SS], .sp = s->gpr[RSP], .ssize = ssize,
	                   .slot = 2 };
	frame_add(&f, s->rflags & 0xffff);
	frame_add(&f, s->seg[SEG_CS].selector);
	frame_add(&f, rip_after & 0xffff);
	uint64_t sp = frame_push(c, &f);

	sw_gpr_write(c, RSP, ssize, false, sp);
	s->rflags &= ~(RFLAGS_IF | RFLAGS_TF | RFLAGS_AC);
	s->seg[SEG_CS].selector = (uint16_t)(ent >> 16);
	s->seg[SEG_CS].base = (uint64_t)(ent >> 16) << 4;
	s->rip = ent & 0xffff;
}

/* ---- protected mode, gates common to legacy and long mode ---- */

struct gate {
	unsigned type, dpl;
	uint16_t sel;
	uint64_t off;
	unsigned ist;
};

static struct gate read_gate(struct sw_cpu *c, unsigned vector, unsigned kind, int ext)
{
	struct vcpu_state *s = &c->s;
	bool lm = s->efer & EFER_LMA;
	unsigned esz = lm ? 16 : 8;
	int idt_err = (int)(vector * 8 + 2) | ext;
	uint64_t lo, hi = 0;

	if ((uint64_t)vector * esz + esz - 1 > s->idtr.limit)
		sw_raise(c, EXC_GP, idt_err);
	lo = sw_lin_read(c, s->idtr.base + (uint64_t)vector * esz, 8, ACC_SYS);
	if (lm)
		hi = sw_lin_read(c, s->idtr.base + (uint64_t)vector * esz + 8, 8, ACC_SYS);

	struct gate g = {
		.type = DESC_TYPE(lo), .dpl = DESC_DPL(lo), .sel = (uint16_t)(lo >> 16),
		.off = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ull), .ist = (lo >> 32) & 7,
	};
	bool ok;
	if (DESC_S(lo))
		ok = false;
	else if (lm)
		ok = g.type == SYS_INT || g.type == SYS_TRAP;
	else
		ok = g.type == SYS_INT || g.type == SYS_TRAP || g.type == SYS_INT16 ||
		     g.type == SYS_TRAP16 || g.type == SYS_TASK;
	if (!ok)
		sw_raise(c, EXC_GP, idt_err);
	if ((kind & SW_EV_SOFT) && g.dpl < c->cpl)
		sw_raise(c, EXC_GP, idt_err);
	if (!DESC_P(lo))
		sw_raise(c, EXC_NP, idt_err);
	if (lm)
		g.off |= hi << 32;
	else if (!(g.type & 8))
		g.off &= 0xffff;   /* 16-bit gate */
	if (lm)
		g.ist = (lo >> 32) & 7;
	else
		g.ist = 0;
	return g;
}

/* The gate's code segment: checks and the new CPL. */
static unsigned gate_code(struct sw_cpu *c, const struct gate *g, int ext, uint64_t raw[2])
{
	int err = (int)(g->sel & 0xfffc) | ext;

	if (!(g->sel & ~3u))
		sw_raise(c, EXC_GP, ext);
	if (!sw_desc_fetch(c, g->sel, raw, NULL))
		sw_raise(c, EXC_GP, err);
	unsigned type = DESC_TYPE(raw[0]), dpl = DESC_DPL(raw[0]);
	if (!DESC_S(raw[0]) || !(type & 8) || dpl > c->cpl)
		sw_raise(c, EXC_GP, err);
	if ((c->s.efer & EFER_LMA) && (!DESC_L(raw[0]) || DESC_DB(raw[0])))
		sw_raise(c, EXC_GP, err);
	if (!DESC_P(raw[0]))
		sw_raise(c, EXC_NP, err);
	return (type & 4) ? c->cpl : dpl;   /* conforming keeps CPL */
}

static void deliver_legacy(struct sw_cpu *c, unsigned vector, int errcode, unsigned kind,
                           uint64_t rip_after)
{
	struct vcpu_state *s = &c->s;
	int ext = (kind & (SW_EV_SOFT | SW_EV_ICEBP)) ? 0 : 1;
	struct gate g = read_gate(c, vector, kind, ext);
	if (g.type == SYS_TASK) {
		sw_task_gate_event(c, g.sel, errcode, ext, rip_after);
		return;
	}
	uint64_t cs_raw[2], ss_raw[2];
	unsigned new_cpl = gate_code(c, &g, ext, cs_raw);
	unsigned slot = (g.type & 8) ? 4 : 2;
	struct seg_cache new_ss;
	uint16_t ss_sel = 0;
	struct frame f = { .slot = slot };
	bool vm86 = c->mode == MODE_VM86;
	if (vm86)
		sw_vm86_check_handler(c, g.sel, new_cpl, ext);

	/* The handler must start inside its code segment. */
	uint32_t cs_limit = (uint32_t)(cs_raw[0] & 0xffff) | (uint32_t)((cs_raw[0] >> 32) & 0xf0000);
	if ((cs_raw[0] >> 55) & 1)
		cs_limit = (cs_limit << 12) | 0xfff;
	if (g.off > cs_limit)
		sw_raise(c, EXC_GP, ext);

	bool inner = new_cpl < c->cpl;
	if (inner) {
		uint64_t sp;
		sw_tss_stack(c, new_cpl, ext, &ss_sel, &sp);
		int ss_err = (int)(ss_sel & 0xfffc) | ext;
		sw_check_new_ss(c, ss_sel, new_cpl, ext, ss_raw);
		sw_desc_to_cache(ss_sel, ss_raw, &new_ss);
		f.ss = &new_ss;
		f.ssize = new_ss.db ? 4 : 2;
		f.sp = sp;
		f.acc = ACC_SYS;
		f.ss_err = ss_err;
		if (vm86) {
			uint64_t segs[4];
			sw_vm86_frame_segs(c, segs);
			for (unsigned k = 0; k < 4; k++)
				frame_add(&f, segs[k]);
		}
		frame_add(&f, s->seg[SEG_SS].selector);
		frame_add(&f, s->gpr[RSP]);
	} else {
		f.ss = &s->seg[SEG_SS];
		f.ssize = s->seg[SEG_SS].db ? 4 : 2;
		f.sp = s->gpr[RSP];
		f.ss_err = 0;
	}
	frame_add(&f, pushed_flags(c, vector, kind));
	frame_add(&f, s->seg[SEG_CS].selector);
	frame_add(&f, rip_after);
	if (errcode != SW_NO_ERRCODE)
		frame_add(&f, (uint32_t)errcode);
	uint64_t sp = frame_push(c, &f);

	/* Commit. */
	if (inner)
		sw_load_ss_desc(c, ss_sel, ss_raw);
	if (vm86)
		sw_vm86_null_segs(c);
	if (f.ssize == 4)
		s->gpr[RSP] = (uint32_t)sp;
	else
		s->gpr[RSP] = (s->gpr[RSP] & ~0xffffull) | (sp & 0xffff);
	sw_load_cs_desc(c, g.sel, cs_raw, new_cpl);
	s->rip = g.off;
	s->rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (!(g.type & 1))
		s->rflags &= ~RFLAGS_IF;   /* interrupt gate */
}

static void deliver_long(struct sw_cpu *c, unsigned vector, int errcode, unsigned kind,
                         uint64_t rip_after)
{
	struct vcpu_state *s = &c->s;
	int ext = (kind & (SW_EV_SOFT | SW_EV_ICEBP)) ? 0 : 1;
	struct gate g = read_gate(c, vector, kind, ext);
	uint64_t cs_raw[2];
	unsigned new_cpl = gate_code(c, &g, ext, cs_raw);
	uint64_t rsp = s->gpr[RSP];

	if (!sw_canonical(g.off))
		sw_raise(c, EXC_GP, ext);
	if (new_cpl < c->cpl || g.ist)
		rsp = sw_tss_rsp64(c, new_cpl, g.ist, ext);
	rsp &= ~15ull;   /* 64-bit delivery aligns the stack */

	struct frame f = { .sp = rsp, .ssize = 8, .slot = 8, .flat = true, .ss_err = ext,
	                   .acc = new_cpl < 3 ? ACC_SYS : 0 };
	frame_add(&f, s->seg[SEG_SS].selector);
	frame_add(&f, s->gpr[RSP]);
	frame_add(&f, pushed_flags(c, vector, kind));
	frame_add(&f, s->seg[SEG_CS].selector);
	frame_add(&f, rip_after);
	if (errcode != SW_NO_ERRCODE)
		frame_add(&f, (uint32_t)errcode);
	uint64_t sp = frame_push(c, &f);

	if (new_cpl != c->cpl) {
		/* A privilege change loads a null SS with RPL = new CPL. */
		struct seg_cache *ss = &s->seg[SEG_SS];
		sw_null_seg(c, ss, (uint16_t)new_cpl);
		ss->dpl = (uint8_t)new_cpl;
	}
	s->gpr[RSP] = sp;
	sw_load_cs_desc(c, g.sel, cs_raw, new_cpl);
	s->rip = g.off;
	s->rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (!(g.type & 1))
		s->rflags &= ~RFLAGS_IF;
}

void sw_deliver_event(struct sw_cpu *c, unsigned vector, int errcode, unsigned kind,
                      uint64_t rip_after)
{
	sw_flags_sync(c);   /* the frame holds the whole RFLAGS */
	switch (c->mode) {
	case MODE_REAL:
		deliver_real(c, vector, rip_after);   /* pushes no error code */
		break;
	case MODE_VM86:   /* always to ring 0: deliver_legacy pushes the segments */
	case MODE_PROT16:
	case MODE_PROT32:
		deliver_legacy(c, vector, errcode, kind, rip_after);
		break;
	default:
		deliver_long(c, vector, errcode, kind, rip_after);
		break;
	}
	finish(c, vector, errcode, kind, rip_after);
}

void sw_deliver(struct sw_cpu *c, unsigned vector, int errcode, bool soft, uint64_t rip_after)
{
	unsigned kind;
	if (soft)
		kind = SW_EV_SOFT;
	else if (vector >= 32 || vector == EXC_NMI)
		kind = SW_EV_EXTERNAL;
	else
		kind = SW_EV_EXCEPTION;
	sw_deliver_event(c, vector, errcode, kind, rip_after);
}
