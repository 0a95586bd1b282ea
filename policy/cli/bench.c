/* `hvmm bench`: run every workload under every policy, round after round
 * (so that a slow spell on the host spreads over all cells instead of
 * landing on one), then report. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vm.h"
#include "policy/cli/bench.h"

/* The images are built beside the command: BUILD/hvmm, BUILD/guests. */
static int guests_dir(char *dir, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return -errno;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	return snprintf(dir, n, "%s/guests", exe) < (int)n ? 0 : -ENAMETOOLONG;
}

static void print_help(void)
{
	const struct bench_workload *w;
	fputs(bench_usage, stdout);
	for (unsigned i = 0; (w = bench_workload(i)); i++)
		printf("  %-10s %9llu  %s\n", w->name, (unsigned long long)w->iters, w->what);
}

static int load_images(const struct bench_options *o, struct bench_image *img, char *err,
                       size_t errlen)
{
	char dir[PATH_MAX - 32];
	int r = guests_dir(dir, sizeof(dir));
	if (r) {
		snprintf(err, errlen, "cannot find the guest images: /proc/self/exe: %s", strerror(-r));
		return r;
	}
	for (unsigned i = 0; i < o->nr_workloads && !r; i++) {
		const struct bench_workload *w = o->workloads[i];
		r = bench_image_load(&img[i], dir, w->name, o->iterations ? o->iterations : w->iters,
		                     err, errlen);
	}
	return r;
}

static void make_cells(struct bench *b, uint64_t *tsc_khz)
{
	const struct bench_options *o = b->o;
	char why[256];
	for (unsigned p = 0; p < o->nr_policies; p++) {
		/* The check `hvmm run` makes: a policy the host cannot run
		 * is skipped with its reason. */
		int r = bench_host_check(o->policies[p], tsc_khz, why, sizeof(why));
		for (unsigned w = 0; w < o->nr_workloads; w++) {
			struct bench_cell *c = &b->cells[w * o->nr_policies + p];
			c->w = o->workloads[w];
			c->policy = p;
			c->iters = o->iterations ? o->iterations : c->w->iters;
			if (r)
				snprintf(c->skip, sizeof(c->skip), "%s", why);
		}
	}
}

/* Every round runs each cell that has not been skipped or failed once. */
static int run_rounds(struct bench *b, const struct bench_image *img, uint64_t *tsc_khz)
{
	const struct bench_options *o = b->o;
	unsigned total = 0, done = 0;
	int failed = 0;
	char why[200];
	/* On a terminal one line redrawn; elsewhere (a log) a line a run. */
	const char *cr = isatty(STDERR_FILENO) ? "\r" : "", *nl = *cr ? "\033[K" : "\n";
	for (unsigned i = 0; i < b->nr_cells; i++)
		total += b->cells[i].skip[0] ? 0 : o->repeat;
	for (unsigned r = 0; r < o->repeat; r++)
		for (unsigned i = 0; i < b->nr_cells; i++) {
			struct bench_cell *c = &b->cells[i];
			if (c->skip[0])
				continue;
			fprintf(stderr, "%shvmm bench: run %u/%u: %s under %s, round %u/%u%s", cr, ++done,
			        total, c->w->name, o->policies[c->policy], r + 1, o->repeat, nl);
			if (bench_run_once(&img[i / o->nr_policies], c->w->name, o->policies[c->policy],
			                   tsc_khz, &c->s[c->nr], c->units, sizeof(c->units), why,
			                   sizeof(why))) {
				snprintf(c->skip, sizeof(c->skip), "run failed: %s", why);
				c->nr = 0;
				failed = -EIO;
				continue;
			}
			c->nr++;
		}
	fprintf(stderr, "%shvmm bench: %u runs done%s%s", cr, done, nl, *cr ? "\n" : "");
	return failed;
}

static int write_outputs(const struct bench *b, char *err, size_t errlen)
{
	const struct bench_options *o = b->o;
	int r = 0;
	bench_print_table(stdout, b);
	fflush(stdout);
	if (!r && o->csv)
		r = bench_write_file(o->csv, bench_write_csv, b, err, errlen);
	if (!r && o->json)
		r = bench_write_file(o->json, bench_write_json, b, err, errlen);
	if (!r && o->svg)
		r = bench_write_file(o->svg, bench_write_svg, b, err, errlen);
	return r;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_options o;
	struct bench_image img[BENCH_MAX_WORKLOADS] = { 0 };
	struct bench b = { .o = &o };
	uint64_t tsc_khz = 0;
	char err[512] = "";
	int status = VM_EXIT_USAGE;

	if (parse_bench_options(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, "hvmm: %s\n", err);
		return VM_EXIT_USAGE;
	}
	if (o.help) {
		print_help();
		return 0;
	}
	b.nr_cells = o.nr_workloads * o.nr_policies;
	b.cells = calloc(b.nr_cells, sizeof(*b.cells));
	if (!b.cells)
		snprintf(err, sizeof(err), "out of memory");
	else if (!load_images(&o, img, err, sizeof(err))) {
		make_cells(&b, &tsc_khz);
		int failed = run_rounds(&b, img, &tsc_khz);
		bench_summarize(&b);
		status = write_outputs(&b, err, sizeof(err)) || failed ? VM_EXIT_FAILURE : 0;
		if (failed && !err[0])
			snprintf(err, sizeof(err), "bench: some runs failed (see the table)");
	}
	if (status)
		fprintf(stderr, "hvmm: %s\n", err);
	for (unsigned i = 0; i < o.nr_workloads; i++)
		bench_image_free(&img[i]);
	free(b.cells);
	return status;
}
