/* The instruction histogram (core/audit_hist.h): open addressing with
 * linear probing, doubled at half full. */
#include <errno.h>
#include <stdlib.h>

#include "core/audit_hist.h"

#define HIST_FIRST_SLOTS 4096

int audit_hist_init(struct audit_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->t = calloc(HIST_FIRST_SLOTS, sizeof(*h->t));
	if (!h->t)
		return -ENOMEM;
	h->mask = HIST_FIRST_SLOTS - 1;
	return 0;
}

void audit_hist_fini(struct audit_hist *h)
{
	free(h->t);
	memset(h, 0, sizeof(*h));
}

static bool same(const struct audit_hist_ent *e, uint64_t rip, unsigned mode,
                 const uint8_t *bytes, unsigned len)
{
	return e->rip == rip && e->len == len && e->mode == mode && !memcmp(e->bytes, bytes, len);
}

static struct audit_hist_ent *probe(struct audit_hist *h, uint64_t rip, unsigned mode,
                                    const uint8_t *bytes, unsigned len)
{
	for (size_t i = audit_hist_slot(h, rip);; i = (i + 1) & h->mask) {
		struct audit_hist_ent *e = &h->t[i];
		if (!e->count || same(e, rip, mode, bytes, len))
			return e;
	}
}

static int grow(struct audit_hist *h)
{
	struct audit_hist old = *h;
	h->t = calloc((old.mask + 1) * 2, sizeof(*h->t));
	if (!h->t) {
		h->t = old.t;
		return -ENOMEM;
	}
	h->mask = old.mask * 2 + 1;
	for (size_t i = 0; i <= old.mask; i++) {
		const struct audit_hist_ent *e = &old.t[i];
		if (e->count)
			*probe(h, e->rip, e->mode, e->bytes, e->len) = *e;
	}
	free(old.t);
	return 0;
}

int audit_hist_add_slow(struct audit_hist *h, uint64_t rip, unsigned mode, unsigned cpl,
                        const uint8_t *bytes, unsigned len, uint64_t n)
{
	if (len > sizeof(h->t->bytes))
		len = sizeof(h->t->bytes);
	struct audit_hist_ent *e = probe(h, rip, mode, bytes, len);
	if (!e->count) {
		if (h->used + 1 > (h->mask + 1) / 2) {
			int r = grow(h);
			if (r)
				return r;
			e = probe(h, rip, mode, bytes, len);
		}
		h->used++;
		e->rip = rip;
		e->mode = (uint8_t)mode;
		e->cpl = (uint8_t)cpl;
		e->len = (uint8_t)len;
		memcpy(e->bytes, bytes, len);
	}
	e->count += n;
	h->total += n;
	return 0;
}
