#include <errno.h>
#include <stdio.h>
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

/* Create engine e if it does not exist yet. An engine is tried once: a
 * later call fails as the first did, without opening /dev/kvm again
 * (which a sandboxed run could not). */
static int ensure_engine(struct dispatcher *d, enum engine_id e)
{
	if (d->ctx[e])
		return 0;
	if (d->failed[e])
		return vm_fail(d->vm, d->failed[e], "%s", d->failed_why[e]);
	if (!d->ops[e])
		d->ops[e] = engine_ops_of(e);
	int r = d->ops[e]->create(d->vm, &d->ctx[e]);
	if (r) {
		d->ctx[e] = NULL;
		d->failed[e] = r;
		snprintf(d->failed_why[e], sizeof(d->failed_why[e]), "%s", d->vm->err);
		return r;
	}
	/* With both engines, the interpreter keeps its decoded code across
	 * migrations and is told what the guest wrote on KVM instead. */
	if (d->ctx[ENGINE_HW] && d->ctx[ENGINE_SW] && d->ops[ENGINE_HW]->written)
		d->ops[ENGINE_SW]->manage_caches(d->ctx[ENGINE_SW]);
	return 0;
}

/* A policy that runs everything on KVM cannot keep its word on a host
 * whose KVM would emulate part of it: it is refused before the guest
 * runs, with the host's limit named. */
static int check_native(struct dispatcher *d)
{
	const struct engine_ops *hw = d->ops[ENGINE_HW];
	char why[160];
	if (!policy_needs_native(d->pol) || !d->ctx[ENGINE_HW] || !hw->runs_all ||
	    hw->runs_all(d->ctx[ENGINE_HW], why, sizeof(why)))
		return 0;
	return vm_fail(d->vm, -EOPNOTSUPP, "--policy=%s: %s (--policy=theorem3 runs the "
	               "supervisor part in the interpreter)", d->pol->name, why);
}

int dispatch_init_ops(struct dispatcher *d, struct vm *vm, struct policy *pol,
                      const struct engine_ops *const ops[NR_ENGINES])
{
	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->pol = pol;
	d->cur = NR_ENGINES;
	pol->stats = &vm->stats;
	for (int e = 0; e < NR_ENGINES; e++)
		d->ops[e] = ops ? ops[e] : NULL;
	/* The engines a built-in policy uses are made up front, so that a
	 * missing KVM is reported before the guest runs; a policy file's
	 * only when its rules first choose them, but KVM's at once where
	 * there is one: what it runs natively and its clock matter from the
	 * first instruction. */
	int r = 0;
	for (int e = 0; e < NR_ENGINES && !r; e++)
		r = policy_uses(pol, e) ? ensure_engine(d, e) : 0;
	if (!r && !policy_uses(pol, ENGINE_SW) && !policy_uses(pol, ENGINE_HW) &&
	    ensure_engine(d, ENGINE_HW) == -ENODEV)
		vm->err[0] = '\0';
	if (!r)
		r = check_native(d);
	if (r)
		dispatch_fini(d);
	return r;
}

int dispatch_init(struct dispatcher *d, struct vm *vm, struct policy *pol)
{
	return dispatch_init_ops(d, vm, pol, NULL);
}

int dispatch_prepare(struct dispatcher *d)
{
	/* KVM, where the policy can choose it, was tried by dispatch_init;
	 * the interpreter is what every policy may fall back to (a state the
	 * host's KVM would only emulate, a kernel entry it could not make,
	 * a policy file's rules). */
	return ensure_engine(d, ENGINE_SW);
}

