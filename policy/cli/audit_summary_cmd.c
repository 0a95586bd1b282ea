/* `hvmm audit-summary FILE`: an audit file written by --audit, read back
 * record by record into the summary `hvmm run --audit-summary` prints. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "policy/audit_read.h"
#include "policy/audit_summary.h"
#include "policy/cli/audit_summary_cmd.h"

static const char usage[] =
	"Usage: hvmm audit-summary FILE [--json]\n"
	"\n"
	"Summarizes an audit file that hvmm run --audit=FILE wrote in JSON Lines\n"
	"(the default --audit-format): the same summary as hvmm run --audit-summary.\n"
	"FILE - reads standard input.\n"
	"\n"
	"  --json   one JSON object (keys in docs/audit.md) instead of text\n"
	"  --help   show this help\n";

/* One line on stderr; returns status. */
static int fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("hvmm: audit-summary: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return status;
}

/* Every line of f into s: 0, or the exit status after an error. */
static int read_file(FILE *f, const char *name, struct audit_summary *s)
{
	char *line = NULL, err[256];
	size_t cap = 0;
	unsigned long n = 0;
	int status = 0;
	errno = 0;
	while (!status && getline(&line, &cap, f) >= 0) {
		struct audit_rec r;
		n++;
		if (audit_read_line(line, &r, err, sizeof(err)))
			status = fail(VM_EXIT_USAGE, "%s:%lu: not an audit record: %s", name, n, err);
		else if (audit_summary_add(s, &r))
			status = fail(VM_EXIT_FAILURE, "%s:%lu: out of memory", name, n);
	}
	if (!status && ferror(f))
		status = fail(VM_EXIT_USAGE, "%s:%lu: %s", name, n + 1, strerror(errno ? errno : EIO));
	free(line);
	return status;
}

int cmd_audit_summary(int argc, char **argv)
{
	const char *name = NULL;
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return fail(VM_EXIT_USAGE, "unknown option '%s' (see hvmm audit-summary --help)", argv[i]);
		} else if (name) {
			return fail(VM_EXIT_USAGE, "unexpected argument '%s' (it takes one FILE)", argv[i]);
		} else {
			name = argv[i];
		}
	}
	if (!name)
		return fail(VM_EXIT_USAGE, "no audit file given (see hvmm audit-summary --help)");

	FILE *f = strcmp(name, "-") ? fopen(name, "re") : stdin;
	if (!f)
		return fail(VM_EXIT_USAGE, "%s: %s", name, strerror(errno));
	struct audit_summary s;
	int status = audit_summary_init(&s) ? fail(VM_EXIT_FAILURE, "out of memory") : 0;
	if (!status)
		status = read_file(f, f == stdin ? "stdin" : name, &s);
	if (!status && audit_summary_print(&s, stdout, json ? AUDIT_SUMMARY_JSON : AUDIT_SUMMARY_TEXT))
		status = fail(VM_EXIT_FAILURE, "cannot write the summary");
	audit_summary_fini(&s);
	if (f != stdin)
		fclose(f);
	return status;
}
