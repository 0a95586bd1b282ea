/* Guest image loaders: Linux bzImage, multiboot v1 ELF (ELF32 and ELF64)
 * and flat binaries. A loader writes guest memory and sets the initial vCPU state;
 * on malformed input it returns -errno and a one-line reason in vm->err. */
#ifndef HVMM_LOADER_H
#define HVMM_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/memory.h"

struct vm;

#define MB_MAX_MODULES 8

struct load_params {
	const char *cmdline;             /* kernel command line, may be NULL */
	const char *modules[MB_MAX_MODULES]; /* "path[ args]" */
	int nr_modules;
	const char *initrd;              /* Linux initial ramdisk file, may be NULL */
};

/* The guest memory map both kernel loaders report (e820 and multiboot use
 * the same type numbers): RAM below the EBDA, the reserved BIOS range up
 * to 1 MiB, RAM from 1 MiB to the hole and each RAM region above 4 GiB. */
enum { MEMMAP_RAM = 1, MEMMAP_RESERVED = 2 };
#define MEMMAP_MAX (3 + GMEM_MAX_REGIONS)

struct mem_range {
	uint64_t base, len;
	uint32_t type;
};

/* Fill r (MEMMAP_MAX entries) in ascending order; returns how many. */
int loader_memmap(const struct guest_mem *m, struct mem_range *r);

/* Load an image file in memory (data/size) that must be a multiboot ELF. */
int load_multiboot(struct vm *vm, const char *name, const uint8_t *data, size_t size,
                   const struct load_params *p);

/* Whether data is a Linux x86 kernel for load_bzimage: the "HdrS" setup
 * header at 0x202, or a boot sector's 0xaa55 at 0x1fe in a file that is
 * not ELF (so that a truncated or ancient kernel gets its own reason). */
bool bzimage_detect(const uint8_t *data, size_t size);

/* Load a Linux bzImage (boot protocol 2.06 or later) with p's command
 * line (NULL: "console=ttyS0") and initrd, and enter it at its 64-bit
 * entry (or its 32-bit one if the image has none); see the layout in
 * loader_bzimage.c. */
int load_bzimage(struct vm *vm, const char *name, const uint8_t *data, size_t size,
                 const struct load_params *p);

/* Load a flat binary at gpa and start in 16-bit real mode at it
 * (CS = gpa >> 4, IP = gpa & 15). gpa must be below 1 MiB. */
int load_flat(struct vm *vm, const char *name, const uint8_t *data, size_t size,
              uint64_t gpa);

/* Read a whole file into a malloc'd buffer; -errno and vm->err on failure. */
int load_file(struct vm *vm, const char *path, uint8_t **data, size_t *size);

#endif
