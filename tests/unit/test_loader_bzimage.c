/* The Linux bzImage loader on small images built here in memory: the zero
 * page, e820 map, command line, initrd placement and entry state of good
 * 64- and 32-bit images, and every malformed image it must refuse before
 * writing guest memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bootparam.h"
#include "core/loader.h"
#include "core/pagewalk.h"
#include "core/vm.h"
#include "tests/unit/loader_fixture.h"

#define GiB (1ull << 30)

/* Where the loader puts things (core/loader_bzimage.c). */
#define GDT        0x1000ull
#define ZERO_PAGE  0x2000ull
#define PML4       0x3000ull
#define CMDLINE    0x9000ull
#define LOAD       0x100000ull

#define SETUP_SECTS 4
#define SETUP_SIZE  ((SETUP_SECTS + 1) * 512)
#define KERNEL_SIZE 0x3000
#define IMAGE_SIZE  (SETUP_SIZE + KERNEL_SIZE)
#define INIT_SIZE   0x400000u

/* ---- image builder ---- */

static void put(uint8_t *b, size_t off, size_t len, uint64_t v)
{
	for (size_t i = 0; i < len; i++, v >>= 8)
		b[off + i] = (uint8_t)v;
}

static uint64_t get(const uint8_t *b, size_t off, size_t len)
{
	uint64_t v = 0;
	for (size_t i = len; i--;)
		v = v << 8 | b[off + i];
	return v;
}

/* A protocol 2.15 image with 4 setup sectors, relocatable, preferring
 * 2 MiB with a 4 MiB init_size; 64-bit entry if kernel64. */
static uint8_t *image(bool kernel64)
{
	uint8_t *b = malloc(IMAGE_SIZE);

	assert_non_null(b);
	for (size_t i = 0; i < IMAGE_SIZE; i++)
		b[i] = (uint8_t)(i * 13 + 5);
	memset(b + SH_START, 0, SH_ROOM_END - SH_START);
	put(b, SH_SETUP_SECTS, 1, SETUP_SECTS);
	put(b, SH_BOOT_FLAG, 2, SH_BOOT_FLAG_MAGIC);
	put(b, SH_JUMP, 2, 0x6aeb);                /* header ends at 0x26c */
	put(b, SH_HEADER, 4, SH_MAGIC);
	put(b, SH_VERSION, 2, 0x020f);
	put(b, SH_LOADFLAGS, 1, LOADED_HIGH);
	put(b, SH_CODE32_START, 4, 0x100000);
	put(b, SH_INITRD_ADDR_MAX, 4, 0x7fffffff);
	put(b, SH_KERNEL_ALIGNMENT, 4, 0x200000);
	put(b, SH_RELOCATABLE, 1, 1);
	put(b, SH_XLOADFLAGS, 2, kernel64 ? XLF_KERNEL_64 : 0);
	put(b, SH_CMDLINE_SIZE, 4, 0x7ff);
	put(b, SH_PREF_ADDRESS, 8, 0x200000);
	put(b, SH_INIT_SIZE, 4, INIT_SIZE);
	return b;
}

static uint64_t peek(struct vm *vm, uint64_t gpa, size_t len)
{
	uint8_t b[8];
	assert_int_equal(gmem_read(&vm->mem, gpa, b, len), 0);
	return get(b, 0, len);
}

/* Load b (size bytes) and expect a refusal naming needle, with guest
 * memory left as it was (all zero where the kernel and zero page go). */
static void expect_refused(struct vm *vm, const uint8_t *b, size_t size,
			   const struct load_params *p, const char *needle)
{
	vm->err[0] = 0;
	expect_err(vm, load_bzimage(vm, "vmlinuz", b, size, p), needle);
	assert_int_equal(peek(vm, LOAD, 8), 0);
	assert_int_equal(peek(vm, ZERO_PAGE + SH_HEADER, 4), 0);
}

/* ---- good images ---- */

