/* libFuzzer target for the command line: the option parsers of `hvmm
 * run` (policy/cli/options.c, with --audit-filter's policy/audit_filter.c
 * and the built-in policies' arguments) and `hvmm bench`
 * (policy/cli/bench_options.c). Besides not crashing:
 *  - a refused command line gets one line of reason, and only that;
 *  - an accepted one holds what its checks promise (a guest, --mem in
 *    range, a flat binary without kernel options, ...);
 *  - nothing of one command line (getopt's state) is left for the next:
 *    a known command line parsed after it means what it always does, and
 *    the same arguments parsed again answer the same.
 * Input: the arguments, separated by NUL bytes; the first is the command
 * ("run" or "bench"; anything else is run's guest image after "run"). */
#include <errno.h>
#include <string.h>

#include "policy/cli/bench.h"
#include "policy/cli/options.h"
#include "policy/policy.h"
#include "tests/fuzz/fuzz.h"

#define FZ_MAX_ARGS 64

/* A fresh argv: each argument its own allocation, so that ASan sees any
 * use of one after fz_free_args. */
static int fz_args(const uint8_t *data, size_t size, char **argv)
{
	int argc = 0;
	size_t i = 0;
	while (i <= size && argc < FZ_MAX_ARGS) {
		const uint8_t *end = memchr(data + i, 0, size - i);
		size_t n = end ? (size_t)(end - (data + i)) : size - i;
		argv[argc] = malloc(n + 1);
		FZ_CHECK(argv[argc], "out of memory");
		memcpy(argv[argc], data + i, n);
		argv[argc++][n] = 0;
		i += n + 1;
	}
	argv[argc] = NULL;
	if (strcmp(argv[0], "run") && strcmp(argv[0], "bench")) {
		/* Not a command name: the arguments of run, after "run". */
		memmove(argv + 1, argv, sizeof(argv[0]) * (size_t)(argc + 1));
		argv[0] = strdup("run");
		FZ_CHECK(argv[0], "out of memory");
		argc++;
	}
	return argc;
}

static void fz_free_args(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
}

static void fz_check_err(int r, const char *err)
{
	FZ_CHECK(r < 0, "result %d", r);
	FZ_CHECK(fz_one_line(err), "the reason is not one line: '%s'", err);
}

/* What an accepted `hvmm run` command line promises. */
static void fz_check_run(const struct run_options *o, int argc, char **argv)
{
	if (o->help)
		return;
	FZ_CHECK(o->guest && !strcmp(o->guest, argv[argc - 1]), "guest '%s'",
	         o->guest ? o->guest : "(none)");
	FZ_CHECK(o->mem >= (1ull << 20) && o->mem <= (1ull << 40) && !(o->mem & 0xfff),
	         "--mem %llu", (unsigned long long)o->mem);
	FZ_CHECK(!o->flat || (!o->load.cmdline && !o->load.nr_modules && !o->load.initrd),
	         "a flat binary with kernel options");
	FZ_CHECK(o->load.nr_modules >= 0 && o->load.nr_modules <= MB_MAX_MODULES, "%d modules",
	         o->load.nr_modules);
	FZ_CHECK(!o->audit_filtered || o->audit, "--audit-filter without --audit");
	FZ_CHECK(o->policy && *o->policy, "no policy");

	/* A built-in policy's argument (chaos:SEED, lockstep:STEPS, ...);
	 * anything else names a file, which hvmm would read. */
	struct policy pol;
	char err[512] = "";
	int r = policy_from_name(&pol, o->policy, err, sizeof(err));
	if (r)
		fz_check_err(r, err);
	else
		policy_free(&pol);
}

static void fz_check_bench(const struct bench_options *o)
{
	if (o->help)
		return;
	FZ_CHECK(o->nr_workloads >= 1 && o->nr_workloads <= BENCH_MAX_WORKLOADS, "%u workloads",
	         o->nr_workloads);
	FZ_CHECK(o->nr_policies >= 1 && o->nr_policies <= BENCH_MAX_POLICIES, "%u policies",
	         o->nr_policies);
	FZ_CHECK(o->repeat >= 1 && o->repeat <= BENCH_MAX_REPEAT, "--repeat %u", o->repeat);
	for (unsigned i = 0; i < o->nr_workloads; i++)
		FZ_CHECK(o->workloads[i] && bench_workload_find(o->workloads[i]->name) == o->workloads[i],
		         "workload %u", i);
}

/* One parse of a fresh copy of the input's arguments: its result, its
 * reason and a summary of what it accepted, for comparing two runs. */
struct fz_outcome {
	int r;
	char err[512];
	char what[1024];
};

static void fz_parse(const uint8_t *data, size_t size, struct fz_outcome *out)
{
	char *argv[FZ_MAX_ARGS + 2];
	int argc = fz_args(data, size, argv);
	bool bench = !strcmp(argv[0], "bench");
	memset(out, 0, sizeof(*out));
	if (bench) {
		struct bench_options o;
		out->r = parse_bench_options(argc, argv, &o, out->err, sizeof(out->err));
		if (!out->r) {
			fz_check_bench(&o);
			snprintf(out->what, sizeof(out->what), "%d %u %u %u %llu %s %s %s", o.help,
			         o.nr_workloads, o.nr_policies, o.repeat,
			         (unsigned long long)o.iterations, o.csv ? o.csv : "-",
			         o.json ? o.json : "-", o.svg ? o.svg : "-");
		}
	} else {
		struct run_options o;
		out->r = parse_run_options(argc, argv, &o, out->err, sizeof(out->err));
		if (!out->r) {
			fz_check_run(&o, argc, argv);
			snprintf(out->what, sizeof(out->what), "%d %s %s %d %llu %s %d %llu %d %d %d %s",
			         o.help, o.guest ? o.guest : "-", o.policy, o.stats,
			         (unsigned long long)o.mem, o.serial, o.flat,
			         (unsigned long long)o.flat_addr, o.load.nr_modules, o.audit_level,
			         o.verbose, o.audit ? o.audit : "-");
		}
	}
	if (out->r)
		fz_check_err(out->r, out->err);
	fz_free_args(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char ref[] = "run\0-v\0--mem=2M\0g";
	struct fz_outcome a, b;
	fz_parse(data, size, &a);
	/* A known command line next: it must mean what it always does. */
	fz_parse((const uint8_t *)ref, sizeof(ref) - 1, &b);
	FZ_CHECK(!b.r && !strcmp(b.what, "0 g theorem3 0 2097152 stdio 0 65536 0 2 1 -"),
	         "after this input, '-v --mem=2M g' parses as %d '%s' '%s'", b.r, b.err, b.what);
	fz_parse(data, size, &b);
	FZ_CHECK(a.r == b.r && !strcmp(a.err, b.err) && !strcmp(a.what, b.what),
	         "parsed twice: %d '%s' '%s', then %d '%s' '%s'", a.r, a.err, a.what, b.r, b.err,
	         b.what);
	return 0;
}
