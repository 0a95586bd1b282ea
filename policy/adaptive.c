/* The adaptive policy. It takes theorem3's decision and narrows it: a
 * user stretch (CPL 3, from the drop to user mode to the next kernel
 * entry) goes to KVM only when the stretches of its address space have
 * been long enough to pay for the round trip. Otherwise it is
 * interpreted with the break-even length as its budget: one that runs
 * out moves the rest of the stretch to KVM, so a misjudged stretch costs
 * at most one round trip more than the better choice would have (a free
 * chunk, below, at most FREE_CHUNK). */
#include "policy/adaptive.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A new stretch weighs 1/4 in its address space's mean. */
#define EWMA_SHIFT 2

/* A free chunk, in break-even lengths: the interpreter runs user and
 * kernel code on without stopping at CPL changes, as many short
 * stretches cost more in run calls than they do in instructions. A long
 * stretch in it costs at most this many round trips more. */
#define FREE_CHUNK 8

int adaptive_init(struct policy *p, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	const struct policy_ops *o;
	for (unsigned i = 0; (o = policy_builtin(i)); i++)
		if (!strcmp(o->name, "theorem3")) {
			p->adaptive.base = o;
			return 0;
		}
	snprintf(err, errlen, "--policy: adaptive needs the theorem3 policy, which is missing");
	return -EINVAL;
}

uint64_t adaptive_sw_ps(const struct vm_stats *s)
{
	return s->sw_instructions ? s->ns_sw * 1000 / s->sw_instructions : 0;
}

uint64_t adaptive_mig_ns(const struct vm_stats *s, int dir)
{
	uint64_t n = 0, ns = 0;
	for (int r = 0; r < NR_MIG_REASONS; r++) {
		n += s->mig[dir][r].count;
		ns += s->mig[dir][r].ns_total;
	}
	return n ? ns / n : 0;
}

uint64_t adaptive_round_trip_ns(const struct vm_stats *s)
{
	return adaptive_mig_ns(s, MIG_SW_TO_HW) + adaptive_mig_ns(s, MIG_HW_TO_SW) + s->hw_run_ns;
}

uint64_t adaptive_break_even(const struct vm_stats *s, uint64_t ps)
{
	return ps ? adaptive_round_trip_ns(s) * 1000 / ps : 0;
}

uint64_t adaptive_user_ps(const struct adaptive *a, const struct vm_stats *s)
{
	if (a->user_insns < ADAPTIVE_USER_SAMPLE)
		return adaptive_sw_ps(s);
	return a->user_ns * 1000 / a->user_insns;
}

/* The interpreter's part of the stretch under way ended at now: its
 * time and instructions go into the user-code speed. */
static void end_sw_part(struct adaptive *a, const struct vm_stats *st, uint64_t now_ns)
{
	a->user_ns += now_ns - a->sw_t0;
	a->user_insns += st->sw_instructions - a->insn0;
	a->in_sw = false;
}

static unsigned slot_of(uint64_t key)
{
	return (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 58) & (ADAPTIVE_SLOTS - 1);
}

/* A stretch begins at CPL 3 in address space cr3. */
static void open_stretch(struct adaptive *a, const struct vm_stats *st, uint64_t cr3)
{
	uint64_t key = cr3 & ~0xfffull;
	unsigned i = slot_of(key);
	if (!a->slot[i].used || a->slot[i].cr3 != key)
		a->slot[i] = (struct adaptive_slot){ .cr3 = key };
	a->open = true;
	a->at = i;
	a->insn0 = st->sw_instructions;
	a->hw_ns = 0;
	a->hw_runs = 0;
	a->in_sw = false;
}

/* The stretch ended at a kernel entry: its length in interpreter
 * instructions is what the interpreter ran of it, plus its time on KVM
 * (less the migration in and the KVM_RUN round trips) at the
 * interpreter's speed. That undercounts KVM's part, as native code is
 * faster: a long stretch misread as short costs one budget, after which
 * it is seen as long again. */
static void close_stretch(struct adaptive *a, const struct vm_stats *st)
{
	uint64_t over = a->hw_runs * st->hw_run_ns +
	                (a->hw_runs ? adaptive_mig_ns(st, MIG_SW_TO_HW) : 0);
	uint64_t native = a->hw_ns > over ? a->hw_ns - over : 0;
	uint64_t ps = adaptive_user_ps(a, st);
	uint64_t len = st->sw_instructions - a->insn0 + (ps ? native * 1000 / ps : 0);
	struct adaptive_slot *sl = &a->slot[a->at];

	sl->len = sl->used ? sl->len - (sl->len >> EWMA_SHIFT) + (len >> EWMA_SHIFT) : len;
	sl->used = true;
	a->open = false;
	a->free_next = sl->len < adaptive_break_even(st, ps);
}

/* At CPL 3, where theorem3 says KVM: the limits of an interpreter run
 * in lim, or false for KVM. Stretches on a short address space
 * alternate: one measured (stopping at its end, with the break-even
 * length as its budget), then a free chunk. */
static bool sw_limits(struct adaptive *a, const struct vm_stats *st, uint64_t cr3,
                      uint64_t now_ns, struct run_limits *lim)
{
	uint64_t even = adaptive_break_even(st, adaptive_user_ps(a, st));
	/* A stretch under way is on KVM already, or has outrun its budget. */
	if (a->open || !even)
		return false;
	open_stretch(a, st, cr3);
	const struct adaptive_slot *sl = &a->slot[a->at];
	if (sl->used && sl->len >= even)
		return false;
	*lim = (struct run_limits){ .stop_on_cpl_change = true, .max_instructions = even };
	a->in_sw = true;
	a->sw_t0 = now_ns;
	if (sl->used && a->free_next) {
		a->in_sw = false;
		a->open = false;
		a->free_next = false;
		*lim = (struct run_limits){ .max_instructions = even * FREE_CHUNK };
	}
	return true;
}

void adaptive_decide(struct policy *p, const struct vcpu_state *s, enum engine_id cur,
                     enum run_event event, uint64_t num, uint64_t now_ns, struct decision *d)
{
	struct adaptive *a = &p->adaptive;
	const struct vm_stats *st = p->stats;

	a->base->decide(p, s, cur, event, num, now_ns, d);
	if (!st)       /* no counters to weigh: theorem3 as it is */
		return;
	if (a->open && cur == ENGINE_HW) {
		a->hw_ns += now_ns - a->hw_t0;
		a->hw_runs++;
	}
	if (a->open && a->in_sw && cur == ENGINE_SW)
		end_sw_part(a, st, now_ns);
	if (d->engine != ENGINE_HW) {
		/* Supervisor code: theorem3's choice stands, always. */
		if (a->open)
			close_stretch(a, st);
		return;
	}
	struct run_limits lim;
	if (!sw_limits(a, st, s->cr3, now_ns, &lim)) {
		a->hw_t0 = now_ns;
		return;
	}
	d->engine = ENGINE_SW;
	d->why = MIG_OTHER;
	d->lim = lim;
}