static void check_e820(struct vm *vm, int n, const uint64_t (*want)[3])
{
	assert_int_equal(peek(vm, ZERO_PAGE + BP_E820_ENTRIES, 1), n);
	for (int i = 0; i < n; i++) {
		uint64_t e = ZERO_PAGE + BP_E820_TABLE + (uint64_t)i * BP_E820_ENTRY_SIZE;
		assert_int_equal(peek(vm, e, 8), want[i][0]);
		assert_int_equal(peek(vm, e + 8, 8), want[i][1]);
		assert_int_equal(peek(vm, e + 16, 4), want[i][2]);
	}
}

/* The header as the image has it, but for the fields the loader fills. */
static void check_header_copy(struct vm *vm, const uint8_t *b)
{
	static const size_t filled[][2] = {
		{ SH_TYPE_OF_LOADER, 1 }, { SH_LOADFLAGS, 1 }, { SH_CODE32_START, 4 },
		{ SH_RAMDISK_IMAGE, 4 }, { SH_RAMDISK_SIZE, 4 }, { SH_HEAP_END_PTR, 2 },
		{ SH_CMD_LINE_PTR, 4 },
	};
	uint8_t zp[BP_SIZE];

	assert_int_equal(gmem_read(&vm->mem, ZERO_PAGE, zp, sizeof(zp)), 0);
	assert_int_equal(get(zp, BP_EXT_CMD_LINE_PTR, 4), 0);
	assert_int_equal(get(zp, SH_TYPE_OF_LOADER, 1), SH_LOADER_UNDEFINED);
	assert_int_equal(get(zp, SH_LOADFLAGS, 1), LOADED_HIGH | CAN_USE_HEAP);
	assert_int_equal(get(zp, SH_HEAP_END_PTR, 2), 0xfe00);
	assert_int_equal(get(zp, SH_CODE32_START, 4), LOAD);
	assert_int_equal(get(zp, SH_CMD_LINE_PTR, 4), CMDLINE);
	for (size_t i = 0; i < sizeof(filled) / sizeof(filled[0]); i++)
		memcpy(zp + filled[i][0], b + filled[i][0], filled[i][1]);
	assert_memory_equal(zp + SH_START, b + SH_START, 0x26c - SH_START);
	assert_int_equal(zp[0x26c], 0);             /* nothing past the header */
}

/* The descriptor at sel in the guest's GDT gives the cache the vCPU has. */
static void check_gdt_entry(struct vm *vm, enum sreg r)
{
	const struct seg_cache *c = &vm->vcpu.seg[r];
	uint64_t d = peek(vm, vm->vcpu.gdtr.base + (c->selector & ~7u), 8);

	assert_true((c->selector | 7u) <= vm->vcpu.gdtr.limit);
	assert_int_equal((d >> 40) & 0xf, c->type);
	assert_int_equal((d >> 44) & 1, c->s);
	assert_int_equal((d >> 47) & 1, c->present);
	assert_int_equal((d >> 53) & 1, c->l);
	assert_int_equal((d >> 54) & 1, c->db);
	assert_int_equal((d >> 55) & 1, c->g);
	assert_int_equal((d & 0xffff) | ((d >> 32) & 0xf0000), 0xfffff);
	assert_int_equal(c->base, 0);
	assert_int_equal(c->limit, 0xffffffffu);
}

