/* The sink that formats audit records into a stdio stream: the command
 * opens the file and hands the stream in; stdio buffers what is written.
 * Given the size of the stream's buffer, the sink flushes it before a
 * line that would not fit, so that every write() to the file ends on a
 * whole line: a run killed with SIGKILL leaves whole lines (at worst a
 * write cut short by the kill ends in part of one). */
#ifndef HVMM_AUDIT_SINK_H
#define HVMM_AUDIT_SINK_H

#include <stdio.h>

#include "policy/audit_filter.h"
#include "policy/audit_format.h"

struct audit_file {
	FILE *f;
	char *iobuf;                         /* f's buffer, freed after fclose */
	size_t iobuf_size;                   /* its size; 0: stdio's own buffer */
	size_t buffered;                     /* bytes in it */
	struct audit_fmt fmt;
	const struct audit_filter *filter;   /* records written; NULL: all */
};

/* An audit_sink_fn over a struct audit_file: writes the records that pass
 * the filter. 0, or -EIO when a line cannot be written (errno's value
 * when stdio has one). */
int audit_file_sink(void *opaque, const struct audit_rec *r, size_t n);

#endif
