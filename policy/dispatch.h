/* The dispatcher: the loop that owns the vCPU. It runs the engine the
 * policy chooses, within what the host's KVM runs natively, routes what
 * the engine reports (halts, kernel entries, budgets, events), and migrates the vCPU between the
 * interpreter and KVM: store from one engine, fix-ups at the boundary,
 * load into the other. Memory is never copied. */
#ifndef HVMM_DISPATCH_H
#define HVMM_DISPATCH_H

#include "core/engine.h"
#include "policy/policy.h"

struct vm;

/* The engine behind an id. */
const struct engine_ops *engine_ops_of(enum engine_id e);

struct dispatcher {
	struct vm *vm;
	struct policy *pol;
	const struct engine_ops *ops[NR_ENGINES];
	void *ctx[NR_ENGINES];
	enum engine_id cur;          /* engine holding the vCPU; NR_ENGINES: none */
	struct vcpu_state peek;      /* the state a decision looks at */
	unsigned not_native_seen;    /* mode and CPL pairs reported as not native */
	int failed[NR_ENGINES];      /* -errno of an engine that could not be made */
	char failed_why[NR_ENGINES][256]; /* ... and its vm->err */
};

/* Create the engines the policy can use. 0 or -errno with vm->err set
 * (e.g. "KVM unavailable: ...", or -EOPNOTSUPP for a policy the host's
 * KVM cannot run natively). */
int dispatch_init(struct dispatcher *d, struct vm *vm, struct policy *pol);
/* The same with the engines' operations given (NULL, or an entry NULL:
 * the real ones), so that the loop can be driven by a scripted engine. */
int dispatch_init_ops(struct dispatcher *d, struct vm *vm, struct policy *pol,
                      const struct engine_ops *const ops[NR_ENGINES]);
void dispatch_fini(struct dispatcher *d);

/* After dispatch_init: make now every engine the run may still ask for
 * (the interpreter, which any policy can fall back to), so that nothing
 * is created once the command's sandbox is in place. 0 or -errno with
 * vm->err set. */
int dispatch_prepare(struct dispatcher *d);

/* Move the vCPU to engine `to` (loading vm->vcpu if none holds it). */
int dispatch_migrate(struct dispatcher *d, enum engine_id to, enum mig_reason why);

/* Load the state in vm->vcpu (the caller's, not the engine's that holds
 * the vCPU) into engine `to`. */
int dispatch_load(struct dispatcher *d, enum engine_id to);

/* vm->cfg.max_instructions: whether the interpreter has run them all
 * (the VM is then stopped, VM_STOP_LIMIT); if not, and lim is given, its
 * budget is cut to what is left. */
bool dispatch_limit_reached(struct dispatcher *d, struct run_limits *lim);

/* After a triple fault on KVM, which leaves no trace of the fault on
 * AMD: vm->vcpu and vm->err made to say where the guest faulted
 * (policy/dispatch_shutdown.c). Nothing for any other stop. */
void dispatch_explain_shutdown(struct dispatcher *d);

/* The loop of dispatch_run over an initialised dispatcher: run the VM
 * until it stops; 0 or -errno as dispatch_run. */
int dispatch_loop(struct dispatcher *d);

/* The vCPU halted with interrupts on (d->peek): wait for the next timer
 * and bring the timers up to date, or stop the VM when nothing can wake
 * it. */
void dispatch_wait(struct dispatcher *d);

/* Run the VM over an initialised dispatcher: the policy's own loop
 * (lockstep's) or dispatch_loop. 0 or -errno as dispatch_run. */
int dispatch_go(struct dispatcher *d);

/* Run the VM from vm->vcpu until it stops (dispatch_init, dispatch_go,
 * dispatch_fini). Returns 0 when the VM stopped (vm->stop,
 * vm->exit_status say how) or -errno with vm->err set when the monitor
 * itself failed (e.g. an engine could not be created). */
int dispatch_run(struct vm *vm, struct policy *pol);

#endif
