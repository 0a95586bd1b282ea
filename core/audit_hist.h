/* How often each distinct instruction ran: the audit's summary of a run
 * without a record per instruction. One entry per (linear RIP, mode,
 * bytes), so that code the guest replaced at the same address counts
 * apart; counting one is a hash lookup, cheap enough for every
 * instruction of a Linux boot. Filled by the interpreter (swvmm/audit.c)
 * or from an audit file's records, read by the summary (policy/). */
#ifndef HVMM_AUDIT_HIST_H
#define HVMM_AUDIT_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct audit_hist_ent {
	uint64_t rip;        /* linear */
	uint64_t count;      /* 0: a free slot */
	uint8_t bytes[15];
	uint8_t len;
	uint8_t mode;        /* enum cpu_mode */
	uint8_t cpl;         /* the CPL it first ran at */
	uint8_t pad[6];
};

struct audit_hist {
	struct audit_hist_ent *t;
	size_t mask;         /* slots - 1, a power of two less one */
	size_t used;
	uint64_t total;      /* instructions counted */
};

/* 0 or -ENOMEM. */
int audit_hist_init(struct audit_hist *h);
void audit_hist_fini(struct audit_hist *h);

/* The slot for a key that missed in the inlined probe: 0 or -ENOMEM (the
 * count is then lost, and total says so). */
int audit_hist_add_slow(struct audit_hist *h, uint64_t rip, unsigned mode, unsigned cpl,
                        const uint8_t *bytes, unsigned len, uint64_t n);

static inline size_t audit_hist_slot(const struct audit_hist *h, uint64_t rip)
{
	return (size_t)((rip * 0x9e3779b97f4a7c15ull) >> 40) & h->mask;
}

/* Count n runs of the instruction. */
static inline int audit_hist_add(struct audit_hist *h, uint64_t rip, unsigned mode,
                                 unsigned cpl, const uint8_t *bytes, unsigned len,
                                 uint64_t n)
{
	struct audit_hist_ent *e = &h->t[audit_hist_slot(h, rip)];
	if (e->rip == rip && e->count && e->len == len && e->mode == mode &&
	    !memcmp(e->bytes, bytes, len)) {
		e->count += n;
		h->total += n;
		return 0;
	}
	return audit_hist_add_slow(h, rip, mode, cpl, bytes, len, n);
}

#endif
