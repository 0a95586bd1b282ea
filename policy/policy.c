/* The built-in policies and the rule-file policy, as one table of
 * policy_ops. */
#include "policy/policy.h"
#include "core/reason.h"
#include "policy/adaptive.h"
#include "policy/lockstep.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static enum mig_reason theorem3_why(const struct vcpu_state *s)
{
	return theorem3_engine(s) == ENGINE_HW ? MIG_TO_USER : MIG_KERNEL_ENTRY;
}

/* The limits of a policy that splits the guest by CPL (theorem3 and
 * policy files): both engines stop at a CPL change (KVM at the kernel
 * entries from CPL 3, through its trap bytes: hwvmm/kvm_entry.c). The
 * engines report the events the rules name. Both engines bring the
 * timers up to date themselves. */
static void split_limits(struct policy *p, const struct vcpu_state *s, struct decision *d)
{
	if (d->engine == ENGINE_SW) {
		d->lim.stop_on_cpl_change = true;
		if (p->rules)
			d->lim.events = pol_rules_events(p->rules);
	} else {
		/* KVM at CPL 3 returns at each kernel entry (the engine's
		 * trap bytes) when the kernel is to run in the interpreter. */
		d->lim.stop_on_cpl_change = vcpu_cpl(s) == 3 &&
		                            policy_wants_sw_at_entry(p, s, RUN_EV_NONE, 0);
		if (p->rules && (pol_rules_events(p->rules) & (1u << RUN_EV_PORT)))
			d->lim.stop_on_io = true;
	}
}

static void sw_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                      enum run_event event, uint64_t num, uint64_t now_ns, struct decision *d)
{
	(void)p, (void)s, (void)cur, (void)event, (void)num, (void)now_ns;
	d->engine = ENGINE_SW;
}

static void hw_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                      enum run_event event, uint64_t num, uint64_t now_ns, struct decision *d)
{
	(void)p, (void)s, (void)cur, (void)event, (void)num, (void)now_ns;
	d->engine = ENGINE_HW;
}

static void theorem3_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                            enum run_event event, uint64_t num, uint64_t now_ns,
                            struct decision *d)
{
	(void)cur, (void)event, (void)num, (void)now_ns;
	d->engine = theorem3_engine(s);
	d->why = theorem3_why(s);
	split_limits(p, s, d);
}

static bool theorem3_sw_at_entry(struct policy *p, const struct vcpu_state *s,
                                 enum run_event event, uint64_t num)
{
	(void)p, (void)s, (void)event, (void)num;
	return true;
}

static int chaos_init(struct policy *p, const char *arg, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 0);
	if (!*arg || *arg == '-' || *end || errno) {
		snprintf(err, errlen, "--policy: bad chaos seed '%s' (expected a number, e.g. chaos:42)", arg);
		return -EINVAL;
	}
	p->seed = v;
	/* xorshift needs a nonzero state; mix the seed so that nearby
	 * seeds start far apart. */
	p->rng = (v ^ 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull;
	if (!p->rng)
		p->rng = 1;
	return 0;
}

/* Log-uniform from 1 to 2^max_bits: many switches close together,
 * some far apart. */
static uint64_t chaos_count(uint64_t r, unsigned max_bits)
{
	unsigned bits = (unsigned)(r >> 8) % (max_bits + 1);
	return 1 + ((r >> 16) & ((1ull << bits) - 1));
}

/* Every choice comes from the seed alone, and each engine's run ends at
 * a point of the guest's own execution, never at a time (now_ns is not
 * looked at): one seed replays the same migration points. */
static void chaos_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                         enum run_event event, uint64_t num, uint64_t now_ns,
                         struct decision *d)
{
	(void)cur, (void)event, (void)num, (void)now_ns;
	uint64_t r = chaos_next(p);

