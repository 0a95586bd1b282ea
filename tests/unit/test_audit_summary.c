/* The audit's summary: the instruction histogram (core/audit_hist.c), the
 * accumulator (policy/audit_summary.c), its printing, and audit records
 * read back from their JSON lines (policy/audit_read.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_hist.h"
#include "core/vcpu_state.h"
#include "policy/audit_format.h"
#include "policy/audit_read.h"
#include "policy/audit_summary.h"
#include "policy/count_map.h"

static const uint8_t nop[1] = { 0x90 };

static const struct audit_hist_ent *find(const struct audit_hist *h, uint64_t rip, uint8_t byte0)
{
	for (size_t i = 0; i <= h->mask; i++)
		if (h->t[i].count && h->t[i].rip == rip && h->t[i].bytes[0] == byte0)
			return &h->t[i];
	return NULL;
}

/* Past the first 4096 slots the table doubles and keeps every count. */
static void test_hist_grows(void **state)
{
	(void)state;
	struct audit_hist h;
	assert_int_equal(audit_hist_init(&h), 0);
	uint64_t want = 0;
	for (int round = 0; round < 2; round++)
		for (uint64_t i = 0; i < 10000; i++) {
			uint64_t n = i % 3 + 1;
			assert_int_equal(audit_hist_add(&h, 0x1000 + 4 * i, MODE_LONG64, 0, nop, 1, n), 0);
			want += n;
		}
	assert_int_equal(h.used, 10000);
	assert_true(h.mask + 1 >= 2 * 10000);
	assert_int_equal(h.total, want);
	for (uint64_t i = 0; i < 10000; i += 997) {
		const struct audit_hist_ent *e = find(&h, 0x1000 + 4 * i, 0x90);
		assert_non_null(e);
		assert_int_equal(e->count, 2 * (i % 3 + 1));
	}
	audit_hist_fini(&h);
}

/* Code replaced at the same address, or run in another mode, counts apart. */
static void test_hist_same_rip_apart(void **state)
{
	(void)state;
	static const uint8_t hlt[1] = { 0xf4 }, cli[1] = { 0xfa };
	struct audit_hist h;
	assert_int_equal(audit_hist_init(&h), 0);
	assert_int_equal(audit_hist_add(&h, 0x7c00, MODE_REAL, 0, hlt, 1, 1), 0);
	assert_int_equal(audit_hist_add(&h, 0x7c00, MODE_REAL, 0, cli, 1, 2), 0);
	assert_int_equal(audit_hist_add(&h, 0x7c00, MODE_PROT32, 0, cli, 1, 4), 0);
	assert_int_equal(audit_hist_add(&h, 0x7c00, MODE_REAL, 0, hlt, 1, 8), 0);
	assert_int_equal(h.used, 3);
	assert_int_equal(h.total, 15);
	assert_int_equal(find(&h, 0x7c00, 0xf4)->count, 9);
	audit_hist_fini(&h);
}

static void test_count_map(void **state)
{
	(void)state;
	struct count_map m = { 0 };
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(count_map_add(&m, (i * 7919) % 500, i), 0);
	assert_int_equal(m.used, 500);
	struct count_ent *v;
	size_t n;
	assert_int_equal(count_map_sorted(&m, &v, &n), 0);
	assert_int_equal(n, 500);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v[i].key, i);
		assert_int_equal(v[i].count, 2);
	}
	free(v);
	count_map_fini(&m);
}

static struct audit_rec rec(unsigned kind, unsigned sub, uint64_t v0, uint64_t v1)
{
	struct audit_rec r = { .kind = (uint8_t)kind, .sub = (uint8_t)sub, .mode = MODE_LONG64,
	                       .v = { v0, v1 } };
	return r;
}

/* Everything the summary prints as JSON, into a string (free it). */
static char *json_of(const struct audit_summary *s)
{
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(audit_summary_print(s, f, AUDIT_SUMMARY_JSON), 0);
	fclose(f);
	return buf;
}

