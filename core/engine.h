/* The engine contract: what the dispatcher (policy/) needs from an engine
 * that executes the vCPU. The interpreter (swvmm/) and KVM (hwvmm/) each
 * provide one. A migration is store_state on one and load_state on the
 * other; memory is never copied. */
#ifndef HVMM_ENGINE_H
#define HVMM_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu_state;

/* Stop conditions for one run call; an engine may return earlier. */
struct run_limits {
	uint64_t max_instructions;   /* 0: no budget */
	bool stop_on_cpl_change;
	bool stop_at_rip;
	uint64_t rip;
};

enum run_exit_reason {
	RUN_EXIT_STOPPED,     /* vm->stop is set: the VM is over */
	RUN_EXIT_BUDGET,      /* instruction budget used up */
	RUN_EXIT_CPL_CHANGE,
	RUN_EXIT_RIP,
	RUN_EXIT_HALT,        /* HLT with interrupts on: wait for an event */
	RUN_EXIT_EVENT,       /* an event the dispatcher must route */
};

struct run_exit {
	enum run_exit_reason reason;
};

struct engine_ops {
	const char *name;
	/* 0 or -errno with vm->err set (e.g. "KVM unavailable: ..."). */
	int (*create)(struct vm *vm, void **ctx);
	void (*destroy)(void *ctx);
	int (*load_state)(void *ctx, const struct vcpu_state *s);
	int (*store_state)(void *ctx, struct vcpu_state *s);
	int (*run)(void *ctx, const struct run_limits *lim, struct run_exit *out);
};

#endif
