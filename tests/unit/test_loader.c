/* Loaders: multiboot ELF32/ELF64 and a.out-kludge images built here in
 * memory, flat binaries, file reading, and every malformed input the
 * multiboot loader must refuse with a reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loader.h"
#include "core/multiboot.h"
#include "core/vm.h"
#include "tests/unit/loader_fixture.h"

/* ---- a tiny ELF + multiboot image builder ---- */

struct seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

struct spec {
	int bits;
	uint16_t type, machine, phentsize;   /* phentsize 0: the right size */
	uint64_t entry, phoff;
	int nseg;
	struct seg seg[4];
	size_t size;
	bool no_mb, bad_csum;
	size_t mb_off;
	uint32_t mb_flags;
	uint32_t aout[5];                    /* header_addr .. entry_addr */
};

static struct spec good(int bits)
{
	struct spec s = {
		.bits = bits, .type = ET_EXEC, .machine = bits == 64 ? EM_X86_64 : EM_386,
		.entry = 0x100010, .phoff = bits == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr),
		.nseg = 3,
		.seg = {
			{ PT_LOAD, 0x1000, 0x100000, 0x100000, 0x100, 0x3000 },  /* text + bss */
			{ PT_LOAD, 0x1100, 0x200000, 0x200000, 0x100, 0x100 },   /* data */
			{ PT_NOTE, 0x1000, 0, 0, 0x10, 0 },
		},
		.size = 0x1200, .mb_off = 0x1000,
		.mb_flags = MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO,
	};
	return s;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static uint8_t *build(const struct spec *s)
{
	uint8_t *b = malloc(s->size + 1);
	size_t ehsz = s->bits == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsz = s->phentsize ? s->phentsize
				   : s->bits == 64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);

	assert_non_null(b);
	for (size_t i = 0; i < s->size; i++)
		b[i] = (uint8_t)(i * 7 + 3);
	if (s->bits) {
		uint8_t e[sizeof(Elf64_Ehdr)] = { 0 };
		memcpy(e, ELFMAG, SELFMAG);
		e[EI_CLASS] = s->bits == 64 ? ELFCLASS64 : ELFCLASS32;
		e[EI_DATA] = ELFDATA2LSB;
		e[EI_VERSION] = EV_CURRENT;
		if (s->bits == 64) {
			Elf64_Ehdr h;
			memcpy(&h, e, sizeof(h));
			h.e_type = s->type, h.e_machine = s->machine, h.e_version = EV_CURRENT;
			h.e_entry = s->entry, h.e_phoff = s->phoff, h.e_ehsize = sizeof(h);
			h.e_phentsize = (uint16_t)phsz, h.e_phnum = (uint16_t)s->nseg;
			memcpy(e, &h, sizeof(h));
		} else {
			Elf32_Ehdr h;
			memcpy(&h, e, sizeof(h));
			h.e_type = s->type, h.e_machine = s->machine, h.e_version = EV_CURRENT;
			h.e_entry = (uint32_t)s->entry, h.e_phoff = (uint32_t)s->phoff;
			h.e_ehsize = sizeof(h);
			h.e_phentsize = (uint16_t)phsz, h.e_phnum = (uint16_t)s->nseg;
			memcpy(e, &h, sizeof(h));
		}
		memcpy(b, e, ehsz < s->size ? ehsz : s->size);
		for (int i = 0; i < s->nseg; i++) {
			const struct seg *g = &s->seg[i];
			uint64_t at = s->phoff + (uint64_t)i * phsz;
			if (s->phoff > s->size || at + phsz > s->size)
				continue;
			if (s->bits == 64) {
				Elf64_Phdr p = { .p_type = g->type, .p_offset = g->offset,
						 .p_vaddr = g->vaddr, .p_paddr = g->paddr,
						 .p_filesz = g->filesz, .p_memsz = g->memsz,
						 .p_flags = PF_R | PF_X, .p_align = 0x1000 };
				memcpy(b + at, &p, sizeof(p));
			} else {
				Elf32_Phdr p = { .p_type = g->type, .p_offset = (uint32_t)g->offset,
						 .p_vaddr = (uint32_t)g->vaddr,
						 .p_paddr = (uint32_t)g->paddr,
						 .p_filesz = (uint32_t)g->filesz,
						 .p_memsz = (uint32_t)g->memsz,
						 .p_flags = PF_R | PF_X, .p_align = 0x1000 };
				memcpy(b + at, &p, sizeof(p));
			}
		}
	}
	if (!s->no_mb && s->mb_off + 32 <= s->size) {
		uint8_t *h = b + s->mb_off;
		put32(h, MB_HEADER_MAGIC);
		put32(h + 4, s->mb_flags);
		put32(h + 8, -(MB_HEADER_MAGIC + s->mb_flags) + (s->bad_csum ? 1 : 0));
		for (int i = 0; i < 5; i++)
			put32(h + 12 + 4 * i, s->aout[i]);
	}
	return b;
}

