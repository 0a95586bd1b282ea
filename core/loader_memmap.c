/* The memory map the kernel loaders hand to the guest: what a PC BIOS
 * would report for the RAM that core/memory.c maps. */
#include "core/loader.h"
#include "core/pc_layout.h"

#define FOUR_GIB 0x100000000ull

int loader_memmap(const struct guest_mem *m, struct mem_range *r)
{
	uint64_t low_end = gmem_low_ram_end(m);
	int n = 0;

#define ADD(b, e, t) (r[n++] = (struct mem_range){ (b), (e) - (b), (t) })
	ADD(0, low_end < PC_LOW_RAM_END ? low_end : PC_LOW_RAM_END, MEMMAP_RAM);
	/* EBDA, VGA window, option ROMs and the BIOS area, where the platform
	 * keeps its tables and reset stub, even though RAM backs them. */
	ADD(PC_LOW_RAM_END, PC_BIOS_END, MEMMAP_RESERVED);
	if (low_end > PC_HIGH_RAM)
		ADD(PC_HIGH_RAM, low_end, MEMMAP_RAM);
	for (int i = 0; i < m->nr; i++) {
		const struct gmem_region *g = &m->region[i];
		if (g->kind == GMEM_RAM && g->gpa >= FOUR_GIB)
			ADD(g->gpa, g->gpa + g->size, MEMMAP_RAM);
	}
#undef ADD
	return n;
}
