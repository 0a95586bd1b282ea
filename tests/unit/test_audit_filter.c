/* The audit's filter (policy/audit_filter.c): specs, their errors, and
 * which records pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "policy/audit_filter.h"

static struct audit_filter parsed(const char *spec)
{
	struct audit_filter f = { 0 };
	char err[256] = "";
	int r = audit_filter_parse(&f, spec, err, sizeof(err));
	if (r)
		fail_msg("'%s': %s", spec, err);
	return f;
}

/* The message a bad spec gets; it must be one line. */
static const char *error_of(const char *spec)
{
	static char err[512];
	struct audit_filter f = { 0 };
	err[0] = '\0';
	assert_int_equal(audit_filter_parse(&f, spec, err, sizeof(err)), -EINVAL);
	assert_true(err[0]);
	assert_null(strchr(err, '\n'));
	return err;
}

static struct audit_rec rec(enum audit_kind kind, unsigned cpl, uint64_t cr3, uint64_t rip)
{
	struct audit_rec r = { .kind = (uint8_t)kind, .cpl = (uint8_t)cpl, .cr3 = cr3, .rip = rip };
	return r;
}

static struct audit_rec syscall_rec(uint64_t number)
{
	struct audit_rec r = rec(AUDIT_SYSCALL, 3, 0x5000, 0x400000);
	r.v[0] = number;
	return r;
}

static void test_empty_filter_passes_all(void **state)
{
	(void)state;
	struct audit_filter f = { 0 };
	for (unsigned k = 0; k < NR_AUDIT_KINDS; k++) {
		struct audit_rec r = rec((enum audit_kind)k, 0, 0x1000, 0xffff800000000000ull);
		assert_true(audit_filter_match(&f, &r));
		assert_true(audit_filter_keeps_kind(&f, (enum audit_kind)k));
	}
}

/* Every kind's name is a value of kind=, and only that kind passes. */
static void test_kind(void **state)
{
	(void)state;
	for (unsigned k = 0; k < NR_AUDIT_KINDS; k++) {
		char spec[64];
		snprintf(spec, sizeof(spec), "kind=%s", audit_kind_name(k));
		struct audit_filter f = parsed(spec);
		for (unsigned j = 0; j < NR_AUDIT_KINDS; j++) {
			struct audit_rec r = rec((enum audit_kind)j, 0, 0, 0);
			assert_int_equal(audit_filter_match(&f, &r), j == k);
			assert_int_equal(audit_filter_keeps_kind(&f, (enum audit_kind)j), j == k);
		}
	}
}

/* The same key twice: either value; different keys: both. */
static void test_or_and(void **state)
{
	(void)state;
	struct audit_filter f = parsed("kind=syscall,kind=exception,cpl=3");
	struct audit_rec r = rec(AUDIT_EXCEPTION, 3, 0, 0);
	assert_true(audit_filter_match(&f, &r));
	r = rec(AUDIT_SYSCALL, 3, 0, 0);
	assert_true(audit_filter_match(&f, &r));
	r = rec(AUDIT_SYSCALL, 0, 0, 0);
	assert_false(audit_filter_match(&f, &r));
	r = rec(AUDIT_INSN, 3, 0, 0);
	assert_false(audit_filter_match(&f, &r));
	assert_false(audit_filter_keeps_kind(&f, AUDIT_INSN));
}

/* A second spec adds to the first, as if joined with a comma. */
static void test_second_spec_adds(void **state)
{
	(void)state;
	struct audit_filter f = parsed("kind=insn");
	char err[128];
	assert_int_equal(audit_filter_parse(&f, "kind=cpl,cpl=0", err, sizeof(err)), 0);
	struct audit_rec r = rec(AUDIT_CPL, 0, 0, 0);
	assert_true(audit_filter_match(&f, &r));
	r = rec(AUDIT_INSN, 1, 0, 0);
	assert_false(audit_filter_match(&f, &r));
}

/* cr3: the page-frame address; the PCID bits do not count, bit 12 does. */
static void test_cr3(void **state)
{
	(void)state;
	struct audit_filter f = parsed("cr3=0x1234000");
	struct audit_rec r = rec(AUDIT_INSN, 0, 0x1234000, 0);
	assert_true(audit_filter_match(&f, &r));
	r.cr3 = 0x1234fff;
	assert_true(audit_filter_match(&f, &r));
	r.cr3 = 0x1235000;
	assert_false(audit_filter_match(&f, &r));

	/* A value with PCID bits is taken as its frame; without 0x, still hex. */
	f = parsed("cr3=1234005,cr3=0x1235000");
	r.cr3 = 0x1234000;
	assert_true(audit_filter_match(&f, &r));
	r.cr3 = 0x1235001;
	assert_true(audit_filter_match(&f, &r));
	r.cr3 = 0x1236000;
	assert_false(audit_filter_match(&f, &r));
}