static int load_spec(struct vm *vm, const struct spec *s, const struct load_params *p)
{
	uint8_t *b = build(s);
	vm->err[0] = 0;
	int r = load_multiboot(vm, "kernel.elf", b, s->size, p);
	free(b);
	return r;
}

static void expect_fail(struct vm *vm, const struct spec *s, const char *needle)
{
	expect_err(vm, load_spec(vm, s, NULL), needle);
}

/* ---- good images ---- */

static void check_good_load(struct vm *vm, int bits, uint64_t vbase)
{
	struct spec s = good(bits);
	uint8_t got[0x100];
	char mod1_spec[128], mod2_spec[128];
	const char mod1[] = "first module contents";
	uint8_t mod2[5000];

	for (size_t i = 0; i < sizeof(mod2); i++)
		mod2[i] = (uint8_t)(i ^ 0x5a);
	char *p1 = make_file(mod1, sizeof(mod1));
	char *p2 = make_file(mod2, sizeof(mod2));
	snprintf(mod1_spec, sizeof(mod1_spec), "%s", p1);
	snprintf(mod2_spec, sizeof(mod2_spec), "%s root=/dev/x quiet", p2);
	struct load_params lp = { .cmdline = "console=ttyS0 debug", .nr_modules = 2,
				  .modules = { mod1_spec, mod2_spec } };

	/* Higher-half: virtual addresses differ from physical ones. */
	s.seg[0].vaddr += vbase;
	s.seg[1].vaddr += vbase;
	s.entry += vbase;
	/* Stale bytes where the bss goes, to see them cleared. */
	assert_int_equal(gmem_fill(&vm->mem, 0x100000, 0xcc, 0x4000), 0);

	uint8_t *file = build(&s);
	int r = load_multiboot(vm, "kernel.elf", file, s.size, &lp);
	if (r)
		fail_msg("load failed: %s", vm->err);

	assert_int_equal(gmem_read(&vm->mem, 0x100000, got, sizeof(got)), 0);
	assert_memory_equal(got, file + 0x1000, 0x100);
	assert_int_equal(gmem_read(&vm->mem, 0x200000, got, sizeof(got)), 0);
	assert_memory_equal(got, file + 0x1100, 0x100);
	for (uint64_t a = 0x100100; a < 0x103000; a += 0x100) {
		uint8_t z[0x100] = { 0 };
		assert_int_equal(gmem_read(&vm->mem, a, got, sizeof(got)), 0);
		assert_memory_equal(got, z, sizeof(z));
	}
	free(file);

	const struct vcpu_state *v = &vm->vcpu;
	assert_int_equal(v->rip, 0x100010);
	assert_int_equal(v->gpr[RAX], MB_BOOT_MAGIC);
	assert_int_equal(vcpu_mode(v), MODE_PROT32);
	assert_int_equal(vcpu_state_check(v, NULL, 0), 0);
	/* The info structure goes on the first page after the kernel. */
	uint64_t info_at = v->gpr[RBX];
	assert_int_equal(info_at, 0x201000);

	struct mb_info info;
	assert_int_equal(gmem_read(&vm->mem, info_at, &info, sizeof(info)), 0);
	uint32_t need = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP;
	assert_int_equal(info.flags & need, need);
	assert_int_equal(info.mem_lower, 639);
	assert_int_equal(info.mem_upper, 15 * 1024);

	char text[128];
	assert_int_equal(gmem_read(&vm->mem, info.cmdline, text, 20), 0);
	assert_string_equal(text, "console=ttyS0 debug");
	assert_int_equal(gmem_read(&vm->mem, info.boot_loader_name, text, 5), 0);
	assert_string_equal(text, "hvmm");

	struct mb_mmap_entry mm[3];
	assert_int_equal(info.mmap_length, 3 * sizeof(struct mb_mmap_entry));
	assert_int_equal(gmem_read(&vm->mem, info.mmap_addr, mm, sizeof(mm)), 0);
	assert_int_equal(mm[0].size, 20);
	assert_int_equal(mm[0].base_addr, 0);
	assert_int_equal(mm[0].length, 0x9fc00);
	assert_int_equal(mm[0].type, MB_MMAP_AVAILABLE);
	assert_int_equal(mm[1].base_addr, 0x9fc00);
	assert_int_equal(mm[1].length, 0x100000 - 0x9fc00);
	assert_int_equal(mm[1].type, MB_MMAP_RESERVED);
	assert_int_equal(mm[2].base_addr, 0x100000);
	assert_int_equal(mm[2].length, 15 * MiB);
	assert_int_equal(mm[2].type, MB_MMAP_AVAILABLE);

	struct mb_module md[2];
	assert_int_equal(info.mods_count, 2);
	assert_int_equal(gmem_read(&vm->mem, info.mods_addr, md, sizeof(md)), 0);
	uint8_t buf[sizeof(mod2)];
	assert_int_equal(md[0].mod_start & 0xfff, 0);
	assert_int_equal(md[1].mod_start & 0xfff, 0);
	assert_true(md[0].mod_start > info_at);
	assert_true(md[1].mod_start >= md[0].mod_end);
	assert_int_equal(md[0].mod_end - md[0].mod_start, sizeof(mod1));
	assert_int_equal(md[1].mod_end - md[1].mod_start, sizeof(mod2));
	assert_int_equal(gmem_read(&vm->mem, md[0].mod_start, buf, sizeof(mod1)), 0);
	assert_memory_equal(buf, mod1, sizeof(mod1));
	assert_int_equal(gmem_read(&vm->mem, md[1].mod_start, buf, sizeof(mod2)), 0);
	assert_memory_equal(buf, mod2, sizeof(mod2));
	assert_int_equal(gmem_read(&vm->mem, md[1].string, text, strlen(mod2_spec) + 1), 0);
	assert_string_equal(text, mod2_spec);
	/* The strings and tables lie between the info and the first module. */
	assert_true(info.cmdline > info_at && info.cmdline < md[0].mod_start);
	assert_true(info.mmap_addr > info_at && info.mods_addr > info_at);

	drop_file(p1);
	drop_file(p2);
}

