/* `hvmm bench` options: every one checked before the first run, so that
 * a typo never costs a long run or a file the user has. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/reason.h"
#include "guests/bench/workloads.h"
#include "policy/cli/bench.h"
#include "policy/policy.h"

const char bench_usage[] =
	"Usage: hvmm bench [options]\n"
	"Run benchmark workloads under several policies and compare them: each\n"
	"workload and policy (a cell) runs --repeat times, interleaved, and the\n"
	"table gives per cell the median wall time and its spread, work units per\n"
	"second, the ratio to the hw cell, the time split between the interpreter\n"
	"and KVM, migrations per second and their mean cost, the top KVM exits\n"
	"and the interpreter's instructions (docs/benchmarks.md).\n"
	"\n"
	"  --workloads=LIST  comma-separated workloads (default: all, below)\n"
	"  --policy=POLICY   a policy as for hvmm run (a built-in or a policy file);\n"
	"                    repeatable. Without a built-in named: sw, hw and\n"
	"                    theorem3, then the files given. A policy the host's\n"
	"                    KVM cannot run is skipped, and the table says why\n"
	"  --repeat=N        runs per cell (default 3, at most 100)\n"
	"  --iterations=N    iterations of every workload (default: each its own)\n"
	"  --csv=FILE        write the cells as CSV\n"
	"  --json=FILE       write the cells, with every run's statistics, as JSON\n"
	"  --svg=FILE        write a chart of throughput relative to hw as SVG\n"
	"  -h, --help        show this help\n"
	"\n"
	"The guest images are bench_<workload>.bin in the guests folder beside\n"
	"the hvmm binary. Exit status: 0, 2 for a usage error or a missing image,\n"
	"4 when a run failed (the table says which) or a report could not be\n"
	"written.\n"
	"\n"
	"Workloads (default iterations, what they exercise):\n";

static const struct bench_workload workloads[] = {
#define BENCH_WORKLOAD_ROW(name, iters, what) { #name, iters, what },
	BENCH_WORKLOADS(BENCH_WORKLOAD_ROW)
#undef BENCH_WORKLOAD_ROW
};
_Static_assert(sizeof(workloads) / sizeof(workloads[0]) <= BENCH_MAX_WORKLOADS,
               "BENCH_MAX_WORKLOADS must hold every workload");

const struct bench_workload *bench_workload(unsigned i)
{
	return i < sizeof(workloads) / sizeof(workloads[0]) ? &workloads[i] : NULL;
}

const struct bench_workload *bench_workload_find(const char *name)
{
	const struct bench_workload *w;
	for (unsigned i = 0; (w = bench_workload(i)); i++)
		if (!strcmp(w->name, name))
			return w;
	return NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return -EINVAL;
}

static void workload_list(char *buf, size_t n)
{
	const struct bench_workload *w;
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned i = 0; (w = bench_workload(i)) && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", w->name);
}

static int parse_workloads(struct bench_options *o, const char *list, char *err, size_t errlen)
{
	char copy[512], names[256], *save = NULL;
	if (!*list || snprintf(copy, sizeof(copy), "%s", list) >= (int)sizeof(copy))
		return fail(err, errlen, "--workloads: bad list '%s'", list);
	o->nr_workloads = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct bench_workload *w = bench_workload_find(t);
		if (!w) {
			workload_list(names, sizeof(names));
			snprintf(err, errlen, "--workloads: unknown workload '%s' (expected %s)", t, names);
			return -EINVAL;
		}
		for (unsigned i = 0; i < o->nr_workloads; i++)
			if (o->workloads[i] == w)
				return fail(err, errlen, "--workloads: '%s' given twice", t);
		o->workloads[o->nr_workloads++] = w;
	}
	return o->nr_workloads ? 0 : fail(err, errlen, "--workloads: bad list '%s'", list);
}

/* A positive decimal count no larger than max. */
static int parse_count(const char *opt, const char *s, uint64_t max, uint64_t *out,
                       char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0 || v > max) {
		snprintf(err, errlen, "%s: bad count '%s' (expected 1 to %llu)", opt, s,
		         (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Whether a file can be written at path: its folder must take a
 * temporary file and the rename, and path must not be a folder. */
static int check_output(const char *opt, const char *path, char *err, size_t errlen)
{
	char dir[4096];
	struct stat st;
	if (!*path)
		return fail(err, errlen, "%s: empty file name", opt);
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';   /* "/x" keeps its "/" */
	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s is a folder", opt, path);
		return -EISDIR;
	}
	if (access(dir, W_OK | X_OK)) {
		snprintf(err, errlen, "%s: cannot write %s: %s", opt, path, strerror(errno));
		return -EACCES;
	}
	return 0;
}

static int add_policy(struct bench_options *o, const char *spec, char *err, size_t errlen)
{
	struct policy pol;
	if (o->nr_policies == BENCH_MAX_POLICIES)
		return fail(err, errlen, "--policy: at most 8 policies%s", "");
	for (unsigned i = 0; i < o->nr_policies; i++)
		if (!strcmp(o->policies[i], spec))
			return fail(err, errlen, "--policy: '%s' given twice", spec);
	int r = policy_from_spec(&pol, spec, err, errlen);
	if (r)
		return r;
	policy_free(&pol);
	o->policies[o->nr_policies++] = spec;
	return 0;
}

static bool is_builtin(const char *spec)
{
	struct policy pol;
	char why[256];
	if (policy_from_name(&pol, spec, why, sizeof(why)))
		return false;
	policy_free(&pol);
	return true;
}

/* All workloads unless some were named; the default built-ins unless a
 * built-in was named, with the policy files given after them. */
static int defaults(struct bench_options *o, char *err, size_t errlen)
{
	static const char *const policies[] = { "sw", "hw", "theorem3" };
	const char *files[BENCH_MAX_POLICIES];
	unsigned nr_files = o->nr_policies;
	if (!o->nr_workloads)
		for (unsigned i = 0; bench_workload(i); i++)
			o->workloads[o->nr_workloads++] = bench_workload(i);
	for (unsigned i = 0; i < o->nr_policies; i++)
		if (is_builtin(o->policies[i]))
			return 0;
	memcpy(files, o->policies, sizeof(files));
	o->nr_policies = 0;
	for (unsigned i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		int r = add_policy(o, policies[i], err, errlen);
		if (r)
			return r;
	}
	for (unsigned i = 0; i < nr_files; i++) {
		int r = add_policy(o, files[i], err, errlen);
		if (r)
			return r;
	}
	return 0;
}

enum { OPT_WORKLOADS = 256, OPT_POLICY, OPT_REPEAT, OPT_ITERATIONS, OPT_CSV, OPT_JSON, OPT_SVG };

static int parse_one(struct bench_options *o, int c, const char *arg, char *err, size_t errlen)
{
	uint64_t v;
	int r;
	switch (c) {
	case OPT_WORKLOADS:
		return parse_workloads(o, arg, err, errlen);
	case OPT_POLICY:
		if (!*arg)
			return fail(err, errlen, "--policy: empty policy%s", "");
		return add_policy(o, arg, err, errlen);
	case OPT_REPEAT:
		r = parse_count("--repeat", arg, BENCH_MAX_REPEAT, &v, err, errlen);
		o->repeat = (unsigned)v;
		return r;
	case OPT_ITERATIONS:
		return parse_count("--iterations", arg, UINT64_MAX / 4096, &o->iterations, err, errlen);
	case OPT_CSV:
		o->csv = arg;
		return check_output("--csv", arg, err, errlen);
	case OPT_JSON:
		o->json = arg;
		return check_output("--json", arg, err, errlen);
	case OPT_SVG:
		o->svg = arg;
		return check_output("--svg", arg, err, errlen);
	}
	return -EINVAL;
}

static int parse_all(int argc, char **argv, struct bench_options *o, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "workloads",  required_argument, NULL, OPT_WORKLOADS },
		{ "policy",     required_argument, NULL, OPT_POLICY },
		{ "repeat",     required_argument, NULL, OPT_REPEAT },
		{ "iterations", required_argument, NULL, OPT_ITERATIONS },
		{ "csv",        required_argument, NULL, OPT_CSV },
		{ "json",       required_argument, NULL, OPT_JSON },
		{ "svg",        required_argument, NULL, OPT_SVG },
		{ "help",       no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char optbuf[64];
	int c;

	memset(o, 0, sizeof(*o));
	o->repeat = 3;
	optind = 0;   /* a fresh scan, as in parse_run_options */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		snprintf(optbuf, sizeof(optbuf), "%s", argv[optind - 1]);
		if (c == ':')
			return fail(err, errlen, "option '%s' needs a value", optbuf);
		if (c == '?')
			return fail(err, errlen, "unknown option '%s' (see hvmm bench --help)", optbuf);
		int r = parse_one(o, c, optarg, err, errlen);
		if (r)
			return r;
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s' (see hvmm bench --help)", argv[optind]);
	return defaults(o, err, errlen);
}

int parse_bench_options(int argc, char **argv, struct bench_options *o, char *err, size_t errlen)
{
	int r = parse_all(argc, argv, o, err, errlen);
	if (r)
		reason_one_line(err);   /* it quotes the arguments */
	return r;
}
