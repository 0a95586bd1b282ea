/* `hvmm bench`: the workloads of guests/bench/workloads.h under several
 * policies, repeated and interleaved, with a table, CSV, JSON and an SVG
 * chart (docs/benchmarks.md). */
#ifndef HVMM_CLI_BENCH_H
#define HVMM_CLI_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/stats.h"

#define BENCH_MAX_WORKLOADS 16
#define BENCH_MAX_POLICIES  8
#define BENCH_MAX_REPEAT    100
#define BENCH_TOP_EXITS     3

struct bench_workload {
	const char *name;       /* the image is bench_<name>.bin */
	uint64_t iters;         /* default iteration count */
	const char *what;
};

/* The i-th workload (0, 1, ...); NULL after the last. */
const struct bench_workload *bench_workload(unsigned i);
const struct bench_workload *bench_workload_find(const char *name);

struct bench_options {
	const struct bench_workload *workloads[BENCH_MAX_WORKLOADS];
	unsigned nr_workloads;
	const char *policies[BENCH_MAX_POLICIES];   /* as given to --policy */
	unsigned nr_policies;
	unsigned repeat;
	uint64_t iterations;                        /* 0: each workload's own */
	const char *csv, *json, *svg;
	bool help;
};

/* Parse `hvmm bench` arguments (argv[0] is "bench") and check them all,
 * policies and output paths included, before anything runs. 0 or -EINVAL
 * with a one-line reason in err. */
int parse_bench_options(int argc, char **argv, struct bench_options *o, char *err,
                        size_t errlen);
extern const char bench_usage[];

/* One run of one cell: wall time of the run loop, the work the guest
 * reported, and the VM's counters (what --stats prints). */
struct bench_sample {
	double wall_s;
	uint64_t work;
	struct vm_stats stats;
};

/* What the report shows of a cell, from its samples. NAN where there is
 * nothing to show (no hw cell for vs_hw, no migrations for their cost). */
struct bench_summary {
	double wall_med, wall_min, wall_max, spread_pct;
	double work_per_s, vs_hw;
	double sw_share, hw_share;          /* of the time in the engines */
	double mig_per_s, mig_mean_us;
	double insns;                       /* interpreter instructions per run */
	double hw_runs;                     /* KVM_RUN calls per run */
	unsigned exit_reason[BENCH_TOP_EXITS];
	double exit_count[BENCH_TOP_EXITS]; /* per run; 0: none */
};

struct bench_cell {
	const struct bench_workload *w;
	unsigned policy;                    /* index in bench_options.policies */
	uint64_t iters;
	char units[16];
	char skip[256];                     /* why it has no samples; "" if it has */
	unsigned nr;
	struct bench_sample s[BENCH_MAX_REPEAT];
	struct bench_summary sum;
};

/* All cells, workload-major: cell (w, p) is cells[w * nr_policies + p]. */
struct bench {
	const struct bench_options *o;
	unsigned nr_cells;
	struct bench_cell *cells;
};

/* bench_stats.c: fill each cell's summary (vs_hw against the policy
 * named "hw", where it ran). */
void bench_summarize(struct bench *b);
double bench_median(double *v, unsigned n);

/* bench_report.c */
void bench_print_table(FILE *f, const struct bench *b);
int bench_write_csv(FILE *f, const struct bench *b);
int bench_write_json(FILE *f, const struct bench *b);
/* Write through fn to a temporary name beside path, renamed to path when
 * complete. 0 or -errno with a one-line reason in err. */
int bench_write_file(const char *path, int (*fn)(FILE *, const struct bench *),
                     const struct bench *b, char *err, size_t errlen);
/* CSV field: quoted when it holds a comma, quote or line break. */
void bench_csv_field(FILE *f, const char *s);

/* bench_svg.c: grouped bars of throughput relative to a reference
 * policy, one group per workload. */
int bench_write_svg(FILE *f, const struct bench *b);

/* bench_run.c */
struct bench_image {
	uint8_t *data;
	size_t size;
	char path[4096];
};
/* Read the workload's image from dir, with iters patched into its
 * parameter block. 0 or -errno with err. */
int bench_image_load(struct bench_image *img, const char *dir, const char *name,
                     uint64_t iters, char *err, size_t errlen);
void bench_image_free(struct bench_image *img);
/* Whether the host runs policy spec: the check `hvmm run` makes before
 * a guest runs. 0, or -errno with the reason in why. */
int bench_host_check(const char *spec, uint64_t *tsc_khz, char *why, size_t whylen);
/* Run the image once under spec; 0 or -errno with why. */
int bench_run_once(const struct bench_image *img, const char *workload, const char *spec,
                   uint64_t *tsc_khz, struct bench_sample *out, char *units, size_t unitslen,
                   char *why, size_t whylen);

int cmd_bench(int argc, char **argv);

#endif
