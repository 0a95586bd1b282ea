/* The sink that formats audit records into a stdio stream: the command
 * opens the file and hands the stream in; stdio buffers what is written. */
#ifndef HVMM_AUDIT_SINK_H
#define HVMM_AUDIT_SINK_H

#include <stdio.h>

#include "policy/audit_filter.h"
#include "policy/audit_format.h"

struct audit_file {
	FILE *f;
	char *iobuf;                         /* f's buffer, freed after fclose */
	struct audit_fmt fmt;
	const struct audit_filter *filter;   /* records written; NULL: all */
};

/* An audit_sink_fn over a struct audit_file: writes the records that pass
 * the filter. 0, or -EIO when a line cannot be written (errno's value
 * when stdio has one). */
int audit_file_sink(void *opaque, const struct audit_rec *r, size_t n);

#endif
