/* Policy files: every condition and action, first-match order, events,
 * the exact text and position of every error, size limits, the example
 * files, and random and truncated input that must never crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/rules.h"

#define NAME "t.pol"

static struct pol_rules *parse_ok(const char *text)
{
	struct pol_rules *r = NULL;
	char err[512] = "";
	int ret = pol_rules_parse(NAME, text, strlen(text), &r, err, sizeof(err));
	if (ret)
		fail_msg("'%s' did not parse: %s", text, err);
	assert_non_null(r);
	return r;
}

static void parse_err_len(const char *text, size_t len, const char *want)
{
	struct pol_rules *r = (struct pol_rules *)&r;   /* must be reset to NULL */
	char err[512] = "";
	int ret = pol_rules_parse(NAME, text, len, &r, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_null(r);
	assert_string_equal(err, want);
}

static void parse_err(const char *text, const char *want)
{
	parse_err_len(text, strlen(text), want);
}

static struct pol_query q_at(unsigned cpl, enum cpu_mode mode, uint64_t rip)
{
	return (struct pol_query){ .cpl = cpl, .mode = mode, .rip = rip, .event = RUN_EV_NONE };
}

static struct pol_query q_ev(enum run_event ev, uint64_t num)
{
	return (struct pol_query){ .cpl = 0, .mode = MODE_LONG64, .event = ev, .num = num };
}

/* The action the rules pick for q, or -1 when no rule matches. */
static int pick(const struct pol_rules *r, struct pol_query q)
{
	struct pol_action a;
	if (!pol_rules_match(r, &q, &a))
		return -1;
	return (int)a.kind;
}

static void test_cpl(void **state)
{
	(void)state;
	struct pol_rules *r = parse_ok("cpl 3 -> hw\n");
	assert_int_equal(pol_rules_count(r), 1);
	assert_int_equal(pick(r, q_at(3, MODE_LONG64, 0)), POL_ACT_HW);
	for (unsigned c = 0; c < 3; c++)
		assert_int_equal(pick(r, q_at(c, MODE_LONG64, 0)), -1);
	assert_int_equal(pick(r, q_at(7, MODE_LONG64, 0)), -1);   /* bogus CPL: no match */
	pol_rules_free(r);

	r = parse_ok("cpl 0..2 -> sw");
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(2, MODE_REAL, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(3, MODE_REAL, 0)), -1);
	pol_rules_free(r);

	r = parse_ok("cpl 0, 3 -> sw\ncpl 1,2->hw");
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(3, MODE_REAL, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(1, MODE_REAL, 0)), POL_ACT_HW);
	assert_int_equal(pick(r, q_at(2, MODE_REAL, 0)), POL_ACT_HW);
	pol_rules_free(r);
}

static void test_mode(void **state)
{
	(void)state;
	static const char *const names[] = { "real", "vm86", "prot16", "prot32",
					     "compat16", "compat32", "long64" };
	for (unsigned m = 0; m < 7; m++) {
		char text[64];
		/* The names are the project's own. */
		assert_string_equal(names[m], cpu_mode_name((enum cpu_mode)m));
		snprintf(text, sizeof(text), "mode %s -> stop", names[m]);
		struct pol_rules *r = parse_ok(text);
		for (unsigned k = 0; k < 7; k++)
			assert_int_equal(pick(r, q_at(0, (enum cpu_mode)k, 0)),
					 k == m ? POL_ACT_STOP : -1);
		pol_rules_free(r);
	}
	struct pol_rules *r = parse_ok("mode long -> hw\nmode real, vm86,prot16 -> sw");
	assert_int_equal(pick(r, q_at(0, MODE_LONG64, 0)), POL_ACT_HW);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(3, MODE_VM86, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(0, MODE_PROT16, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(0, MODE_PROT32, 0)), -1);
	assert_int_equal(pick(r, q_at(0, (enum cpu_mode)99, 0)), -1);
	pol_rules_free(r);
}

static void test_rip_and_cr3(void **state)
{
	(void)state;
	struct pol_rules *r = parse_ok("rip 0x1000..0x1fff -> sw\n"
				       "rip 0x3000, 12288..12290 -> stop\n"
				       "rip 0xffffffffffffffff -> hw\n");
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0xfff)), -1);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0x1000)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0x1fff)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0x2000)), -1);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0x3000)), POL_ACT_STOP);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0x3002)), POL_ACT_STOP);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0x3003)), -1);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, UINT64_MAX)), POL_ACT_HW);
	pol_rules_free(r);

	r = parse_ok("cr3 0x1000 -> sw\ncr3 0x2000..0x2fff -> hw");
	struct pol_query q = q_at(0, MODE_LONG64, 0);
	q.cr3 = 0x1000;
	assert_int_equal(pick(r, q), POL_ACT_SW);
	q.cr3 = 0x2800;
	assert_int_equal(pick(r, q), POL_ACT_HW);
	q.cr3 = 0x1001;
	assert_int_equal(pick(r, q), -1);
	pol_rules_free(r);
}

