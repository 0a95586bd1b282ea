/* A strict reader for ELF32/ELF64 little-endian x86 executables: the
 * loadable segments and the entry point, validated against the file size
 * so that no later step reads outside the image. */
#ifndef HVMM_ELF_IMAGE_H
#define HVMM_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 32

struct elf_segment {
	uint64_t offset, filesz;   /* file range, inside the file */
	uint64_t vaddr, paddr, memsz;
	uint32_t flags;            /* PF_* */
};

struct elf_image {
	int bits;                  /* 32 or 64 */
	uint16_t machine;          /* EM_386 or EM_X86_64 */
	uint64_t entry;
	int nr;                    /* PT_LOAD segments with memsz > 0 */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* Starts with the ELF magic. */
bool elf_has_magic(const uint8_t *data, size_t size);

/* Parse and validate. Returns 0 or -ENOEXEC/-EINVAL with a one-line
 * reason in why. Accepts ET_EXEC only; ELF32 may be EM_386 or EM_X86_64
 * (elf32-x86-64 output), ELF64 must be EM_X86_64. */
int elf_parse(const uint8_t *data, size_t size, struct elf_image *img, char *why, size_t whylen);

#endif
