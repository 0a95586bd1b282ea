#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/intr.h"
#include "core/vm.h"
#include "hwvmm/hw_engine.h"
#include "policy/dispatch.h"
#include "swvmm/sw_engine.h"

const struct engine_ops *engine_ops_of(enum engine_id e)
{
	return e == ENGINE_HW ? &hw_engine_ops : &sw_engine_ops;
}

/* Create engine e if it does not exist yet. */
static int ensure_engine(struct dispatcher *d, enum engine_id e)
{
	if (d->ctx[e])
		return 0;
	d->ops[e] = engine_ops_of(e);
	int r = d->ops[e]->create(d->vm, &d->ctx[e]);
	if (r) {
		d->ctx[e] = NULL;
		return r;
	}
	/* With both engines, the interpreter keeps its decoded code across
	 * migrations and is told what the guest wrote on KVM instead. */
	if (d->ctx[ENGINE_HW] && d->ctx[ENGINE_SW] && d->ops[ENGINE_HW]->written)
		d->ops[ENGINE_SW]->manage_caches(d->ctx[ENGINE_SW]);
	return 0;
}

int dispatch_init(struct dispatcher *d, struct vm *vm, struct policy *pol)
{
	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->pol = pol;
	d->cur = NR_ENGINES;
	/* The engines a built-in policy uses are made up front, so that a
	 * missing KVM is reported before the guest runs; a policy file's
	 * only when its rules first choose them. */
	for (int e = 0; e < NR_ENGINES; e++) {
		int r = policy_uses(pol, e) ? ensure_engine(d, e) : 0;
		if (r) {
			dispatch_fini(d);
			return r;
		}
	}
	return 0;
}

void dispatch_fini(struct dispatcher *d)
{
	if (d->traps.armed)
		entry_traps_disarm(&d->traps, d->vm);
	for (int e = 0; e < NR_ENGINES; e++)
		if (d->ops[e] && d->ctx[e])
			d->ops[e]->destroy(d->ctx[e]);
	memset(d->ctx, 0, sizeof(d->ctx));
}

/* A page the guest wrote on KVM: drop the interpreter's decoded code of
 * it, and keep watching it if there was any (it is code). */
static bool invalidate_sw(void *opaque, uint64_t gpa)
{
	struct dispatcher *d = opaque;
	bool held = d->ops[ENGINE_SW]->invalidate(d->ctx[ENGINE_SW], gpa);
	d->vm->stats.invalidated_pages += held;
	return held;
}

static void watch_on_hw(void *opaque, uint64_t gpa)
{
	struct dispatcher *d = opaque;
	d->ops[ENGINE_HW]->watch(d->ctx[ENGINE_HW], gpa);
}

/* The second half of a migration: the state is in vm->vcpu (stored from
 * `from`, or never loaded). Drops what the interpreter cached of memory
 * the guest wrote on KVM, loads `to` and counts the migration from t0. */
static int move_in(struct dispatcher *d, enum engine_id from, enum engine_id to,
                   enum mig_reason why, uint64_t t0, uint64_t io0)
{
	struct vm *vm = d->vm;
	int r;

	d->cur = NR_ENGINES;
	if ((r = ensure_engine(d, to)))
		return r;
	if (from == ENGINE_HW) {
		/* Nothing but KVM may see the trap bytes. */
		entry_traps_disarm(&d->traps, vm);
		if (d->ops[ENGINE_SW] && d->ops[ENGINE_HW]->written &&
		    (r = d->ops[ENGINE_HW]->written(d->ctx[ENGINE_HW], invalidate_sw, d)))
			return r;
	}
	/* KVM is to log guest writes to every page the interpreter holds
	 * decoded code of. */
	if (to == ENGINE_HW && d->ctx[ENGINE_SW] && d->ops[ENGINE_HW]->watch)
		d->ops[ENGINE_SW]->cached_pages(d->ctx[ENGINE_SW], watch_on_hw, d);
	vm_log(vm, LOG_DEBUG, "vCPU to %s at rip 0x%llx cpl %u", d->ops[to]->name,
	       (unsigned long long)vm->vcpu.rip, vcpu_cpl(&vm->vcpu));
	if ((r = d->ops[to]->load_state(d->ctx[to], &vm->vcpu)))
		return r;
	d->cur = to;
	if (from == NR_ENGINES || from == to)
		return 0;
	struct mig_stats *m = &vm->stats.mig[to == ENGINE_HW ? MIG_SW_TO_HW : MIG_HW_TO_SW][why];
	uint64_t ns = vclock_now_ns(&vm->clock) - t0;
	m->count++;
	m->ns_total += ns;
	if (ns > m->ns_worst)
		m->ns_worst = ns;
	m->ioctls += vm->stats.hw_ioctls - io0;
	return 0;
}

