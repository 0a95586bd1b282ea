/* Paging: the 32-bit, PAE and 4-level walks (Intel SDM Vol. 3, chapter 4),
 * permission checks and accessed/dirty bits. A successful walk fills the
 * soft TLB (swvmm/tlb.c). */
#include <errno.h>

#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/icache.h"
#include "swvmm/tlb.h"
#include "swvmm/written.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_XD   (1ull << 63)

/* ---- paging-structure entries in guest physical memory ---- */

static uint64_t pte_read(struct sw_cpu *c, uint64_t gpa, unsigned size)
{
	uint64_t v = 0;
	void *p = gmem_ptr(&c->vm->mem, gpa, size);
	if (p) {
		__builtin_memcpy(&v, p, size);
		return v;
	}
	/* Paging structures outside RAM: read what the bus returns. */
	bus_access(&c->vm->bus, BUS_MMIO, gpa, &v, size, false);
	return v;
}

static void pte_set(struct sw_cpu *c, uint64_t gpa, unsigned size, uint64_t bits)
{
	const struct gmem_region *r = gmem_find(&c->vm->mem, gpa, size);
	if (!r || r->kind != GMEM_RAM)
		return;
	uint8_t *p = r->host + (gpa - r->gpa);
	/* A and D live in the low byte of every entry format. */
	__atomic_fetch_or(p, (uint8_t)bits, __ATOMIC_RELAXED);
	sw_ic_write(c, gpa, 1);   /* page tables may share a page with code */
	sw_written_note(c, gpa, 1);
}

/* ---- checks ---- */

static bool user_access(const struct sw_cpu *c, unsigned acc)
{
	return c->cpl == 3 && !(acc & ACC_SYS);
}

bool sw_mmu_perm_violation(const struct sw_cpu *c, unsigned perm, unsigned acc)
{
	bool write = acc & ACC_WRITE, fetch = acc & ACC_FETCH;

	if (user_access(c, acc)) {
		if (!(perm & TLB_U))
			return true;
		if (write && !(perm & TLB_W))
			return true;
	} else {
		if (write && !(perm & TLB_W) && (c->s.cr0 & CR0_WP))
			return true;
		if (perm & TLB_U) {
			if (fetch && (c->s.cr4 & CR4_SMEP))
				return true;
			/* SMAP: implicit supervisor accesses always, explicit
			 * ones unless EFLAGS.AC allows them. */
			if (!fetch && (c->s.cr4 & CR4_SMAP) &&
			    ((acc & ACC_SYS) || !(c->s.rflags & RFLAGS_AC)))
				return true;
		}
	}
	return fetch && (perm & TLB_NX);
}

static unsigned base_pfec(const struct sw_cpu *c, unsigned acc)
{
	unsigned pfec = 0;
	bool pae = c->s.cr4 & CR4_PAE;

	if (acc & ACC_WRITE)
		pfec |= PFEC_W;
	if (user_access(c, acc))
		pfec |= PFEC_U;
	if ((acc & ACC_FETCH) &&
	    ((pae && (c->s.efer & EFER_NXE)) || (c->s.cr4 & CR4_SMEP)))
		pfec |= PFEC_I;
	return pfec;
}

/* Bits 51:MAXPHYADDR of a PAE/4-level entry, and XD unless EFER.NXE. */
static uint64_t rsvd_common(const struct sw_cpu *c)
{
	uint64_t m = ((1ull << 52) - 1) & ~((1ull << c->maxphyaddr) - 1);
	if (!(c->s.efer & EFER_NXE))
		m |= PTE_XD;
	return m;
}

static uint64_t rsvd_pae_pdpte(const struct sw_cpu *c)
{
	/* Bits 2:1, 8:5, 63 and 63:MAXPHYADDR (SDM Table 4-8). */
	return (((1ull << 52) - 1) & ~((1ull << c->maxphyaddr) - 1)) | 0x1e6ull | PTE_XD |
	       (0xfffull << 52);
}

