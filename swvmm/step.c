/* Fetch, decode and execute: the cached fast path (a block of decoded
 * instructions run back to back) and the one-instruction path that also
 * handles what the cache cannot hold (instructions crossing a page, code
 * outside RAM/ROM, bytes that do not decode). */
#include "core/vm.h"
#include "swvmm/audit.h"
#include "swvmm/cpu.h"
#include "swvmm/debug.h"
#include "swvmm/decode.h"
#include "swvmm/icache.h"
#include "swvmm/step.h"
#include "swvmm/tlb.h"

/* RIP + n wrapped to the code size. */
static uint64_t ip_mask(const struct sw_cpu *c)
{
	if (c->mode == MODE_LONG64)
		return ~0ull;
	return c->s.seg[SEG_CS].db ? 0xffffffffull : 0xffffull;
}

/* The code page last translated by block_at: the next block in the same
 * linear page needs no translation while nothing set c->brk (a TLB
 * flush, a mode or CPL change). */
struct code_page {
	uint64_t lin_page;   /* linear address >> 12, ~0 for none */
	uint64_t ppn;
	const uint8_t *host;
};

/* The cached block at CS:RIP, or NULL when the instruction must be
 * fetched the slow way, which raises whatever fault applies (beyond the
 * CS limit, non-canonical RIP). A fetch #PF is raised here, as the slow
 * fetch would raise it. */
static const struct sw_block *block_at(struct sw_cpu *c, struct code_page *cp,
                                       enum decode_mode dm)
{
	const struct seg_cache *cs = &c->s.seg[SEG_CS];
	uint64_t rip = c->s.rip, lin;

	if (c->mode == MODE_LONG64) {
		if (!sw_canonical(rip))
			return NULL;
		lin = rip;
	} else {
		if (rip > cs->limit)
			return NULL;
		lin = (cs->base + rip) & 0xffffffffull;
	}
	if (lin >> 12 != cp->lin_page) {
		const struct sw_tlb_entry *e = sw_tlb_hit(c, lin, c->fast_x);
		if (!e)
			e = sw_tlb_get(c, lin, ACC_FETCH);
		if (!e->host)
			return NULL;   /* code in MMIO space is read byte by byte */
		cp->lin_page = lin >> 12;
		cp->ppn = e->ppn;
		cp->host = e->host;
	}
	uint64_t gpa = (cp->ppn << 12) | (lin & 0xfff);
	const struct sw_block *b = sw_ic_find(c->ic, sw_ic_key(gpa, dm));
	if (!b)
		b = sw_ic_decode(c, gpa, cp->host, dm);
	/* The whole block must lie within CS, and IP may wrap only after its
	 * last instruction; else go one by one. */
	if (b && c->mode != MODE_LONG64 &&
	    (b->bytes - 1u > cs->limit - rip || rip + b->bytes - 1u > ip_mask(c)))
		return NULL;
	return b;
}

/* The uncached fetch into buf: up to the end of the page, the next page
 * only when the decoder needs its bytes (so its #PF happens only then). */
static void fetch_decode(struct sw_cpu *c, struct insn *in, uint8_t buf[16])
{
	enum decode_mode dm = decode_mode_of(c->mode);
	uint64_t mask = ip_mask(c);

	unsigned n = sw_fetch(c, c->s.rip, buf, 15);
	int len = decode_insn(buf, n, dm, in);
	while (len == DECODE_MORE && n < 15) {
		n += sw_fetch(c, (c->s.rip + n) & mask, buf + n, 15 - n);
		len = decode_insn(buf, n, dm, in);
	}
	if (len == DECODE_MORE || len == DECODE_TOOLONG)
		sw_gp0(c);
	if (len < 0)
		sw_ud(c);
}