static void check_entry(struct vm *vm, bool kernel64)
{
	const struct vcpu_state *s = &vm->vcpu;
	char why[128];

	assert_int_equal(vcpu_state_check(s, why, sizeof(why)), 0);
	assert_int_equal(vcpu_mode(s), kernel64 ? MODE_LONG64 : MODE_PROT32);
	assert_int_equal(s->rip, kernel64 ? LOAD + 0x200 : LOAD);
	assert_int_equal(s->gpr[RSI], ZERO_PAGE);
	assert_int_equal(s->gpr[RBX] | s->gpr[RBP] | s->gpr[RDI], 0);
	assert_int_equal(s->rflags & RFLAGS_IF, 0);
	assert_int_equal(s->cr0 & (CR0_PE | CR0_PG), kernel64 ? CR0_PE | CR0_PG : CR0_PE);
	assert_int_equal(s->cr4, kernel64 ? CR4_PAE : 0);
	assert_int_equal(s->efer, kernel64 ? EFER_LME | EFER_LMA : 0);
	assert_int_equal(s->cr3, kernel64 ? PML4 : 0);
	assert_int_equal(s->gdtr.base, GDT);
	assert_int_equal(s->seg[SEG_CS].selector, BOOT_CS);
	for (int r = 0; r < NR_SREGS; r++) {
		if (r != SEG_CS)
			assert_int_equal(s->seg[r].selector, BOOT_DS);
		check_gdt_entry(vm, r);
	}
}

/* The page tables map every 4 GiB address to itself. */
static void check_identity_map(struct vm *vm)
{
	static const uint64_t probe[] = { 0, ZERO_PAGE, LOAD + 0x200, 0x7fffffff, 0xc0000000,
					  0xfec00000, 0xfee00000, 0xffffffff };
	uint64_t gpa;

	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		assert_int_equal(guest_lin_to_phys(&vm->mem, &vm->vcpu, probe[i], &gpa), 0);
		assert_int_equal(gpa, probe[i]);
	}
	assert_int_equal(guest_lin_to_phys(&vm->mem, &vm->vcpu, 1ull << 32, &gpa), -EFAULT);
}

static void load_good(struct vm *vm, bool kernel64)
{
	uint8_t *b = image(kernel64), got[KERNEL_SIZE], rd[10000];
	_Static_assert(sizeof(rd) <= sizeof(got), "got holds the initrd");
	char *rdpath;
	const char cmd[] = "console=ttyS0 quiet";
	struct load_params p = { .cmdline = cmd };
	static const uint64_t e820[][3] = {
		{ 0, 0x9fc00, E820_RAM }, { 0x9fc00, 0x60400, E820_RESERVED },
		{ MiB, 15 * MiB, E820_RAM },
	};
	uint64_t rd_at = (16 * MiB - sizeof(rd)) & ~0xfffull;
	char line[sizeof(cmd)];

	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i ^ 0x5a);
	p.initrd = rdpath = make_file(rd, sizeof(rd));
	assert_int_equal(load_bzimage(vm, "vmlinuz", b, IMAGE_SIZE, &p), 0);
	drop_file(rdpath);

	assert_int_equal(gmem_read(&vm->mem, LOAD, got, sizeof(got)), 0);
	assert_memory_equal(got, b + SETUP_SIZE, KERNEL_SIZE);
	check_header_copy(vm, b);
	check_e820(vm, 3, e820);
	assert_int_equal(gmem_read(&vm->mem, CMDLINE, line, sizeof(line)), 0);
	assert_string_equal(line, cmd);
	assert_int_equal(peek(vm, ZERO_PAGE + SH_RAMDISK_IMAGE, 4), rd_at);
	assert_int_equal(peek(vm, ZERO_PAGE + SH_RAMDISK_SIZE, 4), sizeof(rd));
	assert_int_equal(gmem_read(&vm->mem, rd_at, got, sizeof(rd)), 0);
	assert_memory_equal(got, rd, sizeof(rd));
	check_entry(vm, kernel64);
	/* The first page and the BIOS data area are the platform's. */
	assert_int_equal(peek(vm, 0, 8) | peek(vm, 0x400, 8) | peek(vm, 0x408, 8), 0);
	free(b);
}

static void test_good_64(void **state)
{
	load_good(*state, true);
	check_identity_map(*state);
}

static void test_good_32(void **state)
{
	load_good(*state, false);
	assert_int_equal(peek(*state, PML4, 8), 0);    /* no page tables needed */
}

