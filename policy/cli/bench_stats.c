/* Summaries of benchmark cells: medians, spreads, rates and shares from
 * the runs' wall times and counters. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policy/cli/bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Sorts v. */
double bench_median(double *v, unsigned n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void wall(struct bench_cell *c)
{
	double v[BENCH_MAX_REPEAT];
	for (unsigned i = 0; i < c->nr; i++)
		v[i] = c->s[i].wall_s;
	c->sum.wall_med = bench_median(v, c->nr);
	c->sum.wall_min = v[0];
	c->sum.wall_max = v[c->nr - 1];
	c->sum.spread_pct = 100 * (v[c->nr - 1] - v[0]) / c->sum.wall_med;
	c->sum.work_per_s = (double)c->s[0].work / c->sum.wall_med;
}

static void engines(struct bench_cell *c)
{
	double sw = 0, hw = 0, wall = 0, migs = 0, mig_ns = 0, insns = 0, runs = 0;
	for (unsigned i = 0; i < c->nr; i++) {
		const struct vm_stats *s = &c->s[i].stats;
		sw += (double)s->ns_sw;
		hw += (double)s->ns_hw;
		wall += c->s[i].wall_s;
		insns += (double)s->sw_instructions;
		runs += (double)s->hw_runs;
		for (int d = 0; d < NR_MIG_DIRS; d++)
			for (int r = 0; r < NR_MIG_REASONS; r++) {
				migs += (double)s->mig[d][r].count;
				mig_ns += (double)s->mig[d][r].ns_total;
			}
	}
	c->sum.sw_share = sw + hw > 0 ? sw / (sw + hw) : NAN;
	c->sum.hw_share = sw + hw > 0 ? hw / (sw + hw) : NAN;
	c->sum.mig_per_s = migs / wall;
	c->sum.mig_mean_us = migs ? mig_ns / migs / 1e3 : NAN;
	c->sum.insns = insns / c->nr;
	c->sum.hw_runs = runs / c->nr;
}

/* The most frequent KVM exit reasons, as counts per run. */
static void top_exits(struct bench_cell *c)
{
	double total[STATS_MAX_EXIT_REASONS] = { 0 };
	for (unsigned i = 0; i < c->nr; i++)
		for (unsigned r = 0; r < STATS_MAX_EXIT_REASONS; r++)
			total[r] += (double)c->s[i].stats.hw_exits[r];
	for (unsigned k = 0; k < BENCH_TOP_EXITS; k++) {
		unsigned best = 0;
		for (unsigned r = 1; r < STATS_MAX_EXIT_REASONS; r++)
			if (total[r] > total[best])
				best = r;
		c->sum.exit_reason[k] = best;
		c->sum.exit_count[k] = total[best] / c->nr;
		total[best] = 0;
	}
}

void bench_summarize(struct bench *b)
{
	unsigned np = b->o->nr_policies, hw = np;
	for (unsigned p = 0; p < np; p++)
		if (!strcmp(b->o->policies[p], "hw"))
			hw = p;
	for (unsigned i = 0; i < b->nr_cells; i++) {
		struct bench_cell *c = &b->cells[i];
		memset(&c->sum, 0, sizeof(c->sum));
		c->sum.vs_hw = NAN;
		if (!c->nr)
			continue;
		wall(c);
		engines(c);
		top_exits(c);
	}
	for (unsigned i = 0; hw < np && i < b->nr_cells; i++) {
		struct bench_cell *c = &b->cells[i];
		const struct bench_cell *ref = &b->cells[i - c->policy + hw];
		if (c->nr && ref->nr)
			c->sum.vs_hw = c->sum.work_per_s / ref->sum.work_per_s;
	}
}
