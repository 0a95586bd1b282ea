/* Where the guest was when it triple-faulted on KVM (dispatch.h).
 *
 * KVM reports a shutdown after the fact: on AMD it has already reset the
 * vCPU (the VMCB is undefined after a shutdown intercept), so what it hands
 * back is the reset vector's state; on Intel it is the state at the last
 * fault, with nothing of the exceptions that led there. A KVM_RUN makes no
 * port or MMIO exit between its entry and the shutdown (one would have
 * ended it), so the KVM engine keeps the registers it entered the guest
 * with (hw_entry_state) and the interpreter runs the guest again from
 * there, with no device reachable, until it triple-faults too: its report
 * names the instruction and the exception chain. The replay may go another
 * way than KVM did: where the code reads memory it wrote in that run, or
 * uses an MSR that kernel code on KVM changed since the state was last
 * read. It has if it reaches a device after its first instruction (the
 * first may redo the access that the entry completed), halts or runs past
 * its budget; the report then gives the state KVM last entered the guest
 * with, "last seen". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io_log.h"
#include "core/vm.h"
#include "policy/dispatch.h"

/* Instructions the replay may run: about a second in the interpreter. */
#define REPLAY_BUDGET (1ull << 26)

/* Run the interpreter from vm->vcpu; NULL once it triple-faulted, else
 * what it did instead. */
static const char *replay(struct dispatcher *d, struct io_log *log)
{
	struct vm *vm = d->vm;
	if (dispatch_load(d, ENGINE_SW))
		return "could not be started";
	const struct engine_ops *sw = d->ops[ENGINE_SW];
	struct run_exit ex;
	struct run_limits first = { .max_instructions = 1 };
	if (sw->run(d->ctx[ENGINE_SW], &first, &ex))
		return "failed";
	io_log_start(log, IO_LOG_REPLAY);
	if (vm->stop == VM_RUNNING) {
		struct run_limits rest = { .max_instructions = REPLAY_BUDGET, .stop_on_io = true };
		if (sw->run(d->ctx[ENGINE_SW], &rest, &ex))
			return "failed";
	}
	if (vm->stop == VM_STOP_SHUTDOWN)
		return log->diverged ? "reached a device" : NULL;
	if (vm->stop != VM_RUNNING)
		return "stopped otherwise";
	if (log->diverged || ex.reason == RUN_EXIT_EVENT)
		return "reached a device";
	if (ex.reason == RUN_EXIT_HALT)
		return "halted";
	return "ran on without a fault";
}

void dispatch_explain_shutdown(struct dispatcher *d)
{
	struct vm *vm = d->vm;
	const struct engine_ops *hw = d->ops[ENGINE_HW];
	if (vm->stop != VM_STOP_SHUTDOWN || d->cur != ENGINE_HW || !hw->entry_state)
		return;
	struct vcpu_state *entry = malloc(sizeof(*entry));
	struct vm_stats *stats = malloc(sizeof(*stats));
	if (!entry || !stats || hw->entry_state(d->ctx[ENGINE_HW], entry)) {
		free(entry);
		free(stats);
		return;
	}
	/* The replay is no part of the run: not counted, not audited, and
	 * no device sees it (an empty log being replayed answers instead). */
	*stats = vm->stats;
	struct audit *audit = vm->audit;
	struct io_log *bus_log = vm->bus.log, log = { 0 };
	const char *engine = vm->engine;
	int status = vm->exit_status;
	vm->audit = NULL;
	io_log_start(&log, IO_LOG_REPLAY);
	vm->bus.log = &log;
	vm->stop = VM_RUNNING;
	vm->vcpu = *entry;

	const char *failed = replay(d, &log);
	char sw_err[sizeof(vm->err)];
	snprintf(sw_err, sizeof(sw_err), "%s", vm->err);
	if (!failed && !d->ops[ENGINE_SW]->store_state(d->ctx[ENGINE_SW], &vm->vcpu)) {
		vm_fail(vm, 0, "%s on KVM, found by running its last entry again in the "
		        "interpreter", sw_err);
	} else {
		vm->vcpu = *entry;
		vm_fail(vm, 0, "triple fault (KVM_EXIT_SHUTDOWN) after KVM last entered the guest "
		        "at rip 0x%llx (run again from there, the interpreter %s)",
		        (unsigned long long)entry->rip, failed ? failed : "failed");
	}
	vm->stop = VM_STOP_SHUTDOWN;
	vm->exit_status = status;
	vm->engine = engine;
	vm->bus.log = bus_log;
	io_log_free(&log);
	vm->audit = audit;
	vm->stats = *stats;
	free(stats);
	free(entry);
}