static void test_default_cmdline(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(true);
	char line[32];

	assert_int_equal(load_bzimage(vm, "vmlinuz", b, IMAGE_SIZE, NULL), 0);
	assert_int_equal(gmem_read(&vm->mem, CMDLINE, line, sizeof(line)), 0);
	assert_string_equal(line, "console=ttyS0");
	assert_int_equal(peek(vm, ZERO_PAGE + SH_RAMDISK_IMAGE, 4), 0);
	assert_int_equal(peek(vm, ZERO_PAGE + SH_RAMDISK_SIZE, 4), 0);
	free(b);
}

/* 5 GiB: low RAM ends at the hole, the rest is above 4 GiB, and the
 * initrd stays below initrd_addr_max. The mapping is lazy: only the pages
 * written cost anything. */
static void test_large_memory(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(true), rd[5000] = { 1, 2, 3 };
	char *rdpath = make_file(rd, sizeof(rd));
	struct load_params p = { .initrd = rdpath };
	static const uint64_t e820[][3] = {
		{ 0, 0x9fc00, E820_RAM }, { 0x9fc00, 0x60400, E820_RESERVED },
		{ MiB, 3 * GiB - MiB, E820_RAM }, { 4 * GiB, 2 * GiB, E820_RAM },
	};

	resize(vm, 5 * GiB);
	assert_int_equal(load_bzimage(vm, "vmlinuz", b, IMAGE_SIZE, &p), 0);
	check_e820(vm, 4, e820);
	assert_int_equal(peek(vm, ZERO_PAGE + SH_RAMDISK_IMAGE, 4), 2 * GiB - 0x2000);
	assert_int_equal(peek(vm, 2 * GiB - 0x2000, 4), 0x030201);
	check_identity_map(vm);
	drop_file(rdpath);
	free(b);
}

/* A header longer than the zero page has room for is copied only so far. */
static void test_long_header(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(true);

	put(b, SH_JUMP + 1, 1, 0xff);
	b[SH_ROOM_END] = 0x77;
	assert_int_equal(load_bzimage(vm, "vmlinuz", b, IMAGE_SIZE, NULL), 0);
	assert_int_equal(peek(vm, ZERO_PAGE + SH_ROOM_END, 1), 0);
	assert_int_equal(peek(vm, ZERO_PAGE + SH_ROOM_END - 1, 1), b[SH_ROOM_END - 1]);
	free(b);
}

/* setup_sects 0 means 4; an older protocol (2.06) has no init_size or
 * pref_address, so a kernel that is not relocatable runs where it is
 * loaded, in as much memory as it has bytes. */
static void test_old_fields(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(false);

	put(b, SH_SETUP_SECTS, 1, 0);
	put(b, SH_VERSION, 2, 0x0206);
	put(b, SH_JUMP + 1, 1, SH_CMDLINE_SIZE + 4 - SH_HEADER);
	put(b, SH_RELOCATABLE, 1, 0);
	resize(vm, 2 * MiB);    /* too small for the 4 MiB init_size, were it read */
	assert_int_equal(load_bzimage(vm, "vmlinuz", b, IMAGE_SIZE, NULL), 0);
	assert_int_equal(peek(vm, LOAD, 8), get(b, SETUP_SIZE, 8));
	assert_int_equal(peek(vm, ZERO_PAGE + SH_PREF_ADDRESS, 8), 0);
	free(b);
}

static void test_detect(void **state)
{
	uint8_t *b = image(true);
	(void)state;

	assert_true(bzimage_detect(b, IMAGE_SIZE));
	assert_true(bzimage_detect(b, SH_HEADER + 4));
	assert_true(bzimage_detect(b, SH_BOOT_FLAG + 2));      /* truncated: still ours */
	assert_false(bzimage_detect(b, SH_BOOT_FLAG + 1));
	put(b, SH_HEADER, 4, 0);
	assert_true(bzimage_detect(b, IMAGE_SIZE));            /* boot sector, no HdrS */
	memcpy(b, "\x7f" "ELF", 4);
	assert_false(bzimage_detect(b, IMAGE_SIZE));           /* an ELF file is not */
	put(b, SH_BOOT_FLAG, 2, 0);
	assert_false(bzimage_detect(b, IMAGE_SIZE));
	free(b);
}

