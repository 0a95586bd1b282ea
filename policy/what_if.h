/* What-if figures from one run whose supervisor code ran in the
 * interpreter and whose user code ran on KVM (theorem3, adaptive): the
 * time the same work would have taken with the kernel on KVM as well, and
 * with everything in the interpreter. The model and its assumptions are
 * in docs/benchmarks.md. Pure: counters in, figures out. */
#ifndef HVMM_WHAT_IF_H
#define HVMM_WHAT_IF_H

#include <stdbool.h>
#include <stdint.h>

#include "core/stats.h"

struct what_if_params {
	double hw_ns_per_insn;  /* native time of one instruction */
	uint64_t run_ns;        /* one KVM exit and re-entry (KVM_RUN round trip) */
};

struct what_if {
	uint64_t measured_ns;    /* time in the engines and migrations */
	uint64_t hw_ns;          /* projected: supervisor code on KVM too */
	uint64_t sw_ns;          /* projected: everything in the interpreter */
	uint64_t mig_ns;         /* of measured_ns: the migrations */
	uint64_t native_ns;      /* of measured_ns: user code running on KVM */
	uint64_t user_hw_insns;  /* instructions that native time stands for */
	uint64_t hw_exits;       /* KVM exits with the kernel on KVM */
};

/* Whether s is such a run: KVM ran, never at CPL 0-2, and the
 * interpreter ran supervisor code. */
bool what_if_applies(const struct vm_stats *s);

/* Native time per instruction at one instruction per cycle of a TSC of
 * tsc_khz; 0 if the rate is unknown. */
double what_if_ns_per_insn(uint64_t tsc_khz);

/* The figures for s under p. */
void what_if_compute(const struct vm_stats *s, const struct what_if_params *p,
                     struct what_if *out);

#endif
