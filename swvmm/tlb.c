/* The soft TLB: fills, flushes, the slow lookup and sw_translate. An
 * entry caches the translation, the combined permissions, the host
 * address of the page and which accesses may go straight to it (fast
 * bits). The fast bits assume the CR0.WP/CR4.SMEP/SMAP/EFER.NXE in force
 * when they were computed (tlb_ctx) and that the page holds no cached
 * code (sw_tlb_protect_code takes write access away when it starts to). */
#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/icache.h"
#include "swvmm/tlb.h"

/* The last-page shortcuts of swvmm/mem_fast.h hold a translation: any
 * change of the TLB empties them. */
static void forget_last_pages(struct sw_cpu *c)
{
	c->rd_vpn = c->wr_vpn = TLB_EMPTY;
}

/* Call fn on every set that may hold entries; a set fn leaves empty is
 * forgotten. */
static void for_used_sets(struct sw_cpu *c, void (*fn)(struct sw_tlb_entry *set, uint64_t arg),
                          uint64_t arg)
{
	for (unsigned k = 0; k < SW_TLB_SETS / 64; k++) {
		uint64_t m = c->tlb_sets_used[k], keep = 0;
		while (m) {
			unsigned bit = (unsigned)__builtin_ctzll(m);
			struct sw_tlb_entry *set = c->tlb[k * 64 + bit];
			m &= m - 1;
			fn(set, arg);
			for (unsigned w = 0; w < SW_TLB_WAYS; w++)
				if (set[w].vpn != TLB_EMPTY)
					keep |= 1ull << bit;
		}
		c->tlb_sets_used[k] = keep;
	}
}

void sw_tlb_reset(struct sw_cpu *c)
{
	for (unsigned s = 0; s < SW_TLB_SETS; s++)
		for (unsigned w = 0; w < SW_TLB_WAYS; w++)
			c->tlb[s][w].vpn = TLB_EMPTY;
	for (unsigned k = 0; k < SW_TLB_SETS / 64; k++)
		c->tlb_sets_used[k] = 0;
	forget_last_pages(c);
	sw_block_break(c);
}

static void flush_set(struct sw_tlb_entry *set, uint64_t keep_global)
{
	for (unsigned w = 0; w < SW_TLB_WAYS; w++)
		if (!keep_global || !(set[w].perm & TLB_G))
			set[w].vpn = TLB_EMPTY;
}

void sw_tlb_flush(struct sw_cpu *c, bool keep_global)
{
	forget_last_pages(c);
	for_used_sets(c, flush_set, keep_global);
	sw_block_break(c);   /* a decoded block may continue in a page now unmapped */
}

/* A large page may sit in several entries (one per 4 KiB piece used):
 * drop every entry that came from the page containing lin. */
static void flush_page_set(struct sw_tlb_entry *set, uint64_t lin)
{
	for (unsigned w = 0; w < SW_TLB_WAYS; w++) {
		struct sw_tlb_entry *e = &set[w];
		if (e->vpn == TLB_EMPTY)
			continue;
		unsigned sh = e->shift ? e->shift : 12;
		if (((e->vpn << 12) >> sh) == (lin >> sh))
			e->vpn = TLB_EMPTY;
	}
}

void sw_tlb_flush_page(struct sw_cpu *c, uint64_t lin)
{
	forget_last_pages(c);
	for_used_sets(c, flush_page_set, lin);
	sw_block_break(c);
}

static unsigned tlb_context(const struct sw_cpu *c)
{
	return (c->s.cr0 & CR0_WP ? 1u : 0) | (c->s.cr4 & CR4_SMEP ? 2u : 0) |
	       (c->s.cr4 & CR4_SMAP ? 4u : 0) | (c->s.efer & EFER_NXE ? 8u : 0) |
	       (c->s.cr0 & CR0_PG ? 16u : 0) | 32u;
}

void sw_tlb_check_context(struct sw_cpu *c)
{
	unsigned ctx = tlb_context(c);
	if (ctx != c->tlb_ctx) {
		sw_tlb_flush(c, false);
		c->tlb_ctx = ctx;
	}
}

static void protect_set(struct sw_tlb_entry *set, uint64_t ppn)
{
	for (unsigned w = 0; w < SW_TLB_WAYS; w++)
		if (set[w].vpn != TLB_EMPTY && set[w].ppn == ppn)
			set[w].fast &= (uint8_t)~(TLBF_W | TLBF_W << TLBF_USER_SHIFT);
}

void sw_tlb_protect_code(struct sw_cpu *c, uint64_t ppn)
{
	forget_last_pages(c);
	for_used_sets(c, protect_set, ppn);
}