static void test_numbers(void **state)
{
	(void)state;
	struct pol_rules *r = parse_ok("rip 0XFF, 0xAbC, 010, 18446744073709551615,"
				       " 0x0000000000000000000000001 -> hw");
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 255)), POL_ACT_HW);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0xabc)), POL_ACT_HW);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 10)), POL_ACT_HW);  /* not octal */
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 8)), -1);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, UINT64_MAX)), POL_ACT_HW);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 1)), POL_ACT_HW);
	pol_rules_free(r);

	parse_err("rip 18446744073709551616 -> hw",
		  NAME ":1:5: number '18446744073709551616' does not fit in 64 bits");
	parse_err("rip 0x1ffffffffffffffff -> hw",
		  NAME ":1:5: number '0x1ffffffffffffffff' does not fit in 64 bits");
	parse_err("rip 0x10000000000000000..0x1 -> hw",
		  NAME ":1:5: number '0x10000000000000000' does not fit in 64 bits");
	parse_err("rip 99999999999999999999999999999999999999999999999999 -> hw",
		  NAME ":1:5: number '9999999999999999999999999999999999999999...'"
		  " does not fit in 64 bits");
	parse_err("rip 12ab -> hw", NAME ":1:5: invalid number '12ab'");
	parse_err("rip 0x -> hw", NAME ":1:5: invalid number '0x'");
	parse_err("rip 0xfg -> hw", NAME ":1:5: invalid number '0xfg'");
	parse_err("rip 1_000 -> hw", NAME ":1:5: invalid number '1_000'");
}

static void test_events(void **state)
{
	(void)state;
	struct pol_rules *r = parse_ok("event syscall 60 -> sw\n"
				       "event syscall 0..2, 257 -> audit 3\n"
				       "event interrupt 0x20..0x2f -> hw\n"
				       "event exception gp -> stop\n"
				       "event exception 6, pf -> sw\n"
				       "event port 0x3f8..0x3ff -> stop\n"
				       "event msr 0xc0000080 -> sw\n"
				       "event cr 3 -> sw\n"
				       "event cr 0,4 -> hw\n");
	assert_int_equal(pick(r, q_ev(RUN_EV_SYSCALL, 60)), POL_ACT_SW);
	assert_int_equal(pick(r, q_ev(RUN_EV_SYSCALL, 257)), POL_ACT_AUDIT);
	assert_int_equal(pick(r, q_ev(RUN_EV_SYSCALL, 1)), POL_ACT_AUDIT);
	assert_int_equal(pick(r, q_ev(RUN_EV_SYSCALL, 59)), -1);
	assert_int_equal(pick(r, q_ev(RUN_EV_INTERRUPT, 0x20)), POL_ACT_HW);
	assert_int_equal(pick(r, q_ev(RUN_EV_INTERRUPT, 0x30)), -1);
	assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, 13)), POL_ACT_STOP);
	assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, 14)), POL_ACT_SW);
	assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, 6)), POL_ACT_SW);
	assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, 0)), -1);
	assert_int_equal(pick(r, q_ev(RUN_EV_PORT, 0x3fa)), POL_ACT_STOP);
	assert_int_equal(pick(r, q_ev(RUN_EV_PORT, 0x400)), -1);
	assert_int_equal(pick(r, q_ev(RUN_EV_MSR, 0xc0000080)), POL_ACT_SW);
	assert_int_equal(pick(r, q_ev(RUN_EV_MSR, 0xc0000081)), -1);
	assert_int_equal(pick(r, q_ev(RUN_EV_CR_WRITE, 3)), POL_ACT_SW);
	assert_int_equal(pick(r, q_ev(RUN_EV_CR_WRITE, 4)), POL_ACT_HW);
	assert_int_equal(pick(r, q_ev(RUN_EV_CR_WRITE, 2)), -1);
	/* The number of one kind never matches another kind. */
	assert_int_equal(pick(r, q_ev(RUN_EV_PORT, 60)), -1);
	assert_int_equal(pick(r, q_ev(RUN_EV_MSR, 3)), -1);
	/* An event rule never matches a plain decision point. */
	assert_int_equal(pick(r, q_ev(RUN_EV_NONE, 60)), -1);
	pol_rules_free(r);

	/* Without a number, any event of the kind; a condition may follow. */
	r = parse_ok("event exception cpl 3 -> stop\n"
		     "event syscall -> sw\n"
		     "event cr->hw\n"
		     "cpl 0 -> audit 1\n");
	assert_int_equal(pick(r, (struct pol_query){ .cpl = 3, .event = RUN_EV_EXCEPTION,
						     .num = 200 }), POL_ACT_STOP);
	assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, 200)), POL_ACT_AUDIT); /* cpl 0 */
	assert_int_equal(pick(r, q_ev(RUN_EV_SYSCALL, UINT64_MAX)), POL_ACT_SW);
	assert_int_equal(pick(r, q_ev(RUN_EV_CR_WRITE, 8)), POL_ACT_HW);
	/* A rule without an event matches queries with and without one. */
	assert_int_equal(pick(r, q_ev(RUN_EV_PORT, 0x80)), POL_ACT_AUDIT);
	assert_int_equal(pick(r, q_ev(RUN_EV_NONE, 0)), POL_ACT_AUDIT);
	pol_rules_free(r);
}