static void test_summary_events(void **state)
{
	(void)state;
	struct audit_summary s;
	assert_int_equal(audit_summary_init(&s), 0);
	/* CR3 written 10 times: the first 4 and the last 4 pairs are kept. */
	for (uint64_t i = 0; i < 10; i++) {
		struct audit_rec r = rec(AUDIT_CR_WRITE, 3, i * 0x1000, (i + 1) % 3 * 0x1000);
		assert_int_equal(audit_summary_add(&s, &r), 0);
	}
	uint64_t calls[] = { 1, 1, 60, 1, 39 };
	for (size_t i = 0; i < 5; i++) {
		struct audit_rec r = rec(AUDIT_SYSCALL, 0, calls[i], 0);
		assert_int_equal(audit_summary_add(&s, &r), 0);
	}
	struct audit_rec w1 = rec(AUDIT_MSR_WRITE, 0, 0xc0000080, 0x500);
	struct audit_rec w2 = rec(AUDIT_MSR_WRITE, 0, 0xc0000080, 0x501);
	assert_int_equal(audit_summary_add(&s, &w1), 0);
	assert_int_equal(audit_summary_add(&s, &w2), 0);
	assert_int_equal(s.cr[3].writes, 10);
	assert_int_equal(s.cr[3].values.used, 3);
	assert_int_equal(s.kinds[AUDIT_SYSCALL], 5);

	char *j = json_of(&s);
	assert_non_null(strstr(j, "\"syscalls\":{\"total\":5,\"by_number\":{\"1\":3,\"39\":1,\"60\":1}}"));
	assert_non_null(strstr(j, "\"cr3\":{\"writes\":10,\"distinct\":3,\"first\":[{\"old\":\"0x0\",\"new\":\"0x1000\"},"));
	/* last: writes 6-9, none of them among the first four */
	assert_non_null(strstr(j, "\"last\":[{\"old\":\"0x6000\",\"new\":\"0x1000\"},{\"old\":\"0x7000\","
	                          "\"new\":\"0x2000\"},{\"old\":\"0x8000\",\"new\":\"0x0\"},"
	                          "{\"old\":\"0x9000\",\"new\":\"0x1000\"}]"));
	assert_non_null(strstr(j, "\"msr_writes\":{\"0xc0000080\":{\"writes\":2,\"last\":\"0x501\"}}"));
	free(j);
	audit_summary_fini(&s);
}

/* From a file, insn records fill the histogram; in a run whose
 * interpreter fills it (hist_filled), they are not counted twice. */
static void test_summary_insns(void **state)
{
	(void)state;
	struct audit_rec mov = { .kind = AUDIT_INSN, .mode = MODE_LONG64, .cpl = 0, .rip = 0x1000,
	                         .len = 3, .bytes = { 0x0f, 0x22, 0xd8 } };
	struct audit_rec user = { .kind = AUDIT_INSN, .mode = MODE_LONG64, .cpl = 3, .rip = 0x400000,
	                          .len = 1, .bytes = { 0x9c } };
	struct audit_summary s;
	assert_int_equal(audit_summary_init(&s), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(audit_summary_add(&s, &mov), 0);
	assert_int_equal(audit_summary_add(&s, &user), 0);
	assert_int_equal(audit_summary_kind(&s, AUDIT_INSN), 4);
	char *j = json_of(&s);
	assert_non_null(strstr(j, "\"instructions\":{\"total\":4,\"supervisor\":3,\"user\":1,\"distinct\":2,"
	                          "\"classes\":{\"none\":{\"supervisor\":0,\"user\":0},"
	                          "\"control-sensitive\":{\"supervisor\":3,\"user\":0},"
	                          "\"behaviour-sensitive\":{\"supervisor\":0,\"user\":1}}}"));
	assert_non_null(strstr(j, "\"top_mnemonics\":[{\"mnemonic\":\"mov\",\"count\":3}]"));
	assert_non_null(strstr(j, "\"top_instructions\":[{\"rip\":\"0x1000\",\"mode\":\"long64\","
	                          "\"bytes\":\"0f22d8\",\"disasm\":\"mov cr3, rax\","
	                          "\"class\":\"control-sensitive\",\"count\":3}]"));
	free(j);

	s.hist_filled = true;
	assert_int_equal(audit_summary_add(&s, &mov), 0);
	assert_int_equal(audit_summary_kind(&s, AUDIT_INSN), 4);
	audit_summary_fini(&s);
}

/* Every kind written as a JSON line reads back as the same record. */
static void test_read_round_trip(void **state)
{
	(void)state;
	struct audit_rec recs[] = {
		{ .kind = AUDIT_INSN, .len = 3, .bytes = { 0x0f, 0x22, 0xd8 } },
		{ .kind = AUDIT_CR_WRITE, .sub = 4, .v = { 0x20, 0x6a0 } },
		{ .kind = AUDIT_MSR_READ, .v = { 0x1b, 0xfee00900 } },
		{ .kind = AUDIT_MSR_WRITE, .v = { 0xc0000080, 0x501 } },
		{ .kind = AUDIT_DT_LOAD, .sub = AUDIT_DT_GDTR, .v = { 0x1000, 0x27 } },
		{ .kind = AUDIT_DT_LOAD, .sub = AUDIT_DT_TR, .v = { 0x2000, 0x67, 0x28 } },
		{ .kind = AUDIT_PIO, .sub = AUDIT_OUT, .v = { 0x3f8, 1, 0x41 } },
		{ .kind = AUDIT_MMIO, .sub = AUDIT_IN, .v = { 0xfee00030, 4, 0x50014 } },
		{ .kind = AUDIT_MMIO, .sub = AUDIT_OUT, .v = { 0xfec00000, 1, 0x10 } },
		{ .kind = AUDIT_EXCEPTION, .v = { 14, 2, 0xdead000 } },
		{ .kind = AUDIT_EXCEPTION, .v = { 6, AUDIT_NONE } },
		{ .kind = AUDIT_INTERRUPT, .sub = 1, .v = { 0x80 } },
		{ .kind = AUDIT_SYSCALL, .v = { 60, 1, 2, 3, 4, 5, ~0ull } },
		{ .kind = AUDIT_CPL, .v = { 3, 0 } },
		{ .kind = AUDIT_MIGRATION, .v = { AUDIT_ENGINE_SW, AUDIT_ENGINE_HW, MIG_TO_USER, 1234 } },
		{ .kind = AUDIT_GAP, .v = { 0x401000, 3, 99 } },
		{ .kind = AUDIT_GAP, .sub = 1, .v = { 0x401000, 3, 99 } },
	};
	/* Every kind is here: a new one must be readable too. */
	unsigned seen = 0;
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		seen |= 1u << recs[i].kind;
	assert_int_equal(seen, (1u << NR_AUDIT_KINDS) - 1);
	struct audit_fmt f;
	assert_int_equal(audit_fmt_init(&f, AUDIT_FMT_JSON), 0);
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		struct audit_rec *w = &recs[i], r;
		w->seq = i;
		w->icount = 100 + i;
		w->cr3 = 0x1000;
		w->rip = 0xffffffff81000000ull + i;
		w->mode = MODE_LONG64;
		w->cpl = i & 3;
		w->engine = AUDIT_ENGINE_SW;
		char line[1024], err[128] = "";
		assert_true(audit_fmt_line(&f, w, line, sizeof(line)) > 0);
		if (audit_read_line(line, &r, err, sizeof(err)))
			fail_msg("%s: %s", line, err);
		assert_memory_equal(&r, w, sizeof(r));
	}
	audit_fmt_fini(&f);
}

