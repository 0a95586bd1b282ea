/* libFuzzer target for the guest image loaders (core/loader_*.c) and the
 * firmware tables (core/pc_tables.c): a VM of a random RAM size, then an
 * image as `hvmm run` loads it, with a command line, an initrd and
 * multiboot modules. Besides not crashing or reading past the image, a
 * load that succeeds must keep its promises (docs/architecture.md):
 *  - the vCPU state it sets passes vcpu_state_check (KVM takes it over);
 *  - the memory map is ascending, RAM in it is guest RAM, and the zero
 *    page's e820 or the multiboot map is that map;
 *  - page 0 and [EBDA, 1 MiB), where the BIOS data area and the MP and
 *    ACPI tables live, are not written (a flat binary writes only its own
 *    bytes);
 *  - the kernel, initrd, modules and command lines the guest is told
 *    about hold what was given;
 * and the tables vm_init builds for that RAM size are where a kernel
 * looks for them, with every checksum right.
 *
 * Input (missing bytes read as 0):
 *   0     loader (bits 0-1: 0 as the command picks, bzImage if it looks
 *         like one, else multiboot; 1 flat; 2 multiboot; 3 bzImage), bit 2
 *         an initrd, bit 3 a command line, bits 4-7 modules (0-9)
 *   1     RAM: 0-0x7f (b+1) MiB; else 1 MiB + (b & 0x7f) * 0x41000
 *   2-4   flat load address (21 bits)
 *   5-7   n, the image's length (more than is left: all of it)
 *   then  the image, n bytes
 *   then  with bit 3: length byte, command line
 *         with bit 2: 16-bit length, initrd
 *         per module: 16-bit length, contents, length byte, arguments
 * The image comes before what the flags add, so that a change of flags
 * leaves it where it was.
 * HVMM_FUZZ_VERBOSE=1 says what each input loaded, or why not. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/bootparam.h"
#include "core/loader.h"
#include "core/multiboot.h"
#include "core/pc_layout.h"
#include "core/vm.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/pc_tables_walk.h"

#define FZ_FILES   (1 + MB_MAX_MODULES + 1)   /* initrd, modules, one module too many */
#define FZ_ARG_MAX 256
#define FZ_TSC_KHZ 1000000                    /* any rate: nothing here runs */
#define FZ_PAGE0   0x1000ull

enum { FZ_AUTO, FZ_FLAT, FZ_MULTIBOOT, FZ_BZIMAGE };

struct fz_file {
	const uint8_t *data;
	size_t size;
	char spec[64 + FZ_ARG_MAX];   /* "/proc/self/fd/N[ args]" */
};

struct fz_load {
	unsigned loader;
	uint64_t ram, flat_addr;
	bool has_cmdline, has_initrd;
	char cmdline[FZ_ARG_MAX];
	struct fz_file initrd;
	struct fz_file mod[MB_MAX_MODULES + 1];
	int nr_mods;
	const uint8_t *image;
	size_t image_size;
};

/* Files the loaders read, as memfds: one per role, made once. */
static int fz_fd(unsigned i)
{
	static int fds[FZ_FILES];
	static bool made;
	if (!made) {
		for (unsigned k = 0; k < FZ_FILES; k++) {
			fds[k] = memfd_create("fuzz-load", MFD_CLOEXEC);
			FZ_CHECK(fds[k] >= 0, "memfd_create: %s", strerror(errno));
		}
		made = true;
	}
	return fds[i];
}

static void fz_put_file(unsigned i, struct fz_file *f, const char *args)
{
	int fd = fz_fd(i);
	FZ_CHECK(!ftruncate(fd, 0) && pwrite(fd, f->data, f->size, 0) == (ssize_t)f->size,
	         "cannot fill a memfd: %s", strerror(errno));
	snprintf(f->spec, sizeof(f->spec), "/proc/self/fd/%d%s%s", fd, *args ? " " : "", args);
}

/* A string of up to max bytes (its length read first), NUL-terminated. */
static void fz_string(struct fz_reader *r, size_t len, char *out)
{
	size_t got;
	const uint8_t *p = fz_take(r, len, &got);
	memcpy(out, p, got);
	out[got] = 0;
}

