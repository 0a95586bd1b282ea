/* The audit file of `hvmm run` (policy/cli/audit_run.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/vm.h"
#include "policy/cli/audit_run.h"

/* Records kept in memory between writes: 512 KiB. */
#define AUDIT_BUFFERED 4096

int audit_run_open(struct audit_run *ar, struct vm *vm, const struct run_options *o,
                   char *err, size_t errlen)
{
	memset(ar, 0, sizeof(*ar));
	if (!o->audit)
		return 0;
	int r = audit_fmt_init(&ar->file.fmt, (enum audit_format)o->audit_format);
	if (r) {
		snprintf(err, errlen, "--audit: cannot set up the disassembler");
		return r;
	}
	r = audit_init(&ar->audit, (enum audit_level)o->audit_level, AUDIT_BUFFERED,
	               audit_file_sink, &ar->file);
	if (r) {
		audit_fmt_fini(&ar->file.fmt);
		snprintf(err, errlen, "--audit: out of memory");
		return r;
	}
	ar->file.f = fopen(o->audit, "we");
	if (!ar->file.f) {
		r = -errno;
		snprintf(err, errlen, "--audit: %s: %s", o->audit, strerror(errno));
		audit_fini(&ar->audit);
		audit_fmt_fini(&ar->file.fmt);
		return r;
	}
	if (o->audit_filtered) {
		ar->file.filter = &o->audit_filter;
		/* No instruction can pass: the interpreter only counts them. */
		if (!audit_filter_keeps_kind(&o->audit_filter, AUDIT_INSN))
			ar->audit.insn_records = false;
	}
	/* A large stdio buffer: records are written a buffer at a time. */
	setvbuf(ar->file.f, NULL, _IOFBF, 1 << 20);
	vm->audit = &ar->audit;
	return 0;
}

int audit_run_close(struct audit_run *ar, struct vm *vm, const struct run_options *o,
                    char *err, size_t errlen)
{
	if (!ar->file.f)
		return 0;
	vm->audit = NULL;
	int r = audit_fini(&ar->audit);
	if (fclose(ar->file.f) && !r)
		r = -errno;
	ar->file.f = NULL;
	audit_fmt_fini(&ar->file.fmt);
	if (r)
		snprintf(err, errlen, "--audit: %s: %s", o->audit, strerror(-r));
	return r;
}