static void test_exception_names(void **state)
{
	(void)state;
	static const struct { const char *name; unsigned vector; } names[] = {
		{ "de", 0 }, { "db", 1 }, { "nmi", 2 }, { "bp", 3 }, { "of", 4 },
		{ "br", 5 }, { "ud", 6 }, { "nm", 7 }, { "df", 8 }, { "ts", 10 },
		{ "np", 11 }, { "ss", 12 }, { "gp", 13 }, { "pf", 14 }, { "mf", 16 },
		{ "ac", 17 }, { "mc", 18 }, { "xm", 19 }, { "ve", 20 }, { "cp", 21 },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char text[64];
		snprintf(text, sizeof(text), "event exception %s -> sw", names[i].name);
		struct pol_rules *r = parse_ok(text);
		for (unsigned v = 0; v < 256; v++)
			assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, v)),
					 v == names[i].vector ? POL_ACT_SW : -1);
		pol_rules_free(r);
	}
	struct pol_rules *r = parse_ok("event exception de..df -> sw\nevent exception 255 -> hw");
	assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, 8)), POL_ACT_SW);
	assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, 9)), -1);
	assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, 255)), POL_ACT_HW);
	pol_rules_free(r);
	parse_err("event exception pf..gp -> sw",
		  NAME ":1:17: range start pf is above its end gp");
	/* Mnemonics belong to exceptions only. */
	parse_err("event interrupt gp -> sw",
		  NAME ":1:17: unknown condition 'gp', expected one of cpl, mode, rip, cr3, event");
}

static void test_actions(void **state)
{
	(void)state;
	struct pol_rules *r = parse_ok("# header\n"
				       "\n"
				       "cpl 0 -> sw\n"
				       "cpl 1 -> hw\n"
				       "   cpl 2 -> stop   # trailing comment\n"
				       "\tcpl 3->audit 0\n"
				       "event syscall 1 -> audit 1\n"
				       "event syscall 2 -> audit 2\n"
				       "event syscall 3 -> audit 0x3\n");
	struct pol_action a;
	static const struct { unsigned cpl; uint64_t sys; unsigned kind, level, rule, line; } want[] = {
		{ 0, 0, POL_ACT_SW, 0, 1, 3 },
		{ 1, 0, POL_ACT_HW, 0, 2, 4 },
		{ 2, 0, POL_ACT_STOP, 0, 3, 5 },
		{ 3, 0, POL_ACT_AUDIT, 0, 4, 6 },
		{ 9, 1, POL_ACT_AUDIT, 1, 5, 7 },
		{ 9, 2, POL_ACT_AUDIT, 2, 6, 8 },
		{ 9, 3, POL_ACT_AUDIT, 3, 7, 9 },
	};
	assert_int_equal(pol_rules_count(r), 7);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct pol_query q = want[i].sys ? q_ev(RUN_EV_SYSCALL, want[i].sys)
						 : q_at(want[i].cpl, MODE_PROT32, 0);
		q.cpl = want[i].cpl;
		assert_true(pol_rules_match(r, &q, &a));
		assert_int_equal(a.kind, want[i].kind);
		assert_int_equal(a.level, want[i].level);
		assert_int_equal(a.rule, want[i].rule);
		assert_int_equal(a.line, want[i].line);
	}
	/* out may be NULL. */
	struct pol_query q = q_at(0, MODE_REAL, 0);
	assert_true(pol_rules_match(r, &q, NULL));
	assert_false(pol_rules_match(NULL, &q, &a));
	assert_false(pol_rules_match(r, NULL, &a));
	pol_rules_free(r);
	pol_rules_free(NULL);
	assert_int_equal(pol_rules_count(NULL), 0);
	assert_int_equal(pol_rules_events(NULL), 0);
}

