/* The audit of `hvmm run` (policy/cli/audit_run.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "policy/cli/audit_run.h"

/* Records kept in memory between writes: 512 KiB. */
#define AUDIT_BUFFERED 4096

/* Each full buffer: every record to the summary, then to the file. */
static int run_sink(void *opaque, const struct audit_rec *r, size_t n)
{
	struct audit_run *ar = opaque;
	for (size_t i = 0; ar->summarize && i < n; i++) {
		int e = audit_summary_add(&ar->summary, &r[i]);
		if (e)
			return e;
	}
	/* The file's filter (audit_file_sink) comes after the summary. */
	return ar->file.f ? audit_file_sink(&ar->file, r, n) : 0;
}

#define AUDIT_IOBUF (1 << 20)

static int open_file(struct audit_run *ar, const struct run_options *o, char *err, size_t errlen)
{
	int r = audit_fmt_init(&ar->file.fmt, (enum audit_format)o->audit_format);
	if (r) {
		snprintf(err, errlen, "--audit: cannot set up the disassembler");
		return r;
	}
	ar->file.f = fopen(o->audit, "we");
	if (!ar->file.f) {
		r = -errno;
		snprintf(err, errlen, "--audit: %s: %s", o->audit, strerror(errno));
		audit_fmt_fini(&ar->file.fmt);
		return r;
	}
	if (o->audit_filtered) {
		ar->file.filter = &o->audit_filter;
		/* No instruction can pass: the interpreter only counts them. */
		if (!audit_filter_keeps_kind(&o->audit_filter, AUDIT_INSN))
			ar->audit.insn_records = false;
	}
	/* A large stdio buffer: records are written a buffer at a time.
	 * glibc ignores the size unless it is given the buffer too. */
	ar->file.iobuf = malloc(AUDIT_IOBUF);
	if (ar->file.iobuf && !setvbuf(ar->file.f, ar->file.iobuf, _IOFBF, AUDIT_IOBUF))
		ar->file.iobuf_size = AUDIT_IOBUF;
	return 0;
}

int audit_run_open(struct audit_run *ar, struct vm *vm, const struct run_options *o,
                   char *err, size_t errlen)
{
	memset(ar, 0, sizeof(*ar));
	if (!o->audit && !o->audit_summary)
		return 0;
	int r = audit_init(&ar->audit, (enum audit_level)o->audit_level, AUDIT_BUFFERED,
	                   run_sink, ar);
	if (!r && o->audit_summary) {
		r = audit_summary_init(&ar->summary);
		ar->summarize = !r;
	}
	if (r) {
		audit_run_free(ar);
		snprintf(err, errlen, "--audit: out of memory");
		return r;
	}
	if (o->audit) {
		r = open_file(ar, o, err, errlen);
		if (r) {
			audit_run_free(ar);
			return r;
		}
	}
	if (ar->summarize) {
		/* The interpreter tallies each instruction into the summary's
		 * histogram; without a file, no record is made of it. */
		ar->audit.hist = &ar->summary.hist;
		ar->summary.hist_filled = true;
		ar->audit.insn_records = ar->audit.insn_records && o->audit;
	}
	ar->audit.clock = &vm->clock;
	/* The file is formatted and written beside the guest, not in its
	 * time. */
	if (o->audit && (r = audit_writer_start(&ar->audit))) {
		audit_run_free(ar);
		snprintf(err, errlen, "--audit: cannot start its writer: %s", strerror(-r));
		return r;
	}
	vm->audit = &ar->audit;
	return 0;
}

int audit_run_close(struct audit_run *ar, struct vm *vm, const struct run_options *o,
                    char *err, size_t errlen)
{
	if (!ar->audit.buf)
		return 0;
	vm->audit = NULL;
	int r = audit_fini(&ar->audit);
	if (ar->file.f) {
		if (fclose(ar->file.f) && !r)
			r = -errno;
		ar->file.f = NULL;
		free(ar->file.iobuf);
		ar->file.iobuf = NULL;
		audit_fmt_fini(&ar->file.fmt);
	}
	if (r && o->audit)
		snprintf(err, errlen, "--audit: %s: %s", o->audit, strerror(-r));
	else if (r)
		snprintf(err, errlen, "--audit-summary: %s", strerror(-r));
	return r;
}

void audit_run_free(struct audit_run *ar)
{
	audit_fini(&ar->audit);
	if (ar->summarize)
		audit_summary_fini(&ar->summary);
	ar->summarize = false;
}