/* ---- malformed images and what does not fit ---- */

static void test_truncated(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(true);

	expect_refused(vm, b, SH_BOOT_FLAG + 2, NULL, "truncated bzImage (512 bytes, no setup");
	expect_refused(vm, b, 0x250, NULL, "the setup header ends at 0x26c");
	expect_refused(vm, b, SETUP_SIZE, NULL, "no kernel after the 2560 bytes");
	put(b, SH_SETUP_SECTS, 1, 0xff);
	expect_refused(vm, b, IMAGE_SIZE, NULL, "no kernel after the 131072 bytes");
	free(b);
}

static void test_bad_header(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(true);

	put(b, SH_HEADER, 4, 0x53726447);
	expect_refused(vm, b, IMAGE_SIZE, NULL, "without the \"HdrS\" setup header");
	put(b, SH_HEADER, 4, SH_MAGIC);
	put(b, SH_VERSION, 2, 0x0205);
	expect_refused(vm, b, IMAGE_SIZE, NULL, "boot protocol 2.05 is too old");
	put(b, SH_VERSION, 2, 0x020f);
	put(b, SH_JUMP + 1, 1, 0x30);
	expect_refused(vm, b, IMAGE_SIZE, NULL, "setup header ends at 0x232, too short");
	put(b, SH_JUMP + 1, 1, 0x6a);
	put(b, SH_LOADFLAGS, 1, 0);
	expect_refused(vm, b, IMAGE_SIZE, NULL, "zImage");
	free(b);
}

static void test_kernel_too_large(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(true);

	resize(vm, 4 * MiB);    /* 2 MiB + 4 MiB init_size does not fit */
	expect_refused(vm, b, IMAGE_SIZE, NULL, "using 0x100000-0x600000, does not fit in "
		       "guest RAM (4 MiB)");
	put(b, SH_PREF_ADDRESS, 8, ~0ull);
	expect_refused(vm, b, IMAGE_SIZE, NULL, "runs at 0xffffffffffffffff, beyond guest RAM");
	put(b, SH_PREF_ADDRESS, 8, 0);
	put(b, SH_INIT_SIZE, 4, 0xffffffff);
	expect_refused(vm, b, IMAGE_SIZE, NULL, "does not fit in guest RAM");
	put(b, SH_KERNEL_ALIGNMENT, 4, 0x300000);    /* not a power of two: ignored */
	put(b, SH_INIT_SIZE, 4, 3 * MiB);
	assert_int_equal(load_bzimage(vm, "vmlinuz", b, IMAGE_SIZE, NULL), 0);
	free(b);
}

static void test_cmdline_too_long(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(true);
	char big[0x8000];
	struct load_params p = { .cmdline = "0123456789a" };

	put(b, SH_CMDLINE_SIZE, 4, 10);
	expect_refused(vm, b, IMAGE_SIZE, &p, "command line of 11 bytes is longer than the "
		       "kernel takes (10)");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	p.cmdline = big;
	put(b, SH_CMDLINE_SIZE, 4, 0xffffffff);
	expect_refused(vm, b, IMAGE_SIZE, &p, "longer than the 28671 bytes set aside");
	free(b);
}