int dispatch_migrate(struct dispatcher *d, enum engine_id to, enum mig_reason why)
{
	struct vm *vm = d->vm;
	enum engine_id from = d->cur;
	uint64_t t0 = vclock_now_ns(&vm->clock), io0 = vm->stats.hw_ioctls;

	if (from == to)
		return 0;
	if (from != NR_ENGINES) {
		int r = d->ops[from]->store_state(d->ctx[from], &vm->vcpu);
		if (r)
			return r;
	}
	return move_in(d, from, to, why, t0, io0);
}

/* HLT with interrupts enabled waits for an interrupt: sleep until the
 * next timer, then bring the timers up to date. With no timer running
 * and nothing pending the wait would never end: stop, and say why. */
static void wait_for_interrupt(struct dispatcher *d)
{
	struct vm *vm = d->vm;
	uint64_t at = vm_timers_deadline(vm);

	if (vm_intr_pending(vm))
		return;
	if (at == UINT64_MAX) {
		vm_log(vm, LOG_WARN, "guest halted with interrupts enabled at rip 0x%llx; "
		       "no interrupt source can wake it, stopping",
		       (unsigned long long)d->peek.rip);
		vm_request_stop(vm, VM_STOP_HALT, VM_EXIT_OK);
		return;
	}
	uint64_t now = vclock_now_ns(&vm->clock);
	if (at > now) {
		uint64_t ns = at - now;
		if (ns > 100000000ull)
			ns = 100000000ull;
		struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
		nanosleep(&ts, NULL);
	}
	vm_timers_update(vm);
}

/* KVM stopped with entry traps armed, after a HLT (back = 1) or at an
 * exit that found the CPL changed before the HLT ran (back = 0): either
 * at a kernel entry point (hand off: the CPU has entered ring 0 and
 * pushed its frame; RIP goes onto the entry's first instruction, which
 * the chosen engine then runs with the original byte back), or not.
 * Returns 1 when it was an entry, 0 if not, or -errno. */
static int kernel_entry(struct dispatcher *d, unsigned back)
{
	struct vm *vm = d->vm;
	struct vcpu_state *s = &d->peek;
	const struct entry_site *e = entry_traps_find(&d->traps, s->seg[SEG_CS].base + s->rip - back);

	if (!e || vcpu_cpl(s) == 3)
		return 0;
	uint64_t num;
	enum run_event ev = entry_event(e, s, &num);
	vm->stats.kernel_entries++;

	uint64_t t0 = vclock_now_ns(&vm->clock), io0 = vm->stats.hw_ioctls;
	int r = d->ops[ENGINE_HW]->store_state(d->ctx[ENGINE_HW], &vm->vcpu);
	if (r)
		return r;
	vm->vcpu.rip -= back;
	vm->vcpu.ev.halted = false;
	/* The policy may keep the kernel on KVM: then only the bytes change. */
	enum engine_id to = policy_wants_sw_at_entry(d->pol, &vm->vcpu, ev, num) ? ENGINE_SW
	                                                                        : ENGINE_HW;
	r = move_in(d, ENGINE_HW, to, MIG_KERNEL_ENTRY, t0, io0);
	return r ? r : 1;
}

