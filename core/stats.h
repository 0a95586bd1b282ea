/* Counters kept per VM; engines and the dispatcher add to them, the
 * command reports them (--stats). */
#ifndef HVMM_STATS_H
#define HVMM_STATS_H

#include <stdint.h>

#include "core/run_events.h"

#define STATS_MAX_EXIT_REASONS 64

/* Why the vCPU moved from one engine to the other. */
enum mig_reason {
	MIG_TO_USER,        /* theorem3: the interpreter dropped to CPL 3 */
	MIG_KERNEL_ENTRY,   /* theorem3: a kernel entry point was reached on KVM */
	MIG_RULE,           /* a policy-file rule chose the other engine */
	MIG_CHAOS,          /* chaos: a seeded pseudo-random point */
	MIG_OTHER,          /* anything else the policy asked */
	NR_MIG_REASONS
};

/* The word --stats and the audit use for a reason ("to-user"). */
static inline const char *mig_reason_name(enum mig_reason r)
{
	static const char *const names[NR_MIG_REASONS] = {
		[MIG_TO_USER] = "to-user",
		[MIG_KERNEL_ENTRY] = "kernel-entry",
		[MIG_RULE] = "rule",
		[MIG_CHAOS] = "chaos",
		[MIG_OTHER] = "other",
	};
	return (unsigned)r < NR_MIG_REASONS ? names[r] : "?";
}

/* One direction of one reason. ns: from the decision to the state being
 * in the new engine (store, hand-off fix-ups, cache invalidation, load). */
struct mig_stats {
	uint64_t count;
	uint64_t ns_total, ns_worst;
	uint64_t ioctls;                           /* KVM ioctls they made, all told */
};

enum { MIG_SW_TO_HW, MIG_HW_TO_SW, NR_MIG_DIRS };

struct vm_stats {
	uint64_t hw_runs;                          /* KVM_RUN calls */
	uint64_t hw_runs_cpl0;                     /* ... that entered the guest at CPL 0-2 */
	uint64_t hw_exits[STATS_MAX_EXIT_REASONS]; /* by KVM exit reason */
	uint64_t hw_ioctls;                        /* all KVM ioctls on the vCPU */
	uint64_t sw_instructions;                  /* retired in the interpreter */
	uint64_t sw_instructions_cpl0;             /* ... at CPL 0-2 */
	uint64_t pio_accesses, mmio_accesses;
	uint64_t ns_hw, ns_sw;                     /* time in each engine */
	uint64_t interrupts_hw;                    /* external interrupts injected into KVM */
	uint64_t interrupts_sw;                    /* ... delivered by the interpreter */
	uint64_t events[NR_RUN_EVENTS];            /* events the engines reported, kernel
	                                              entries from KVM included, by kind */

	struct mig_stats mig[NR_MIG_DIRS][NR_MIG_REASONS];
	uint64_t kernel_entries;        /* kernel entries handed off at their entry point */
	uint64_t kernel_entries_missed; /* KVM found at CPL 0-2 with no hand-off */
	uint64_t kernel_entries_replayed; /* entries the host's KVM could not make,
	                                     executed again by the interpreter */
	uint64_t hw_not_native;         /* KVM chosen for a state the host's KVM would
	                                   emulate: kept in the interpreter */
	uint64_t mig_deferred;          /* moves of user code to KVM put off, as a timer
	                                   fell due within a round trip (dispatch.c) */
	uint64_t entry_sites_max;       /* most entry points trapped at once */
	uint64_t invalidated_pages;     /* pages of decoded code dropped after KVM ran */
	uint64_t hw_run_ns;             /* not a count: the host's KVM_RUN round trip as
	                                   its probe measured it (0: no KVM engine) */
	uint64_t tsc_khz;               /* not a count: the host TSC's rate, for the
	                                   what-if model (policy/what_if.h) */
	uint64_t lockstep_steps;        /* steps lockstep compared */
	uint64_t lockstep_skipped;      /* ... and skipped as recorded deviations */
};

#endif