static void fz_parse(const uint8_t *data, size_t size, struct fz_load *l)
{
	struct fz_reader r = { data, size };
	uint8_t flags = fz_u8(&r), ram = fz_u8(&r);
	size_t got;
	char args[FZ_ARG_MAX];

	memset(l, 0, sizeof(*l));
	l->loader = flags & 3;
	l->has_initrd = flags & 4;
	l->has_cmdline = flags & 8;
	l->nr_mods = (flags >> 4) % (MB_MAX_MODULES + 2);
	l->ram = ram < 0x80 ? (ram + 1ull) << 20 : (1ull << 20) + (ram & 0x7full) * 0x41000;
	l->flat_addr = fz_uint(&r, 3) & 0x1fffff;
	l->image = fz_take(&r, fz_uint(&r, 3), &got);
	l->image_size = got;
	if (l->has_cmdline)
		fz_string(&r, fz_u8(&r), l->cmdline);
	if (l->has_initrd) {
		l->initrd.data = fz_take(&r, fz_uint(&r, 2), &l->initrd.size);
		fz_put_file(0, &l->initrd, "");
	}
	for (int i = 0; i < l->nr_mods; i++) {
		l->mod[i].data = fz_take(&r, fz_uint(&r, 2), &l->mod[i].size);
		fz_string(&r, fz_u8(&r), args);
		fz_put_file(1 + i, &l->mod[i], args);
	}
}

/* The bytes at gpa are buf's. */
static bool fz_holds(struct vm *vm, uint64_t gpa, const void *buf, size_t len)
{
	if (!len)
		return true;
	const void *p = gmem_ptr(&vm->mem, gpa, len);
	return p && !memcmp(p, buf, len);
}

static uint64_t fz_peek(struct vm *vm, uint64_t gpa, unsigned len)
{
	const uint8_t *p = gmem_ptr(&vm->mem, gpa, len);
	FZ_CHECK(p, "%#llx+%u is not in guest RAM", (unsigned long long)gpa, len);
	return le(p, len);
}

/* The C string at gpa is s. */
static bool fz_holds_str(struct vm *vm, uint64_t gpa, const char *s)
{
	return fz_holds(vm, gpa, s, strlen(s) + 1);
}

/* An ACPI table at gpa, in RAM, whose length bytes sum to 0. */
static void fz_check_sdt(struct vm *vm, const char *sig)
{
	uint64_t at = find_sdt(vm, sig);
	FZ_CHECK(at && gbytes(vm, at, 36), "no %s table", sig);
	uint32_t len = strcmp(sig, "FACS") ? sdt_length(vm, at) : 64;
	const uint8_t *t = gbytes(vm, at, len);
	FZ_CHECK(t && !memcmp(t, sig, 4), "%s at %#llx, %u bytes, outside RAM", sig,
	         (unsigned long long)at, len);
	FZ_CHECK(!strcmp(sig, "FACS") || byte_sum(t, len) == 0, "%s checksum", sig);
}

/* The tables as a kernel finds them (tests/unit/pc_tables_walk.h). */
static void fz_check_tables(struct vm *vm)
{
	uint64_t rsdp = find_rsdp(vm);
	FZ_CHECK(rsdp, "no RSDP for %llu bytes of RAM", (unsigned long long)vm->mem.ram_size);
	const uint8_t *r = gbytes(vm, rsdp, 36);
	FZ_CHECK(r && byte_sum(r, le(r + 20, 4)) == 0, "RSDP extended checksum");
	static const char *const sigs[] = { "RSDT", "XSDT", "FACP", "APIC", "DSDT", "FACS" };
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		fz_check_sdt(vm, sigs[i]);

	uint64_t mpf = find_mp_floating(vm);
	FZ_CHECK(mpf, "no MP floating pointer");
	uint64_t cfg = fz_peek(vm, mpf + 4, 4);
	const uint8_t *c = gbytes(vm, cfg, 44);
	FZ_CHECK(c && !memcmp(c, "PCMP", 4), "MP configuration table at %#llx",
	         (unsigned long long)cfg);
	uint64_t len = le(c + 4, 2);
	const uint8_t *all = gbytes(vm, cfg, len);
	FZ_CHECK(all && byte_sum(all, len) == 0, "MP configuration table checksum");
}

/* The map both kernel loaders report: ascending, disjoint, and RAM in it
 * is guest RAM. */
static void fz_check_memmap(struct vm *vm, struct mem_range *map, int *nr)
{
	*nr = loader_memmap(&vm->mem, map);
	FZ_CHECK(*nr > 0 && *nr <= MEMMAP_MAX, "%d map entries", *nr);
	for (int i = 0; i < *nr; i++) {
		FZ_CHECK(map[i].len && map[i].base + map[i].len > map[i].base, "entry %d empty", i);
		FZ_CHECK(!i || map[i].base >= map[i - 1].base + map[i - 1].len, "entry %d overlaps", i);
		FZ_CHECK(map[i].type != MEMMAP_RAM || gmem_find(&vm->mem, map[i].base, map[i].len),
		         "RAM entry %d [%#llx, +%#llx) is not guest RAM", i,
		         (unsigned long long)map[i].base, (unsigned long long)map[i].len);
	}
}