static void test_initrd_problems(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(true), *big = calloc(1, 11 * MiB);
	char *bigpath = make_file(big, 11 * MiB), *emptypath = make_file("", 0);
	char *smallpath = make_file("abc", 3);
	struct load_params p = { .initrd = "/nonexistent/initrd" };

	expect_refused(vm, b, IMAGE_SIZE, &p, "/nonexistent/initrd: No such file or directory");
	p.initrd = emptypath;
	expect_refused(vm, b, IMAGE_SIZE, &p, "empty initrd");
	p.initrd = bigpath;      /* the kernel uses up to 6 MiB of the 16 */
	expect_refused(vm, b, IMAGE_SIZE, &p, "initrd of 11534336 bytes does not fit between "
		       "the kernel's end 0x600000 and 0x1000000");
	p.initrd = smallpath;
	put(b, SH_INITRD_ADDR_MAX, 4, 0x5fffff);     /* below the kernel's end */
	expect_refused(vm, b, IMAGE_SIZE, &p, "and 0x600000 in guest RAM");
	put(b, SH_INITRD_ADDR_MAX, 4, 0x600fff);     /* one page: just fits */
	assert_int_equal(load_bzimage(vm, "vmlinuz", b, IMAGE_SIZE, &p), 0);
	assert_int_equal(peek(vm, ZERO_PAGE + SH_RAMDISK_IMAGE, 4), 0x600000);
	drop_file(bigpath);
	drop_file(emptypath);
	drop_file(smallpath);
	free(big);
	free(b);
}

static void test_wrong_params(void **state)
{
	struct vm *vm = *state;
	uint8_t *b = image(true);
	struct load_params p = { .nr_modules = 1, .modules = { "mod" } };

	expect_refused(vm, b, IMAGE_SIZE, &p, "takes no multiboot modules");
	p = (struct load_params){ .initrd = "initrd.img" };
	b[0] = 0x7f;    /* anything but a multiboot image: it is refused first */
	vm->err[0] = 0;
	expect_err(vm, load_multiboot(vm, "kernel.elf", b, IMAGE_SIZE, &p), "not a Linux "
		   "bzImage, so it takes no initrd");
	free(b);
}

/* Hostile headers: a few random header bytes of a good image changed, and
 * sometimes its end cut off, never crash the loader; whatever it accepts
 * it places inside guest RAM, and whatever it refuses it says why. */
static void test_random_headers(void **state)
{
	struct vm *vm = *state;
	uint8_t *good = image(true), *b = malloc(IMAGE_SIZE);
	uint32_t x = 12345;
	int accepted = 0;

	assert_non_null(b);
	for (int n = 0; n < 2000; n++) {
		size_t size = IMAGE_SIZE;
		memcpy(b, good, IMAGE_SIZE);
		for (int k = 0; k < 3; k++) {
			x = x * 1103515245 + 12345;
			b[SH_START + (x >> 8) % (SH_ROOM_END - SH_START)] = (uint8_t)(x >> 24);
		}
		if (n % 4 == 0)
			size = SH_HEADER + 4 + x % (IMAGE_SIZE - SH_HEADER - 4);
		vm->err[0] = 0;
		if (load_bzimage(vm, "vmlinuz", b, size, NULL)) {
			assert_true(vm->err[0] != 0);
			continue;
		}
		assert_int_equal(peek(vm, ZERO_PAGE + SH_CMD_LINE_PTR, 4), CMDLINE);
		if (b[SH_SETUP_SECTS] == SETUP_SECTS && size == IMAGE_SIZE)
			assert_int_equal(peek(vm, LOAD, 8), get(b, SETUP_SIZE, 8));
		accepted++;
	}
	assert_true(accepted > 500);
	free(good);
	free(b);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_good_64),
		T(test_good_32),
		T(test_default_cmdline),
		T(test_large_memory),
		T(test_long_header),
		T(test_old_fields),
		T(test_detect),
		T(test_truncated),
		T(test_bad_header),
		T(test_kernel_too_large),
		T(test_cmdline_too_long),
		T(test_initrd_problems),
		T(test_wrong_params),
		T(test_random_headers),
	};
	return cmocka_run_group_tests_name("loader_bzimage", tests, NULL, NULL);
}