void dispatch_fini(struct dispatcher *d)
{
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

static enum audit_engine audit_engine_of(enum engine_id e)
{
	return e == ENGINE_HW ? AUDIT_ENGINE_HW : AUDIT_ENGINE_SW;
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
	vm->engine = d->ops[to]->name;
	if (from == NR_ENGINES || from == to)
		return 0;
	struct mig_stats *m = &vm->stats.mig[to == ENGINE_HW ? MIG_SW_TO_HW : MIG_HW_TO_SW][why];
	uint64_t ns = vclock_now_ns(&vm->clock) - t0;
	m->count++;
	m->ns_total += ns;
	if (ns > m->ns_worst)
		m->ns_worst = ns;
	m->ioctls += vm->stats.hw_ioctls - io0;
	struct audit_rec *rec = audit_add_state(vm->audit, AUDIT_MIGRATION, AUDIT_ENGINE_DISPATCH,
	                                        &vm->vcpu, vm->stats.sw_instructions);
	if (rec) {
		rec->v[0] = audit_engine_of(from);
		rec->v[1] = audit_engine_of(to);
		rec->v[2] = why;
		rec->v[3] = ns;
	}
	return 0;
}

int dispatch_load(struct dispatcher *d, enum engine_id to)
{
	struct vm *vm = d->vm;
	return move_in(d, d->cur, to, MIG_OTHER, vclock_now_ns(&vm->clock), vm->stats.hw_ioctls);
}

bool dispatch_limit_reached(struct dispatcher *d, struct run_limits *lim)
{
	struct vm *vm = d->vm;
	uint64_t max = vm->cfg.max_instructions, done = vm->stats.sw_instructions;
	if (!max)
		return false;
	if (done >= max) {
		vm_fail(vm, 0, "the interpreter ran %llu instructions, the limit",
		        (unsigned long long)done);
		vm_request_stop(vm, VM_STOP_LIMIT, VM_EXIT_LIMIT);
		return true;
	}
	/* Steps count event deliveries too: a run may end short of the
	 * limit, and the next goes on to it. */
	if (lim && (!lim->max_instructions || lim->max_instructions > max - done))
		lim->max_instructions = max - done;
	return false;
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

/* Instructions the interpreter runs of a state KVM would only emulate
 * before the policy is asked again. */
#define NOT_NATIVE_BUDGET (1u << 20)

/* HLT with interrupts enabled waits for an interrupt: sleep until the
 * next timer, then bring the timers up to date. With no timer running
 * and nothing pending the wait would never end: stop, and say why. */
void dispatch_wait(struct dispatcher *d)
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

/* Keep the vCPU off KVM in a state the host's KVM would only emulate
 * (the policy's choice stands where it can run natively), and make KVM
 * come back at every kernel entry where the host cannot run the kernel. */
static int obey_host(struct dispatcher *d, struct decision *dec)
{
	if (dec->engine != ENGINE_HW)
		return 0;
	int r = ensure_engine(d, ENGINE_HW);
	if (r)
		return r;
	const struct engine_ops *hw = d->ops[ENGINE_HW];
	void *ctx = d->ctx[ENGINE_HW];
	if (hw->runs_all && !hw->runs_all(ctx, NULL, 0))
		dec->lim.stop_on_cpl_change = true;
	if (!hw->runs_natively || hw->runs_natively(ctx, &d->peek))
		return 0;
	struct vm *vm = d->vm;
	enum cpu_mode m = vcpu_mode(&d->peek);
	unsigned key = 1u << (m * 4 + vcpu_cpl(&d->peek));
	if (!(d->not_native_seen & key)) {
		d->not_native_seen |= key;
		vm_log(vm, LOG_INFO, "KVM chosen for %s at CPL %u, which the host's KVM does not run "
		       "natively: the interpreter runs it", cpu_mode_name(m), vcpu_cpl(&d->peek));
	}
	vm->stats.hw_not_native++;
	dec->engine = ENGINE_SW;
	dec->lim = (struct run_limits){
		.stop_on_cpl_change = true,
		.max_instructions = NOT_NATIVE_BUDGET,
	};
	return 0;
}

/* A move of user code to KVM that the next timer interrupt would undo
 * before it was done: with a tick shorter than a round trip (10 kHz where
 * one takes 100 us or more, as in emulated hardware) every tick would
 * bring the vCPU back for its handler and the next be due by the time
 * it was on KVM again, and user code would never run. It runs in the
 * interpreter until the timer is due instead; the policy is asked again
 * after it. The round trip is taken as twice the probe's KVM_RUN round
 * trip: a mean of the run's migrations would count the first ones, which
 * set KVM up and cost many times more, and a put-off move measures
 * nothing to correct it by. */
static void defer_for_timer(struct dispatcher *d, struct decision *dec)
{
	if (dec->engine != ENGINE_HW || d->cur != ENGINE_SW || dec->why != MIG_TO_USER)
		return;
	struct vm *vm = d->vm;
	uint64_t at = vm_timers_deadline(vm), now = vclock_now_ns(&vm->clock);
	if (at == UINT64_MAX || at >= now + 2 * vm->stats.hw_run_ns)
		return;
	vm->stats.mig_deferred++;
	dec->engine = ENGINE_SW;
	dec->lim = (struct run_limits){ .stop_on_cpl_change = true, .deadline_ns = at > now ? at : 0 };
}

/* After a KVM run that began in state `from` at t0: a gap record if
 * supervisor code may have run there, unaudited. It did if the run began
 * at CPL 0-2 or ended there other than on a kernel entry's first
 * instruction; it may have (sub 1) if the run was not asked to stop at
 * kernel entries, which KVM then makes unseen. */
static int audit_gap(struct dispatcher *d, const struct vcpu_state *from,
                     const struct run_limits *lim, const struct run_exit *ex, uint64_t t0)
{
	struct vm *vm = d->vm;
	struct vcpu_state to;
	int ret = d->ops[ENGINE_HW]->peek_state(d->ctx[ENGINE_HW], &to);
	if (ret)
		return ret;
	bool ran = vcpu_cpl(from) < 3 || (vcpu_cpl(&to) < 3 && !ex->entry);
	bool may = !ran && !lim->stop_on_cpl_change;
	if (!ran && !may)
		return 0;
	struct audit_rec *r = audit_add_state(vm->audit, AUDIT_GAP, AUDIT_ENGINE_DISPATCH, from,
	                                      vm->stats.sw_instructions);
	if (r) {
		struct audit_rec end;
		audit_stamp_state(&end, &to);
		r->sub = may;
		r->v[0] = end.rip;
		r->v[1] = end.cpl;
		r->v[2] = vclock_now_ns(&vm->clock) - t0;
	}
	return 0;
}

int dispatch_loop(struct dispatcher *d)
{
	struct vm *vm = d->vm;
	struct policy *pol = d->pol;
	int ret = 0;
	struct run_exit ex = { 0 };
	while (!ret && !vm_poll_stop(vm)) {
		struct decision dec;
		if (d->cur == NR_ENGINES)
			d->peek = vm->vcpu;
		else if ((ret = d->ops[d->cur]->peek_state(d->ctx[d->cur], &d->peek)))
			break;
		/* The event the last run call ended on, if any, is this
		 * decision's (rule and run events are one list). */
		policy_decide(pol, &d->peek, d->cur, ex.event, ex.num,
		              vclock_now_ns(&vm->clock), &dec);
		if (dec.stop) {
			vm_log(vm, LOG_INFO, "a policy rule stopped the VM at rip 0x%llx",
			       (unsigned long long)d->peek.rip);
			vm_request_stop(vm, VM_STOP_POLICY, VM_EXIT_OK);
			break;
		}
		if (ex.replay) {
			/* KVM could not make this kernel entry: the interpreter
			 * executes the instruction that makes it. */
			dec.engine = ENGINE_SW;
			dec.why = MIG_KERNEL_ENTRY;
			dec.lim = (struct run_limits){ .max_instructions = 1 };
		}
		defer_for_timer(d, &dec);
		if ((ret = obey_host(d, &dec)))
			break;
		if (dec.audit && vm->audit)
			audit_set_level(vm->audit, (enum audit_level)dec.audit_level);
		if (dec.engine != d->cur && (ret = dispatch_migrate(d, dec.engine, dec.why)))
			break;
		if (d->cur == ENGINE_SW && dispatch_limit_reached(d, &dec.lim))
			break;

		ex = (struct run_exit){ 0 };
		uint64_t t0 = vclock_now_ns(&vm->clock);
		ret = d->ops[d->cur]->run(d->ctx[d->cur], &dec.lim, &ex);
		if (!ret && d->cur == ENGINE_HW && audit_events_on(vm->audit))
			ret = audit_gap(d, &d->peek, &dec.lim, &ex, t0);
		if (ret)
			break;
		if ((ex.reason == RUN_EXIT_EVENT || ex.entry) && ex.event != RUN_EV_NONE)
			vm->stats.events[ex.event]++;
		/* The wait names where the vCPU halted: after the run, not
		 * before it. */
		if (ex.reason == RUN_EXIT_HALT &&
		    !(ret = d->ops[d->cur]->peek_state(d->ctx[d->cur], &d->peek)))
			dispatch_wait(d);
	}
	/* The canonical state reflects where the guest stopped, for reports. */
	if (!ret && d->cur != NR_ENGINES)
		ret = d->ops[d->cur]->store_state(d->ctx[d->cur], &vm->vcpu);
	/* A failure once an engine ran is the VM's end, not a usage error. */
	if (ret && d->cur != NR_ENGINES)
		vm_request_stop(vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
	return ret;
}

int dispatch_go(struct dispatcher *d)
{
	int ret = d->pol->ops->loop ? d->pol->ops->loop(d) : dispatch_loop(d);
	if (!ret)
		dispatch_explain_shutdown(d);
	return ret;
}

int dispatch_run(struct vm *vm, struct policy *pol)
{
	struct dispatcher d;
	int ret = dispatch_init(&d, vm, pol);
	if (ret)
		return ret;
	ret = dispatch_go(&d);
	dispatch_fini(&d);
	return ret;
}
