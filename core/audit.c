/* The audit record buffer (core/audit.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"

int audit_init(struct audit *a, enum audit_level level, size_t cap,
               audit_sink_fn sink, void *opaque)
{
	memset(a, 0, sizeof(*a));
	a->buf = calloc(cap, sizeof(*a->buf));
	if (!a->buf)
		return -ENOMEM;
	a->cap = cap;
	a->level = level;
	a->insn_cpls = level == AUDIT_LEVEL_ALL ? 0xf
	             : level == AUDIT_LEVEL_SUPERVISOR ? 0x7 : 0;
	a->insn_records = true;
	a->sink = sink;
	a->opaque = opaque;
	return 0;
}

int audit_flush(struct audit *a)
{
	if (a->n && !a->err)
		a->err = a->sink(a->opaque, a->buf, a->n);
	a->n = 0;
	return a->err;
}

int audit_fini(struct audit *a)
{
	int err = a->buf ? audit_flush(a) : 0;
	free(a->buf);
	a->buf = NULL;
	return err;
}

struct audit_rec *audit_add(struct audit *a, enum audit_kind kind)
{
	if (a->n == a->cap)
		audit_flush(a);
	struct audit_rec *r = &a->buf[a->n++];
	memset(r, 0, sizeof(*r));
	r->seq = a->seq++;
	r->kind = (uint8_t)kind;
	a->counts[kind]++;
	return r;
}

const char *audit_kind_name(unsigned kind)
{
	static const char *const names[] = {
#define AUDIT_KIND_NAME(id, name, what) [AUDIT_##id] = name,
		AUDIT_KINDS(AUDIT_KIND_NAME)
#undef AUDIT_KIND_NAME
	};
	return kind < NR_AUDIT_KINDS ? names[kind] : NULL;
}
