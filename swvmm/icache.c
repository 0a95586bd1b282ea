/* The decoded-instruction cache (design in swvmm/icache.h and
 * docs/swvmm.md): decoding blocks, the code-page records, invalidation
 * by writes and by sw_mem_invalidate. */
#include <string.h>
#include <sys/mman.h>

#include "swvmm/audit.h"
#include "swvmm/cpu.h"
#include "swvmm/icache.h"
#include "swvmm/tlb.h"

/* Several MiB, mostly never touched by a short run: anonymous memory is
 * zero and costs nothing until used (an allocator may clear it all). */
int sw_ic_init(struct sw_cpu *c)
{
	void *p = mmap(NULL, sizeof(*c->ic), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	               -1, 0);
	if (p == MAP_FAILED)
		return -1;
	c->ic = p;
	c->ic->epoch = 1;   /* zeroed records belong to epoch 0: empty */
	return 0;
}

void sw_ic_free(struct sw_cpu *c)
{
	if (c->ic)
		munmap(c->ic, sizeof(*c->ic));
	c->ic = NULL;
}

/* Drop every block and code-page record. */
static void flush_all(struct sw_cpu *c)
{
	struct sw_icache *ic = c->ic;
	sw_audit_tally_fold(c);   /* its counts name instructions of the pool */
	if (++ic->epoch == 0) {
		/* After 2^32 flushes old records could look current again. */
		memset(ic->block, 0, sizeof(ic->block));
		memset(ic->page, 0, sizeof(ic->page));
		ic->epoch = 1;
	}
	ic->pool_used = 0;
	ic->pages_used = 0;
	ic->flushes++;
	sw_block_break(c);
}

static unsigned page_hash(uint64_t ppn)
{
	return (unsigned)((ppn * 0x9e3779b97f4a7c15ull) >> 40) & (SW_IC_PAGES - 1);
}

/* The record of page ppn, created if asked (NULL when the table is as full
 * as it may get). Records stay until the next flush, so blocks can name
 * them by index. */
static struct sw_code_page *page_get(struct sw_icache *ic, uint64_t ppn, bool create)
{
	for (unsigned h = page_hash(ppn);; h = (h + 1) & (SW_IC_PAGES - 1)) {
		struct sw_code_page *p = &ic->page[h];
		if (p->epoch != ic->epoch) {
			if (!create || ic->pages_used >= SW_IC_PAGES_MAX)
				return NULL;
			p->epoch = ic->epoch;
			p->ppn = ppn;
			p->lines = 0;
			p->gen++;
			ic->pages_used++;
			return p;
		}
		if (p->ppn == ppn)
			return p;
	}
}

bool sw_ic_page_has_code(const struct sw_cpu *c, uint64_t ppn)
{
	const struct sw_code_page *p = page_get(c->ic, ppn, false);
	return p && p->lines;
}

/* Bits of the 64-byte lines covering [off, off+len) of a page (len >= 1). */
static uint64_t line_mask(unsigned off, unsigned len)
{
	unsigned first = off >> 6, last = (off + len - 1) >> 6;
	uint64_t hi = last == 63 ? ~0ull : (1ull << (last + 1)) - 1;
	return hi & ~((1ull << first) - 1);
}

/* Instructions after which the run loop must look at the vCPU again
 * (events, halt, stop requests, CPL): the forms the table marks F_STOP,
 * the loads of SS (an interrupt shadow covers the next instruction), and
 * the extension forms, which only raise. (Port I/O that stops the VM
 * calls sw_block_break, swvmm/io.c.) */
static bool stops_run(const struct insn *i)
{
	if (insn_forms[i->form].flags & (F_STOP | F_EXT))
		return true;
	return i->form == IF_POP_SS || i->form == IF_LSS_GvMp;
}

/* A block ends after any of those, after any branch, and after a REP
 * string instruction, which leaves next_rip at itself to go on later: the
 * block loop looks at next_rip after the last instruction only. */
