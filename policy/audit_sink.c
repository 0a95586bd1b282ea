/* Formatting audit records into a stream (policy/audit_sink.h). */
#include <errno.h>

#include "policy/audit_sink.h"

int audit_file_sink(void *opaque, const struct audit_rec *r, size_t n)
{
	struct audit_file *af = opaque;
	char line[1024];   /* the longest record, a syscall's, is under 400 */

	for (size_t i = 0; i < n; i++) {
		/* The filter comes before the formatting, which (Capstone's)
		 * is what costs. */
		if (af->filter && !audit_filter_match(af->filter, &r[i]))
			continue;
		int len = audit_fmt_line(&af->fmt, &r[i], line, sizeof(line));
		if (len < 0)
			return len;
		if (af->iobuf_size && af->buffered + (size_t)len > af->iobuf_size) {
			if (fflush(af->f))
				return errno ? -errno : -EIO;
			af->buffered = 0;
		}
		if (fwrite(line, 1, (size_t)len, af->f) != (size_t)len)
			return errno ? -errno : -EIO;
		af->buffered += (size_t)len;
	}
	return 0;
}
