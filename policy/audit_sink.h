/* The sink that formats audit records into a file: the command opens the
 * file and hands its descriptor in. Lines are built in place in a large
 * buffer that is written whole lines at a time, so that a file cut short
 * (a full disk, a killed monitor) ends at a line's end or in its last
 * line, never with a piece missing in the middle. */
#ifndef HVMM_AUDIT_SINK_H
#define HVMM_AUDIT_SINK_H

#include <stddef.h>

#include "policy/audit_filter.h"
#include "policy/audit_format.h"

struct audit_file {
	int fd;                              /* -1: none */
	char *buf;                           /* lines not yet written */
	size_t used, cap;
	struct audit_fmt fmt;
	const struct audit_filter *filter;   /* records written; NULL: all */
};

/* Set up af over fd with a buffer of cap bytes (at least twice
 * AUDIT_LINE_MAX): 0, -ENOMEM, or audit_fmt_init's error. */
int audit_file_init(struct audit_file *af, int fd, enum audit_format format, size_t cap);
/* Write what is buffered: 0 or -errno. */
int audit_file_flush(struct audit_file *af);
/* Flush, close the descriptor and free: 0 or the first -errno. */
int audit_file_close(struct audit_file *af);

/* An audit_sink_fn over a struct audit_file: writes the records that pass
 * the filter. 0, or -errno when the file cannot be written. */
int audit_file_sink(void *opaque, const struct audit_rec *r, size_t n);

#endif