static void test_read_errors(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"",
		"7 insn icount=42 engine=sw mode=long64 cpl=0",
		"{\"seq\":1}",
		"{\"seq\":1,\"kind\":\"nope\"}",
		"{\"seq\":1,\"kind\":\"cpl\",\"icount\":0,\"engine\":\"sw\",\"mode\":\"long64\",\"cpl\":0,"
		"\"cr3\":\"0x0\",\"rip\":\"0x0\",\"from\":3}",
		"{\"seq\":1,\"kind\":\"cpl\",\"icount\":0,\"engine\":\"sw\",\"mode\":\"long64\",\"cpl\":0,"
		"\"cr3\":\"0x0\",\"rip\":\"0x0\",\"from\":3,\"to\":9}",
		"{\"seq\":1,\"kind\":\"cpl\",\"icount\":0,\"engine\":\"sw\",\"mode\":\"long64\",\"cpl\":0,"
		"\"cr3\":\"0x0\",\"rip\":\"0x0\",\"from\":3,\"to\":0,\"x\":1}",
		"{\"seq\":1,\"kind\":\"cpl\",\"icount\":0,\"engine\":\"sw\",\"mode\":\"long64\",\"cpl\":0,"
		"\"cr3\":0,\"rip\":\"0x0\",\"from\":3,\"to\":0}",
		"{\"seq\":1,\"kind\":\"cpl\",\"icount\":0,\"engine\":\"sw\",\"mode\":\"long64\",\"cpl\":0,"
		"\"cr3\":\"0x0\",\"rip\":\"0x0\",\"from\":3,\"to\":0} x",
		"{\"seq\":{\"a\":1}}",
		/* Keys with control bytes: the reason quotes them with '?'. */
		"{\"s\x1b[2Jq\":1}",
		"{\"kind\x01\":\"cpl\"}",
		"{\"seq\":1,\"k\tind:\"cpl\"}",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct audit_rec r;
		char err[128] = "";
		if (!audit_read_line(lines[i], &r, err, sizeof(err)))
			fail_msg("read: %s", lines[i]);
		assert_true(err[0]);
		for (const char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				fail_msg("control byte 0x%02x in the reason for line %zu: %s",
				         (unsigned char)*p, i, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_grows),
		cmocka_unit_test(test_hist_same_rip_apart),
		cmocka_unit_test(test_count_map),
		cmocka_unit_test(test_summary_events),
		cmocka_unit_test(test_summary_insns),
		cmocka_unit_test(test_read_round_trip),
		cmocka_unit_test(test_read_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
