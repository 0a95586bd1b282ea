/* The interpreter's audit records (swvmm/audit.h). */
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "swvmm/audit.h"

uint64_t sw_code_linear(const struct sw_cpu *c, uint64_t rip)
{
	if (c->mode == MODE_LONG64)
		return rip;
	return (c->s.seg[SEG_CS].base + rip) & 0xffffffffull;
}

static void stamp(const struct sw_cpu *c, struct audit_rec *r, uint64_t rip)
{
	r->engine = AUDIT_ENGINE_SW;
	r->mode = (uint8_t)c->mode;
	r->cpl = (uint8_t)c->cpl;
	r->cr3 = c->s.cr3;
	r->rip = sw_code_linear(c, rip);
}

struct audit_rec *sw_audit(struct sw_cpu *c, enum audit_kind kind)
{
	struct audit *a = c->vm->audit;
	if (!audit_events_on(a))
		return NULL;
	struct audit_rec *r = audit_add(a, kind);
	stamp(c, r, c->insn_rip);
	/* Inside a block, icount is brought up to date only at its end. */
	r->icount = c->icount;
	return r;
}

void sw_audit_event(struct sw_cpu *c, enum audit_kind kind, unsigned sub, uint64_t v0,
                    uint64_t v1, uint64_t v2)
{
	struct audit_rec *r = sw_audit(c, kind);
	if (!r)
		return;
	r->sub = (uint8_t)sub;
	r->v[0] = v0;
	r->v[1] = v1;
	r->v[2] = v2;
}

void sw_audit_syscall(struct sw_cpu *c, bool i386_abi)
{
	struct audit_rec *r = sw_audit(c, AUDIT_SYSCALL);
	if (r)
		audit_syscall_args(r, &c->s, i386_abi);
}

void sw_audit_before(struct sw_cpu *c, uint64_t rip, const uint8_t *bytes, unsigned len,
                     uint64_t icount)
{
	struct audit_rec *r = &c->audit_insn;
	stamp(c, r, rip);
	r->icount = icount;
	r->len = (uint8_t)(len < sizeof(r->bytes) ? len : sizeof(r->bytes));
	memcpy(r->bytes, bytes, r->len);
}

void sw_audit_retired(struct sw_cpu *c)
{
	struct audit *a = c->vm->audit;
	const struct audit_rec *k = &c->audit_insn;
	if (a->hist)
		audit_hist_add(a->hist, k->rip, k->mode, k->cpl, k->bytes, k->len, 1);
	if (!a->insn_records) {
		audit_skip(a);
		return;
	}
	struct audit_rec *r = audit_add(a, AUDIT_INSN);
	uint64_t seq = r->seq;
	*r = *k;
	r->seq = seq;
	r->kind = AUDIT_INSN;
}

bool sw_audit_tallies(struct sw_cpu *c)
{
	const struct audit *a = c->vm->audit;
	if (!a || !a->hist || a->insn_records)
		return false;
	if (!c->tally)
		c->tally = calloc(1, sizeof(*c->tally));
	return c->tally != NULL;
}

/* Runs of instructions not counted in the tally: one histogram entry
 * each, from the bytes in the block's code. */
static void count_direct(struct sw_cpu *c, const struct sw_uop *first, const struct sw_uop *last)
{
	struct audit *a = c->vm->audit;
	const struct sw_tally *t = c->tally;
	uint64_t rip = t->blk_lin;
	const uint8_t *code = c->blk_code;
	for (const struct sw_uop *u = first; u <= last; u++) {
		audit_hist_add(a->hist, rip, t->blk_mode, c->blk_cpl, code, u->in.len, 1);
		rip += u->in.len;
		code += u->in.len;
	}
}

void sw_audit_tally_begin(struct sw_cpu *c, const struct sw_uop *first,
                          const struct sw_uop *last)
{
	struct sw_tally *t = c->tally;
	size_t k = (size_t)(first - c->ic->pool);
	/* What the block's last instruction may change (CS, the mode) is
	 * taken before it runs. */
	t->blk_lin = sw_code_linear(c, c->blk_rip);
	t->blk_mode = (uint8_t)c->mode;
	/* Those not run since the fold (a run that ended early leaves the
	 * rest of its block so) are captured now. */
	uint64_t rip = t->blk_lin;
	const uint8_t *code = c->blk_code;
	for (const struct sw_uop *u = first; u <= last; u++, k++) {
		if (!t->count[k]) {
			t->rip[k] = rip;
			memcpy(t->bytes[k], code, u->in.len);
			t->mode[k] = t->blk_mode;
			t->cpl[k] = (uint8_t)c->blk_cpl;
		}
		rip += u->in.len;
		code += u->in.len;
	}
}

void sw_audit_tally(struct sw_cpu *c, const struct sw_uop *first, const struct sw_uop *last)
{
	struct sw_tally *t = c->tally;
	size_t k = (size_t)(first - c->ic->pool);
	if (t->count[k] && (t->rip[k] != t->blk_lin || t->mode[k] != t->blk_mode ||
	                    t->cpl[k] != c->blk_cpl)) {
		/* The same decoded code run at another address, mode or CPL. */
		count_direct(c, first, last);
		return;
	}
	for (const struct sw_uop *u = first; u <= last; u++, k++)
		t->count[k]++;
}

void sw_audit_tally_fold(struct sw_cpu *c)
{
	struct sw_tally *t = c->tally;
	struct audit *a = c->vm->audit;
	if (!t)
		return;
	for (size_t k = 0; k < SW_TALLY_SLOTS; k++) {
		if (!t->count[k])
			continue;
		const struct sw_uop *u = &c->ic->pool[k];
		if (a && a->hist)
			audit_hist_add(a->hist, t->rip[k], t->mode[k], t->cpl[k], t->bytes[k],
			               u->in.len, t->count[k]);
		t->count[k] = 0;
	}
}

void sw_audit_tally_free(struct sw_cpu *c)
{
	sw_audit_tally_fold(c);
	free(c->tally);
	c->tally = NULL;
}