void sw_step(struct sw_cpu *c)
{
	struct sw_uop tmp;
	const struct sw_uop *u;
	const uint8_t *bytes;
	uint8_t buf[16];
	uint64_t events = c->last_event.count;
	unsigned cpl = c->cpl;

	/* Debug traps held by a MOV SS shadow join this instruction's. */
	uint64_t held = (c->s.ev.shadow & SHADOW_MOVSS) ? c->db_held : 0;

	c->insn_rip = c->s.rip;
	c->next_rip = c->s.rip;
	c->s.ev.shadow = 0;   /* a shadow covers one instruction only */
	c->db_held = 0;
	c->db_trap = (c->s.rflags & RFLAGS_TF) ? DR6_BS : 0;
	if (c->dbg_exec && !(c->s.rflags & RFLAGS_RF))
		sw_dbg_exec(c, sw_code_linear(c, c->s.rip));

	struct code_page cp = { .lin_page = ~0ull };
	const struct sw_block *b = block_at(c, &cp, decode_mode_of(c->mode));
	if (b) {
		u = sw_ic_uops(c->ic, b);
		bytes = cp.host + (sw_code_linear(c, c->s.rip) & 0xfff);
	} else {
		fetch_decode(c, &tmp.in, buf);
		tmp.fn = sw_select_handler(c, &tmp.in);
		u = &tmp;
		bytes = buf;
	}
	bool audited = sw_audit_insns(c);
	if (audited)
		sw_audit_before(c, c->s.rip, bytes, u->in.len, c->icount);
	c->next_rip = (c->s.rip + u->in.len) & ip_mask(c);
	u->fn(c, &u->in);
	c->s.rip = c->next_rip;
	c->s.rflags &= ~RFLAGS_RF;   /* RF lasts one instruction */
	c->icount++;
	c->icount_sup += cpl < 3;
	if (audited)
		sw_audit_retired(c);

	/* The #DB trap after an instruction: single-step if it began with TF
	 * set (SYSCALL takes TF as its mask leaves it), data breakpoints it
	 * hit; none if it delivered an event (which cleared TF). MOV SS /
	 * POP SS hold debug traps back with interrupts (SDM Vol. 3, 6.8.3)
	 * until after the next instruction. */
	if (c->last_event.count != events)
		return;
	uint64_t bits = c->db_trap | held;
	if (c->s.ev.shadow & SHADOW_MOVSS) {
		c->db_held = bits;
	} else if (bits) {
		c->s.dr[6] |= bits;
		sw_raise_trap(c, EXC_DB);
	}
}

/* Run the instructions first..last of a block from RIP; returns the last
 * one executed. Only the last instruction of a block may change next_rip
 * (branches and REP string instructions end blocks), so the loop only
 * checks for the end, which sw_block_break moves to the current
 * instruction. Inlined twice: with mask ~0 (64-bit mode) it folds away. */
static inline __attribute__((always_inline)) const struct sw_uop *
exec_uops(struct sw_cpu *c, const struct sw_uop *u, const struct sw_uop *last, uint64_t mask)
{
	uint64_t rip = c->s.rip;
	c->blk_end = (uintptr_t)last;
	for (;;) {
		uint64_t next = rip + u->in.len;
		c->insn_rip = rip;
		c->next_rip = next & mask;
		u->fn(c, &u->in);
		if ((uintptr_t)u >= c->blk_end)
			return u;
		u++;
		rip = next;
	}
}

/* exec_uops for an audited CPL: every instruction's bytes and state are
 * kept before it runs and recorded once it retired. Out of line: the
 * unaudited loop stays as it was. */
static const struct sw_uop *exec_uops_audited(struct sw_cpu *c, const struct sw_uop *u,
                                              const struct sw_uop *last, uint64_t mask,
                                              const uint8_t *page)
{
	uint64_t rip = c->s.rip, icount = c->icount;
	c->blk_end = (uintptr_t)last;
	for (;;) {
		uint64_t next = rip + u->in.len;
		c->insn_rip = rip;
		c->next_rip = next & mask;
		sw_audit_before(c, rip, page + (sw_code_linear(c, rip) & 0xfff), u->in.len,
		                icount++);
		u->fn(c, &u->in);
		sw_audit_retired(c);
		if ((uintptr_t)u >= c->blk_end)
			return u;
		u++;
		rip = next;
	}
}

/* An audited block: counted in the tally, or recorded instruction by
 * instruction. */
