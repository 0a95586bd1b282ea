/* The command's option parsers (policy/cli/options.c, bench_options.c)
 * called more than once, as a program that parses several command lines
 * does, and their reasons for arguments that hold control bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "policy/cli/bench.h"
#include "policy/cli/options.h"

#define MAX_ARGS 8

/* A command line whose arguments are each an allocation of their own,
 * freed after the parse: nothing may still point into them later. */
struct args {
	int argc;
	char *argv[MAX_ARGS + 1];
};

static struct args make(const char *const *list)
{
	struct args a = { 0 };
	while (list[a.argc]) {
		a.argv[a.argc] = strdup(list[a.argc]);
		assert_non_null(a.argv[a.argc]);
		a.argc++;
	}
	return a;
}

static void drop(struct args *a)
{
	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
}

/* Parses list into o; the arguments stay in *a until drop(a). */
static int run_parse(const char *const *list, struct args *a, struct run_options *o, char *err)
{
	*a = make(list);
	return parse_run_options(a->argc, a->argv, o, err, 256);
}

static void assert_one_line(const char *err)
{
	assert_true(err[0]);
	for (const char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in '%s'", (unsigned char)*p, err);
}

/* A scan that stops inside the cluster -hv leaves getopt half way: the
 * next command line must be parsed from its own start. */
static void test_run_twice(void **state)
{
	(void)state;
	static const char *const help[] = { "run", "-hv", NULL };
	static const char *const guest[] = { "run", "-v", "--mem=64M", "guest.elf", NULL };
	struct run_options o;
	struct args a;
	char err[256] = "";
	assert_int_equal(run_parse(help, &a, &o, err), 0);
	assert_true(o.help);
	assert_int_equal(o.verbose, 0);
	drop(&a);
	assert_int_equal(run_parse(guest, &a, &o, err), 0);
	assert_false(o.help);
	assert_int_equal(o.verbose, 1);
	assert_int_equal(o.mem, 64ull << 20);
	assert_string_equal(o.guest, "guest.elf");
	drop(&a);
	assert_int_equal(run_parse(help, &a, &o, err), 0);
	assert_true(o.help);
	drop(&a);
}

static void test_bench_twice(void **state)
{
	(void)state;
	static const char *const first[] = { "bench", "-h", NULL };
	static const char *const second[] = { "bench", "--repeat=2", "--workloads=out", NULL };
	struct bench_options o;
	char err[256] = "";
	struct args a = make(first);
	assert_int_equal(parse_bench_options(a.argc, a.argv, &o, err, sizeof(err)), 0);
	assert_true(o.help);
	drop(&a);
	a = make(second);
	if (parse_bench_options(a.argc, a.argv, &o, err, sizeof(err)))
		fail_msg("%s", err);
	assert_false(o.help);
	assert_int_equal(o.repeat, 2);
	assert_int_equal(o.nr_workloads, 1);
	drop(&a);
}

/* An argument with a newline or an escape byte is quoted with '?' for
 * those: the reason stays the one line the command prints. */
static void test_reasons_one_line(void **state)
{
	(void)state;
	static const char *const mem[] = { "run", "--mem=1\n2", "g.elf", NULL };
	static const char *const opt[] = { "run", "--\x1b[2J", "g.elf", NULL };
	static const char *const filter[] = { "run", "--audit=a", "--audit-filter=kind=\nx", "g.elf",
	                                       NULL };
	static const char *const bench[] = { "bench", "--workloads=o\nut", NULL };
	struct run_options o;
	struct args a;
	char err[256];
	assert_int_not_equal(run_parse(mem, &a, &o, err), 0);
	assert_one_line(err);
	assert_non_null(strstr(err, "'1?2'"));
	drop(&a);
	assert_int_not_equal(run_parse(opt, &a, &o, err), 0);
	assert_one_line(err);
	drop(&a);
	assert_int_not_equal(run_parse(filter, &a, &o, err), 0);
	assert_one_line(err);
	drop(&a);

	struct bench_options b;
	a = make(bench);
	assert_int_not_equal(parse_bench_options(a.argc, a.argv, &b, err, sizeof(err)), 0);
	assert_one_line(err);
	assert_non_null(strstr(err, "'o?ut'"));
	drop(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_twice),
		cmocka_unit_test(test_bench_twice),
		cmocka_unit_test(test_reasons_one_line),
	};
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
