/* ELF executable reader. Every offset and size from the file is checked
 * against the file size with overflow-safe arithmetic before use; headers
 * are copied out with memcpy, so the image needs no alignment. */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/elf_image.h"
#include "core/reason.h"

#define fail(why, whylen, ...) set_reason(why, whylen, -ENOEXEC, __VA_ARGS__)

/* [off, off+len) lies within a file of size bytes. */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
	return off <= size && len <= size - off;
}

bool elf_has_magic(const uint8_t *data, size_t size)
{
	return size >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG);
}

/* The fields both classes share, widened. */
struct ehdr {
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff;
	uint16_t phentsize, phnum;
};

static int read_ehdr(const uint8_t *data, size_t size, int bits, struct ehdr *h, char *why,
		     size_t whylen)
{
	size_t need = bits == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);

	if (size < need)
		return fail(why, whylen, "truncated ELF header (%zu of %zu bytes)", size, need);
	if (bits == 64) {
		Elf64_Ehdr e;
		memcpy(&e, data, sizeof(e));
		*h = (struct ehdr){ e.e_type, e.e_machine, e.e_version, e.e_entry, e.e_phoff,
				    e.e_phentsize, e.e_phnum };
	} else {
		Elf32_Ehdr e;
		memcpy(&e, data, sizeof(e));
		*h = (struct ehdr){ e.e_type, e.e_machine, e.e_version, e.e_entry, e.e_phoff,
				    e.e_phentsize, e.e_phnum };
	}
	return 0;
}

static void read_phdr(const uint8_t *p, int bits, uint32_t *type, struct elf_segment *s)
{
	if (bits == 64) {
		Elf64_Phdr ph;
		memcpy(&ph, p, sizeof(ph));
		*type = ph.p_type;
		*s = (struct elf_segment){ ph.p_offset, ph.p_filesz, ph.p_vaddr, ph.p_paddr,
					   ph.p_memsz, ph.p_flags };
	} else {
		Elf32_Phdr ph;
		memcpy(&ph, p, sizeof(ph));
		*type = ph.p_type;
		*s = (struct elf_segment){ ph.p_offset, ph.p_filesz, ph.p_vaddr, ph.p_paddr,
					   ph.p_memsz, ph.p_flags };
	}
}

static int check_ident(const uint8_t *data, size_t size, int *bits, char *why, size_t whylen)
{
	if (!elf_has_magic(data, size))
		return fail(why, whylen, "not an ELF file (bad magic)");
	if (size < EI_NIDENT)
		return fail(why, whylen, "truncated ELF header (%zu of %d identification bytes)",
			    size, EI_NIDENT);
	if (data[EI_CLASS] != ELFCLASS32 && data[EI_CLASS] != ELFCLASS64)
		return fail(why, whylen, "unsupported ELF class %u", data[EI_CLASS]);
	if (data[EI_DATA] != ELFDATA2LSB)
		return fail(why, whylen, "unsupported ELF endianness %u (not little-endian)",
			    data[EI_DATA]);
	if (data[EI_VERSION] != EV_CURRENT)
		return fail(why, whylen, "unsupported ELF version %u", data[EI_VERSION]);
	*bits = data[EI_CLASS] == ELFCLASS64 ? 64 : 32;
	return 0;
}

static int check_ehdr(const struct ehdr *h, int bits, size_t size, char *why, size_t whylen)
{
	size_t phsz = bits == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

	if (h->type != ET_EXEC)
		return fail(why, whylen, "unsupported ELF type %u (not an executable)", h->type);
	if (!(h->machine == EM_X86_64 || (bits == 32 && h->machine == EM_386)))
		return fail(why, whylen, "unsupported ELF machine %u for ELF%d", h->machine, bits);
	if (h->version != EV_CURRENT)
		return fail(why, whylen, "unsupported ELF version %u", h->version);
	if (!h->phnum)
		return fail(why, whylen, "no program headers (no PT_LOAD segment)");
	if (h->phnum == PN_XNUM)
		return fail(why, whylen, "too many program headers (extended numbering)");
	if (h->phentsize != phsz)
		return fail(why, whylen, "bad program header size %u (expected %zu)",
			    h->phentsize, phsz);
	if (!in_file(h->phoff, (uint64_t)h->phnum * phsz, size))
		return fail(why, whylen, "program headers outside the file (offset 0x%llx, "
			    "%u entries, file size %zu)", (unsigned long long)h->phoff,
			    h->phnum, size);
	return 0;
}

int elf_parse(const uint8_t *data, size_t size, struct elf_image *img, char *why, size_t whylen)
{
	struct ehdr h = { 0 };
	int bits = 0, r;

	memset(img, 0, sizeof(*img));
	if ((r = check_ident(data, size, &bits, why, whylen)) ||
	    (r = read_ehdr(data, size, bits, &h, why, whylen)) ||
	    (r = check_ehdr(&h, bits, size, why, whylen)))
		return r;

	img->bits = bits;
	img->machine = h.machine;
	img->entry = h.entry;
	for (unsigned i = 0; i < h.phnum; i++) {
		struct elf_segment s;
		uint32_t type;

		read_phdr(data + h.phoff + (uint64_t)i * h.phentsize, bits, &type, &s);
		if (type != PT_LOAD)
			continue;
		if (!in_file(s.offset, s.filesz, size))
			return fail(why, whylen, "segment %u file range 0x%llx+0x%llx outside the "
				    "file (size %zu)", i, (unsigned long long)s.offset,
				    (unsigned long long)s.filesz, size);
		if (s.memsz < s.filesz)
			return fail(why, whylen, "segment %u memsz 0x%llx < filesz 0x%llx", i,
				    (unsigned long long)s.memsz, (unsigned long long)s.filesz);
		if (s.paddr + s.memsz < s.paddr || s.vaddr + s.memsz < s.vaddr)
			return fail(why, whylen, "segment %u address range wraps around", i);
		if (!s.memsz)
			continue;
		if (img->nr == ELF_MAX_SEGMENTS)
			return fail(why, whylen, "too many PT_LOAD segments (at most %d)",
				    ELF_MAX_SEGMENTS);
		img->seg[img->nr++] = s;
	}
	if (!img->nr)
		return fail(why, whylen, "no PT_LOAD segment");
	return 0;
}
