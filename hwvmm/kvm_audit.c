/* The KVM engine's audit records (docs/audit.md, engine "hw"): port I/O
 * and MMIO at its exits, and each kernel entry it hands off to the
 * interpreter (the CPL change, then the delivery or system call), which
 * the interpreter never sees happen. Stamped with the state KVM reports;
 * the interpreter's instruction count is the VM's so far. */
#include "core/pagewalk.h"
#include "core/vm.h"
#include "hwvmm/hw_ctx.h"

static struct audit_rec *record(struct hw_ctx *c, enum audit_kind kind,
                                const struct vcpu_state *s)
{
	return audit_add_state(c->vm->audit, kind, AUDIT_ENGINE_HW, s,
	                       c->vm->stats.sw_instructions);
}

void hw_audit_access(struct hw_ctx *c, enum audit_kind kind, bool write, uint64_t addr,
                     unsigned size, const void *data)
{
	struct vcpu_state s;
	if (!audit_events_on(c->vm->audit) || hw_peek_state(c, &s))
		return;
	struct audit_rec *r = record(c, kind, &s);
	r->sub = write ? AUDIT_OUT : AUDIT_IN;
	r->v[0] = addr;
	r->v[1] = size;
	r->v[2] = audit_value(data, size);
}

/* Exceptions whose frame starts with an error code (SDM Vol. 3, 6.15). */
static bool has_error_code(unsigned vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 ||
	       vector == 29 || vector == 30;
}

/* Word i of the frame the CPU pushed at an entry through a gate. */
static uint64_t frame_word(struct hw_ctx *c, const struct vcpu_state *k, unsigned i)
{
	unsigned w = (k->efer & EFER_LMA) ? 8 : 4;
	uint64_t v = 0;
	if (guest_read_lin(&c->vm->mem, k, k->seg[SEG_SS].base + k->gpr[RSP] + i * w, &v, w))
		return AUDIT_NONE;
	return v;
}

void hw_audit_entry(struct hw_ctx *c, const struct vcpu_state *k, const struct entry_site *e,
                    enum run_event ev)
{
	if (!audit_events_on(c->vm->audit))
		return;
	/* Stamped like the interpreter's: the handler's state, the RIP of
	 * the user instruction (the frame's, or before SYSCALL's RCX). */
	struct vcpu_state at = *k;
	uint64_t err = AUDIT_NONE;
	bool gate = e->kind == ENTRY_GATE;
	if (gate) {
		bool ec = ev == RUN_EV_EXCEPTION && has_error_code(e->vector);
		if (ec)
			err = frame_word(c, k, 0);
		at.rip = frame_word(c, k, ec);
	} else if (e->kind != ENTRY_SYSENTER) {
		at.rip = k->gpr[RCX] - 2;
	}
	struct audit_rec *r = record(c, AUDIT_CPL, &at);
	r->v[0] = vcpu_cpl(&c->user);
	r->v[1] = vcpu_cpl(k);
	if (ev == RUN_EV_EXCEPTION) {
		r = record(c, AUDIT_EXCEPTION, &at);
		r->v[0] = e->vector;
		r->v[1] = err == AUDIT_NONE ? err : (uint32_t)err;
		r->v[2] = e->vector == 14 ? k->cr2 : 0;
		return;
	}
	if (gate) {
		r = record(c, AUDIT_INTERRUPT, &at);
		r->v[0] = e->vector;
		r->sub = ev == RUN_EV_SYSCALL;
	}
	if (ev == RUN_EV_SYSCALL)
		audit_syscall_args(record(c, AUDIT_SYSCALL, &at), k,
		                   gate || vcpu_mode(k) != MODE_LONG64);
}
