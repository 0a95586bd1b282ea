/* linuxabi's user memory: one address space, regions and pages.
 *
 * The kernel keeps lib/longmode.S's tables: the first 4 GiB identity-mapped
 * by 2 MiB pages, supervisor-only. The first 4 MiB stay so (the kernel
 * image lies there); the rest of the first gigabyte becomes the user half,
 * with page tables from a static pool and frames from physical memory
 * above 4 MiB. The kernel never reaches those frames by their physical
 * address: it maps a frame first and then writes it through its user
 * address (CR0.WP is clear, so read-only user pages do not stop it).
 *
 * What the program may use is a list of regions (start, end, Linux
 * protection), as Linux's mappings are: the program's segments, the
 * break, anonymous mappings, the stack. A page of a region gets its frame
 * on first touch, zeroed. PROT_NONE leaves the entry not present but
 * keeps the frame in it, for a later mprotect. Frames are never freed. */
#include "lib/rt.h"
#include "lib/sysregs.h"
#include "linuxabi/linuxabi.h"

#define NR_PT		64	/* page tables: 128 MiB of user space */
#define NR_REGIONS	64

struct region {
	uint64_t start, end;	/* page-aligned, start < end; 0 ends: free */
	unsigned int prot;
};

extern uint64_t lm_pml4[512], lm_pdpt[512], lm_pd[4 * 512];

static uint64_t pts[NR_PT][512] __attribute__((aligned(4096)));
static unsigned int pts_used;
static struct region regions[NR_REGIONS];
static uint64_t pool_next, pool_end;

void umm_init(uint64_t ram_top)
{
	/* The user half's directory entries start empty: 4 MiB and up. */
	for (uint64_t i = USER_LOW >> 21; i < USER_HIGH >> 21; i++)
		lm_pd[i] = 0;
	lm_pdpt[0] |= PTE_U;
	lm_pml4[0] |= PTE_U;
	write_cr3(read_cr3());
	pool_next = USER_LOW;
	pool_end = ram_top;
}

static void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* The last-level entry for va in the user half, or NULL; with alloc, a
 * missing page table is taken from the pool. */
static uint64_t *pte_of(uint64_t va, int alloc)
{
	uint64_t *pde = &lm_pd[va >> 21];

	if (!(*pde & PTE_P)) {
		if (!alloc || pts_used == NR_PT)
			return NULL;
		*pde = (uintptr_t)pts[pts_used++] | PTE_P | PTE_W | PTE_U;
	}
	return &((uint64_t *)(uintptr_t)(*pde & PTE_ADDR))[(va >> 12) & 511];
}

static uint64_t pte_flags(unsigned int prot)
{
	if (!prot)
		return 0;
	return PTE_P | PTE_U | (prot & PROT_WRITE ? PTE_W : 0);
}

/* Apply prot to every page of [start, end) that has a frame, or drop the
 * frames (drop). */
static void pages_update(uint64_t start, uint64_t end, unsigned int prot, int drop)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		uint64_t *e = pte_of(va, 0);

		if (!e || !(*e & PTE_ADDR))
			continue;
		*e = drop ? 0 : (*e & PTE_ADDR) | pte_flags(prot);
		invlpg(va);
	}
}

static struct region *region_slot(void)
{
	for (unsigned int i = 0; i < NR_REGIONS; i++)
		if (!regions[i].end)
			return &regions[i];
	return NULL;
}

/* Cut [start, end) out of every region; with keep, give it prot as a
 * region of its own. -1 when the table is full. */
static int regions_set(uint64_t start, uint64_t end, int keep, unsigned int prot)
{
	for (unsigned int i = 0; i < NR_REGIONS; i++) {
		struct region *r = &regions[i], *right;

		if (!r->end || r->end <= start || r->start >= end)
			continue;
		if (r->start < start && r->end > end) {
			if (!(right = region_slot()))
				return -1;
			*right = (struct region){ end, r->end, r->prot };
			r->end = start;
		} else if (r->start < start) {
			r->end = start;
		} else if (r->end > end) {
			r->start = end;
		} else {
			r->end = 0;
		}
	}
	if (!keep)
		return 0;
	/* One region with a neighbour of the same protection. */
	for (unsigned int i = 0; i < NR_REGIONS; i++) {
		struct region *r = &regions[i];

		if (r->end && r->prot == prot && (r->end == start || r->start == end)) {
			r->start = r->start < start ? r->start : start;
			r->end = r->end > end ? r->end : end;
			return 0;
		}
	}
	struct region *n = region_slot();

	if (!n)
		return -1;
	*n = (struct region){ start, end, prot };
	return 0;
}

static int user_range(uint64_t start, uint64_t end)
{
	return start >= USER_LOW && end <= USER_HIGH && start < end;
}

int region_add(uint64_t start, uint64_t end, unsigned int prot)
{
	if (!user_range(start, end))
		return -1;
	pages_update(start, end, 0, 1);
	return regions_set(start, end, 1, prot);
}

int region_remove(uint64_t start, uint64_t end)
{
	if (!user_range(start, end))
		return -1;
	pages_update(start, end, 0, 1);
	return regions_set(start, end, 0, 0);
}

static const struct region *region_at(uint64_t va)
{
	for (unsigned int i = 0; i < NR_REGIONS; i++)
		if (regions[i].end && va >= regions[i].start && va < regions[i].end)
			return &regions[i];
	return NULL;
}

int region_prot(uint64_t va)
{
	const struct region *r = region_at(va);

	return r ? (int)r->prot : -1;
}

/* Like Linux, only for a range that is mapped throughout. */
int region_protect(uint64_t start, uint64_t end, unsigned int prot)
{
	if (!user_range(start, end))
		return -1;
	for (uint64_t va = start; va < end; va += PAGE_SIZE)
		if (!region_at(va))
			return -1;
	if (regions_set(start, end, 1, prot))
		return -1;
	pages_update(start, end, prot, 0);
	return 0;
}

int user_fault(uint64_t addr, int write)
{
	const struct region *r = region_at(addr);
	uint64_t va = PAGE_DOWN(addr), *e;

	if (!r || !r->prot || (write && !(r->prot & PROT_WRITE)))
		return -1;
	if (!(e = pte_of(va, 1)))
		return -1;
	if (*e & PTE_P)
		return 0;	/* present, and the region allows the access */
	if (!(*e & PTE_ADDR)) {
		uint64_t n = PAGE_SIZE / 8;
		void *d = (void *)(uintptr_t)va;

		if (pool_next + PAGE_SIZE > pool_end)
			return -1;
		*e = pool_next | PTE_P | PTE_W;
		pool_next += PAGE_SIZE;
		invlpg(va);
		__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0UL) : "memory");
	}
	*e = (*e & PTE_ADDR) | pte_flags(r->prot);
	invlpg(va);
	return 0;
}

int user_access(uint64_t addr, uint64_t len, int write)
{
	if (!len)
		return 0;
	if (addr < USER_LOW || addr >= USER_HIGH || len > USER_HIGH - addr)
		return -1;
	for (uint64_t va = PAGE_DOWN(addr); va < addr + len; va += PAGE_SIZE)
		if (user_fault(va, write))
			return -1;
	return 0;
}
