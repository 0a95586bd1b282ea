/* Policy files: ordered rules, first match wins (an audit rule sets a
 * level and lets the search go on). The grammar is in
 * docs/policy.md. Parsing is pure (text in, rules or a file:line:column
 * error out); matching is a pure function of a query the dispatcher
 * builds at each decision point. */
#ifndef HVMM_RULES_H
#define HVMM_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/run_events.h"
#include "core/vcpu_state.h"

struct pol_query {
	unsigned cpl;
	enum cpu_mode mode;
	uint64_t rip;
	uint64_t cr3;
	enum run_event event;       /* RUN_EV_NONE: a plain decision point */
	uint64_t num;               /* the event's number (core/run_events.h) */
};

enum pol_action_kind {
	POL_ACT_SW,         /* run in the interpreter */
	POL_ACT_HW,         /* run on KVM */
	POL_ACT_AUDIT,      /* set the audit level (level) and go on */
	POL_ACT_STOP,       /* stop the VM */
};

struct pol_action {
	enum pol_action_kind kind;
	unsigned level;     /* POL_ACT_AUDIT: 0..3 */
	unsigned rule;      /* 1-based index of the rule that matched */
	unsigned line;      /* its line in the file */
};

struct pol_rules;

/* Parse a whole policy text; name is used in messages (the file path).
 * Returns 0 and *out, or -EINVAL with err set to one line
 * "NAME:LINE:COL: expected ..., found ..." (or -ENOMEM). */
int pol_rules_parse(const char *name, const char *text, size_t len,
                    struct pol_rules **out, char *err, size_t errlen);

/* Read and parse a file; -errno with err "PATH: strerror" when it cannot
 * be read. */
int pol_rules_load(const char *path, struct pol_rules **out, char *err, size_t errlen);

void pol_rules_free(struct pol_rules *r);

/* The first rule whose conditions all hold. false when none does. */
bool pol_rules_match(const struct pol_rules *r, const struct pol_query *q,
                     struct pol_action *out);

/* The decision of the rules: audit rules do not end the search (they set
 * a level and the rules after them choose the engine). *audit: the first
 * audit rule that holds before the deciding rule, if any (audited says
 * whether); *out: the first other rule that holds. Returns whether one
 * did. */
bool pol_rules_decide(const struct pol_rules *r, const struct pol_query *q,
                      struct pol_action *out, struct pol_action *audit, bool *audited);

/* Which event kinds any rule mentions (bit 1 << RUN_EV_*): the dispatcher
 * asks the engines to report only those. */
unsigned pol_rules_events(const struct pol_rules *r);

unsigned pol_rules_count(const struct pol_rules *r);

#endif
