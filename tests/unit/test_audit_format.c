/* Audit records: the buffer (core/audit.c) and the lines they become
 * (policy/audit_format.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "core/vcpu_state.h"
#include "policy/audit_format.h"

static const char *line_of(const struct audit_rec *r, enum audit_format format)
{
	static char buf[1024];
	struct audit_fmt f;
	assert_int_equal(audit_fmt_init(&f, format), 0);
	int n = audit_fmt_line(&f, r, buf, sizeof(buf));
	audit_fmt_fini(&f);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	return buf;
}

static struct audit_rec mov_cr3(void)
{
	struct audit_rec r = {
		.seq = 7, .icount = 42, .cr3 = 0x1000, .rip = 0xffffffff81000000ull,
		.kind = AUDIT_INSN, .engine = AUDIT_ENGINE_SW, .mode = MODE_LONG64, .cpl = 0,
		.len = 3, .bytes = { 0x0f, 0x22, 0xd8 },
	};
	return r;
}

static void test_insn_json(void **state)
{
	(void)state;
	struct audit_rec r = mov_cr3();
	assert_string_equal(line_of(&r, AUDIT_FMT_JSON),
		"{\"seq\":7,\"kind\":\"insn\",\"icount\":42,\"engine\":\"sw\",\"mode\":\"long64\","
		"\"cpl\":0,\"cr3\":\"0x1000\",\"rip\":\"0xffffffff81000000\",\"class\":\"control-sensitive\","
		"\"bytes\":\"0f22d8\","
		"\"disasm\":\"mov cr3, rax\"}\n");
}

static void test_insn_text(void **state)
{
	(void)state;
	struct audit_rec r = mov_cr3();
	assert_string_equal(line_of(&r, AUDIT_FMT_TEXT),
		"7 insn icount=42 engine=sw mode=long64 cpl=0 cr3=0x1000 rip=0xffffffff81000000"
		" class=control-sensitive bytes=0f22d8 disasm=mov cr3, rax\n");
}

/* 16-bit code is disassembled as such; bytes that do not decode say so. */
static void test_insn_modes(void **state)
{
	(void)state;
	struct audit_rec r = { .kind = AUDIT_INSN, .mode = MODE_REAL, .rip = 0x7c00,
	                       .len = 2, .bytes = { 0x8c, 0xc8 } };
	assert_non_null(strstr(line_of(&r, AUDIT_FMT_JSON), "\"disasm\":\"mov ax, cs\""));
	r.len = 1;
	r.bytes[0] = 0x0f;
	assert_non_null(strstr(line_of(&r, AUDIT_FMT_JSON), "\"disasm\":\"(bad)\""));
}

/* The class field: control- and behaviour-sensitive, none absent. */
static void test_insn_class(void **state)
{
	(void)state;
	static const struct { uint8_t mode, len, bytes[4]; const char *cls; } cases[] = {
		{ MODE_LONG64, 3, { 0x0f, 0x20, 0xd8 }, "behaviour-sensitive" },  /* mov rax, cr3 */
		{ MODE_LONG64, 3, { 0x0f, 0x23, 0xf8 }, "control-sensitive" },    /* mov dr7, rax */
		{ MODE_LONG64, 2, { 0x0f, 0x30 }, "control-sensitive" },          /* wrmsr */
		{ MODE_LONG64, 1, { 0xfa }, "control-sensitive" },                /* cli */
		{ MODE_LONG64, 1, { 0x9c }, "behaviour-sensitive" },              /* pushfq */
		{ MODE_PROT32, 2, { 0xe4, 0x60 }, "behaviour-sensitive" },        /* in al, 0x60 */
		{ MODE_LONG64, 3, { 0x0f, 0x01, 0xf8 }, "control-sensitive" },    /* swapgs */
		{ MODE_REAL, 2, { 0x8e, 0xd8 }, NULL },                           /* mov ds, ax */
		{ MODE_LONG64, 3, { 0x48, 0x89, 0xc3 }, NULL },                   /* mov rbx, rax */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct audit_rec r = { .kind = AUDIT_INSN, .mode = cases[i].mode, .len = cases[i].len };
		memcpy(r.bytes, cases[i].bytes, cases[i].len);
		const char *l = line_of(&r, AUDIT_FMT_JSON);
		const char *c = strstr(l, "\"class\":\"");
		if (!cases[i].cls) {
			assert_null(c);
			continue;
		}
		assert_non_null(c);
		assert_memory_equal(c + 9, cases[i].cls, strlen(cases[i].cls));
	}
}

static void test_page_fault_json(void **state)
{
	(void)state;
	struct audit_rec r = { .kind = AUDIT_EXCEPTION, .mode = MODE_LONG64,
	                       .v = { 14, 2, 0xdead000 } };
	const char *l = line_of(&r, AUDIT_FMT_JSON);
	assert_non_null(strstr(l, ",\"vector\":14,\"error_code\":\"0x2\",\"cr2\":\"0xdead000\"}\n"));
	r.v[0] = 13;
	r.v[1] = AUDIT_NONE;
	l = line_of(&r, AUDIT_FMT_JSON);
	assert_non_null(strstr(l, ",\"vector\":13}\n"));
}

/* Decimal numbers of every length, at each power of ten and either side
 * of it, and the largest. */
