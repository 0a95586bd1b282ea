/* The audit summary's accumulator (policy/audit_summary.h). */
#include <errno.h>
#include <string.h>

#include "policy/audit_summary.h"

int audit_summary_init(struct audit_summary *s)
{
	memset(s, 0, sizeof(*s));
	return audit_hist_init(&s->hist);
}

void audit_summary_fini(struct audit_summary *s)
{
	audit_hist_fini(&s->hist);
	count_map_fini(&s->syscalls);
	count_map_fini(&s->msr_writes);
	for (int i = 0; i < 16; i++)
		count_map_fini(&s->cr[i].values);
	memset(s, 0, sizeof(*s));
}

static int cr_write(struct audit_cr_hist *h, uint64_t old, uint64_t new)
{
	struct audit_pair p = { old, new };
	if (h->writes < AUDIT_SUMMARY_FEW)
		h->first[h->writes] = p;
	h->last[h->writes % AUDIT_SUMMARY_FEW] = p;
	h->writes++;
	return count_map_add(&h->values, new, new);
}

static void migration(struct audit_summary *s, const struct audit_rec *r)
{
	uint64_t from = r->v[0], to = r->v[1], why = r->v[2];
	if (from >= NR_AUDIT_ENGINES || to >= NR_AUDIT_ENGINES || why >= NR_MIG_REASONS)
		return;
	s->mig[from][to][why]++;
	s->mig_ns[from][to][why] += r->v[3];
}

static void gap(struct audit_summary *s, const struct audit_rec *r)
{
	if (s->gaps < AUDIT_SUMMARY_FEW)
		s->gap_first[s->gaps] = (struct audit_gap){ r->rip, r->v[0], r->v[1], r->v[2] };
	s->gaps++;
	s->gap_ns += r->v[2];
}

int audit_summary_add(struct audit_summary *s, const struct audit_rec *r)
{
	if (r->kind >= NR_AUDIT_KINDS)
		return -EINVAL;
	if (r->kind == AUDIT_INSN) {
		if (s->hist_filled)
			return 0;
		return audit_hist_add(&s->hist, r->rip, r->mode, r->cpl, r->bytes, r->len, 1);
	}
	s->kinds[r->kind]++;
	switch (r->kind) {
	case AUDIT_SYSCALL:
		return count_map_add(&s->syscalls, r->v[0], 0);
	case AUDIT_CR_WRITE:
		return r->sub < 16 ? cr_write(&s->cr[r->sub], r->v[0], r->v[1]) : 0;
	case AUDIT_MSR_WRITE:
		return count_map_add(&s->msr_writes, r->v[0], r->v[1]);
	case AUDIT_EXCEPTION:
		s->exceptions[r->v[0] & 0xff]++;
		break;
	case AUDIT_INTERRUPT:
		s->interrupts[r->v[0] & 0xff]++;
		break;
	case AUDIT_MIGRATION:
		migration(s, r);
		break;
	case AUDIT_GAP:
		gap(s, r);
		break;
	}
	return 0;
}

uint64_t audit_summary_kind(const struct audit_summary *s, unsigned kind)
{
	if (kind == AUDIT_INSN)
		return s->hist.total;
	return kind < NR_AUDIT_KINDS ? s->kinds[kind] : 0;
}