static void test_first_match_and_conjunction(void **state)
{
	(void)state;
	struct pol_rules *r = parse_ok("rip 0x1000..0x1fff cpl 0 mode long64 cr3 0x5000 -> stop\n"
				       "cpl 0 rip 0x1000..0x1fff -> audit 2\n"
				       "cpl 0 -> sw\n"
				       "cpl 0 -> hw\n"
				       "-> hw\n"
				       "-> sw\n");
	struct pol_query q = q_at(0, MODE_LONG64, 0x1800);
	q.cr3 = 0x5000;
	assert_int_equal(pick(r, q), POL_ACT_STOP);
	q.cr3 = 0x6000;                                    /* one condition fails */
	assert_int_equal(pick(r, q), POL_ACT_AUDIT);
	q.mode = MODE_COMPAT32;
	q.cr3 = 0x5000;
	assert_int_equal(pick(r, q), POL_ACT_AUDIT);
	q.rip = 0x2000;
	assert_int_equal(pick(r, q), POL_ACT_SW);          /* not the later cpl 0 -> hw */
	q.cpl = 3;
	assert_int_equal(pick(r, q), POL_ACT_HW);          /* the default, not "-> sw" */
	struct pol_action a;
	assert_true(pol_rules_match(r, &q, &a));
	assert_int_equal(a.rule, 5);
	/* The default matches events too. */
	assert_int_equal(pick(r, (struct pol_query){ .cpl = 3, .event = RUN_EV_MSR, .num = 1 }),
			 POL_ACT_HW);
	pol_rules_free(r);

	/* A rule set with no default can leave a query unmatched. */
	r = parse_ok("cpl 0 -> sw");
	assert_false(pol_rules_match(r, &(struct pol_query){ .cpl = 3 }, &a));
	pol_rules_free(r);
}

/* The event words are those of the one list in core/run_events.h, in
 * its order; each names exactly its own kind. */
static void test_event_list(void **state)
{
	(void)state;
	static const char *const want[] = { "syscall", "interrupt", "exception",
					    "port", "msr", "cr" };
	assert_int_equal(NR_RUN_EVENTS, 1 + sizeof(want) / sizeof(want[0]));
	assert_null(run_event_name(RUN_EV_NONE));
	assert_null(run_event_name(NR_RUN_EVENTS));
	assert_string_equal(run_event_name(RUN_EV_CR_WRITE), "cr");
	for (unsigned e = RUN_EV_NONE + 1; e < NR_RUN_EVENTS; e++) {
		char text[64];
		assert_string_equal(run_event_name((enum run_event)e), want[e - 1]);
		snprintf(text, sizeof(text), "event %s -> stop", run_event_name((enum run_event)e));
		struct pol_rules *r = parse_ok(text);
		assert_int_equal(pol_rules_events(r), 1u << e);
		for (unsigned k = RUN_EV_NONE; k < NR_RUN_EVENTS; k++)
			assert_int_equal(pick(r, q_ev((enum run_event)k, 0)), k == e ? POL_ACT_STOP : -1);
		pol_rules_free(r);
	}
}

static void test_events_mask(void **state)
{
	(void)state;
	struct pol_rules *r = parse_ok("cpl 0 -> sw\n-> hw");
	assert_int_equal(pol_rules_events(r), 0);
	pol_rules_free(r);

	r = parse_ok("event port 0x80 -> stop\nevent syscall -> sw\nevent port -> hw\n-> hw");
	assert_int_equal(pol_rules_events(r), (1u << RUN_EV_PORT) | (1u << RUN_EV_SYSCALL));
	pol_rules_free(r);

	r = parse_ok("event syscall -> sw\nevent interrupt -> sw\nevent exception -> sw\n"
		     "event port -> sw\nevent msr -> sw\nevent cr -> sw");
	unsigned all = 0;
	for (unsigned k = RUN_EV_SYSCALL; k < NR_RUN_EVENTS; k++)
		all |= 1u << k;
	assert_int_equal(pol_rules_events(r), all);
	assert_int_equal(pol_rules_events(r) & (1u << RUN_EV_NONE), 0);
	pol_rules_free(r);
}