static void test_elf32_good(void **state)
{
	check_good_load(*state, 32, 0);
}

static void test_elf64_good(void **state)
{
	check_good_load(*state, 64, 0);
}

static void test_elf_higher_half_entry(void **state)
{
	check_good_load(*state, 64, 0xffffffff80000000ull);
	resize(*state, 16 * MiB);
	check_good_load(*state, 32, 0xc0000000ull);
}

static void test_no_params(void **state)
{
	struct vm *vm = *state;
	struct spec s = good(32);
	struct mb_info info;
	char c;

	assert_int_equal(load_spec(vm, &s, NULL), 0);
	assert_int_equal(gmem_read(&vm->mem, vm->vcpu.gpr[RBX], &info, sizeof(info)), 0);
	assert_int_equal(info.mods_count, 0);
	assert_int_equal(gmem_read(&vm->mem, info.cmdline, &c, 1), 0);
	assert_int_equal(c, 0);
}

static void test_high_ram_mmap(void **state)
{
	struct vm *vm = *state;
	struct spec s = good(32);
	struct mb_info info;
	struct mb_mmap_entry mm[4];

	resize(vm, 3 * 1024 * MiB + 512 * MiB);   /* 512 MiB above 4 GiB */
	assert_int_equal(load_spec(vm, &s, NULL), 0);
	assert_int_equal(gmem_read(&vm->mem, vm->vcpu.gpr[RBX], &info, sizeof(info)), 0);
	assert_int_equal(info.mmap_length, 4 * sizeof(struct mb_mmap_entry));
	assert_int_equal(gmem_read(&vm->mem, info.mmap_addr, mm, sizeof(mm)), 0);
	assert_int_equal(mm[2].base_addr + mm[2].length, GMEM_HOLE_START);
	assert_int_equal(mm[3].base_addr, 0x100000000ull);
	assert_int_equal(mm[3].length, 512 * MiB);
	assert_int_equal(mm[3].type, MB_MMAP_AVAILABLE);
}