/* kernel_entry, and a CPL other than 3 found anywhere else on KVM counted
 * as an entry that was missed. */
static int entry_or_miss(struct dispatcher *d, unsigned back)
{
	int r = kernel_entry(d, back);
	if (r == 0 && vcpu_cpl(&d->peek) != 3)
		d->vm->stats.kernel_entries_missed++;
	return r;
}

static int handle_halt(struct dispatcher *d, const struct decision *dec)
{
	struct vm *vm = d->vm;
	int r = d->ops[d->cur]->peek_state(d->ctx[d->cur], &d->peek);
	if (r)
		return r;
	if (d->cur == ENGINE_HW && dec->trap_entries) {
		r = entry_or_miss(d, 1);
		if (r)
			return r < 0 ? r : 0;
		/* A HLT of the guest's own, reported because of report_hlt. */
		if (!(d->peek.rflags & RFLAGS_IF) && !d->peek.ev.nmi.pending) {
			vm_request_stop(vm, VM_STOP_HALT, VM_EXIT_OK);
			return 0;
		}
	}
	wait_for_interrupt(d);
	return 0;
}

int dispatch_run(struct vm *vm, struct policy *pol)
{
	struct dispatcher d;
	int ret = dispatch_init(&d, vm, pol);
	if (ret)
		return ret;

	struct run_exit ex = { 0 };
	while (!ret && vm->stop == VM_RUNNING) {
		struct decision dec;
		if (d.cur == NR_ENGINES)
			d.peek = vm->vcpu;
		else if ((ret = d.ops[d.cur]->peek_state(d.ctx[d.cur], &d.peek)))
			break;
		/* The event the last run call ended on, if any, is this
		 * decision's (rule and run events are one list). */
		policy_decide(pol, &d.peek, d.cur, ex.event, ex.num,
		              vclock_now_ns(&vm->clock), &dec);
		if (dec.stop) {
			vm_log(vm, LOG_INFO, "a policy rule stopped the VM at rip 0x%llx",
			       (unsigned long long)d.peek.rip);
			vm_request_stop(vm, VM_STOP_POLICY, VM_EXIT_OK);
			break;
		}
		if (dec.engine != d.cur && (ret = dispatch_migrate(&d, dec.engine, dec.why)))
			break;
		if (dec.trap_entries && !d.traps.armed) {
			/* d.peek is the state KVM now holds: no instruction ran
			 * since it was taken. */
			entry_traps_arm(&d.traps, vm, &d.peek);
			vm_log(vm, LOG_DEBUG, "%u kernel entry points trapped", d.traps.n);
			if (d.traps.n > vm->stats.entry_sites_max)
				vm->stats.entry_sites_max = d.traps.n;
		} else if (!dec.trap_entries && d.traps.armed) {
			entry_traps_disarm(&d.traps, vm);
		}

		ex = (struct run_exit){ 0 };
		ret = d.ops[d.cur]->run(d.ctx[d.cur], &dec.lim, &ex);
		if (ret)
			break;
		if (ex.reason == RUN_EXIT_EVENT && ex.event != RUN_EV_NONE)
			vm->stats.events[ex.event]++;
		if (ex.reason == RUN_EXIT_HALT) {
			ret = handle_halt(&d, &dec);
		} else if (ex.reason == RUN_EXIT_CPL_CHANGE && d.cur == ENGINE_HW && dec.trap_entries) {
			ret = d.ops[d.cur]->peek_state(d.ctx[d.cur], &d.peek);
			if (!ret && (ret = entry_or_miss(&d, 0)) > 0)
				ret = 0;
		}
	}
	entry_traps_disarm(&d.traps, vm);
	/* The canonical state reflects where the guest stopped, for reports. */
	if (!ret && d.cur != NR_ENGINES)
		ret = d.ops[d.cur]->store_state(d.ctx[d.cur], &vm->vcpu);
	/* A failure once an engine ran is the VM's end, not a usage error. */
	if (ret && d.cur != NR_ENGINES)
		vm_request_stop(vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
	dispatch_fini(&d);
	return ret;
}
