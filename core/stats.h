/* Counters kept per VM; engines add to them, the command reports them. */
#ifndef HVMM_STATS_H
#define HVMM_STATS_H

#include <stdint.h>

#define STATS_MAX_EXIT_REASONS 64

struct vm_stats {
	uint64_t hw_runs;                          /* KVM_RUN calls */
	uint64_t hw_exits[STATS_MAX_EXIT_REASONS]; /* by KVM exit reason */
	uint64_t hw_ioctls;                        /* all KVM ioctls on the vCPU */
	uint64_t sw_instructions;                  /* retired in the interpreter */
	uint64_t pio_accesses, mmio_accesses;
	uint64_t ns_hw, ns_sw;                     /* time in each engine */
};

#endif