static void test_aout_kludge(void **state)
{
	struct vm *vm = *state;
	struct spec s = { .size = 0x300, .mb_off = 0x20,
			  .mb_flags = MB_HF_MEMORY_INFO | MB_HF_AOUT_KLUDGE,
			  /* header_addr, load_addr, load_end_addr, bss_end_addr, entry */
			  .aout = { 0x100020, 0x100000, 0, 0x104000, 0x100040 } };
	uint8_t got[0x300], z[0x100] = { 0 };

	assert_int_equal(gmem_fill(&vm->mem, 0x100000, 0xcc, 0x5000), 0);
	uint8_t *b = build(&s);
	int r = load_multiboot(vm, "kernel.bin", b, s.size, NULL);
	if (r)
		fail_msg("load failed: %s", vm->err);
	assert_int_equal(gmem_read(&vm->mem, 0x100000, got, sizeof(got)), 0);
	assert_memory_equal(got, b, s.size);
	assert_int_equal(gmem_read(&vm->mem, 0x103f00, got, 0x100), 0);
	assert_memory_equal(got, z, 0x100);
	assert_int_equal(vm->vcpu.rip, 0x100040);
	assert_int_equal(vm->vcpu.gpr[RBX], 0x104000);
	free(b);

	/* Bad kludge fields. */
	s.aout[4] = 0x200000;
	expect_fail(vm, &s, "entry point 0x200000 is not inside the loaded image");
	s.aout[4] = 0x100040;
	s.aout[1] = 0x0ff000;   /* the image would start 0x1020 bytes before the file */
	expect_fail(vm, &s, "outside the file");
	s.aout[1] = 0x100000;
	s.aout[2] = 0x101000;   /* load_end past the end of the file */
	expect_fail(vm, &s, "outside the file");
	s.aout[2] = 0;
	s.aout[3] = 0x100100;   /* bss_end inside the loaded bytes */
	expect_fail(vm, &s, "bss_end_addr");

	/* Not ELF and no kludge. */
	s = (struct spec){ .size = 0x300, .mb_off = 0x20, .mb_flags = MB_HF_MEMORY_INFO };
	expect_fail(vm, &s, "not an ELF file");
}

/* ---- malformed ELF images ---- */