/* Every message: exact text, line and column. */
static void test_errors(void **state)
{
	(void)state;
	static const struct { const char *text, *want; } cases[] = {
		{ "cpll 0 -> hw",
		  "1:1: unknown condition 'cpll', expected one of cpl, mode, rip, cr3, event" },
		{ "cpl 4 -> hw", "1:5: CPL 4 is out of range 0..3" },
		{ "cpl 0x10 -> hw", "1:5: CPL 0x10 is out of range 0..3" },
		{ "\tcpl 4 -> hw", "1:6: CPL 4 is out of range 0..3" },
		{ "\t\t\tcpl 0..4 -> hw", "1:11: CPL 4 is out of range 0..3" },
		{ "cpl 3..1 -> hw", "1:5: range start 3 is above its end 1" },
		{ "cpl -> hw", "1:5: expected a CPL 0..3, found '->'" },
		{ "cpl 0 cpl 3 -> hw", "1:7: duplicate condition 'cpl', already given at column 1" },
		{ "rip 1 cpl 0 rip 2 -> hw",
		  "1:13: duplicate condition 'rip', already given at column 1" },
		{ "mode real mode vm86 -> hw",
		  "1:11: duplicate condition 'mode', already given at column 1" },
		{ "cr3 1 cr3 1 -> hw", "1:7: duplicate condition 'cr3', already given at column 1" },
		{ "event syscall 1 event port -> hw",
		  "1:17: duplicate condition 'event', already given at column 1" },
		{ "cpl 0\n-> hw", "1:6: expected a condition or '->', found end of line" },
		{ "cpl 0", "1:6: expected a condition or '->', found end of file" },
		{ "5 -> hw", "1:1: expected a condition or '->', found '5'" },
		{ ", -> hw", "1:1: expected a condition or '->', found ','" },
		{ "cpl 0 1 -> hw", "1:7: expected a condition or '->', found '1'" },
		{ "rip 0x20..0x10 -> hw", "1:5: range start 0x20 is above its end 0x10" },
		{ "-> hw\n\nrip 0 , 0x20 ..16 -> hw", "3:9: range start 0x20 is above its end 16" },
		{ "rip 0x10.. -> hw", "1:12: expected an address, found '->'" },
		{ "rip 0x10. -> hw", "1:9: unexpected character '.'" },
		{ "rip -> hw", "1:5: expected an address, found '->'" },
		{ "rip 1.. 2..3 -> hw", "1:10: expected a condition or '->', found '..'" },
		{ "cr3 -> hw", "1:5: expected a CR3 value, found '->'" },
		{ "cr3 0x1000,\n-> hw", "1:12: expected a CR3 value, found end of line" },
		{ "mode lng -> hw",
		  "1:6: unknown mode 'lng', expected one of real, vm86, prot16, prot32, "
		  "compat16, compat32, long64" },
		{ "mode 3 -> hw",
		  "1:6: expected a CPU mode (real, vm86, prot16, prot32, compat16, compat32, "
		  "long64), found '3'" },
		{ "mode real..vm86 -> hw", "1:10: CPU modes take no ranges; list them with ','" },
		{ "event -> hw",
		  "1:7: expected an event (syscall, interrupt, exception, port, msr, cr), found '->'" },
		{ "event sycall -> hw",
		  "1:7: unknown event 'sycall', expected one of syscall, interrupt, exception, "
		  "port, msr, cr" },
		{ "event interrupt 256 -> hw", "1:17: vector 256 is out of range 0..255" },
		{ "event interrupt 0..0x100 -> hw", "1:20: vector 0x100 is out of range 0..255" },
		{ "event exception 0x100 -> hw", "1:17: vector 0x100 is out of range 0..255" },
		{ "event exception gpf -> hw",
		  "1:17: unknown exception 'gpf', expected a vector 0..255 or one of de, db, nmi, "
		  "bp, of, br, ud, nm, df, ts, np, ss, gp, pf, mf, ac, mc, xm, ve, cp" },
		{ "event exception gp, -> hw",
		  "1:21: expected a vector 0..255 or an exception name, found '->'" },
		{ "event port 0x10000 -> hw", "1:12: port 0x10000 is out of range 0..0xffff" },
		{ "event port 1, -> hw", "1:15: expected a port 0..0xffff, found '->'" },
		{ "event port 0x3ff..0x3f8 -> hw", "1:12: range start 0x3ff is above its end 0x3f8" },
		{ "event msr 0x100000000 -> hw",
		  "1:11: MSR index 0x100000000 is out of range 0..0xffffffff" },
		{ "event msr, -> hw", "1:10: expected a condition or '->', found ','" },
		{ "event cr 5 -> hw", "1:10: control register 5 is not one of 0, 2, 3, 4, 8" },
		{ "event cr 1..3 -> hw", "1:10: control register 1 is not one of 0, 2, 3, 4, 8" },
		{ "event cr 0..9 -> hw", "1:13: control register 9 is not one of 0, 2, 3, 4, 8" },
		{ "event syscall 1.. -> hw", "1:19: expected a system call number, found '->'" },
		{ "->", "1:3: expected an action (sw, hw, audit LEVEL, stop), found end of file" },
		{ "-> \n", "1:4: expected an action (sw, hw, audit LEVEL, stop), found end of line" },
		{ "-> 1", "1:4: expected an action (sw, hw, audit LEVEL, stop), found '1'" },
		{ "-> hv", "1:4: unknown action 'hv', expected one of sw, hw, audit, stop" },
		{ "-> audit", "1:9: expected an audit level 0..3, found end of file" },
		{ "-> audit sw", "1:10: expected an audit level 0..3, found 'sw'" },
		{ "-> audit 4", "1:10: audit level 4 is out of range 0..3" },
		{ "-> audit 1..2", "1:11: expected end of line, found '..'" },
		{ "-> hw sw", "1:7: expected end of line, found 'sw'" },
		{ "-> hw -> sw", "1:7: expected end of line, found '->'" },
		{ "- > hw", "1:1: unexpected character '-'" },
		{ "cpl 0 $ -> hw", "1:7: unexpected character '$'" },
		{ "cpl 0 \x01 -> hw", "1:7: unexpected byte 0x01" },
		{ "cpl 0 \xc3\xa9 -> hw", "1:7: unexpected byte 0xc3" },
		{ "-> hw\ncpl 0 -> sw\n cpl 9 -> hw", "3:6: CPL 9 is out of range 0..3" },
		{ "-> hw\r\ncpl 5 -> sw\r\n", "2:5: CPL 5 is out of range 0..3" },
		{ "", "1:1: no rules in policy file" },
		{ "\n\n\n", "1:1: no rules in policy file" },
		{ "# only a comment\n  \t\n# and another", "1:1: no rules in policy file" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa -> hw",
		  "1:1: unknown condition 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...', "
		  "expected one of cpl, mode, rip, cr3, event" },
		{ "-> hw aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "1:7: expected end of line, found 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[512];
		snprintf(want, sizeof(want), NAME ":%s", cases[i].want);
		parse_err(cases[i].text, want);
	}
}

static void test_limits(void **state)
{
	(void)state;
	/* NUL bytes, wherever they are. */
	parse_err_len("-> hw\ncp\0l 0 -> sw", 19, NAME ":2:3: NUL byte in policy file");
	parse_err_len("-> hw\n# \0", 9, NAME ":2:3: NUL byte in policy file");
	parse_err_len("\0", 1, NAME ":1:1: NUL byte in policy file");

	/* Lines: 4096 characters are fine, 4097 are not. */
	size_t max = 4096;
	char *text = malloc(2 * max + 16);
	assert_non_null(text);
	memset(text, ' ', max);
	memcpy(text + max - 5, "-> hw\n", 6);
	struct pol_rules *r = NULL;
	char err[256];
	assert_int_equal(pol_rules_parse(NAME, text, max + 1, &r, err, sizeof(err)), 0);
	pol_rules_free(r);
	assert_int_equal(pol_rules_parse(NAME, text, max, &r, err, sizeof(err)), 0);
	pol_rules_free(r);
	memset(text, ' ', max + 1);
	memcpy(text + max + 1 - 5, "-> hw\n", 6);
	parse_err_len(text, max + 2, NAME ":1:4097: line longer than 4096 characters");
	memcpy(text, "-> hw\n#", 7);
	memset(text + 7, 'x', max);
	parse_err_len(text, 7 + max, NAME ":2:4097: line longer than 4096 characters");
	free(text);

	/* Size: 1 MiB is fine, one byte more is not. */
	size_t mib = 1u << 20;
	text = malloc(mib + 1);
	assert_non_null(text);
	memset(text, '#', mib + 1);
	for (size_t i = 0; i < mib + 1; i += 64)
		text[i] = '\n';
	memcpy(text, "-> sw", 5);
	assert_int_equal(pol_rules_parse(NAME, text, mib, &r, err, sizeof(err)), 0);
	assert_int_equal(pol_rules_count(r), 1);
	pol_rules_free(r);
	parse_err_len(text, mib + 1, NAME ": policy file larger than 1 MiB");
	free(text);

	/* Many rules. */
	size_t n = 100000;
	text = malloc(n * 5);
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + 5 * i, "->sw\n", 5);
	assert_int_equal(pol_rules_parse(NAME, text, n * 5, &r, err, sizeof(err)), 0);
	assert_int_equal(pol_rules_count(r), n);
	struct pol_action a;
	assert_true(pol_rules_match(r, &(struct pol_query){ .cpl = 3 }, &a));
	assert_int_equal(a.rule, 1);
	pol_rules_free(r);
	free(text);
}

