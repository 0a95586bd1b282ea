/* libFuzzer target for the audit's inputs: the filter of --audit-filter
 * (policy/audit_filter.c) and the audit file `hvmm audit-summary` reads
 * back (policy/audit_read.c, audit_summary*.c). Besides not crashing:
 *  - a refused filter or line gets one line of reason;
 *  - a record of a kind the filter leaves out never passes it;
 *  - a line read back, written again (policy/audit_format.c) and read
 *    again is written the same: what the audit writes, audit-summary
 *    reads as the record it was;
 * and the summary of the lines read is printed, as text or as JSON (by the
 * count of records: one print opens Capstone and a disassembly cache of
 * 1.6 MB, a few milliseconds under ASan, so inputs without a record skip
 * it).
 * Input: the first line is a filter spec (empty: none), every other line
 * an audit record in JSON Lines. */
#include <errno.h>
#include <string.h>

#include "policy/audit_filter.h"
#include "policy/audit_format.h"
#include "policy/audit_read.h"
#include "policy/audit_summary.h"
#include "tests/fuzz/fuzz.h"

#define FZ_LINE 2048

/* Made once: Capstone's handles and a sink for the summary. */
static struct audit_fmt *fz_fmt(FILE **sink)
{
	static struct audit_fmt fmt;
	static FILE *null;
	if (!null) {
		null = fopen("/dev/null", "w");
		FZ_CHECK(null && !audit_fmt_init(&fmt, AUDIT_FMT_JSON), "no formatter");
	}
	*sink = null;
	return &fmt;
}

/* The record of a line, written as the audit writes it, into out. */
static void fz_write(struct audit_fmt *fmt, const struct audit_rec *r, char *out)
{
	int n = audit_fmt_line(fmt, r, out, FZ_LINE);
	FZ_CHECK(n > 0 && out[n - 1] == '\n', "a record the audit cannot write (%d)", n);
}

/* Returns whether the line was a record. */
static bool fz_line(struct audit_fmt *fmt, const struct audit_filter *f, bool filtered,
                    struct audit_summary *s, const char *line)
{
	struct audit_rec r, again;
	char err[256] = "", once[FZ_LINE], twice[FZ_LINE];
	int ret = audit_read_line(line, &r, err, sizeof(err));
	if (ret) {
		FZ_CHECK(ret == -EINVAL && fz_one_line(err), "reason '%s' (%d)", err, ret);
		return false;
	}
	if (filtered && audit_filter_match(f, &r))
		FZ_CHECK(audit_filter_keeps_kind(f, (enum audit_kind)r.kind),
		         "a record of kind %u passes a filter that leaves the kind out", r.kind);
	fz_write(fmt, &r, once);
	FZ_CHECK(!audit_read_line(once, &again, err, sizeof(err)),
	         "the audit's own line is refused: %s: %s", err, once);
	fz_write(fmt, &again, twice);
	FZ_CHECK(!strcmp(once, twice), "read back differently: %s then %s", once, twice);
	FZ_CHECK(audit_summary_add(s, &r) == 0, "out of memory");
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *sink;
	struct audit_fmt *fmt = fz_fmt(&sink);
	struct audit_filter f = { 0 };
	struct audit_summary s;
	bool filtered = false;
	unsigned records = 0;
	char *text = malloc(size + 1);
	FZ_CHECK(text && !audit_summary_init(&s), "out of memory");
	memcpy(text, data, size);
	text[size] = 0;

	char *line = text, *nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	if (*line) {
		char err[384] = "";
		int r = audit_filter_parse(&f, line, err, sizeof(err));
		if (r)
			FZ_CHECK(r == -EINVAL && fz_one_line(err), "reason '%s' (%d)", err, r);
		filtered = !r;
	}
	while (nl) {
		line = nl + 1;
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		records += fz_line(fmt, &f, filtered, &s, line);
	}
	if (records)
		FZ_CHECK(!audit_summary_print(&s, sink, records & 1 ? AUDIT_SUMMARY_JSON :
		                                                      AUDIT_SUMMARY_TEXT),
		         "the summary is not printed");
	audit_summary_fini(&s);
	free(text);
	return 0;
}