static void test_decimal_numbers(void **state)
{
	(void)state;
	struct audit_rec r = { .kind = AUDIT_SYSCALL, .mode = MODE_LONG64 };
	char want[64];
	uint64_t p10 = 1;
	for (int k = 0; k < 20; k++, p10 *= 10) {
		const uint64_t vs[] = { p10 - 1, p10, p10 + 1, p10 * 2 - 1 };
		for (size_t i = 0; i < 4; i++) {
			r.v[0] = vs[i];
			snprintf(want, sizeof(want), ",\"number\":%llu,", (unsigned long long)vs[i]);
			assert_non_null(strstr(line_of(&r, AUDIT_FMT_JSON), want));
		}
	}
	r.v[0] = UINT64_MAX;
	assert_non_null(strstr(line_of(&r, AUDIT_FMT_JSON), ",\"number\":18446744073709551615,"));
}

/* Lines made one after another by one formatter, which keeps the text of
 * the steady fields (engine, mode, CPL, CR3) while they hold, are those a
 * fresh formatter makes of each record, whichever field changes. */
static void test_steady_fields_follow_changes(void **state)
{
	(void)state;
	struct audit_fmt f;
	char line[1024];
	struct audit_rec r = mov_cr3();
	for (int fmt = AUDIT_FMT_JSON; fmt <= AUDIT_FMT_TEXT; fmt++) {
		assert_int_equal(audit_fmt_init(&f, (enum audit_format)fmt), 0);
		for (int i = 0; i < 12; i++) {
			r.seq = (uint64_t)i;
			r.icount = 1000u + (uint64_t)i;
			r.cr3 = i < 4 ? 0x1000 : i < 8 ? 0x2000 : 0x2000;
			r.cpl = i == 9 ? 3 : 0;
			r.engine = i == 10 ? AUDIT_ENGINE_HW : AUDIT_ENGINE_SW;
			r.mode = i == 11 ? MODE_PROT32 : MODE_LONG64;
			r.kind = i == 6 ? AUDIT_CR_WRITE : AUDIT_INSN;
			assert_true(audit_fmt_line(&f, &r, line, sizeof(line)) > 0);
			assert_string_equal(line, line_of(&r, (enum audit_format)fmt));
		}
		audit_fmt_fini(&f);
	}
}

static void test_line_too_long(void **state)
{
	(void)state;
	struct audit_rec r = mov_cr3();
	char buf[40];
	struct audit_fmt f;
	assert_int_equal(audit_fmt_init(&f, AUDIT_FMT_JSON), 0);
	assert_int_equal(audit_fmt_line(&f, &r, buf, sizeof(buf)), -ENOSPC);
	audit_fmt_fini(&f);
}

struct seen {
	unsigned calls;
	uint64_t seqs[8];
	size_t n;
};

static int record_sink(void *opaque, const struct audit_rec *r, size_t n)
{
	struct seen *s = opaque;
	s->calls++;
	for (size_t i = 0; i < n && s->n < 8; i++)
		s->seqs[s->n++] = r[i].seq;
	return 0;
}

/* Full buffers go to the sink in order, the rest at the end. */
static void test_buffer_flushes(void **state)
{
	(void)state;
	struct audit a;
	struct seen s = { 0 };
	assert_int_equal(audit_init(&a, AUDIT_LEVEL_SUPERVISOR, 2, record_sink, &s), 0);
	assert_int_equal(a.insn_cpls, 0x7u);
	for (int i = 0; i < 5; i++)
		audit_add(&a, i & 1 ? AUDIT_CR_WRITE : AUDIT_INSN)->v[0] = (uint64_t)i;
	assert_int_equal(s.calls, 2);
	assert_int_equal(audit_fini(&a), 0);
	assert_int_equal(s.calls, 3);
	assert_int_equal(s.n, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(s.seqs[i], i);
	assert_int_equal(a.counts[AUDIT_INSN], 3);
	assert_int_equal(a.counts[AUDIT_CR_WRITE], 2);
}

/* The writer thread: every record reaches the sink once, in order,
 * whatever the two threads' timing; the sink's failure comes back. */
struct ordered {
	uint64_t next;      /* the seq expected next */
	bool out_of_order;
	int fail_after;     /* calls before it returns -EIO (0: never) */
	int calls;
};

static int ordered_sink(void *opaque, const struct audit_rec *r, size_t n)
{
	struct ordered *o = opaque;
	if (o->fail_after && ++o->calls > o->fail_after)
		return -EIO;
	for (size_t i = 0; i < n; i++)
		o->out_of_order |= r[i].seq != o->next++;
	return 0;
}

static void test_writer_thread(void **state)
{
	(void)state;
	struct audit a;
	struct ordered o = { 0 };
	assert_int_equal(audit_init(&a, AUDIT_LEVEL_ALL, 16, ordered_sink, &o), 0);
	assert_int_equal(audit_writer_start(&a), 0);
	for (int i = 0; i < 100000; i++)
		audit_add(&a, AUDIT_INSN)->v[0] = (uint64_t)i;
	assert_int_equal(audit_fini(&a), 0);
	assert_int_equal(o.next, 100000);
	assert_false(o.out_of_order);

	struct ordered bad = { .fail_after = 3 };
	assert_int_equal(audit_init(&a, AUDIT_LEVEL_ALL, 16, ordered_sink, &bad), 0);
	assert_int_equal(audit_writer_start(&a), 0);
	for (int i = 0; i < 1000; i++)
		audit_add(&a, AUDIT_INSN);
	assert_int_equal(audit_fini(&a), -EIO);
	assert_int_equal(bad.next, 48);   /* three buffers of 16, then nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insn_json),
		cmocka_unit_test(test_insn_text),
		cmocka_unit_test(test_insn_modes),
		cmocka_unit_test(test_insn_class),
		cmocka_unit_test(test_page_fault_json),
		cmocka_unit_test(test_steady_fields_follow_changes),
		cmocka_unit_test(test_decimal_numbers),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_buffer_flushes),
		cmocka_unit_test(test_writer_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