int sw_mmu_load_pdptes(struct sw_cpu *c)
{
	const struct vcpu_state *s = &c->s;
	uint64_t pd[4];

	if (!(s->cr0 & CR0_PG) || !(s->cr4 & CR4_PAE) || (s->efer & EFER_LMA))
		return 0;
	for (unsigned i = 0; i < 4; i++) {
		pd[i] = pte_read(c, (s->cr3 & 0xffffffe0ull) + 8 * i, 8);
		if ((pd[i] & PTE_P) && (pd[i] & rsvd_pae_pdpte(c)))
			return -EINVAL;
	}
	for (unsigned i = 0; i < 4; i++)
		c->pdpte[i] = pd[i];
	return 0;
}

/* ---- the walk ---- */

struct walk {
	uint64_t ent_gpa[4];   /* entries to mark accessed */
	uint64_t ent_val[4];   /* ... and what they held */
	unsigned ent_size;
	unsigned n;
	uint64_t leaf;         /* the entry that mapped the page */
	uint64_t page_base;    /* physical base of the page */
	unsigned shift;        /* page size */
	unsigned perm;         /* TLB_W/U/NX combined */
};

/* Read one level: fills *e, returns 0, or a fault code (PFEC without the
 * access bits): 0x100 for "not present", PFEC_P|PFEC_RSVD for reserved. */
#define WALK_NP 0x100u

static unsigned walk_level(struct sw_cpu *c, struct walk *w, uint64_t gpa, uint64_t rsvd,
                           uint64_t *e)
{
	*e = pte_read(c, gpa, w->ent_size);
	if (!(*e & PTE_P))
		return WALK_NP;
	if (*e & rsvd)
		return PFEC_P | PFEC_RSVD;
	w->ent_val[w->n] = *e;
	w->ent_gpa[w->n++] = gpa;
	if (!(*e & PTE_W))
		w->perm &= ~TLB_W;
	if (!(*e & PTE_U))
		w->perm &= ~TLB_U;
	if ((*e & PTE_XD) && (c->s.efer & EFER_NXE))
		w->perm |= TLB_NX;
	return 0;
}

static unsigned walk_32(struct sw_cpu *c, struct walk *w, uint64_t lin)
{
	uint64_t pde, pte;
	unsigned f;

	w->ent_size = 4;
	f = walk_level(c, w, (c->s.cr3 & 0xfffff000ull) + ((lin >> 22) & 0x3ff) * 4, 0, &pde);
	if (f)
		return f;
	if ((pde & PTE_PS) && (c->s.cr4 & CR4_PSE)) {
		/* 4 MiB page; PSE-36 puts physical bits 39:32 in 20:13. */
		uint64_t hi = (pde >> 13) & 0xff;
		uint64_t rsvd = 1ull << 21;
		if (c->maxphyaddr < 40)
			rsvd |= (0xffull << 13) & ~((1ull << (13 + c->maxphyaddr - 32)) - 1);
		if (pde & rsvd)
			return PFEC_P | PFEC_RSVD;
		w->leaf = pde;
		w->page_base = (pde & 0xffc00000ull) | (hi << 32);
		w->shift = 22;
		return 0;
	}
	f = walk_level(c, w, (pde & 0xfffff000ull) + ((lin >> 12) & 0x3ff) * 4, 0, &pte);
	if (f)
		return f;
	w->leaf = pte;
	w->page_base = pte & 0xfffff000ull;
	w->shift = 12;
	return 0;
}

/* PD and PT levels, common to PAE and 4-level paging. */
static unsigned walk_pd_pt(struct sw_cpu *c, struct walk *w, uint64_t lin, uint64_t pd_base)
{
	uint64_t rs = rsvd_common(c), pde, pte, addr = ((1ull << 52) - 1) & ~0xfffull;
	unsigned f = walk_level(c, w, pd_base + ((lin >> 21) & 0x1ff) * 8, rs, &pde);
	if (f)
		return f;
	if (pde & PTE_PS) {
		if (pde & (0xffull << 13))   /* bits 20:13 */
			return PFEC_P | PFEC_RSVD;
		w->leaf = pde;
		w->page_base = pde & addr & ~0x1fffffull;
		w->shift = 21;
		return 0;
	}
	f = walk_level(c, w, (pde & addr) + ((lin >> 12) & 0x1ff) * 8, rs, &pte);
	if (f)
		return f;
	w->leaf = pte;
	w->page_base = pte & addr;
	w->shift = 12;
	return 0;
}

