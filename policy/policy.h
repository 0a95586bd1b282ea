/* Policies: where the vCPU runs next. The dispatcher asks at every
 * decision point (after each run call and at each event it sees); the
 * policy answers with an engine and the limits of the next run call. */
#ifndef HVMM_POLICY_H
#define HVMM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/stats.h"
#include "core/vcpu_state.h"
#include "policy/rules.h"

enum engine_id { ENGINE_HW, ENGINE_SW, NR_ENGINES };

enum policy_kind {
	POLICY_SW,          /* always the interpreter */
	POLICY_HW,          /* always KVM */
	POLICY_THEOREM3,    /* CPL 0-2 in the interpreter, CPL 3 on KVM (default) */
	POLICY_CHAOS,       /* seeded pseudo-random migrations */
	POLICY_FILE,        /* rules from a file (policy/rules.h) */
};

struct policy {
	enum policy_kind kind;
	uint64_t seed;
	uint64_t rng;               /* chaos: xorshift64* state */
	struct pol_rules *rules;    /* POLICY_FILE */
	unsigned audit_level;       /* last level an audit rule set */
	char name[80];
};

/* A decision: the engine, the limits of its next run call, and why a
 * change of engine happens (for the statistics). */
struct decision {
	enum engine_id engine;
	struct run_limits lim;
	enum mig_reason why;
	bool stop;                  /* a rule said stop */
	bool trap_entries;          /* hw at CPL 3: hand kernel entries off */
};

/* "sw", "hw", "theorem3", "chaos:SEED" (SEED decimal or 0x hex). 0 or
 * -EINVAL with a one-line reason in err. */
int policy_from_name(struct policy *p, const char *spec, char *err, size_t errlen);

/* Rules from a file; errors as pol_rules_load. */
int policy_from_file(struct policy *p, const char *path, char *err, size_t errlen);

void policy_free(struct policy *p);

/* Where to run from state s, now running on cur (NR_ENGINES: nowhere
 * yet); event says what just happened (RUN_EV_NONE for a plain point).
 * now_ns is the VM clock. */
void policy_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                   enum run_event event, uint64_t num, uint64_t now_ns,
                   struct decision *d);

/* Would the policy run this state (at a kernel entry) in the interpreter? */
bool policy_wants_sw_at_entry(struct policy *p, const struct vcpu_state *s,
                              enum run_event event, uint64_t num);

#endif
