/* hvmm bench's summaries and reports from made-up cells: medians, the
 * ratio to hw, shares and migration costs, the table's skipped cells,
 * CSV quoting, and the chart's scale, bars and escaping. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/cli/bench.h"

/* Two workloads (compute, syscall) under the policies given, every cell
 * with one run of wall time wall[w][p] and 1000 units of work. */
struct fixture {
	struct bench_options o;
	struct bench b;
	struct bench_cell cells[2 * 3];
};

static void make(struct fixture *f, unsigned np, const char *const *policies,
                 const double wall[2][3])
{
	memset(f, 0, sizeof(*f));
	f->o.nr_workloads = 2;
	f->o.workloads[0] = bench_workload_find("compute");
	f->o.workloads[1] = bench_workload_find("syscall");
	f->o.nr_policies = np;
	f->o.repeat = 1;
	for (unsigned p = 0; p < np; p++)
		f->o.policies[p] = policies[p];
	f->b.o = &f->o;
	f->b.cells = f->cells;
	f->b.nr_cells = 2 * np;
	for (unsigned w = 0; w < 2; w++)
		for (unsigned p = 0; p < np; p++) {
			struct bench_cell *c = &f->cells[w * np + p];
			c->w = f->o.workloads[w];
			c->policy = p;
			snprintf(c->units, sizeof(c->units), "units");
			if (wall[w][p] > 0) {
				c->nr = 1;
				c->s[0].wall_s = wall[w][p];
				c->s[0].work = 1000;
			} else {
				snprintf(c->skip, sizeof(c->skip), "KVM unavailable: test");
			}
		}
}

/* make() on a fresh fixture, summarized; the caller frees it. */
static struct fixture *made(unsigned np, const char *const *policies, const double wall[2][3])
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	make(f, np, policies, wall);
	bench_summarize(&f->b);
	return f;
}

static char *capture(int (*fn)(FILE *, const struct bench *), const struct bench *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(fn(f, b), 0);
	fclose(f);
	return buf;
}

static int table(FILE *f, const struct bench *b)
{
	bench_print_table(f, b);
	return 0;
}

static unsigned count(const char *s, const char *what)
{
	unsigned n = 0;
	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void test_median(void **state)
{
	(void)state;
	double odd[] = { 3, 1, 2 }, even[] = { 4, 1, 3, 2 };
	assert_true(bench_median(odd, 3) == 2);
	assert_true(bench_median(even, 4) == 2.5);
	assert_true(isnan(bench_median(odd, 0)));
}

static void test_summary(void **state)
{
	(void)state;
	static const char *const pol[] = { "sw", "hw" };
	static const double wall[2][3] = { { 2.0, 0.5 }, { 1.0, 0.25 } };
	struct fixture *f = made(2, pol, wall);
	struct vm_stats *s = &f->cells[0].s[0].stats;
	s->ns_sw = 3000;
	s->ns_hw = 1000;
	s->mig[MIG_SW_TO_HW][MIG_TO_USER] = (struct mig_stats){ .count = 2, .ns_total = 6000 };
	s->mig[MIG_HW_TO_SW][MIG_KERNEL_ENTRY] = (struct mig_stats){ .count = 2, .ns_total = 2000 };
	s->hw_exits[2] = 5;
	s->hw_exits[7] = 9;
	bench_summarize(&f->b);
	const struct bench_summary *sum = &f->cells[0].sum;
	assert_true(sum->work_per_s == 500);
	assert_true(sum->vs_hw == 0.25);
	assert_true(f->cells[1].sum.vs_hw == 1);
	assert_true(sum->sw_share == 0.75);
	assert_true(sum->mig_per_s == 2);
	assert_true(sum->mig_mean_us == 2);
	assert_int_equal(sum->exit_reason[0], 7);
	assert_int_equal(sum->exit_reason[1], 2);
	assert_true(sum->exit_count[2] == 0);
	assert_true(isnan(f->cells[1].sum.mig_mean_us));
	free(f);
}

static void test_table_skipped(void **state)
{
	(void)state;
	static const char *const pol[] = { "sw", "hw" };
	static const double wall[2][3] = { { 1.0, 0 }, { 1.0, 0 } };
	struct fixture *f = made(2, pol, wall);
	char *t = capture(table, &f->b);
	assert_int_equal(count(t, "skipped: KVM unavailable: test\n"), 2);
	assert_int_equal(count(t, "\n"), 5);
	assert_non_null(strstr(t, "1.00k"));
	free(t);
	free(f);
}

static void test_csv_field(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bench_csv_field(f, "plain");
	fputc('|', f);
	bench_csv_field(f, "a,\"b\"");
	fclose(f);
	assert_string_equal(buf, "plain|\"a,\"\"b\"\"\"");
	free(buf);
}

static void test_svg(void **state)
{
	(void)state;
	static const char *const pol[] = { "sw", "hw", "a<b" };
	static const double close_walls[2][3] = { { 1.0, 0.5, 0 }, { 1.0, 0.8, 0.9 } };
	static const double wide_walls[2][3] = { { 100.0, 0.1, 1.0 }, { 1.0, 0.8, 0.9 } };
	struct fixture *f = made(3, pol, close_walls);
	char *svg = capture(bench_write_svg, &f->b);
	assert_int_equal(count(svg, "<rect class=\"bar\""), 5);
	assert_int_equal(count(svg, ">n/a<"), 1);
	assert_null(strstr(svg, "log scale"));
	assert_non_null(strstr(svg, "relative to hw"));
	assert_non_null(strstr(svg, ">a&lt;b</text>"));
	assert_null(strstr(svg, "a<b"));
	free(svg);

	make(f, 3, pol, wide_walls);
	bench_summarize(&f->b);
	svg = capture(bench_write_svg, &f->b);
	assert_int_equal(count(svg, "<rect class=\"bar\""), 6);
	assert_non_null(strstr(svg, "(log scale)"));
	free(svg);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_table_skipped),
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_svg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