static void fz_check_bzimage(struct vm *vm, const struct fz_load *l, const struct mem_range *map,
                             int nmap)
{
	uint64_t zp = vm->vcpu.gpr[RSI];
	size_t setup = (size_t)((l->image[SH_SETUP_SECTS] ? l->image[SH_SETUP_SECTS] : 4) + 1) *
	               SH_SECTOR;
	FZ_CHECK(fz_holds(vm, PC_HIGH_RAM, l->image + setup, l->image_size - setup),
	         "the kernel at 1 MiB is not the image's");
	FZ_CHECK(fz_holds_str(vm, fz_peek(vm, zp + SH_CMD_LINE_PTR, 4),
	                      l->has_cmdline ? l->cmdline : "console=ttyS0"),
	         "the command line is not the one given");
	uint64_t rd = fz_peek(vm, zp + SH_RAMDISK_IMAGE, 4), rd_size = fz_peek(vm, zp + SH_RAMDISK_SIZE, 4);
	if (l->has_initrd)
		FZ_CHECK(rd_size == l->initrd.size && rd >= PC_HIGH_RAM &&
		         fz_holds(vm, rd, l->initrd.data, l->initrd.size),
		         "the initrd at %#llx, %llu bytes, is not the file", (unsigned long long)rd,
		         (unsigned long long)rd_size);
	else
		FZ_CHECK(!rd && !rd_size, "an initrd nobody gave");
	FZ_CHECK(fz_peek(vm, zp + BP_E820_ENTRIES, 1) == (uint64_t)nmap, "e820 entries");
	for (int i = 0; i < nmap; i++) {
		uint64_t e = zp + BP_E820_TABLE + (uint64_t)i * BP_E820_ENTRY_SIZE;
		FZ_CHECK(fz_peek(vm, e, 8) == map[i].base && fz_peek(vm, e + 8, 8) == map[i].len &&
		         fz_peek(vm, e + 16, 4) == map[i].type, "e820 entry %d", i);
	}
}

static void fz_check_multiboot(struct vm *vm, const struct fz_load *l, const struct mem_range *map,
                               int nmap)
{
	struct mb_info info;
	uint64_t at = vm->vcpu.gpr[RBX];
	FZ_CHECK(vm->vcpu.gpr[RAX] == MB_BOOT_MAGIC, "EAX %#llx",
	         (unsigned long long)vm->vcpu.gpr[RAX]);
	FZ_CHECK(!gmem_read(&vm->mem, at, &info, sizeof(info)), "info at %#llx",
	         (unsigned long long)at);
	FZ_CHECK(fz_holds_str(vm, info.cmdline, l->has_cmdline ? l->cmdline : ""),
	         "the command line is not the one given");
	FZ_CHECK(info.mods_count == (uint32_t)l->nr_mods, "%u modules", info.mods_count);
	for (int i = 0; i < l->nr_mods; i++) {
		struct mb_module m;
		FZ_CHECK(!gmem_read(&vm->mem, info.mods_addr + 16ull * i, &m, sizeof(m)), "module %d", i);
		FZ_CHECK(m.mod_end - m.mod_start == l->mod[i].size &&
		         fz_holds(vm, m.mod_start, l->mod[i].data, l->mod[i].size),
		         "module %d is not the file", i);
		FZ_CHECK(fz_holds_str(vm, m.string, l->mod[i].spec), "module %d string", i);
	}
	FZ_CHECK(info.mmap_length == nmap * sizeof(struct mb_mmap_entry), "map length");
	for (int i = 0; i < nmap; i++) {
		struct mb_mmap_entry e;
		FZ_CHECK(!gmem_read(&vm->mem, info.mmap_addr + sizeof(e) * i, &e, sizeof(e)) &&
		         e.base_addr == map[i].base && e.length == map[i].len && e.type == map[i].type,
		         "map entry %d", i);
	}
}

/* Page 0 and [EBDA, 1 MiB), saved before the load. */
struct fz_low {
	uint8_t page0[FZ_PAGE0];
	uint8_t bios[PC_HIGH_RAM - PC_LOW_RAM_END];
};

static void fz_save_low(struct vm *vm, struct fz_low *s)
{
	FZ_CHECK(!gmem_read(&vm->mem, 0, s->page0, sizeof(s->page0)) &&
	         !gmem_read(&vm->mem, PC_LOW_RAM_END, s->bios, sizeof(s->bios)),
	         "a VM without the first MiB");
}

/* [a, b) of a part saved at gpa is unchanged (a plain memcmp: a byte
 * loop here would cost more than the load, traced as it is). */