/* Which accesses to a page with permissions perm need no further check
 * under the current context: the slow path (sw_tlb_get) decides the rest,
 * e.g. supervisor data accesses to user pages under SMAP, which depend on
 * EFLAGS.AC. */
static unsigned fast_bits(const struct sw_cpu *c, unsigned perm, bool paging, bool writable)
{
	if (!paging)
		return writable ? 0x3f : 0x3f & ~(TLBF_W | TLBF_W << TLBF_USER_SHIFT);
	bool u = perm & TLB_U, nx = perm & TLB_NX;
	bool smap = c->s.cr4 & CR4_SMAP, smep = c->s.cr4 & CR4_SMEP;
	bool wok = writable && (perm & TLB_D);
	unsigned f = 0;
	if (!(u && smap)) {
		f |= TLBF_R;
		if (wok && ((perm & TLB_W) || !(c->s.cr0 & CR0_WP)))
			f |= TLBF_W;
	}
	if (!nx && !(u && smep))
		f |= TLBF_X;
	if (u) {
		f |= TLBF_R << TLBF_USER_SHIFT;
		if (wok && (perm & TLB_W))
			f |= TLBF_W << TLBF_USER_SHIFT;
		if (!nx)
			f |= TLBF_X << TLBF_USER_SHIFT;
	}
	return f;
}

struct sw_tlb_entry *sw_tlb_fill(struct sw_cpu *c, uint64_t lin, uint64_t gpa, unsigned perm,
                                 unsigned shift)
{
	uint64_t vpn = lin >> 12, ppn = gpa >> 12;
	unsigned si = sw_tlb_set(vpn);

	forget_last_pages(c);
	struct sw_tlb_entry *set = c->tlb[si], *e = &set[0];
	/* A non-canonical page is never entered (a walk in long mode may be
	 * asked for one through a descriptor-table base): so a hit on the
	 * fast paths proves the address canonical. */
	if ((c->s.efer & EFER_LMA) && !sw_canonical(lin)) {
		e = &c->tlb_scratch;
	} else {
		c->tlb_sets_used[si / 64] |= 1ull << (si % 64);
		/* Most recent in way 0; a stale copy of the same page is dropped. */
		if (set[0].vpn != vpn)
			set[1] = set[0];
	}
	const struct gmem_region *r = gmem_find(&c->vm->mem, ppn << 12, 0x1000);
	/* Logged writes (swvmm/written.h) all take the slow path. */
	bool writable = r && r->kind == GMEM_RAM && !sw_ic_page_has_code(c, ppn) &&
	                !c->wlog.on;

	e->vpn = vpn;
	e->ppn = ppn;
	e->host = r ? r->host + ((ppn << 12) - r->gpa) : NULL;
	e->perm = (uint8_t)perm;
	e->shift = (uint8_t)shift;
	e->fast = r ? (uint8_t)fast_bits(c, perm, c->s.cr0 & CR0_PG, writable) : 0;
	return e;
}

const struct sw_tlb_entry *sw_tlb_get(struct sw_cpu *c, uint64_t lin, unsigned acc)
{
	uint64_t vpn = lin >> 12, gpa;
	unsigned pfec;
	struct sw_tlb_entry *set = c->tlb[sw_tlb_set(vpn)];

	for (unsigned w = 0; w < SW_TLB_WAYS; w++) {
		const struct sw_tlb_entry *e = &set[w];
		if (e->vpn != vpn)
			continue;
		if (!(c->s.cr0 & CR0_PG))
			return e;
		if (!sw_mmu_perm_violation(c, e->perm, acc) &&
		    (!(acc & ACC_WRITE) || (e->perm & TLB_D)))
			return e;
		break;
	}
	if (!(c->s.cr0 & CR0_PG))
		return sw_tlb_fill(c, lin, lin & 0xffffffffull, TLB_W | TLB_U | TLB_D, 12);
	/* Miss, a write to a clean page, or a violation: walk again (a fault
	 * is decided on the entries in memory, as after a TLB invalidation). */
	if (sw_mmu_walk(c, lin, acc, &gpa, &pfec))
		sw_raise_pf(c, lin, pfec);
	return set[0].vpn == vpn ? &set[0] : &c->tlb_scratch;   /* what the walk filled */
}

uint64_t sw_translate(struct sw_cpu *c, uint64_t lin, unsigned acc)
{
	const struct sw_tlb_entry *e = sw_tlb_hit(c, lin, sw_tlb_fast_bit(c, acc));
	if (!e)
		e = sw_tlb_get(c, lin, acc);
	return (e->ppn << 12) | (lin & 0xfff);
}
