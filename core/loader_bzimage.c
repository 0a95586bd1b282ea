/* Linux x86 bzImage loader, boot protocol 2.06 and later: the protected-
 * mode kernel goes to 1 MiB, a zero page carries the setup header, the
 * command line, the initrd and the e820 map, and the vCPU enters the
 * kernel's 64-bit entry (or its 32-bit one) directly, without the
 * real-mode setup code.
 *
 * Guest physical layout (the low part below the EBDA, away from the
 * interrupt vectors and the BIOS data area in the first page):
 *   0x1000             GDT: null, null, __BOOT_CS 0x10, __BOOT_DS 0x18
 *   0x2000             zero page (struct boot_params)
 *   0x3000             PML4, 0x4000 PDPT, 0x5000-0x8fff four page
 *                      directories: 0-4 GiB identity-mapped in 2 MiB
 *                      pages (64-bit entry only)
 *   0x9000-0xffff      kernel command line
 *   0x100000           protected-mode kernel; it decompresses itself within
 *                      init_size bytes from max(load address aligned up,
 *                      pref_address), which must fit in low RAM
 *   initrd             page-aligned, as high as allowed below
 *                      min(initrd_addr_max + 1, end of low RAM), above
 *                      the kernel's init_size
 * Every field read from the image is bounds-checked against the setup
 * header, and everything is checked before guest memory is written. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bootparam.h"
#include "core/loader.h"
#include "core/pc_layout.h"
#include "core/vm.h"

#define BZ_GDT          0x1000ull
#define BZ_ZERO_PAGE    0x2000ull
#define BZ_PML4         0x3000ull
#define BZ_PDPT         0x4000ull
#define BZ_PD           0x5000ull
#define BZ_NR_PD        4              /* one per GiB */
#define BZ_CMDLINE      0x9000ull
#define BZ_CMDLINE_END  0x10000ull
#define BZ_LOAD         PC_HIGH_RAM
#define BZ_CMDLINE_DEFAULT "console=ttyS0"

#define PAGE_SIZE       0x1000ull
#define PT_ENTRIES      512
#define PTE_P           0x1ull
#define PTE_RW          0x2ull
#define PTE_PS          0x80ull
#define LARGE_PAGE      (2ull << 20)

/* Flat 4 GiB descriptors, accessed bit set so the CPU never writes the
 * GDT; their caches are what vcpu_state_set_long64/_flat32_sel build. */
#define GDT_CODE64      0x00af9b000000ffffull
#define GDT_CODE32      0x00cf9b000000ffffull
#define GDT_DATA        0x00cf93000000ffffull

/* The setup heap ends this far past the setup code; only the real-mode
 * setup code uses it, which this loader skips, but kernels check the flag. */
#define BZ_HEAP_END     0xfe00

struct bzimage {
	size_t setup_size;        /* boot sector and setup code: (setup_sects + 1) * 512 */
	size_t hdr_end;           /* end of the setup header in the file */
	uint16_t version;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t initrd_addr_max, cmdline_size;
	uint64_t end;             /* end of the memory the kernel may use */
};

struct initrd {
	uint8_t *data;
	size_t size;
	uint64_t addr;
};

static uint64_t get_le(const uint8_t *p, size_t len)
{
	uint64_t v = 0;

	for (size_t i = len; i--;)
		v = v << 8 | p[i];
	return v;
}

