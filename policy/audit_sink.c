/* Formatting audit records into a file (policy/audit_sink.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/audit_sink.h"

int audit_file_init(struct audit_file *af, int fd, enum audit_format format, size_t cap)
{
	memset(af, 0, sizeof(*af));
	af->fd = -1;
	if (cap < 2 * AUDIT_LINE_MAX)
		return -EINVAL;
	int r = audit_fmt_init(&af->fmt, format);
	if (r)
		return r;
	af->buf = malloc(cap);
	if (!af->buf) {
		audit_fmt_fini(&af->fmt);
		return -ENOMEM;
	}
	af->cap = cap;
	af->fd = fd;
	return 0;
}

int audit_file_flush(struct audit_file *af)
{
	size_t done = 0;
	while (done < af->used) {
		ssize_t w = write(af->fd, af->buf + done, af->used - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* Keep what was not written at the front, so that a
			 * later flush would not repeat or skip a line. */
			memmove(af->buf, af->buf + done, af->used - done);
			af->used -= done;
			return w < 0 ? -errno : -EIO;
		}
		done += (size_t)w;
	}
	af->used = 0;
	return 0;
}

int audit_file_close(struct audit_file *af)
{
	if (af->fd < 0)
		return 0;
	int r = audit_file_flush(af);
	if (close(af->fd) && !r)
		r = -errno;
	free(af->buf);
	audit_fmt_fini(&af->fmt);
	af->fd = -1;
	af->buf = NULL;
	return r;
}

int audit_file_sink(void *opaque, const struct audit_rec *r, size_t n)
{
	struct audit_file *af = opaque;
	for (size_t i = 0; i < n; i++) {
		/* The filter comes before the formatting, which (Capstone's)
		 * is what costs. */
		if (af->filter && !audit_filter_match(af->filter, &r[i]))
			continue;
		if (af->cap - af->used <= AUDIT_LINE_MAX) {
			int e = audit_file_flush(af);
			if (e)
				return e;
		}
		int len = audit_fmt_line(&af->fmt, &r[i], af->buf + af->used, af->cap - af->used);
		if (len < 0)
			return len;
		af->used += (size_t)len;
	}
	return 0;
}