/* rip: half-open ranges. */
static void test_rip(void **state)
{
	(void)state;
	struct audit_filter f = parsed("rip=0xffffffff81000000-0xffffffff81001000,rip=10-20");
	static const struct { uint64_t rip; bool in; } cases[] = {
		{ 0xffffffff80ffffffull, false }, { 0xffffffff81000000ull, true },
		{ 0xffffffff81000fffull, true }, { 0xffffffff81001000ull, false },
		{ 0xf, false }, { 0x10, true }, { 0x1f, true }, { 0x20, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct audit_rec r = rec(AUDIT_PIO, 0, 0, cases[i].rip);
		assert_int_equal(audit_filter_match(&f, &r), cases[i].in);
	}
	f = parsed("rip=0-ffffffffffffffff");
	struct audit_rec r = rec(AUDIT_INSN, 0, 0, 0xfffffffffffffffeull);
	assert_true(audit_filter_match(&f, &r));
}

/* syscall: a syscall record's number; other kinds pass. */
static void test_syscall(void **state)
{
	(void)state;
	struct audit_filter f = parsed("syscall=60,syscall=0x3");
	struct audit_rec r = syscall_rec(60);
	assert_true(audit_filter_match(&f, &r));
	r = syscall_rec(3);
	assert_true(audit_filter_match(&f, &r));
	r = syscall_rec(0x60);
	assert_false(audit_filter_match(&f, &r));
	r = rec(AUDIT_INSN, 0, 0, 0);
	r.v[0] = 7;
	assert_true(audit_filter_match(&f, &r));
	assert_true(audit_filter_keeps_kind(&f, AUDIT_INSN));

	f = parsed("kind=syscall,syscall=1");
	r = syscall_rec(1);
	assert_true(audit_filter_match(&f, &r));
	r = rec(AUDIT_INSN, 0, 0, 0);
	assert_false(audit_filter_match(&f, &r));
}

static void test_cpl(void **state)
{
	(void)state;
	struct audit_filter f = parsed("cpl=0,cpl=2");
	for (unsigned cpl = 0; cpl < 4; cpl++) {
		struct audit_rec r = rec(AUDIT_INSN, cpl, 0, 0);
		assert_int_equal(audit_filter_match(&f, &r), cpl == 0 || cpl == 2);
	}
}

static void test_errors(void **state)
{
	(void)state;
	assert_string_equal(error_of("foo=1"), "unknown key 'foo' (keys: kind, cr3, rip, syscall, cpl)");
	assert_non_null(strstr(error_of("kind=insns"),
	                       "unknown kind 'insns' (kinds: insn, cr-write, msr-read,"));
	assert_string_equal(error_of(""), "empty filter (expected key=value conditions, joined with ',')");
	assert_string_equal(error_of("kind=insn,"), "empty condition (expected key=value, joined with ',')");
	assert_string_equal(error_of("kind=insn,,cpl=0"), "empty condition (expected key=value, joined with ',')");
	assert_string_equal(error_of("kind"), "'kind' is not key=value");
	assert_string_equal(error_of("cr3="), "'cr3=' has no value");
	assert_string_equal(error_of("cr3=0x12g"), "bad cr3 '0x12g' (expected a hex address, e.g. cr3=0x1000)");
	assert_non_null(strstr(error_of("cr3=0x"), "bad cr3 '0x'"));
	assert_non_null(strstr(error_of("cr3=0x10000000000000000"), "bad cr3"));
	assert_non_null(strstr(error_of("rip=0x2000-0x1000"), "bad rip range '0x2000-0x1000'"));
	assert_non_null(strstr(error_of("rip=0x1000-0x1000"), "bad rip range"));
	assert_non_null(strstr(error_of("rip=0x1000"), "bad rip range '0x1000'"));
	assert_non_null(strstr(error_of("rip=-0x1000"), "bad rip range"));
	assert_non_null(strstr(error_of("rip=0x1000-"), "bad rip range"));
	assert_non_null(strstr(error_of("rip=1-2-3"), "bad rip range"));
	assert_string_equal(error_of("syscall=-1"),
	                    "bad syscall number '-1' (expected decimal, or hex after 0x)");
	assert_non_null(strstr(error_of("syscall=1a"), "bad syscall number '1a'"));
	assert_non_null(strstr(error_of("syscall=18446744073709551616"), "bad syscall number"));
	assert_string_equal(error_of("cpl=4"), "bad cpl '4' (expected 0, 1, 2 or 3)");
	assert_string_equal(error_of("kind=insn,cpl=x"), "bad cpl 'x' (expected 0, 1, 2 or 3)");
	/* Keys are case-sensitive, like the kinds. */
	assert_non_null(strstr(error_of("KIND=insn"), "unknown key 'KIND'"));
}

/* The table of values is fixed: one too many is an error, not a drop. */
static void test_too_many_values(void **state)
{
	(void)state;
	char spec[1024] = "";
	for (int i = 0; i <= AUDIT_FILTER_MAX; i++) {
		size_t len = strlen(spec);
		snprintf(spec + len, sizeof(spec) - len, "%ssyscall=%d", i ? "," : "", i);
	}
	assert_string_equal(error_of(spec), "more than 16 syscall values");
	*strrchr(spec, ',') = '\0';
	struct audit_filter f = parsed(spec);
	assert_int_equal(f.nr_syscall, AUDIT_FILTER_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_filter_passes_all),
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_or_and),
		cmocka_unit_test(test_second_spec_adds),
		cmocka_unit_test(test_cr3),
		cmocka_unit_test(test_rip),
		cmocka_unit_test(test_syscall),
		cmocka_unit_test(test_cpl),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_too_many_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
