/* Guest image loaders: multiboot v1 ELF (ELF32 and ELF64) and flat
 * binaries. A loader writes guest memory and sets the initial vCPU state;
 * on malformed input it returns -errno and a one-line reason in vm->err. */
#ifndef HVMM_LOADER_H
#define HVMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct vm;

#define MB_MAX_MODULES 8

struct load_params {
	const char *cmdline;             /* kernel command line, may be NULL */
	const char *modules[MB_MAX_MODULES]; /* "path[ args]" */
	int nr_modules;
};

/* Load an image file in memory (data/size) that must be a multiboot ELF. */
int load_multiboot(struct vm *vm, const char *name, const uint8_t *data, size_t size,
                   const struct load_params *p);

/* Load a flat binary at gpa and start in 16-bit real mode at it
 * (CS = gpa >> 4, IP = gpa & 15). gpa must be below 1 MiB. */
int load_flat(struct vm *vm, const char *name, const uint8_t *data, size_t size,
              uint64_t gpa);

/* Read a whole file into a malloc'd buffer; -errno and vm->err on failure. */
int load_file(struct vm *vm, const char *path, uint8_t **data, size_t *size);

#endif