static void test_bad_ident(void **state)
{
	struct vm *vm = *state;
	struct spec s = good(32);
	uint8_t *b = build(&s);

	b[1] = 'X';
	expect_err(vm, load_multiboot(vm, "k", b, s.size, NULL), "not an ELF file");
	/* Neither ELF nor multiboot at all, e.g. a text file. */
	static const char text[] = "just some text, not a kernel\n";
	expect_err(vm, load_multiboot(vm, "notes.txt", (const uint8_t *)text, sizeof(text) - 1, NULL),
		   "notes.txt: not an ELF file, and no multiboot header");
	b[1] = 'E';
	b[EI_CLASS] = 7;
	expect_err(vm, load_multiboot(vm, "k", b, s.size, NULL), "unsupported ELF class 7");
	b[EI_CLASS] = ELFCLASS32;
	b[EI_DATA] = ELFDATA2MSB;
	expect_err(vm, load_multiboot(vm, "k", b, s.size, NULL), "endianness");
	b[EI_DATA] = ELFDATA2LSB;
	b[EI_VERSION] = 9;
	expect_err(vm, load_multiboot(vm, "k", b, s.size, NULL), "version");
	b[EI_VERSION] = EV_CURRENT;
	assert_int_equal(load_multiboot(vm, "k", b, s.size, NULL), 0);
	free(b);
	/* The image name leads the message. */
	b = build(&s);
	b[0] = 0;
	expect_err(vm, load_multiboot(vm, "my/kernel", b, s.size, NULL), "my/kernel: ");
	free(b);
}

static void test_bad_header_fields(void **state)
{
	struct vm *vm = *state;
	struct spec s;

	s = good(32), s.machine = EM_ARM;
	expect_fail(vm, &s, "unsupported ELF machine 40");
	s = good(64), s.machine = EM_386;
	expect_fail(vm, &s, "unsupported ELF machine 3 for ELF64");
	s = good(32), s.machine = EM_X86_64;      /* elf32-x86-64 is fine */
	assert_int_equal(load_spec(vm, &s, NULL), 0);
	s = good(64), s.type = ET_DYN;
	expect_fail(vm, &s, "unsupported ELF type 3");
	s = good(32), s.type = ET_REL;
	expect_fail(vm, &s, "not an executable");
	s = good(32), s.phentsize = 40;
	expect_fail(vm, &s, "bad program header size 40");
	s = good(32), s.nseg = 0;
	expect_fail(vm, &s, "no program headers");
	s = good(64), s.seg[0].type = PT_NULL, s.seg[1].type = PT_NOTE;
	expect_fail(vm, &s, "no PT_LOAD");
}

static void test_phdrs_outside(void **state)
{
	struct vm *vm = *state;
	struct spec s;

	s = good(32), s.phoff = s.size - 10;
	expect_fail(vm, &s, "program headers outside the file");
	s = good(64), s.phoff = 0xffffffffffffff00ull;   /* offset + size wraps */
	expect_fail(vm, &s, "program headers outside the file");
	s = good(32), s.phoff = 0xfffffff0u;
	expect_fail(vm, &s, "program headers outside the file");
	/* Four entries where only three fit before the end of the file. */
	s = good(64), s.nseg = 4;
	s.phoff = s.size - 3 * sizeof(Elf64_Phdr);
	expect_fail(vm, &s, "program headers outside the file");
}

static void test_segments_outside_file(void **state)
{
	struct vm *vm = *state;
	struct spec s;

	s = good(32), s.seg[1].filesz = 0x101;
	expect_fail(vm, &s, "segment 1 file range 0x1100+0x101 outside the file");
	s = good(64), s.seg[0].offset = 0xfffffffffffffff0ull, s.seg[0].filesz = 0x20;
	expect_fail(vm, &s, "outside the file");
	s = good(64), s.seg[0].filesz = 0xffffffffffffffffull;
	s.seg[0].memsz = 0xffffffffffffffffull;
	expect_fail(vm, &s, "outside the file");
	s = good(32), s.seg[0].offset = 0xfffffff0u, s.seg[0].filesz = 0x20;
	expect_fail(vm, &s, "outside the file");
	s = good(32), s.seg[0].memsz = 0x80;
	expect_fail(vm, &s, "memsz 0x80 < filesz 0x100");
	s = good(64), s.seg[0].paddr = 0xfffffffffffff000ull, s.seg[0].memsz = 0x2000;
	expect_fail(vm, &s, "wraps");
}