	d->engine = (r & 1) ? ENGINE_HW : ENGINE_SW;
	d->why = MIG_CHAOS;
	if (d->engine == ENGINE_SW) {
		d->lim.max_instructions = chaos_count(r, 14);
		d->lim.stop_on_cpl_change = (r >> 4) & 1;
		/* Some kinds of event end the run too: more points to move at. */
		d->lim.events = (unsigned)(r >> 40) & ((1u << NR_RUN_EVENTS) - 2);
	} else {
		/* KVM cannot count instructions: it stops at the Nth port or
		 * MMIO exit (an exit still pending in KVM is then exactly what
		 * the next migration must complete) and, from CPL 3, at kernel
		 * entries if drawn so. */
		d->lim.max_io_exits = (unsigned)chaos_count(r, 6);
		d->lim.stop_on_cpl_change = vcpu_cpl(s) == 3 && ((r >> 4) & 1);
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

/* The engine the rules choose (theorem3's when none matches), and what
 * else the matching rule says. */
static void file_match(struct policy *p, const struct vcpu_state *s, enum run_event event,
                       uint64_t num, struct decision *d)
{
	struct pol_query q;
	struct pol_action a, au;
	bool audited;

	query_of(s, event, num, &q);
	d->engine = theorem3_engine(s);
	bool decided = pol_rules_decide(p->rules, &q, &a, &au, &audited);
	if (audited) {
		/* An audit rule sets the level; the rules after it decide. */
		d->audit = true;
		d->audit_level = au.level;
	}
	if (!decided)
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
	case POL_ACT_AUDIT:   /* not a deciding rule */
		break;
	case POL_ACT_STOP:
		d->stop = true;
		break;
	}
}

static void file_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                        enum run_event event, uint64_t num, uint64_t now_ns, struct decision *d)
{
	(void)now_ns;
	(void)cur;   /* the rules decide from the state alone */
	d->why = theorem3_why(s);
	file_match(p, s, event, num, d);
	split_limits(p, s, d);
}

static bool file_sw_at_entry(struct policy *p, const struct vcpu_state *s,
                             enum run_event event, uint64_t num)
{
	/* The rules see the state as it will be at the entry: CPL 0. */
	struct vcpu_state k = *s;
	k.seg[SEG_CS].dpl = 0;
	k.seg[SEG_CS].selector &= ~3;
	struct decision d;
	memset(&d, 0, sizeof(d));
	file_match(p, &k, event, num, &d);
	return d.engine == ENGINE_SW || d.stop;
}

/* lockstep[:STEPS]: compare the first STEPS steps (all without). */
static int lockstep_init(struct policy *p, const char *arg, char *err, size_t errlen)
{
	char *end;
	if (!arg)
		return 0;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 0);
	if (!*arg || *arg == '-' || *end || errno || !v) {
		snprintf(err, errlen, "--policy: bad lockstep step count '%s' (expected a positive "
		         "number, e.g. lockstep:10000)", arg);
		return -EINVAL;
	}
	p->steps = v;
	return 0;
}

static const struct policy_ops builtins[] = {
	{
		.name = "sw",
		.uses = { [ENGINE_SW] = true },
		.decide = sw_decide,
	},
	{
		.name = "hw",
		.uses = { [ENGINE_HW] = true },
		.needs_native = true,
		.decide = hw_decide,
	},
	{
		.name = "theorem3",
		.uses = { [ENGINE_HW] = true, [ENGINE_SW] = true },
		.decide = theorem3_decide,
		.sw_at_entry = theorem3_sw_at_entry,
	},
	{
		.name = "chaos",
		.arg = "SEED",
		.uses = { [ENGINE_HW] = true, [ENGINE_SW] = true },
		.init = chaos_init,
		.decide = chaos_decide,
	},
	{
		.name = "adaptive",
		.uses = { [ENGINE_HW] = true, [ENGINE_SW] = true },
		.init = adaptive_init,
		.decide = adaptive_decide,
		.sw_at_entry = theorem3_sw_at_entry,
	},
	{
		/* Each instruction in both engines, compared (policy/lockstep.c);
		 * past STEPS, KVM alone. */
		.name = "lockstep",
		.arg = "STEPS",
		.arg_optional = true,
		.uses = { [ENGINE_HW] = true, [ENGINE_SW] = true },
		.needs_native = true,
		.init = lockstep_init,
		.decide = hw_decide,
		.loop = lockstep_loop,
	},
};
#define NR_BUILTINS (sizeof(builtins) / sizeof(builtins[0]))

