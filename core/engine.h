/* The engine contract: what the dispatcher (policy/) needs from an engine
 * that executes the vCPU. The interpreter (swvmm/) and KVM (hwvmm/) each
 * provide one. A migration is store_state on one and load_state on the
 * other; memory is never copied. */
#ifndef HVMM_ENGINE_H
#define HVMM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/run_events.h"

struct vm;
struct vcpu_state;

/* Stop conditions for one run call; an engine may return earlier. An
 * engine honours those it can: KVM cannot count instructions, so the hw
 * engine honours deadline_ns, stop_on_io
 * (reporting RUN_EV_PORT for port exits), max_io_exits,
 * stop_on_cpl_change (every kernel entry from CPL 3 returns at the entry
 * point, before the kernel's first instruction; any other CPL change is
 * seen at the next exit) and stop_at_linear, and the interpreter all of
 * them but max_io_exits (its budget being max_instructions) and
 * stop_at_linear. */
struct run_limits {
	uint64_t max_instructions;   /* 0: no budget */
	bool stop_on_cpl_change;
	bool stop_at_rip;
	uint64_t rip;
	uint64_t deadline_ns;        /* VM-clock time to return by (0: none): RUN_EXIT_BUDGET */
	bool stop_on_io;             /* return RUN_EXIT_EVENT after each port or MMIO access */
	/* KVM's budget counted in what the guest does rather than in time:
	 * return RUN_EXIT_BUDGET at the Nth port or MMIO exit (0: none),
	 * which falls on the same instruction in every run of the guest. */
	unsigned max_io_exits;
	/* Return RUN_EXIT_RIP before the instruction at linear address
	 * `linear`, and with max_instructions 1 after one instruction or
	 * event delivery too (hw only: a trap byte and single-stepping,
	 * hwvmm/kvm_step.c; lockstep's step, whose end the interpreter
	 * found). */
	bool stop_at_linear;
	uint64_t linear;
	unsigned events;             /* 1 << RUN_EV_*: events to return on (interpreter) */
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
	enum run_event event;        /* with RUN_EXIT_EVENT, or an entry: what happened */
	uint64_t num;
	/* RUN_EXIT_CPL_CHANGE at a kernel entry from CPL 3: the vCPU is on
	 * the entry point, the CPU's entry (stack switch, frame) done and
	 * the kernel's first instruction not yet run; event and num say
	 * which entry (exception, interrupt or system call). */
	bool entry;
	/* ... and the host could not make the entry as hardware does: the
	 * vCPU is back at CPL 3 on the INT n, SYSCALL or SYSENTER that
	 * enters, which the other engine must execute. */
	bool replay;
};

struct engine_ops {
	const char *name;
	/* 0 or -errno with vm->err set (e.g. "KVM unavailable: ..."). */
	int (*create)(struct vm *vm, void **ctx);
	void (*destroy)(void *ctx);
	int (*load_state)(void *ctx, const struct vcpu_state *s);
	int (*store_state)(void *ctx, struct vcpu_state *s);
	int (*run)(void *ctx, const struct run_limits *lim, struct run_exit *out);
	/* Whether the engine runs state s natively (KVM on a host that
	 * pushes some modes through its instruction emulator does not).
	 * NULL: every state. */
	bool (*runs_natively)(void *ctx, const struct vcpu_state *s);
	/* Whether it runs every state natively; if not, one line into why
	 * naming what it cannot run. NULL: it does. */
	bool (*runs_all)(void *ctx, char *why, size_t len);
	/* store_state for a decision, not a migration: registers, segments,
	 * control registers and events are current, the rest may be as last
	 * loaded or stored. Cheap: no KVM ioctl. */
	int (*peek_state)(void *ctx, struct vcpu_state *s);
	/* The state the engine last entered the guest with, where the
	 * state it holds after a stop is not the guest's (KVM resets the
	 * vCPU at a shutdown on AMD): registers, segments, control
	 * registers and events as they were then, the rest as last handed
	 * in or out. NULL: the engine's state at a stop is the guest's. */
	int (*entry_state)(void *ctx, struct vcpu_state *s);

	/* Write tracking for the other engine's caches. watch: from the
	 * next run on, note guest writes to the 4 KiB page at gpa. written:
	 * one call of fn per watched page the guest may have written since
	 * the last call; fn returns whether to go on watching it. NULL for
	 * an engine whose writes the other sees anyway. */
	int (*watch)(void *ctx, uint64_t gpa);
	int (*written)(void *ctx, bool (*fn)(void *opaque, uint64_t gpa), void *opaque);
	/* The pages that came to hold cached decoded code since the last
	 * call (at least those), one call of fn each. */
	void (*cached_pages)(void *ctx, void (*fn)(void *opaque, uint64_t gpa), void *opaque);
	/* Caches of guest memory (decoded instructions). By default
	 * load_state drops them all, as memory may have changed anywhere.
	 * After manage_caches, load_state keeps them and the caller reports
	 * every page changed behind the engine through invalidate, which
	 * returns whether the page held cached code. Both NULL for an engine
	 * that caches nothing. */
	void (*manage_caches)(void *ctx);
	bool (*invalidate)(void *ctx, uint64_t gpa);
};

#endif