static void test_segment_placement(void **state)
{
	struct vm *vm = *state;
	struct spec s;

	s = good(32), s.seg[1].paddr = s.seg[1].vaddr = 0x2000000;   /* 32 MiB in 16 */
	expect_fail(vm, &s, "segment 1 (0x2000000-0x2000100) does not fit in guest RAM (16 MiB)");
	s = good(32), s.seg[0].memsz = 0x2000000;                      /* image > RAM */
	expect_fail(vm, &s, "does not fit in guest RAM");
	s = good(32), s.seg[0].paddr = s.seg[0].vaddr = 0x800, s.entry = 0x810;
	expect_fail(vm, &s, "overlaps the first page");
	s = good(32), s.seg[0].paddr = s.seg[0].vaddr = 0x9f000, s.entry = 0x9f010;
	expect_fail(vm, &s, "overlaps the reserved area");
	s = good(64), s.seg[1].paddr = s.seg[1].vaddr = 0x100000000ull;
	expect_fail(vm, &s, "above 4 GiB");
	s = good(32), s.seg[1].paddr = s.seg[1].vaddr = 0xc0000000u;  /* the MMIO hole */
	expect_fail(vm, &s, "does not fit in guest RAM");
	s = good(32), s.entry = 0x5000;
	expect_fail(vm, &s, "entry point 0x5000 is not inside a loaded segment");
	s = good(32), s.entry = 0x103000;   /* one past the bss */
	expect_fail(vm, &s, "entry point");

	/* A small machine: the kernel fits at 1 MiB, its data at 2 MiB does not. */
	resize(vm, 2 * MiB);
	s = good(32);
	expect_fail(vm, &s, "does not fit in guest RAM (2 MiB)");
}

static void test_multiboot_header_problems(void **state)
{
	struct vm *vm = *state;
	struct spec s;

	s = good(32), s.no_mb = true;
	expect_fail(vm, &s, "no multiboot header in the first 8192 bytes");
	s = good(32), s.bad_csum = true;
	expect_fail(vm, &s, "bad multiboot checksum");
	/* A header past the first 8 KiB does not count. */
	s = good(32), s.size = 0x2400, s.mb_off = 0x2000;
	expect_fail(vm, &s, "no multiboot header in the first 8192 bytes");
	/* The last aligned slot that still holds the 12 bytes does. */
	s = good(32), s.size = 0x2400, s.mb_off = 8192 - 12;
	assert_int_equal(load_spec(vm, &s, NULL), 0);
	s = good(32), s.mb_flags |= MB_HF_VIDEO_MODE;
	expect_fail(vm, &s, "video mode");
	s = good(32), s.mb_flags |= 1u << 5;
	expect_fail(vm, &s, "unsupported features (flags 0x20)");
	s = good(32), s.mb_flags |= 1u << 20;         /* optional bits are ignored */
	assert_int_equal(load_spec(vm, &s, NULL), 0);
}

/* Every prefix of a valid image is refused, and none reads past its end
 * (the prefix is copied into a buffer of exactly that size). */
static void test_truncated_everywhere(void **state)
{
	struct vm *vm = *state;

	for (int bits = 32; bits <= 64; bits += 32) {
		struct spec s = good(bits);
		size_t ehsz = bits == 64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
		uint8_t *full = build(&s);
		for (size_t len = 0; len < s.size; len++) {
			uint8_t *b = malloc(len ? len : 1);
			memcpy(b, full, len);
			int r = load_multiboot(vm, "k", b, len, NULL);
			free(b);
			assert_true(r < 0);
			if (len >= SELFMAG && len < ehsz && !strstr(vm->err, "truncated ELF header"))
				fail_msg("length %zu: \"%s\"", len, vm->err);
		}
		free(full);
	}
}