static const struct policy_ops file_ops = {
	.name = "file",
	.decide = file_decide,
	.sw_at_entry = file_sw_at_entry,
};

const struct policy_ops *policy_builtin(unsigned i)
{
	return i < NR_BUILTINS ? &builtins[i] : NULL;
}

/* The built-in spec names, and where its argument starts (NULL: none). */
static const struct policy_ops *find_builtin(const char *spec, const char **arg)
{
	for (unsigned i = 0; i < NR_BUILTINS; i++) {
		const struct policy_ops *o = &builtins[i];
		size_t n = strlen(o->name);
		if ((!o->arg || o->arg_optional) && !strcmp(spec, o->name)) {
			*arg = NULL;
			return o;
		}
		if (o->arg && !strncmp(spec, o->name, n) && spec[n] == ':') {
			*arg = spec + n + 1;
			return o;
		}
	}
	return NULL;
}

/* "sw, hw, theorem3, chaos:SEED", for messages. */
static void builtin_list(char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < NR_BUILTINS && used < n; i++)
		used += (size_t)snprintf(buf + used, n - used, "%s%s%s%s%s", i ? ", " : "",
					 builtins[i].name, builtins[i].arg ?
					 (builtins[i].arg_optional ? "[:" : ":") : "",
					 builtins[i].arg ? builtins[i].arg : "",
					 builtins[i].arg_optional ? "]" : "");
}

static int from_name(struct policy *p, const char *spec, char *err, size_t errlen)
{
	const char *arg;
	char list[128];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", spec);
	const struct policy_ops *o = find_builtin(spec, &arg);
	if (!o) {
		builtin_list(list, sizeof(list));
		snprintf(err, errlen, "--policy: unknown policy '%s' (expected %s or a file)", spec, list);
		return -EINVAL;
	}
	if (o->init) {
		int ret = o->init(p, arg, err, errlen);
		if (ret)
			return ret;
	}
	p->ops = o;
	return 0;
}

int policy_from_name(struct policy *p, const char *spec, char *err, size_t errlen)
{
	int ret = from_name(p, spec, err, errlen);
	if (ret)
		reason_one_line(err);
	return ret;
}

int policy_from_file(struct policy *p, const char *path, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "file %s", path);
	p->ops = &file_ops;
	return pol_rules_load(path, &p->rules, err, errlen);
}

int policy_from_spec(struct policy *p, const char *spec, char *err, size_t errlen)
{
	const char *arg;
	char list[128];

	memset(p, 0, sizeof(*p));
	if (find_builtin(spec, &arg))
		return policy_from_name(p, spec, err, errlen);
	if (access(spec, F_OK) && errno == ENOENT) {
		builtin_list(list, sizeof(list));
		snprintf(err, errlen, "--policy: '%s' is neither a built-in policy (%s) nor a file",
			 spec, list);
		reason_one_line(err);
		return -EINVAL;
	}
	return policy_from_file(p, spec, err, errlen);
}

void policy_free(struct policy *p)
{
	if (p->rules)
		pol_rules_free(p->rules);
	p->rules = NULL;
	free(p->report);
	p->report = NULL;
}

bool policy_uses(const struct policy *p, enum engine_id e)
{
	return e < NR_ENGINES && p->ops->uses[e];
}

bool policy_needs_native(const struct policy *p)
{
	return p->ops->needs_native;
}

void policy_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                   enum run_event event, uint64_t num, uint64_t now_ns,
                   struct decision *d)
{
	memset(d, 0, sizeof(*d));
	d->why = MIG_OTHER;
	p->ops->decide(p, s, cur, event, num, now_ns, d);
}

bool policy_wants_sw_at_entry(struct policy *p, const struct vcpu_state *s,
                              enum run_event event, uint64_t num)
{
	return p->ops->sw_at_entry && p->ops->sw_at_entry(p, s, event, num);
}
