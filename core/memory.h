/* Guest physical memory: RAM and ROM regions, each one host mapping that
 * KVM memslots share; everything else is a hole that goes to the MMIO bus.
 * Every access made by monitor code is bounds-checked here. */
#ifndef HVMM_MEMORY_H
#define HVMM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMEM_MAX_REGIONS 8

/* Guest RAM above this address is relocated above 4 GiB, leaving the
 * 32-bit MMIO hole (local APIC, IOAPIC, ROM) free. */
#define GMEM_HOLE_START 0xc0000000ull
#define GMEM_HOLE_END   0x100000000ull

enum gmem_kind { GMEM_RAM, GMEM_ROM };

struct gmem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;     /* page-aligned mmap, size bytes */
	enum gmem_kind kind;
};

struct guest_mem {
	struct gmem_region region[GMEM_MAX_REGIONS];
	int nr;
	uint64_t ram_size;  /* total RAM bytes as asked for */
};

/* Map ram_size bytes of RAM: [0, min(size, hole)) and the rest above 4 GiB.
 * ram_size must be a non-zero multiple of 4 KiB. */
int gmem_init(struct guest_mem *m, uint64_t ram_size);
void gmem_destroy(struct guest_mem *m);

/* Add a ROM region (guest writes ignored); contents copied from data. */
int gmem_add_rom(struct guest_mem *m, uint64_t gpa, const void *data, uint64_t size);

/* The region containing [gpa, gpa+len), or NULL if that range is not
 * entirely inside one RAM/ROM region. */
const struct gmem_region *gmem_find(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Host pointer for [gpa, gpa+len) if it lies within one region, else NULL. */
void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Copies; -EFAULT if any byte is outside RAM/ROM. gmem_write refuses ROM
 * with -EACCES; gmem_load (loaders) may write ROM. */
int gmem_read(const struct guest_mem *m, uint64_t gpa, void *buf, uint64_t len);
int gmem_write(struct guest_mem *m, uint64_t gpa, const void *buf, uint64_t len);
int gmem_load(struct guest_mem *m, uint64_t gpa, const void *buf, uint64_t len);
int gmem_fill(struct guest_mem *m, uint64_t gpa, uint8_t val, uint64_t len);

/* Highest RAM address + 1 below the hole (for memory maps). */
uint64_t gmem_low_ram_end(const struct guest_mem *m);

#endif