static void put_le(uint8_t *p, size_t len, uint64_t v)
{
	for (size_t i = 0; i < len; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A header field, or 0 where the image's header is too short to have it
 * (older protocols end before the newer fields). */
static uint64_t field(const uint8_t *data, const struct bzimage *bz, size_t off, size_t len)
{
	return off + len <= bz->hdr_end ? get_le(data + off, len) : 0;
}

bool bzimage_detect(const uint8_t *data, size_t size)
{
	static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (size >= SH_HEADER + 4 && get_le(data + SH_HEADER, 4) == SH_MAGIC)
		return true;
	return size >= SH_BOOT_FLAG + 2 && get_le(data + SH_BOOT_FLAG, 2) == SH_BOOT_FLAG_MAGIC &&
	       memcmp(data, elf_magic, sizeof(elf_magic));
}

static int parse_header(struct vm *vm, const char *name, const uint8_t *data, size_t size,
			struct bzimage *bz)
{
	unsigned sects;

	if (size < SH_HEADER + 4)
		return vm_fail(vm, -ENOEXEC, "%s: truncated bzImage (%zu bytes, no setup header)",
			       name, size);
	if (get_le(data + SH_HEADER, 4) != SH_MAGIC)
		return vm_fail(vm, -ENOEXEC, "%s: boot sector without the \"HdrS\" setup header "
			       "(a Linux boot protocol before 2.00)", name);
	bz->hdr_end = SH_HEADER + data[SH_JUMP + 1];
	if (bz->hdr_end > size)
		return vm_fail(vm, -ENOEXEC, "%s: truncated bzImage (%zu bytes, the setup header "
			       "ends at 0x%zx)", name, size, bz->hdr_end);
	bz->version = (uint16_t)field(data, bz, SH_VERSION, 2);
	if (bz->version < SH_MIN_VERSION)
		return vm_fail(vm, -ENOEXEC, "%s: Linux boot protocol %u.%02u is too old (2.06 "
			       "or later needed)", name, bz->version >> 8, bz->version & 0xff);
	if (bz->hdr_end < SH_CMDLINE_SIZE + 4)
		return vm_fail(vm, -ENOEXEC, "%s: setup header ends at 0x%zx, too short for "
			       "protocol %u.%02u", name, bz->hdr_end, bz->version >> 8,
			       bz->version & 0xff);
	sects = data[SH_SETUP_SECTS] ? data[SH_SETUP_SECTS] : 4;
	bz->setup_size = (size_t)(sects + 1) * SH_SECTOR;
	if (size <= bz->setup_size)
		return vm_fail(vm, -ENOEXEC, "%s: truncated bzImage (%zu bytes, no kernel after "
			       "the %zu bytes of setup code)", name, size, bz->setup_size);
	bz->loadflags = (uint8_t)field(data, bz, SH_LOADFLAGS, 1);
	if (!(bz->loadflags & LOADED_HIGH))
		return vm_fail(vm, -ENOTSUP, "%s: a zImage (kernel loaded below 1 MiB) is not "
			       "supported", name);
	bz->xloadflags = (uint16_t)field(data, bz, SH_XLOADFLAGS, 2);
	bz->initrd_addr_max = (uint32_t)field(data, bz, SH_INITRD_ADDR_MAX, 4);
	bz->cmdline_size = (uint32_t)field(data, bz, SH_CMDLINE_SIZE, 4);
	return 0;
}

/* Where the kernel decompresses itself (arch/x86/boot/compressed/head_*.S):
 * a relocatable kernel at its load address aligned up, but never below
 * pref_address; any other at pref_address. Protocols before 2.10 give
 * neither pref_address nor init_size: the image itself is all we know. */
static int plan_kernel(struct vm *vm, const char *name, const uint8_t *data, size_t size,
		       struct bzimage *bz)
{
	uint64_t kernel = size - bz->setup_size, at = BZ_LOAD;
	uint64_t pref = field(data, bz, SH_PREF_ADDRESS, 8);
	uint64_t init = field(data, bz, SH_INIT_SIZE, 4);
	uint64_t align = field(data, bz, SH_KERNEL_ALIGNMENT, 4);
	uint64_t low_end = gmem_low_ram_end(&vm->mem);

	if (field(data, bz, SH_RELOCATABLE, 1) && align && !(align & (align - 1)))
		at = (at + align - 1) & ~(align - 1);
	if (pref > at)
		at = pref;
	bz->end = BZ_LOAD + kernel;
	if (at < low_end && at + init > bz->end)    /* no overflow: both below 2^33 */
		bz->end = at + init;
	if (at >= low_end)
		return vm_fail(vm, -E2BIG, "%s: kernel runs at 0x%llx, beyond guest RAM (%llu MiB)",
			       name, (unsigned long long)at,
			       (unsigned long long)(vm->mem.ram_size >> 20));
	if (bz->end > low_end)
		return vm_fail(vm, -E2BIG, "%s: kernel of %llu bytes, using 0x%llx-0x%llx, does "
			       "not fit in guest RAM (%llu MiB)", name, (unsigned long long)kernel,
			       (unsigned long long)BZ_LOAD, (unsigned long long)bz->end,
			       (unsigned long long)(vm->mem.ram_size >> 20));
	return 0;
}

static int check_cmdline(struct vm *vm, const char *name, const struct bzimage *bz,
			 const char *cmdline)
{
	size_t len = strlen(cmdline);

	if (len > bz->cmdline_size)
		return vm_fail(vm, -E2BIG, "%s: command line of %zu bytes is longer than the "
			       "kernel takes (%u)", name, len, bz->cmdline_size);
	if (len >= BZ_CMDLINE_END - BZ_CMDLINE)
		return vm_fail(vm, -E2BIG, "%s: command line of %zu bytes is longer than the "
			       "%llu bytes set aside for it", name, len, BZ_CMDLINE_END - BZ_CMDLINE - 1);
	return 0;
}

/* As high as the kernel allows, so that it stays clear of the kernel's
 * decompression and early allocations. */
static int place_initrd(struct vm *vm, const char *path, const struct bzimage *bz,
			struct initrd *rd)
{
	uint64_t top = gmem_low_ram_end(&vm->mem);

	if ((uint64_t)bz->initrd_addr_max + 1 < top)
		top = (uint64_t)bz->initrd_addr_max + 1;
	if (!rd->size)
		return vm_fail(vm, -EINVAL, "%s: empty initrd", path);
	if (rd->size > top || ((top - rd->size) & ~(PAGE_SIZE - 1)) < bz->end)
		return vm_fail(vm, -E2BIG, "%s: initrd of %zu bytes does not fit between the "
			       "kernel's end 0x%llx and 0x%llx in guest RAM (%llu MiB)", path,
			       rd->size, (unsigned long long)bz->end, (unsigned long long)top,
			       (unsigned long long)(vm->mem.ram_size >> 20));
	rd->addr = (top - rd->size) & ~(PAGE_SIZE - 1);
	return 0;
}

static void fill_e820(const struct vm *vm, uint8_t *zp)
{
	struct mem_range r[MEMMAP_MAX];
	int n = loader_memmap(&vm->mem, r);

	for (int i = 0; i < n; i++) {
		uint8_t *e = zp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;
		put_le(e, 8, r[i].base);
		put_le(e + 8, 8, r[i].len);
		put_le(e + 16, 4, r[i].type);
	}
	zp[BP_E820_ENTRIES] = (uint8_t)n;
}

static void fill_zero_page(const struct vm *vm, const uint8_t *data, const struct bzimage *bz,
			   const struct initrd *rd, uint8_t *zp)
{
	size_t hdr_end = bz->hdr_end < SH_ROOM_END ? bz->hdr_end : SH_ROOM_END;

	memset(zp, 0, BP_SIZE);
	memcpy(zp + SH_START, data + SH_START, hdr_end - SH_START);
	zp[SH_TYPE_OF_LOADER] = SH_LOADER_UNDEFINED;
	zp[SH_LOADFLAGS] = bz->loadflags | CAN_USE_HEAP;
	put_le(zp + SH_HEAP_END_PTR, 2, BZ_HEAP_END);
	put_le(zp + SH_CODE32_START, 4, BZ_LOAD);
	put_le(zp + SH_CMD_LINE_PTR, 4, BZ_CMDLINE);
	put_le(zp + SH_RAMDISK_IMAGE, 4, rd->addr);
	put_le(zp + SH_RAMDISK_SIZE, 4, rd->size);
	fill_e820(vm, zp);
}

/* PML4[0] -> PDPT, PDPT[0..3] -> four directories of 2 MiB pages. */
static int write_page_tables(struct vm *vm)
{
	uint64_t t[(2 + BZ_NR_PD) * PT_ENTRIES] = { 0 };

	t[0] = BZ_PDPT | PTE_P | PTE_RW;
	for (int i = 0; i < BZ_NR_PD; i++)
		t[PT_ENTRIES + i] = (BZ_PD + i * PAGE_SIZE) | PTE_P | PTE_RW;
	for (int i = 0; i < BZ_NR_PD * PT_ENTRIES; i++)
		t[2 * PT_ENTRIES + i] = i * LARGE_PAGE | PTE_P | PTE_RW | PTE_PS;
	return gmem_load(&vm->mem, BZ_PML4, t, sizeof(t));
}

static int write_all(struct vm *vm, const uint8_t *data, size_t size,
		     const struct bzimage *bz, const char *cmdline, const struct initrd *rd,
		     bool long64)
{
	uint64_t gdt[4] = { 0, 0, long64 ? GDT_CODE64 : GDT_CODE32, GDT_DATA };
	uint8_t zp[BP_SIZE];
	int r;

	fill_zero_page(vm, data, bz, rd, zp);
	r = gmem_load(&vm->mem, BZ_LOAD, data + bz->setup_size, size - bz->setup_size);
	if (!r)
		r = gmem_load(&vm->mem, BZ_ZERO_PAGE, zp, sizeof(zp));
	if (!r)
		r = gmem_load(&vm->mem, BZ_CMDLINE, cmdline, strlen(cmdline) + 1);
	if (!r)
		r = gmem_load(&vm->mem, BZ_GDT, gdt, sizeof(gdt));
	if (!r && long64)
		r = write_page_tables(vm);
	if (!r && rd->size)
		r = gmem_load(&vm->mem, rd->addr, rd->data, rd->size);
	if (r)
		return vm_fail(vm, r, "cannot write the kernel to guest memory");
	return 0;
}

/* boot.rst's 32- and 64-bit protocols: __BOOT_CS/__BOOT_DS flat, interrupts
 * off, RSI at the zero page, EBP/EDI/EBX zero (the reset state has them so). */
static void set_entry(struct vm *vm, bool long64)
{
	struct vcpu_state *s = &vm->vcpu;

	if (long64)
		vcpu_state_set_long64(s, BZ_LOAD + XLF_KERNEL_64_ENTRY, BZ_PML4, BOOT_CS, BOOT_DS);
	else
		vcpu_state_set_flat32_sel(s, (uint32_t)BZ_LOAD, BOOT_CS, BOOT_DS);
	s->gdtr = (struct dtable){ BZ_GDT, 4 * 8 - 1 };
	s->idtr = (struct dtable){ 0, 0 };
	s->gpr[RSI] = BZ_ZERO_PAGE;
}

int load_bzimage(struct vm *vm, const char *name, const uint8_t *data, size_t size,
		 const struct load_params *p)
{
	static const struct load_params none = { 0 };
	const char *cmdline;
	struct bzimage bz = { 0 };
	struct initrd rd = { 0 };
	bool long64;
	int r;

	if (!p)
		p = &none;
	cmdline = p->cmdline ? p->cmdline : BZ_CMDLINE_DEFAULT;
	if (p->nr_modules)
		return vm_fail(vm, -EINVAL, "%s: a Linux bzImage takes no multiboot modules (it "
			       "takes an initrd)", name);
	if ((r = parse_header(vm, name, data, size, &bz)) ||
	    (r = plan_kernel(vm, name, data, size, &bz)) ||
	    (r = check_cmdline(vm, name, &bz, cmdline)))
		return r;
	if (p->initrd && ((r = load_file(vm, p->initrd, &rd.data, &rd.size)) ||
			  (r = place_initrd(vm, p->initrd, &bz, &rd))))
		goto out;
	long64 = bz.xloadflags & XLF_KERNEL_64;
	if ((r = write_all(vm, data, size, &bz, cmdline, &rd, long64)))
		goto out;
	set_entry(vm, long64);
out:
	free(rd.data);
	return r;
}
