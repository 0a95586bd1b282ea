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
#include "policy/adaptive_table.h"
#include "policy/rules.h"

enum engine_id { ENGINE_HW, ENGINE_SW, NR_ENGINES };

struct policy;
struct dispatcher;

/* A decision: the engine, the limits of its next run call, and why a
 * change of engine happens (for the statistics). */
struct decision {
	enum engine_id engine;
	struct run_limits lim;
	enum mig_reason why;
	bool stop;                  /* a rule said stop */
	bool audit;                 /* an audit rule set the level to audit_level */
	unsigned audit_level;       /* enum audit_level */
};

/* What one policy is. The built-ins ("sw", "hw", "theorem3", "chaos",
 * "adaptive") and the policy file are one table in policy.c: a new
 * policy is one more entry there, and nothing else asks which policy it
 * is. */
struct policy_ops {
	const char *name;           /* as given to --policy; "file" for a policy file */
	const char *arg;            /* NULL, or what follows "NAME:" ("SEED") */
	bool arg_optional;          /* "NAME" alone is the policy too (init gets NULL) */
	/* Engines made before the guest runs, so that a missing KVM is
	 * reported up front; none for a policy file, whose rules choose
	 * engines only as they match. */
	bool uses[NR_ENGINES];
	/* Every state runs on KVM, with no interpreter to fall back on. */
	bool needs_native;
	/* NULL, or set the policy up; with arg, from the text after "NAME:"
	 * (else arg is NULL). 0 or -EINVAL with err. */
	int (*init)(struct policy *p, const char *arg, char *err, size_t errlen);
	/* policy_decide, d zeroed but for why = MIG_OTHER. */
	void (*decide)(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
	               enum run_event event, uint64_t num, uint64_t now_ns, struct decision *d);
	/* policy_wants_sw_at_entry; NULL: never. */
	bool (*sw_at_entry)(struct policy *p, const struct vcpu_state *s,
	                    enum run_event event, uint64_t num);
	/* A loop of its own instead of dispatch_loop (lockstep); NULL: none. */
	int (*loop)(struct dispatcher *d);
};

struct policy {
	const struct policy_ops *ops;
	uint64_t seed;
	uint64_t rng;               /* chaos: xorshift64* state */
	struct pol_rules *rules;    /* a policy file's */
	struct adaptive adaptive;   /* adaptive: what it learned */
	/* The VM's counters, live (set by the dispatcher; NULL before), for
	 * a policy that chooses by measured cost. */
	const struct vm_stats *stats;
	uint64_t steps;             /* lockstep: steps to compare, 0: all */
	char *report;               /* lockstep: what it found, for the command to print */
	char name[80];
};

/* The i-th built-in policy (0, 1, ...); NULL after the last. */
const struct policy_ops *policy_builtin(unsigned i);

/* A built-in: "sw", "hw", "theorem3", "chaos:SEED" (SEED decimal or 0x
 * hex), "adaptive". 0 or -EINVAL with a one-line reason in err. */
int policy_from_name(struct policy *p, const char *spec, char *err, size_t errlen);

/* Rules from a file; errors as pol_rules_load. */
int policy_from_file(struct policy *p, const char *path, char *err, size_t errlen);

/* What --policy takes: a built-in by name, else a policy file. 0 or
 * -errno with a one-line reason in err, which lists the built-ins when
 * spec is neither. */
int policy_from_spec(struct policy *p, const char *spec, char *err, size_t errlen);

void policy_free(struct policy *p);

/* Whether engine e is made before the guest runs (policy_ops.uses). */
bool policy_uses(const struct policy *p, enum engine_id e);

/* Whether the policy runs every state on KVM (hw): a host whose KVM
 * cannot run some state natively must refuse it up front. */
bool policy_needs_native(const struct policy *p);

/* Where to run from state s, now running on cur (NR_ENGINES: nowhere
 * yet); event says what just happened (RUN_EV_NONE for a plain point).
 * now_ns is the VM clock: only adaptive reads it, to time the stretches
 * it weighs; the others decide by the guest's execution alone, so that a
 * seed replays its migration points (docs/policy.md). */
void policy_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                   enum run_event event, uint64_t num, uint64_t now_ns,
                   struct decision *d);

/* Would the policy run this state (at a kernel entry) in the interpreter? */
bool policy_wants_sw_at_entry(struct policy *p, const struct vcpu_state *s,
                              enum run_event event, uint64_t num);

#endif
