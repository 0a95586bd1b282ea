/* The built-in policies and the rule-file policy. */
#include "policy/policy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int policy_from_name(struct policy *p, const char *spec, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", spec);
	if (!strcmp(spec, "sw")) {
		p->kind = POLICY_SW;
	} else if (!strcmp(spec, "hw")) {
		p->kind = POLICY_HW;
	} else if (!strcmp(spec, "theorem3")) {
		p->kind = POLICY_THEOREM3;
	} else if (!strncmp(spec, "chaos:", 6)) {
		const char *s = spec + 6;
		char *end;
		errno = 0;
		unsigned long long v = strtoull(s, &end, 0);
		if (!*s || *s == '-' || *end || errno) {
			snprintf(err, errlen, "--policy: bad chaos seed '%s' (expected a number, e.g. chaos:42)", s);
			return -EINVAL;
		}
		p->kind = POLICY_CHAOS;
		p->seed = v;
		/* xorshift needs a nonzero state; mix the seed so that nearby
		 * seeds start far apart. */
		p->rng = (v ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
		if (!p->rng)
			p->rng = 1;
	} else {
		snprintf(err, errlen, "--policy: unknown policy '%s' (expected sw, hw, theorem3, chaos:SEED or a file)", spec);
		return -EINVAL;
	}
	return 0;
}

int policy_from_file(struct policy *p, const char *path, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "file %s", path);
	p->kind = POLICY_FILE;
	return pol_rules_load(path, &p->rules, err, errlen);
}

void policy_free(struct policy *p)
{
	if (p->rules)
		pol_rules_free(p->rules);
	p->rules = NULL;
}

static uint64_t chaos_next(struct policy *p)
{
	uint64_t x = p->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Theorem 3: supervisor code (CPL 0-2, and real mode) in the
 * interpreter, user code (CPL 3, VM86 included) on KVM. */
static enum engine_id theorem3_engine(const struct vcpu_state *s)
{
	return vcpu_cpl(s) == 3 ? ENGINE_HW : ENGINE_SW;
}

static void chaos_decide(struct policy *p, uint64_t now_ns, struct decision *d)
{
	uint64_t r = chaos_next(p);

	d->engine = (r & 1) ? ENGINE_HW : ENGINE_SW;
	d->why = MIG_CHAOS;
	if (d->engine == ENGINE_SW) {
		/* Budgets from 1 to 2^14 instructions, log-uniform: many
		 * switches close together, some far apart. */
		unsigned bits = (unsigned)(r >> 8) % 15;
		d->lim.max_instructions = 1 + ((r >> 16) & ((1ull << bits) - 1));
		d->lim.stop_on_cpl_change = (r >> 4) & 1;
		/* Some kinds of event end the run too: more points to move at. */
		d->lim.events = (unsigned)(r >> 40) & ((1u << NR_RUN_EVENTS) - 2);
	} else {
		/* KVM stops at exits (each port or MMIO access is one) or when
		 * kicked after up to 200 us. */
		d->lim.deadline_ns = now_ns + 1 + (r >> 20) % 200000;
		d->lim.stop_on_io = true;
	}
}

static void query_of(const struct vcpu_state *s, enum run_event event, uint64_t num,
                     struct pol_query *q)
{
	q->cpl = vcpu_cpl(s);
	q->mode = vcpu_mode(s);
	q->rip = s->rip;
	q->cr3 = s->cr3;
	q->event = event;
	q->num = num;
}

static void file_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                        enum run_event event, uint64_t num, struct decision *d)
{
	struct pol_query q;
	struct pol_action a;

	query_of(s, event, num, &q);
	d->engine = theorem3_engine(s);
	if (!pol_rules_match(p->rules, &q, &a))
		return;
	switch (a.kind) {
	case POL_ACT_SW:
		d->engine = ENGINE_SW;
		d->why = MIG_RULE;
		break;
	case POL_ACT_HW:
		d->engine = ENGINE_HW;
		d->why = MIG_RULE;
		break;
	case POL_ACT_AUDIT:
		/* An audit rule sets the level and leaves the vCPU where it is. */
		p->audit_level = a.level;
		if (cur != NR_ENGINES)
			d->engine = cur;
		break;
	case POL_ACT_STOP:
		d->stop = true;
		break;
	}
}

void policy_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                   enum run_event event, uint64_t num, uint64_t now_ns,
                   struct decision *d)
{
	memset(d, 0, sizeof(*d));
	d->why = MIG_OTHER;
	switch (p->kind) {
	case POLICY_SW:
		d->engine = ENGINE_SW;
		break;
	case POLICY_HW:
		d->engine = ENGINE_HW;
		break;
	case POLICY_THEOREM3:
		d->engine = theorem3_engine(s);
		d->why = d->engine == ENGINE_HW ? MIG_TO_USER : MIG_KERNEL_ENTRY;
		break;
	case POLICY_CHAOS:
		chaos_decide(p, now_ns, d);
		break;
	case POLICY_FILE:
		d->why = theorem3_engine(s) == ENGINE_HW ? MIG_TO_USER : MIG_KERNEL_ENTRY;
		file_decide(p, s, cur, event, num, d);
		break;
	}
	if (d->engine == ENGINE_SW) {
		/* Both engines bring the timers up to date themselves. */
		if (p->kind == POLICY_THEOREM3 || p->kind == POLICY_FILE)
			d->lim.stop_on_cpl_change = true;
		if (p->rules)
			d->lim.events = pol_rules_events(p->rules);
	} else if (p->kind == POLICY_THEOREM3 || p->kind == POLICY_FILE) {
		/* KVM has no exit on a CPL change: at CPL 3 every kernel entry
		 * point holds a HLT that returns here (policy/entry_traps.c). */
		d->trap_entries = vcpu_cpl(s) == 3 && policy_wants_sw_at_entry(p, s, RUN_EV_NONE, 0);
		d->lim.report_hlt = d->trap_entries;
		d->lim.stop_on_cpl_change = d->trap_entries;
		if (p->rules && (pol_rules_events(p->rules) & (1u << RUN_EV_PORT)))
			d->lim.stop_on_io = true;
	}
}

bool policy_wants_sw_at_entry(struct policy *p, const struct vcpu_state *s,
                              enum run_event event, uint64_t num)
{
	if (p->kind == POLICY_THEOREM3)
		return true;
	if (p->kind != POLICY_FILE)
		return false;
	/* The rules see the state as it will be at the entry: CPL 0. */
	struct vcpu_state k = *s;
	k.seg[SEG_CS].dpl = 0;
	k.seg[SEG_CS].selector &= ~3;
	struct decision d;
	memset(&d, 0, sizeof(d));
	file_decide(p, &k, NR_ENGINES, event, num, &d);
	return d.engine == ENGINE_SW || d.stop;
}