static void test_modules_errors(void **state)
{
	struct vm *vm = *state;
	struct spec s = good(32);
	struct load_params lp = { .nr_modules = 1, .modules = { "/nonexistent/mod.bin arg" } };

	expect_err(vm, load_spec(vm, &s, &lp),
		   "/nonexistent/mod.bin: No such file or directory");
	lp.modules[0] = " leading-space";
	expect_err(vm, load_spec(vm, &s, &lp), "empty path");
	lp.nr_modules = MB_MAX_MODULES + 1;
	expect_err(vm, load_spec(vm, &s, &lp), "at most 8");

	/* A module too large for what is left of RAM. */
	char *path = make_file("x", 1);
	assert_int_equal(truncate(path, 15 * MiB), 0);
	lp = (struct load_params){ .nr_modules = 1, .modules = { path } };
	expect_err(vm, load_spec(vm, &s, &lp), "do not fit in guest RAM");
	drop_file(path);
}

/* ---- flat binaries and files ---- */

static void test_flat(void **state)
{
	struct vm *vm = *state;
	uint8_t img[300], got[300];

	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 13);
	assert_int_equal(load_flat(vm, "boot.bin", img, sizeof(img), 0x10000), 0);
	assert_int_equal(vm->vcpu.seg[SEG_CS].selector, 0x1000);
	assert_int_equal(vm->vcpu.seg[SEG_CS].base, 0x10000);
	assert_int_equal(vm->vcpu.rip, 0);
	assert_int_equal(vcpu_mode(&vm->vcpu), MODE_REAL);
	assert_int_equal(gmem_read(&vm->mem, 0x10000, got, sizeof(got)), 0);
	assert_memory_equal(got, img, sizeof(img));

	assert_int_equal(load_flat(vm, "boot.bin", img, sizeof(img), 0x7c05), 0);
	assert_int_equal(vm->vcpu.seg[SEG_CS].selector, 0x7c0);
	assert_int_equal(vm->vcpu.rip, 5);

	expect_err(vm, load_flat(vm, "boot.bin", img, sizeof(img), 0x100000), "not below 1 MiB");
	expect_err(vm, load_flat(vm, "boot.bin", img, 0, 0x10000), "empty image");

	resize(vm, 2 * MiB);
	size_t big = 3 * MiB;
	uint8_t *huge = calloc(1, big);
	expect_err(vm, load_flat(vm, "big.bin", huge, big, 0x10000),
		   "big.bin: image of 3145728 bytes does not fit at 0x10000 in 2 MiB of memory");
	/* Exactly up to the end of RAM fits. */
	assert_int_equal(load_flat(vm, "edge.bin", huge, 2 * MiB - 0x10000, 0x10000), 0);
	expect_err(vm, load_flat(vm, "edge.bin", huge, 2 * MiB - 0x10000 + 1, 0x10000),
		   "does not fit");
	free(huge);
}

static void test_load_file(void **state)
{
	struct vm *vm = *state;
	const char text[] = "hello, loader";
	uint8_t *data;
	size_t size;

	char *path = make_file(text, sizeof(text));
	assert_int_equal(load_file(vm, path, &data, &size), 0);
	assert_int_equal(size, sizeof(text));
	assert_memory_equal(data, text, sizeof(text));
	free(data);

	assert_int_equal(truncate(path, 0), 0);
	assert_int_equal(load_file(vm, path, &data, &size), 0);
	assert_int_equal(size, 0);
	free(data);
	drop_file(path);

	assert_int_equal(load_file(vm, "/nonexistent/x", &data, &size), -ENOENT);
	assert_string_equal(vm->err, "/nonexistent/x: No such file or directory");
	assert_null(data);
	assert_int_equal(load_file(vm, "/tmp", &data, &size), -EINVAL);
	assert_string_equal(vm->err, "/tmp: not a regular file");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_elf32_good),
		T(test_elf64_good),
		T(test_elf_higher_half_entry),
		T(test_no_params),
		T(test_high_ram_mmap),
		T(test_aout_kludge),
		T(test_bad_ident),
		T(test_bad_header_fields),
		T(test_phdrs_outside),
		T(test_segments_outside_file),
		T(test_segment_placement),
		T(test_multiboot_header_problems),
		T(test_truncated_everywhere),
		T(test_modules_errors),
		T(test_flat),
		T(test_load_file),
	};
	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
