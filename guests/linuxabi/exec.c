/* linuxabi's loader: the static program embedded in the image (image.S)
 * goes into the user half at the addresses its PT_LOAD segments name, and
 * the stack gets what the x86-64 psABI and Linux's execve put there for
 * _start: argc, argv, envp, the auxiliary vector, and the strings and
 * bytes they point to. Everything is fixed: argv is one name, envp is
 * empty, AT_RANDOM's 16 bytes are a constant, so the program sees the same
 * start on every run. */
#include <elf.h>

#include "lib/rt.h"
#include "linuxabi/linuxabi.h"

#define ARGV0		"/prog"
#define PLATFORM	"x86_64"
#define STACK_START	(2 * PAGE_SIZE)	/* stack pages mapped at the start */

extern const unsigned char prog_image[], prog_image_end[];

uint64_t user_brk_start;

static unsigned int seg_prot(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

static const Elf64_Ehdr *check_header(uint64_t size)
{
	const Elf64_Ehdr *eh = (const void *)prog_image;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_EXEC ||
	    eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(Elf64_Phdr))
		panic("the embedded program is not a static x86-64 executable");
	return eh;
}

/* Every PT_LOAD: a region, its file bytes copied in (the rest of it reads
 * as zeros), then the segment's own protection. Returns the program
 * headers' address in the image (AT_PHDR). */
static uint64_t map_segments(const Elf64_Ehdr *eh, uint64_t size)
{
	const Elf64_Phdr *ph = (const void *)(prog_image + eh->e_phoff);
	uint64_t phdr = 0;

	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		uint64_t start = PAGE_DOWN(p->p_vaddr), end = PAGE_UP(p->p_vaddr + p->p_memsz);

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz > p->p_memsz || p->p_offset > size ||
		    p->p_filesz > size - p->p_offset || end > MMAP_BASE ||
		    end <= start || region_add(start, end, PROT_READ | PROT_WRITE) ||
		    user_access(p->p_vaddr, p->p_memsz, 1))
			panic("segment %u (0x%lx, 0x%lx bytes) does not fit", i,
			      p->p_vaddr, p->p_memsz);
		memcpy((void *)(uintptr_t)p->p_vaddr, prog_image + p->p_offset, p->p_filesz);
		if (region_protect(start, end, seg_prot(p->p_flags)))
			panic("segment %u: no protection", i);
		if (eh->e_phoff >= p->p_offset && eh->e_phoff - p->p_offset < p->p_filesz)
			phdr = p->p_vaddr + (eh->e_phoff - p->p_offset);
		if (end > user_brk_start)
			user_brk_start = end;
	}
	if (!user_brk_start || !phdr)
		panic("the program has no loadable segment holding its headers");
	return phdr;
}

static uint32_t cpuid_edx(uint32_t leaf)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(0));
	return d;
}

/* Copy n bytes below *sp; return their user address. */
static uint64_t push_bytes(uint64_t *sp, const void *p, uint64_t n)
{
	*sp -= n;
	memcpy((void *)(uintptr_t)*sp, p, n);
	return *sp;
}

void exec_program(struct frame *f)
{
	static const unsigned char random[16] = {
		0x6c, 0x69, 0x6e, 0x75, 0x78, 0x61, 0x62, 0x69,
		0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	};
	uint64_t size = (uint64_t)(prog_image_end - prog_image);
	const Elf64_Ehdr *eh = check_header(size);
	uint64_t phdr = map_segments(eh, size);
	uint64_t sp = STACK_TOP, argv0, platform, rnd;

	if (region_add(STACK_TOP - STACK_MAX, STACK_TOP,
		       PROT_READ | PROT_WRITE) ||
	    user_access(STACK_TOP - STACK_START, STACK_START, 1))
		panic("no stack");
	argv0 = push_bytes(&sp, ARGV0, sizeof(ARGV0));
	platform = push_bytes(&sp, PLATFORM, sizeof(PLATFORM));
	rnd = push_bytes(&sp, random, sizeof(random));

	const uint64_t words[] = {
		1, argv0, 0,		/* argc, argv[], NULL */
		0,			/* envp[]: empty */
		AT_PHDR, phdr,
		AT_PHENT, sizeof(Elf64_Phdr),
		AT_PHNUM, eh->e_phnum,
		AT_PAGESZ, PAGE_SIZE,
		AT_BASE, 0,
		AT_FLAGS, 0,
		AT_ENTRY, eh->e_entry,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
		AT_PLATFORM, platform,
		AT_HWCAP, cpuid_edx(1),
		AT_CLKTCK, 100,
		AT_SECURE, 0,
		AT_RANDOM, rnd,
		AT_HWCAP2, 0,
		AT_EXECFN, argv0,
		AT_NULL, 0,
	};
	/* argc ends up 16-byte aligned, as the psABI wants at _start. */
	sp = (sp - sizeof(words)) & ~15UL;
	if (sp < STACK_TOP - STACK_START)
		panic("the initial stack does not fit");
	memcpy((void *)(uintptr_t)sp, words, sizeof(words));

	*f = (struct frame){
		.rip = eh->e_entry,
		.cs = SEL_UCODE64 | RPL3,
		.rflags = 0x2,		/* RDX and every other register: 0 */
		.rsp = sp,
		.ss = SEL_UDATA | RPL3,
	};
}