static void test_arguments(void **state)
{
	(void)state;
	struct pol_rules *r = NULL;
	char err[8];
	/* No room for the message: still an error, and no overflow. */
	assert_int_equal(pol_rules_parse(NAME, "cpl 9 -> hw", 11, &r, NULL, 0), -EINVAL);
	assert_int_equal(pol_rules_parse(NAME, "cpl 9 -> hw", 11, &r, err, 0), -EINVAL);
	memset(err, 'z', sizeof(err));
	assert_int_equal(pol_rules_parse(NAME, "cpl 9 -> hw", 11, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.pol:1");
	assert_int_equal(pol_rules_parse(NAME, NULL, 0, &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(pol_rules_parse(NAME, NULL, 5, &r, err, sizeof(err)), -EINVAL);
	assert_int_equal(pol_rules_parse(NAME, "-> hw", 5, NULL, err, sizeof(err)), -EINVAL);
	/* The length rules, not a terminating NUL. */
	assert_int_equal(pol_rules_parse(NAME, "-> hw garbage", 5, &r, err, sizeof(err)), 0);
	pol_rules_free(r);
}

static const char tmp_path[] = "/tmp/hvmm-policy-XXXXXX";

static void test_load(void **state)
{
	(void)state;
	struct pol_rules *r = NULL;
	char err[512];

	assert_int_equal(pol_rules_load("policy/examples/no-such.pol", &r, err, sizeof(err)),
			 -ENOENT);
	assert_null(r);
	assert_string_equal(err, "policy/examples/no-such.pol: No such file or directory");
	assert_int_equal(pol_rules_load("policy/examples", &r, err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "policy/examples: Is a directory");
	assert_int_equal(pol_rules_load("/dev/zero", &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/dev/zero: policy file larger than 1 MiB");
	assert_int_equal(pol_rules_load("/dev/null", &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/dev/null:1:1: no rules in policy file");

	/* Errors name the path. */
	char path[sizeof(tmp_path)];
	memcpy(path, tmp_path, sizeof(path));
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char bad[] = "cpl 0 -> sw\nevent port 0x3f8 -> stp\n";
	assert_int_equal(write(fd, bad, sizeof(bad) - 1), (ssize_t)sizeof(bad) - 1);
	close(fd);
	char want[512];
	snprintf(want, sizeof(want),
		 "%s:2:21: unknown action 'stp', expected one of sw, hw, audit, stop", path);
	assert_int_equal(pol_rules_load(path, &r, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, want);
	unlink(path);
}

static struct pol_rules *load_example(const char *path, unsigned count)
{
	struct pol_rules *r = NULL;
	char err[512] = "";
	if (pol_rules_load(path, &r, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(pol_rules_count(r), count);
	return r;
}

static void test_examples(void **state)
{
	(void)state;
	struct pol_rules *r = load_example("policy/examples/theorem3.pol", 2);
	assert_int_equal(pick(r, q_at(0, MODE_LONG64, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(1, MODE_PROT32, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(3, MODE_LONG64, 0)), POL_ACT_HW);
	assert_int_equal(pick(r, q_at(3, MODE_VM86, 0)), POL_ACT_HW);
	assert_int_equal(pol_rules_events(r), 0);
	pol_rules_free(r);

	r = load_example("policy/examples/audit-syscalls.pol", 5);
	struct pol_action a;
	assert_int_equal(pol_rules_events(r), 1u << RUN_EV_SYSCALL);
	assert_true(pol_rules_match(r, &(struct pol_query){ .event = RUN_EV_SYSCALL, .num = 257 },
				    &a));
	assert_int_equal(a.kind, POL_ACT_AUDIT);
	assert_int_equal(a.level, 3);
	assert_true(pol_rules_match(r, &(struct pol_query){ .event = RUN_EV_SYSCALL, .num = 60 },
				    &a));
	assert_int_equal(a.level, 1);
	assert_int_equal(a.rule, 3);
	assert_int_equal(pick(r, q_at(3, MODE_LONG64, 0)), POL_ACT_HW);
	assert_int_equal(pick(r, q_at(0, MODE_LONG64, 0)), POL_ACT_SW);
	pol_rules_free(r);

	r = load_example("policy/examples/debug-serial.pol", 5);
	assert_int_equal(pol_rules_events(r), (1u << RUN_EV_PORT) | (1u << RUN_EV_EXCEPTION));
	assert_int_equal(pick(r, q_ev(RUN_EV_PORT, 0x2f8)), POL_ACT_STOP);
	assert_int_equal(pick(r, q_ev(RUN_EV_PORT, 0x3fd)), POL_ACT_SW);
	assert_int_equal(pick(r, q_ev(RUN_EV_EXCEPTION, 14)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(0, MODE_REAL, 0)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(0, MODE_LONG64, 0)), POL_ACT_HW);
	pol_rules_free(r);

	r = load_example("policy/examples/kernel-watch.pol", 6);
	assert_int_equal(pol_rules_events(r), (1u << RUN_EV_CR_WRITE) | (1u << RUN_EV_MSR));
	assert_int_equal(pick(r, q_at(0, MODE_LONG64, 0xffffffff81234567)), POL_ACT_AUDIT);
	assert_int_equal(pick(r, q_ev(RUN_EV_CR_WRITE, 3)), POL_ACT_SW);
	assert_int_equal(pick(r, q_at(3, MODE_LONG64, 0x400000)), POL_ACT_HW);
	struct pol_query q = q_at(0, MODE_LONG64, 0xffffffff81234567);
	q.cr3 = 0x1000;
	assert_int_equal(pick(r, q), POL_ACT_HW);
	assert_int_equal(pick(r, q_at(0, MODE_PROT32, 0)), POL_ACT_SW);
	pol_rules_free(r);
}

/* xorshift64*: a fixed seed keeps failures reproducible. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* Parses len bytes copied into a buffer of exactly that size, so a read
 * past the end is a read past an allocation; checks the contract either
 * way and exercises matching on success. */
static void check_any(const char *bytes, size_t len, uint64_t *seed)
{
	char *text = malloc(len ? len : 1);
	assert_non_null(text);
	memcpy(text, bytes, len);
	struct pol_rules *r = (struct pol_rules *)&r;
	char err[300];
	int ret = pol_rules_parse(NAME, text, len, &r, err, sizeof(err));
	if (ret == 0) {
		assert_non_null(r);
		assert_true(pol_rules_count(r) >= 1);
		for (int i = 0; i < 8; i++) {
			uint64_t x = next_random(seed);
			struct pol_query q = {
				.cpl = x & 3, .mode = (x >> 2) % 8, .rip = next_random(seed),
				.cr3 = x & 0xf000, .event = (x >> 8) % NR_RUN_EVENTS,
				.num = (x >> 16) & 0x3ff,
			};
			struct pol_action a;
			if (pol_rules_match(r, &q, &a)) {
				assert_true(a.rule >= 1 && a.rule <= pol_rules_count(r));
				assert_true(a.kind <= POL_ACT_STOP);
				assert_true(a.level <= 3);
			}
		}
		assert_int_equal(pol_rules_events(r) & 1, 0);
		pol_rules_free(r);
	} else {
		assert_int_equal(ret, -EINVAL);
		assert_null(r);
		assert_int_equal(strncmp(err, NAME ":", strlen(NAME ":")), 0);
		assert_null(strchr(err, '\n'));
	}
	free(text);
}

static void test_random_input(void **state)
{
	(void)state;
	static const char *const pieces[] = {
		"cpl", "mode", "rip", "cr3", "event", "syscall", "interrupt", "exception",
		"port", "msr", "cr", "->", "..", ",", "0", "3", "4", "0x", "0xffff", "255",
		"256", "gp", "pf", "long64", "real", "long", "sw", "hw", "audit", "stop",
		"18446744073709551616", " ", " ", " ", "\t", "\n", "\n", "# c", "-", ".",
		"\r", "\xff", "0x3f8..0x3ff", "->hw\n",
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char buf[512];

	/* Sequences of tokens and near-tokens. */
	for (int iter = 0; iter < 30000; iter++) {
		size_t len = 0, want = next_random(&seed) % 200;
		while (len < want) {
			const char *p = pieces[next_random(&seed) % npieces];
			size_t n = strlen(p);
			if (len + n > sizeof(buf))
				break;
			memcpy(buf + len, p, n);
			len += n;
		}
		check_any(buf, len, &seed);
	}
	/* Raw bytes, NUL included. */
	for (int iter = 0; iter < 10000; iter++) {
		size_t len = next_random(&seed) % 64;
		for (size_t i = 0; i < len; i++) {
			uint64_t x = next_random(&seed);
			buf[i] = x % 4 ? "cpl0x3->hw.,# \n"[(x >> 8) % 15] : (char)(x >> 8);
		}
		check_any(buf, len, &seed);
	}
	/* Each example truncated at every length, and with random bytes
	 * changed. */
	static const char *const examples[] = {
		"policy/examples/theorem3.pol", "policy/examples/audit-syscalls.pol",
		"policy/examples/debug-serial.pol", "policy/examples/kernel-watch.pol",
	};
	for (size_t e = 0; e < sizeof(examples) / sizeof(examples[0]); e++) {
		FILE *f = fopen(examples[e], "rb");
		assert_non_null(f);
		char file[4096];
		size_t n = fread(file, 1, sizeof(file), f);
		fclose(f);
		for (size_t len = 0; len <= n; len++)
			check_any(file, len, &seed);
		for (int iter = 0; iter < 2000; iter++) {
			char copy[4096];
			memcpy(copy, file, n);
			for (int k = 0; k < 3; k++)
				copy[next_random(&seed) % n] = (char)next_random(&seed);
			check_any(copy, n, &seed);
		}
	}
}

/* Audit rules set a level and the search goes on: the first audit rule
 * that holds gives the level, the first other rule the engine. */
static void test_audit_rules_go_on(void **state)
{
	(void)state;
	struct pol_rules *r = parse_ok("event syscall -> audit 1\n"
	                               "event syscall 60 -> audit 3\n"
	                               "cpl 0 -> hw\n");
	struct pol_query q = { .cpl = 0, .mode = MODE_LONG64, .event = RUN_EV_SYSCALL, .num = 60 };
	struct pol_action a, au;
	bool audited;
	assert_true(pol_rules_decide(r, &q, &a, &au, &audited));
	assert_true(audited);
	assert_int_equal(au.level, 1);
	assert_int_equal(a.kind, POL_ACT_HW);
	q.cpl = 3;                       /* an audit rule alone decides nothing */
	assert_false(pol_rules_decide(r, &q, &a, &au, &audited));
	assert_true(audited);
	q.event = RUN_EV_NONE;
	assert_false(pol_rules_decide(r, &q, &a, &au, &audited));
	assert_false(audited);
	pol_rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpl),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_rip_and_cr3),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_exception_names),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_first_match_and_conjunction),
		cmocka_unit_test(test_event_list),
		cmocka_unit_test(test_events_mask),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_audit_rules_go_on),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_random_input),
	};
	return cmocka_run_group_tests_name("policy_rules", tests, NULL, NULL);
}
