#include "core/pagewalk.h"

#include <errno.h>
#include <string.h>

#define PTE_P   1ull
#define PTE_PS  (1ull << 7)

static int read_entry(const struct guest_mem *m, uint64_t gpa, unsigned size, uint64_t *v)
{
	const void *p = gmem_ptr(m, gpa, size);
	if (!p)
		return -EFAULT;
	*v = 0;
	memcpy(v, p, size);
	return 0;
}

/* PAE and 4-level entries: bits 51:12 address the next level or page. */
#define ADDR_MASK 0x000ffffffffff000ull

static int walk_long(const struct guest_mem *m, const struct vcpu_state *s,
                     uint64_t lin, uint64_t *gpa, bool four_level)
{
	uint64_t e, table;
	unsigned level;

	if (four_level) {
		table = s->cr3 & ADDR_MASK;
		level = 4;
	} else {
		/* PAE: the PDPTE the CPU loaded comes from CR3 bits 31:5. */
		if (read_entry(m, (s->cr3 & 0xffffffe0u) + ((lin >> 30) & 3) * 8, 8, &e) ||
		    !(e & PTE_P))
			return -EFAULT;
		table = e & ADDR_MASK;
		level = 2;
	}
	for (; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		if (read_entry(m, table + ((lin >> shift) & 511) * 8, 8, &e) || !(e & PTE_P))
			return -EFAULT;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
			uint64_t off = lin & ((1ull << shift) - 1);
			*gpa = ((e & ADDR_MASK) & ~((1ull << shift) - 1)) + off;
			return 0;
		}
		table = e & ADDR_MASK;
	}
	return -EFAULT;
}

static int walk_32(const struct guest_mem *m, const struct vcpu_state *s,
                   uint64_t lin, uint64_t *gpa)
{
	uint64_t pde, pte;

	lin &= 0xffffffffu;
	if (read_entry(m, (s->cr3 & 0xfffff000u) + (lin >> 22) * 4, 4, &pde) || !(pde & PTE_P))
		return -EFAULT;
	if ((pde & PTE_PS) && (s->cr4 & CR4_PSE)) {
		/* PSE-36: bits 20:13 give physical address bits 39:32. */
		uint64_t base = (pde & 0xffc00000u) | ((pde >> 13) & 0xffull) << 32;
		*gpa = base + (lin & 0x3fffff);
		return 0;
	}
	if (read_entry(m, (pde & 0xfffff000u) + ((lin >> 12) & 1023) * 4, 4, &pte) || !(pte & PTE_P))
		return -EFAULT;
	*gpa = (pte & 0xfffff000u) + (lin & 0xfff);
	return 0;
}

int guest_lin_to_phys(const struct guest_mem *m, const struct vcpu_state *s,
                      uint64_t lin, uint64_t *gpa)
{
	if (!(s->cr0 & CR0_PG) || !(s->cr0 & CR0_PE)) {
		*gpa = s->efer & EFER_LMA ? lin : lin & 0xffffffffu;
		return 0;
	}
	if (s->efer & EFER_LMA)
		return walk_long(m, s, lin, gpa, true);
	if (s->cr4 & CR4_PAE)
		return walk_long(m, s, lin & 0xffffffffu, gpa, false);
	return walk_32(m, s, lin, gpa);
}

int guest_read_lin(const struct guest_mem *m, const struct vcpu_state *s, uint64_t lin,
                   void *buf, unsigned len)
{
	uint8_t *b = buf;
	while (len) {
		unsigned in_page = 0x1000 - (unsigned)(lin & 0xfff), n = len < in_page ? len : in_page;
		uint64_t gpa;
		const uint8_t *p;
		if (guest_lin_to_phys(m, s, lin, &gpa) || !(p = gmem_ptr(m, gpa, n)))
			return -EFAULT;
		memcpy(b, p, n);
		b += n;
		lin += n;
		len -= n;
	}
	return 0;
}
