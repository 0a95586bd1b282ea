/* minios memory management: the kernel's page tables, the frame pool and
 * per-process address spaces.
 *
 * The kernel half, the same in every address space and supervisor-only:
 * [0, 1 GiB) identity-mapped (2 MiB pages, except the first 2 MiB, which
 * get 4 KiB pages so that page 0 stays unmapped), and the local APIC's
 * page at 0xfee00000, uncached. Each process has its own PML4 and PDPT;
 * their entries for the kernel half point at the shared kernel directories
 * without U/S, and PDPT entry 1 ([1 GiB, 2 GiB)) leads to the process's
 * own user tables, the only ones with U/S=1. */
#include "lib/rt.h"
#include "lib/sysregs.h"
#include "minios/kernel.h"

static uint64_t kpml4[512] __attribute__((aligned(4096)));
static uint64_t kpdpt[512] __attribute__((aligned(4096)));
static uint64_t kpd_low[512] __attribute__((aligned(4096)));	/* [0, 1G) */
static uint64_t kpt_low[512] __attribute__((aligned(4096)));	/* [0, 2M) */
static uint64_t kpd_apic[512] __attribute__((aligned(4096)));	/* [3G, 4G) */
static uint64_t kpt_apic[512] __attribute__((aligned(4096)));

static uint64_t pool_next = POOL_BASE;

static uint64_t *table(uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static void zero_page(uint64_t pa)
{
	void *d = table(pa);
	uint64_t n = PAGE_SIZE / 8;

	__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0UL) : "memory");
}

void copy_page(uint64_t dst_pa, const void *src)
{
	void *d = table(dst_pa);
	uint64_t n = PAGE_SIZE / 8;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
}

void mm_init(void)
{
	unsigned int apic_pd = (LAPIC_BASE >> 21) & 511;
	unsigned int apic_pdpt = (LAPIC_BASE >> 30) & 511;

	for (unsigned int i = 1; i < 512; i++) {
		kpt_low[i] = (uint64_t)i << 12 | PTE_P | PTE_W;
		kpd_low[i] = (uint64_t)i << 21 | PTE_P | PTE_W | PTE_PS;
	}
	kpd_low[0] = (uintptr_t)kpt_low | PTE_P | PTE_W;
	kpt_apic[(LAPIC_BASE >> 12) & 511] =
		LAPIC_BASE | PTE_P | PTE_W | PTE_PCD | PTE_PWT;
	kpd_apic[apic_pd] = (uintptr_t)kpt_apic | PTE_P | PTE_W;
	kpdpt[0] = (uintptr_t)kpd_low | PTE_P | PTE_W;
	kpdpt[apic_pdpt] = (uintptr_t)kpd_apic | PTE_P | PTE_W;
	kpml4[0] = (uintptr_t)kpdpt | PTE_P | PTE_W;
	write_cr3((uintptr_t)kpml4);
}

uint64_t frame_alloc(void)
{
	uint64_t pa;

	if (pool_next >= POOL_END)
		return 0;
	pa = pool_next;
	pool_next += PAGE_SIZE;
	zero_page(pa);
	return pa;
}

uint64_t frames_used(void)
{
	return (pool_next - POOL_BASE) / PAGE_SIZE;
}

uint64_t space_create(void)
{
	uint64_t pml4 = frame_alloc(), pdpt = frame_alloc();

	if (!pml4 || !pdpt)
		return 0;
	/* U/S=1 on the upper levels lets the user entries below decide;
	 * the kernel entries of the PDPT have it clear. */
	table(pml4)[0] = pdpt | PTE_P | PTE_W | PTE_U;
	for (unsigned int i = 0; i < 512; i++)
		table(pdpt)[i] = kpdpt[i];
	return pml4;
}

/* The entry for va at the last level, or NULL; with alloc, missing tables
 * on the way are created (user ones only: va must be in [1G, 2G)). */
static uint64_t *walk(uint64_t pml4, uint64_t va, int alloc)
{
	uint64_t *t = table(pml4);

	for (unsigned int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];

		if (!(*e & PTE_P)) {
			uint64_t pa;

			if (!alloc || !(pa = frame_alloc()))
				return NULL;
			*e = pa | PTE_P | PTE_W | PTE_U;
		}
		if (*e & PTE_PS)
			return NULL;
		t = table(*e & PTE_ADDR);
	}
	return &t[(va >> 12) & 511];
}

int space_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *e;

	if (va < USER_BASE || va >= 2 * (uint64_t)USER_BASE)
		return -1;
	e = walk(pml4, va, 1);
	if (!e)
		return -1;
	*e = pa | flags;
	return 0;
}

int space_is_mapped(uint64_t pml4, uint64_t va)
{
	uint64_t *e = walk(pml4, va, 0);

	return e && (*e & PTE_P);
}