static bool ends_block(const struct insn *i)
{
	uint32_t f = insn_forms[i->form].flags;
	return (f & F_BRANCH) || ((f & F_REP) && (i->flags & (INSN_REP | INSN_REPNE))) ||
	       stops_run(i);
}

const struct sw_block *sw_ic_decode(struct sw_cpu *c, uint64_t gpa, const uint8_t *page,
                                    enum decode_mode dm)
{
	struct sw_icache *ic = c->ic;
	unsigned off = (unsigned)(gpa & 0xfff), pos = off, n = 0;

	if (ic->pool_used + SW_BLOCK_MAX > SW_IC_POOL)
		flush_all(c);
	struct sw_code_page *p = page_get(ic, gpa >> 12, true);
	if (!p) {
		flush_all(c);
		p = page_get(ic, gpa >> 12, true);
	}
	struct sw_uop *u = &ic->pool[ic->pool_used];
	while (n < SW_BLOCK_MAX && pos < 0x1000) {
		int len = decode_insn(page + pos, 0x1000 - pos, dm, &u[n].in);
		if (len < 0)
			break;   /* crosses the page, or faults: left to the caller */
		u[n].fn = sw_select_handler(c, &u[n].in);
		pos += (unsigned)len;
		if (ends_block(&u[n++].in))
			break;
	}
	if (!n)
		return NULL;

	/* Writes to this page must see the code from now on. */
	if (!p->lines)
		sw_tlb_protect_code(c, gpa >> 12);
	if (!p->lines) {
		/* A page newly holding code: cached_pages reports it next. */
		if (ic->fresh_n < SW_IC_FRESH)
			ic->fresh[ic->fresh_n++] = p->ppn;
		else
			ic->fresh_lost = true;
	}
	p->lines |= line_mask(off, pos - off);

	uint64_t key = sw_ic_key(gpa, dm);
	struct sw_block *b = &ic->block[sw_ic_slot(key)];
	b->key = key;
	b->epoch = ic->epoch;
	b->gen = p->gen;
	b->uop = ic->pool_used;
	b->page = (uint16_t)(p - ic->page);
	b->bytes = (uint16_t)(pos - off);
	b->n = (uint8_t)n;
	b->stop = stops_run(&u[n - 1].in);
	ic->pool_used += n;
	ic->decoded++;
	return b;
}

/* One page: [off, off+len) of page ppn was written. */
static void write_page(struct sw_cpu *c, uint64_t ppn, unsigned off, unsigned len)
{
	struct sw_code_page *p = page_get(c->ic, ppn, false);
	if (p && (p->lines & line_mask(off, len))) {
		p->gen++;
		p->lines = 0;
		c->ic->smc++;
		sw_block_break(c);
	}
}

void sw_ic_write(struct sw_cpu *c, uint64_t gpa, uint64_t len)
{
	if (!c->ic->pages_used)
		return;
	while (len) {
		unsigned off = (unsigned)(gpa & 0xfff);
		unsigned l = len < 0x1000u - off ? (unsigned)len : 0x1000u - off;
		write_page(c, gpa >> 12, off, l);
		gpa += l;
		len -= l;
		if (!gpa)
			break;   /* wrapped past the top of the address space */
	}
}

void sw_ic_each_new_code_page(struct sw_cpu *c, void (*fn)(void *opaque, uint64_t gpa),
                              void *opaque)
{
	struct sw_icache *ic = c->ic;
	if (ic->fresh_lost) {
		for (unsigned i = 0; i < SW_IC_PAGES; i++)
			if (ic->page[i].epoch == ic->epoch && ic->page[i].lines)
				fn(opaque, ic->page[i].ppn << 12);
	} else {
		for (unsigned i = 0; i < ic->fresh_n; i++)
			fn(opaque, ic->fresh[i] << 12);
	}
	ic->fresh_n = 0;
	ic->fresh_lost = false;
}

void sw_mem_invalidate(struct sw_cpu *c, uint64_t gpa, uint64_t len)
{
	/* A large range costs more page by page than decoding afresh. */
	if (len > 64 * 0x1000ull)
		flush_all(c);
	else
		sw_ic_write(c, gpa, len);
}
