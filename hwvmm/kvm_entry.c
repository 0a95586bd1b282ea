/* The kernel-entry hand-off: how the KVM engine honours
 * stop_on_cpl_change for CPL-3 code (docs/migration.md). Before a run at
 * CPL 3 it arms the trap bytes on every kernel entry point
 * (entry_traps.c); at an exit that finds the vCPU at CPL 0-2 it puts RIP
 * back on the entry's first instruction and returns RUN_EXIT_CPL_CHANGE
 * with the entry decoded, or, where the host did not deliver the entry as
 * hardware does (entry_fixup.c), with the CPL-3 state on the entering
 * instruction for the interpreter to execute. The trap bytes go before
 * any other engine or the monitor reads memory: at store_state, at a run
 * that no longer asks for them, at destroy. */
#include "core/vm.h"
#include "hwvmm/hw_ctx.h"

int hw_entry_prepare(struct hw_ctx *c, const struct run_limits *lim)
{
	struct vm *vm = c->vm;
	const struct kvm_sync_regs *sr = &c->run->s.regs;
	bool want = lim->stop_on_cpl_change && c->sync_valid && (sr->sregs.cr0 & CR0_PE) &&
	            hw_sync_cpl(sr) == 3;

	if (!want) {
		hw_entry_disarm(c);
		return 0;
	}
	if (c->traps.armed)
		return 0;
	/* No instruction ran since this view: the entry points are those
	 * of the state the stretch begins with. */
	int r = hw_peek_state(c, &c->user);
	if (r)
		return r;
	entry_traps_arm(&c->traps, vm, &c->user);
	vm_log(vm, LOG_DEBUG, "%u kernel entry points trapped", c->traps.n);
	if (c->traps.n > vm->stats.entry_sites_max)
		vm->stats.entry_sites_max = c->traps.n;
	return 0;
}

void hw_entry_disarm(struct hw_ctx *c)
{
	entry_traps_disarm(&c->traps, c->vm);
}

/* Put state s into KVM's sync-regs area, as load_state does. */
static void put_sync(struct hw_ctx *c, const struct vcpu_state *s)
{
	kvm_sync_regs_from_state(s, &c->caps, &c->run->s.regs);
	kvm_sregs_fix_for_entry(&c->run->s.regs.sregs);
	if (!c->caps.tr_busy)
		kvm_sregs_tr_available(&c->run->s.regs.sregs);
	c->run->kvm_dirty_regs |= HW_SYNC_ALL;
}

/* The vCPU is at an entry point through site e (the HLT not run, or
 * run: back = 1). */
static int hand_off(struct hw_ctx *c, const struct entry_site *e, unsigned back,
                    struct vcpu_state *k, struct run_exit *out)
{
	struct vm *vm = c->vm;
	struct vcpu_state u;

	k->rip -= back;
	k->ev.halted = false;
	c->halted = false;
	out->reason = RUN_EXIT_CPL_CHANGE;
	out->entry = true;
	if (entry_fixup(&vm->mem, &c->fixups, e, k, &c->user, &u, &out->event, &out->num)) {
		vm_log(vm, LOG_DEBUG, "kernel entry at rip 0x%llx replayed from CPL 3 at 0x%llx",
		       (unsigned long long)k->rip, (unsigned long long)u.rip);
		vm->stats.kernel_entries_replayed++;
		out->replay = true;
		put_sync(c, &u);
		return 0;
	}
	vm->stats.kernel_entries++;
	out->event = entry_event(e, k, &out->num);
	c->entry_db = e->via & ENTRY_VIA_DB;
	hw_audit_entry(c, k, e, out->event);
	if (back) {
		c->run->s.regs.regs.rip -= back;
		c->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	}
	return 0;
}

int hw_entry_check(struct hw_ctx *c, bool hlt, struct run_exit *out)
{
	const struct kvm_sync_regs *sr = &c->run->s.regs;
	if (!c->traps.armed || hw_sync_cpl(sr) == 3)
		return HW_ENTRY_NONE;
	struct vcpu_state k;
	int r = hw_peek_state(c, &k);
	if (r)
		return r;
	unsigned back = hlt ? 1 : 0;
	const struct entry_site *e = entry_traps_find(&c->traps, k.seg[SEG_CS].base + k.rip - back);
	if (!e) {
		c->vm->stats.kernel_entries_missed++;
		return HW_ENTRY_MISSED;
	}
	r = hand_off(c, e, back, &k, out);
	return r ? r : HW_ENTRY_HANDED_OFF;
}