static const struct sw_uop *exec_uops_audit(struct sw_cpu *c, const struct sw_uop *first,
                                            const struct sw_uop *last, uint64_t mask,
                                            const struct code_page *cp)
{
	if (!sw_audit_tallies(c))
		return exec_uops_audited(c, first, last, mask, cp->host);
	c->blk_code = cp->host + (sw_code_linear(c, c->s.rip) & 0xfff);
	sw_audit_tally_begin(c, first, last);
	const struct sw_uop *u = exec_uops(c, first, last, mask);
	sw_audit_tally(c, first, u);
	return u;
}

/* The last instruction to run of a block starting at rip: the limit of
 * the budget, or the one after which RIP reaches the stop address. */
static const struct sw_uop *last_uop(const struct sw_uop *first, unsigned n, uint64_t max,
                                     uint64_t rip, uint64_t stop)
{
	const struct sw_uop *last = first + (n < max ? n : max) - 1;
	if (stop != SW_NO_RIP) {
		for (const struct sw_uop *u = first; u < last; u++) {
			rip += u->in.len;
			if (rip == stop)
				return u;
		}
	}
	return last;
}

/* The next block, without a translation while it lies in the page of
 * the last one (64-bit mode, where the linear address is RIP). */
static inline const struct sw_block *next_block(struct sw_cpu *c, struct code_page *cp,
                                                enum decode_mode dm)
{
	uint64_t rip = c->s.rip;
	if (c->mode == MODE_LONG64 && rip >> 12 == cp->lin_page) {
		const struct sw_block *b =
			sw_ic_find(c->ic, sw_ic_key((cp->ppn << 12) | (rip & 0xfff), dm));
		if (b)
			return b;
	}
	return block_at(c, cp, dm);
}

void sw_block_unwound(struct sw_cpu *c)
{
	const struct sw_uop *u = c->blk_first;
	uint64_t rip = c->blk_rip;

	if (!u)
		return;
	/* The instructions before the one at insn_rip retired (no IP wraps
	 * inside a block, see block_at). */
	for (unsigned k = 0; k < c->blk_n && rip != c->insn_rip; k++, u++) {
		rip += u->in.len;
		c->icount++;
		c->icount_sup += c->blk_cpl < 3;
	}
	/* A tallied block (blk_code set for it) counts them too. */
	if (c->blk_code && u != c->blk_first && ((c->audit_cpls >> c->blk_cpl) & 1) && c->tally)
		sw_audit_tally(c, c->blk_first, u - 1);
	c->s.rip = c->insn_rip;
	c->blk_first = NULL;
}

void sw_run_blocks(struct sw_cpu *c, uint64_t max)
{
	struct code_page cp = { .lin_page = ~0ull };
	enum decode_mode dm = decode_mode_of(c->mode);
	uint64_t mask = ip_mask(c), stop = c->run_stop_rip;
	bool m64 = c->mode == MODE_LONG64;

	c->insn_rip = c->next_rip = c->s.rip;
	const struct sw_block *b = block_at(c, &cp, dm);
	if (!b) {
		sw_step(c);
		return;
	}
	for (;;) {
		const struct sw_uop *first = sw_ic_uops(c->ic, b), *u;
		const struct sw_uop *last = last_uop(first, b->n, max, c->s.rip, stop);

		c->brk = false;
		c->blk_first = first;
		c->blk_rip = c->s.rip;
		c->blk_n = b->n;
		c->blk_cpl = c->cpl;
		c->blk_code = NULL;
		if (sw_audit_insns(c))
			u = exec_uops_audit(c, first, last, mask, &cp);
		else if (m64)
			u = exec_uops(c, first, last, ~0ull);
		else
			u = exec_uops(c, first, last, mask);
		c->s.rip = c->next_rip;
		c->blk_first = NULL;
		c->icount += (uint64_t)(u - first) + 1;
		if (c->blk_cpl < 3)
			c->icount_sup += (uint64_t)(u - first) + 1;
		max -= (uint64_t)(u - first) + 1;
		if (c->brk || !max || c->s.rip == stop || (b->stop && u == first + b->n - 1))
			return;
		c->insn_rip = c->next_rip = c->s.rip;
		b = next_block(c, &cp, dm);
		if (!b)
			return;   /* the run loop takes the slow path */
	}
}
