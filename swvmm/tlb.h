/* The soft TLB's fast path, shared by data accesses (swvmm/mem.c) and
 * instruction fetch (swvmm/sw_engine.c); fills, flushes and the slow path
 * are in swvmm/mmu.c. */
#ifndef HVMM_SWVMM_TLB_H
#define HVMM_SWVMM_TLB_H

#include "swvmm/cpu.h"

#define TLB_EMPTY (~0ull)

/* Consecutive pages take consecutive sets; folding in the higher bits
 * sends pages a power of two apart (>= 256 pages) to different sets. */
static inline unsigned sw_tlb_set(uint64_t vpn)
{
	return (unsigned)(vpn ^ (vpn >> 8) ^ (vpn >> 16)) & (SW_TLB_SETS - 1);
}

/* The TLBF_* bit an access of kind acc (ACC_*) needs at the current CPL. */
static inline unsigned sw_tlb_fast_bit(const struct sw_cpu *c, unsigned acc)
{
	unsigned b = (acc & ACC_WRITE) ? TLBF_W : (acc & ACC_FETCH) ? TLBF_X : TLBF_R;
	if (c->cpl == 3 && !(acc & ACC_SYS))
		b <<= TLBF_USER_SHIFT;
	return b;
}

/* The entry for lin if it allows the access bit without further checks,
 * else NULL (then take the slow path: sw_tlb_get). */
static inline const struct sw_tlb_entry *sw_tlb_hit(const struct sw_cpu *c, uint64_t lin,
                                                    unsigned bit)
{
	uint64_t vpn = lin >> 12;
	const struct sw_tlb_entry *s = c->tlb[sw_tlb_set(vpn)];
	if (s[0].vpn == vpn && (s[0].fast & bit))
		return &s[0];
	if (s[1].vpn == vpn && (s[1].fast & bit))
		return &s[1];
	return NULL;
}

/* The entry for lin checked for an access acc: walks the page tables on a
 * miss (filling the TLB), raises #PF on a violation. Its host pointer may
 * be NULL (MMIO) and its fast bits need not include acc. */
const struct sw_tlb_entry *sw_tlb_get(struct sw_cpu *c, uint64_t lin, unsigned acc);

/* Enter a translation (way 0 of its set); perm holds TLB_* bits. */
struct sw_tlb_entry *sw_tlb_fill(struct sw_cpu *c, uint64_t lin, uint64_t gpa, unsigned perm,
                                 unsigned shift);

/* Does an access acc violate the combined permissions perm (swvmm/mmu.c)? */
bool sw_mmu_perm_violation(const struct sw_cpu *c, unsigned perm, unsigned acc);

/* Empty every entry (a new CPU). */
void sw_tlb_reset(struct sw_cpu *c);

/* Recompute the fast bits' assumptions after CR0/CR4/EFER changed. */
void sw_tlb_check_context(struct sw_cpu *c);

/* Writes to guest physical page ppn must take the slow path from now on
 * (it holds cached code): clear TLBF_W on every entry that maps it. */
void sw_tlb_protect_code(struct sw_cpu *c, uint64_t ppn);

#endif