static void fz_same(const uint8_t *now, const uint8_t *was, uint64_t gpa, uint64_t a, uint64_t b)
{
	if (a >= b || !memcmp(now + (a - gpa), was + (a - gpa), b - a))
		return;
	while (now[a - gpa] == was[a - gpa])
		a++;
	FZ_CHECK(0, "the load wrote %#llx", (unsigned long long)a);
}

/* Unchanged but for [skip, skip + len). */
static void fz_check_low(struct vm *vm, const struct fz_low *s, uint64_t skip, uint64_t len)
{
	struct { uint64_t gpa; const uint8_t *was; size_t n; } part[2] = {
		{ 0, s->page0, sizeof(s->page0) },
		{ PC_LOW_RAM_END, s->bios, sizeof(s->bios) },
	};
	for (unsigned k = 0; k < 2; k++) {
		const uint8_t *now = gmem_ptr(&vm->mem, part[k].gpa, part[k].n);
		uint64_t lo = part[k].gpa, hi = lo + part[k].n;
		uint64_t s0 = skip < lo ? lo : skip > hi ? hi : skip;
		uint64_t s1 = skip + len < s0 ? s0 : skip + len > hi ? hi : skip + len;
		fz_same(now, part[k].was, lo, lo, s0);
		fz_same(now, part[k].was, lo, s1, hi);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_low low;   /* large: off the stack */
	struct fz_load l;
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return 0;
	fz_parse(data, size, &l);

	struct vm_config cfg = { .ram_size = l.ram, .serial_out_fd = -1, .serial_in_fd = -1,
	                         .tsc_khz = FZ_TSC_KHZ };
	if (vm_init(vm, &cfg)) {
		FZ_CHECK(l.ram < 2 * PC_HIGH_RAM, "%llu bytes of RAM refused: %s",
		         (unsigned long long)l.ram, vm->err);
		free(vm);
		return 0;
	}
	struct fz_guards guards;
	fz_guard_ram(&vm->mem, &guards);
	fz_check_tables(vm);
	fz_save_low(vm, &low);

	/* The image in a buffer of its own size, so that ASan sees any read
	 * past its end. */
	uint8_t *img = malloc(l.image_size ? l.image_size : 1);
	FZ_CHECK(img, "out of memory");
	memcpy(img, l.image, l.image_size);
	l.image = img;

	struct load_params p = { .cmdline = l.has_cmdline ? l.cmdline : NULL,
	                         .initrd = l.has_initrd ? l.initrd.spec : NULL,
	                         .nr_modules = l.nr_mods };
	for (int i = 0; i < l.nr_mods && i < MB_MAX_MODULES; i++)
		p.modules[i] = l.mod[i].spec;
	unsigned loader = l.loader;
	if (loader == FZ_AUTO)
		loader = bzimage_detect(img, l.image_size) ? FZ_BZIMAGE : FZ_MULTIBOOT;
	int r = loader == FZ_FLAT ? load_flat(vm, "image", img, l.image_size, l.flat_addr) :
	        loader == FZ_BZIMAGE ? load_bzimage(vm, "image", img, l.image_size, &p) :
	        load_multiboot(vm, "image", img, l.image_size, &p);

	const char *verbose = getenv("HVMM_FUZZ_VERBOSE");
	if (verbose && *verbose && strcmp(verbose, "0"))
		fprintf(stderr, "fuzz_load: %s, %llu KiB of RAM: %s\n",
		        loader == FZ_FLAT ? "flat" : loader == FZ_BZIMAGE ? "bzImage" : "multiboot",
		        (unsigned long long)(l.ram >> 10), r ? vm->err : "loaded");
	if (r) {
		FZ_CHECK(r < 0 && fz_one_line(vm->err),
		         "a failed load (%d) must give a one-line reason: '%s'", r, vm->err);
		/* Everything is checked before guest memory is written. */
		fz_check_low(vm, &low, 0, 0);
	} else {
		char why[256];
		struct mem_range map[MEMMAP_MAX];
		int nmap;
		FZ_CHECK(!vcpu_state_check(&vm->vcpu, why, sizeof(why)), "entry state: %s", why);
		fz_check_memmap(vm, map, &nmap);
		if (loader == FZ_FLAT) {
			fz_check_low(vm, &low, l.flat_addr, l.image_size);
			FZ_CHECK(fz_holds(vm, l.flat_addr, img, l.image_size), "flat image");
		} else {
			fz_check_low(vm, &low, 0, 0);
			if (loader == FZ_BZIMAGE)
				fz_check_bzimage(vm, &l, map, nmap);
			else
				fz_check_multiboot(vm, &l, map, nmap);
		}
	}
	free(img);
	fz_unguard_ram(&guards);
	vm_destroy(vm);
	free(vm);
	return 0;
}
