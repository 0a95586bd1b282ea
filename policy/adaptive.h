/* adaptive: theorem3's split (supervisor code in the interpreter), with
 * user code sent to KVM only where its stretch is expected to outlast the
 * cost of the round trip there and back (docs/policy.md). */
#ifndef HVMM_ADAPTIVE_H
#define HVMM_ADAPTIVE_H

#include "policy/policy.h"

/* The policy table's hooks (policy_ops.init and .decide). */
int adaptive_init(struct policy *p, const char *arg, char *err, size_t errlen);
void adaptive_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                     enum run_event event, uint64_t num, uint64_t now_ns, struct decision *d);

/* The costs it weighs, from the run's counters so far (pure). */

/* The interpreter's time per instruction in picoseconds; 0 before it
 * has run any. */
uint64_t adaptive_sw_ps(const struct vm_stats *s);
/* Mean cost of a migration in one direction (MIG_SW_TO_HW, MIG_HW_TO_SW)
 * in ns; 0 before the first. */
uint64_t adaptive_mig_ns(const struct vm_stats *s, int dir);
/* One user stretch on KVM beyond its own instructions: a migration each
 * way and one KVM_RUN round trip, in ns. */
uint64_t adaptive_round_trip_ns(const struct vm_stats *s);
/* The stretch length, in interpreter instructions at ps picoseconds
 * each, whose interpretation costs one round trip; 0 when either cost is
 * not known yet. */
uint64_t adaptive_break_even(const struct vm_stats *s, uint64_t ps);
/* The interpreter's time per user instruction in picoseconds as it
 * measured on user stretches, once it has measured USER_SAMPLE
 * instructions; before that adaptive_sw_ps. */
uint64_t adaptive_user_ps(const struct adaptive *a, const struct vm_stats *s);

/* User instructions measured before their own speed is trusted. */
#define ADAPTIVE_USER_SAMPLE 10000

#endif