static unsigned walk_pae(struct sw_cpu *c, struct walk *w, uint64_t lin)
{
	uint64_t pdpte = c->pdpte[(lin >> 30) & 3];

	w->ent_size = 8;
	if (!(pdpte & PTE_P))
		return WALK_NP;
	if (pdpte & rsvd_pae_pdpte(c))
		return PFEC_P | PFEC_RSVD;
	/* PDPTEs are registers here: no A bit, no R/W or U/S. */
	return walk_pd_pt(c, w, lin, pdpte & ((1ull << 52) - 1) & ~0xfffull);
}

static unsigned walk_4level(struct sw_cpu *c, struct walk *w, uint64_t lin)
{
	uint64_t rs = rsvd_common(c), addr = ((1ull << 52) - 1) & ~0xfffull, e;
	unsigned f;

	w->ent_size = 8;
	f = walk_level(c, w, (c->s.cr3 & addr) + ((lin >> 39) & 0x1ff) * 8, rs | PTE_PS, &e);
	if (f)
		return f;
	uint64_t pdpt_rs = rs | (c->has_1g_pages ? 0 : PTE_PS);
	f = walk_level(c, w, (e & addr) + ((lin >> 30) & 0x1ff) * 8, pdpt_rs, &e);
	if (f)
		return f;
	if (e & PTE_PS) {
		if (e & (0x1ffffull << 13))  /* bits 29:13 */
			return PFEC_P | PFEC_RSVD;
		w->leaf = e;
		w->page_base = e & addr & ~0x3fffffffull;
		w->shift = 30;
		return 0;
	}
	return walk_pd_pt(c, w, lin, e & addr);
}

/* A on the first n entries of w (no store where it is set already). */
static void mark_accessed(struct sw_cpu *c, const struct walk *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!(w->ent_val[i] & PTE_A))
			pte_set(c, w->ent_gpa[i], w->ent_size, PTE_A);
}

int sw_mmu_walk(struct sw_cpu *c, uint64_t lin, unsigned acc, uint64_t *gpa, unsigned *pfec)
{
	const struct vcpu_state *s = &c->s;
	struct walk w = { .perm = TLB_W | TLB_U };
	unsigned f;

	if (!(s->cr0 & CR0_PG)) {
		*gpa = lin & 0xffffffffull;
		return 0;
	}
	if (!(s->cr4 & CR4_PAE))
		f = walk_32(c, &w, lin);
	else if (!(s->efer & EFER_LMA))
		f = walk_pae(c, &w, lin);
	else
		f = walk_4level(c, &w, lin);

	if (!f && sw_mmu_perm_violation(c, w.perm, acc))
		f = PFEC_P;
	if (f) {
		/* The entries above the one that failed were used to translate:
		 * they get A (SDM vol. 3, 4.8), as on hardware; a permission
		 * fault's leaf does not. */
		mark_accessed(c, &w, (f == PFEC_P && w.n) ? w.n - 1 : w.n);
		*pfec = (f & ~WALK_NP) | base_pfec(c, acc);
		return -EFAULT;
	}

	/* Success: A on every entry used, D on the page for a write. */
	mark_accessed(c, &w, w.n);
	bool dirty = w.leaf & PTE_D;
	if ((acc & ACC_WRITE) && !dirty) {
		pte_set(c, w.ent_gpa[w.n - 1], w.ent_size, PTE_D);
		dirty = true;
	}

	uint64_t mask = (1ull << w.shift) - 1;
	*gpa = w.page_base + (lin & mask);

	sw_tlb_fill(c, lin, *gpa, w.perm | (dirty ? TLB_D : 0) |
	            ((w.leaf & PTE_G) && (s->cr4 & CR4_PGE) ? TLB_G : 0), w.shift);
	return 0;
}
