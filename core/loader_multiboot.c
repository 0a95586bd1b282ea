/* Multiboot v1 loader: finds the header, places the kernel (from its ELF
 * program headers, or from the header's a.out address fields), then builds
 * the information structure, memory map, strings and modules above it and
 * enters the kernel in flat 32-bit protected mode.
 *
 * Guest physical layout:
 *   0x0-0x1000          never written (a null-pointer guard for the guest)
 *   0x9fc00-0x100000    reported reserved (EBDA, VGA, BIOS area); refused
 *   kernel              where its program headers say
 *   next page           struct mb_info, mmap, module list, strings
 *   next pages          modules, each page aligned
 * Everything is checked before the first byte of guest memory is written. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf_image.h"
#include "core/loader.h"
#include "core/multiboot.h"
#include "core/pc_layout.h"
#include "core/vm.h"

#define PAGE_SIZE       0x1000ull
#define FOUR_GIB        0x100000000ull
#define LOADER_NAME     "hvmm"

/* One range of the kernel image: filesz bytes from the file, then zeros. */
struct kpiece {
	uint64_t paddr, file_off, filesz, memsz;
};

struct kernel {
	struct kpiece piece[ELF_MAX_SEGMENTS];
	int nr;
	uint32_t entry;
	uint64_t end;     /* highest byte + 1 */
};

struct module {
	uint8_t *data;
	size_t size;
	uint64_t addr, string_addr;
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static int find_header(struct vm *vm, const char *name, const uint8_t *data, size_t size,
		       struct mb_header *h, size_t *hoff)
{
	size_t limit = size < MB_SEARCH_BYTES ? size : MB_SEARCH_BYTES;
	long bad = -1;

	for (size_t off = 0; off + MB_HEADER_MIN_SIZE <= limit; off += MB_HEADER_ALIGN) {
		if (rd32(data + off) != MB_HEADER_MAGIC)
			continue;
		if (rd32(data + off) + rd32(data + off + 4) + rd32(data + off + 8) != 0) {
			if (bad < 0)
				bad = (long)off;
			continue;
		}
		size_t n = size - off < sizeof(*h) ? size - off : sizeof(*h);
		memset(h, 0, sizeof(*h));
		memcpy(h, data + off, n);
		*hoff = off;
		return 0;
	}
	if (bad >= 0)
		return vm_fail(vm, -ENOEXEC, "%s: bad multiboot checksum (header at offset 0x%lx)",
			       name, bad);
	return vm_fail(vm, -ENOEXEC, "%s: no multiboot header in the first %d bytes", name,
		       MB_SEARCH_BYTES);
}

static int check_flags(struct vm *vm, const char *name, uint32_t flags)
{
	uint32_t unknown = flags & MB_HF_REQUIRED & ~(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);

	if (unknown & MB_HF_VIDEO_MODE)
		return vm_fail(vm, -ENOTSUP, "%s: multiboot video mode request (flag 2) not "
			       "supported", name);
	if (unknown)
		return vm_fail(vm, -ENOTSUP, "%s: multiboot header requires unsupported features "
			       "(flags 0x%x)", name, unknown);
	return 0;
}

/* A kernel range must lie in low RAM, away from page 0 and the reserved
 * area that the memory map reports. */
static int check_place(struct vm *vm, const char *name, int i, uint64_t a, uint64_t len)
{
	uint64_t end = a + len, low_end = gmem_low_ram_end(&vm->mem);

	if (end < a || end > FOUR_GIB)
		return vm_fail(vm, -EINVAL, "%s: segment %d (0x%llx-0x%llx) is above 4 GiB", name,
			       i, (unsigned long long)a, (unsigned long long)end);
	if (a < PAGE_SIZE)
		return vm_fail(vm, -EINVAL, "%s: segment %d (0x%llx-0x%llx) overlaps the first "
			       "page", name, i, (unsigned long long)a, (unsigned long long)end);
	if (a < PC_HIGH_RAM && end > PC_LOW_RAM_END)
		return vm_fail(vm, -EINVAL, "%s: segment %d (0x%llx-0x%llx) overlaps the reserved "
			       "area 0x%llx-0x%llx", name, i, (unsigned long long)a,
			       (unsigned long long)end, PC_LOW_RAM_END, PC_HIGH_RAM);
	if (end > low_end)
		return vm_fail(vm, -E2BIG, "%s: segment %d (0x%llx-0x%llx) does not fit in guest "
			       "RAM (%llu MiB)", name, i, (unsigned long long)a,
			       (unsigned long long)end,
			       (unsigned long long)(vm->mem.ram_size >> 20));
	return 0;
}

static int kernel_from_elf(struct vm *vm, const char *name, const uint8_t *data, size_t size,
			   struct kernel *k)
{
	struct elf_image img;
	char why[160];
	bool entry_ok = false;
	uint64_t entry;

	if (elf_parse(data, size, &img, why, sizeof(why)))
		return vm_fail(vm, -ENOEXEC, "%s: %s", name, why);
	entry = img.entry;
	for (int i = 0; i < img.nr; i++) {
		const struct elf_segment *s = &img.seg[i];
		k->piece[i] = (struct kpiece){ s->paddr, s->offset, s->filesz, s->memsz };
		/* The entry is a virtual address; a higher-half kernel runs it at
		 * the physical address of the same byte. */
		if (!entry_ok && img.entry >= s->vaddr && img.entry - s->vaddr < s->memsz) {
			entry = img.entry - s->vaddr + s->paddr;
			entry_ok = true;
		}
	}
	k->nr = img.nr;
	for (int i = 0; i < img.nr && !entry_ok; i++)
		entry_ok = entry >= k->piece[i].paddr && entry - k->piece[i].paddr < k->piece[i].memsz;
	if (!entry_ok)
		return vm_fail(vm, -ENOEXEC, "%s: entry point 0x%llx is not inside a loaded segment",
			       name, (unsigned long long)img.entry);
	k->entry = (uint32_t)entry;   /* below 4 GiB once its segment is placed */
	return 0;
}

/* The a.out kludge: the header's address fields say which file bytes go
 * where, for images that are not ELF or want to override it. */
static int kernel_from_aout(struct vm *vm, const char *name, size_t size,
			    const struct mb_header *h, size_t hoff, struct kernel *k)
{
	uint64_t load_len, file_off, mem_end;

	if (hoff + MB_HEADER_AOUT_SIZE > size)
		return vm_fail(vm, -ENOEXEC, "%s: multiboot a.out kludge header truncated", name);
	if (h->load_addr > h->header_addr || h->header_addr - h->load_addr > hoff)
		return vm_fail(vm, -ENOEXEC, "%s: multiboot a.out kludge: load_addr 0x%x and "
			       "header_addr 0x%x put the image start outside the file", name,
			       h->load_addr, h->header_addr);
	file_off = hoff - (h->header_addr - h->load_addr);
	if (h->load_end_addr) {
		if (h->load_end_addr < h->load_addr)
			return vm_fail(vm, -ENOEXEC, "%s: multiboot a.out kludge: load_end_addr "
				       "0x%x below load_addr 0x%x", name, h->load_end_addr,
				       h->load_addr);
		load_len = h->load_end_addr - h->load_addr;
		if (load_len > size - file_off)
			return vm_fail(vm, -ENOEXEC, "%s: multiboot a.out kludge: load range of "
				       "0x%llx bytes outside the file", name,
				       (unsigned long long)load_len);
	} else {
		load_len = size - file_off;
	}
	mem_end = h->load_addr + load_len;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < mem_end)
			return vm_fail(vm, -ENOEXEC, "%s: multiboot a.out kludge: bss_end_addr "
				       "0x%x below the loaded image end 0x%llx", name,
				       h->bss_end_addr, (unsigned long long)mem_end);
		mem_end = h->bss_end_addr;
	}
	if (mem_end == h->load_addr)
		return vm_fail(vm, -ENOEXEC, "%s: multiboot a.out kludge: empty image", name);
	k->piece[0] = (struct kpiece){ h->load_addr, file_off, load_len, mem_end - h->load_addr };
	k->nr = 1;
	if (h->entry_addr < h->load_addr || h->entry_addr >= mem_end)
		return vm_fail(vm, -ENOEXEC, "%s: entry point 0x%x is not inside the loaded image",
			       name, h->entry_addr);
	k->entry = h->entry_addr;
	return 0;
}

static int read_modules(struct vm *vm, const struct load_params *p, struct module *mods)
{
	for (int i = 0; i < p->nr_modules; i++) {
		const char *spec = p->modules[i];
		char path[PATH_MAX];
		size_t n;
		int r;

		if (!spec)
			return vm_fail(vm, -EINVAL, "module %d: no path", i);
		n = strcspn(spec, " \t");
		if (!n)
			return vm_fail(vm, -EINVAL, "module %d: empty path in \"%s\"", i, spec);
		if (n >= sizeof(path))
			return vm_fail(vm, -ENAMETOOLONG, "module %d: path too long", i);
		memcpy(path, spec, n);
		path[n] = 0;
		if ((r = load_file(vm, path, &mods[i].data, &mods[i].size)))
			return r;
	}
	return 0;
}

static int build_mmap(const struct vm *vm, struct mb_mmap_entry *e)
{
	struct mem_range r[MEMMAP_MAX];
	int n = loader_memmap(&vm->mem, r);

	for (int i = 0; i < n; i++)
		e[i] = (struct mb_mmap_entry){ sizeof(*e) - 4, r[i].base, r[i].len, r[i].type };
	return n;
}

/* Where each boot structure goes, page-aligned above the kernel. */
struct layout {
	uint64_t info, mmap, mods, cmdline, loader_name, end;
};

static int plan(struct vm *vm, const char *name, const struct kernel *k, const char *cmdline,
		const struct load_params *p, struct module *mods, int nmmap, struct layout *l)
{
	uint64_t cur = align_up(k->end, PAGE_SIZE);

	l->info = cur;
	cur += sizeof(struct mb_info);
	l->mmap = cur = align_up(cur, 8);
	cur += (uint64_t)nmmap * sizeof(struct mb_mmap_entry);
	l->mods = cur = align_up(cur, 4);
	cur += (uint64_t)p->nr_modules * sizeof(struct mb_module);
	l->cmdline = cur;
	cur += strlen(cmdline) + 1;
	l->loader_name = cur;
	cur += sizeof(LOADER_NAME);
	for (int i = 0; i < p->nr_modules; i++) {
		mods[i].string_addr = cur;
		cur += strlen(p->modules[i]) + 1;
	}
	for (int i = 0; i < p->nr_modules; i++) {
		mods[i].addr = cur = align_up(cur, PAGE_SIZE);
		cur += mods[i].size;
	}
	l->end = cur;
	if (cur > gmem_low_ram_end(&vm->mem))
		return vm_fail(vm, -E2BIG, "%s: multiboot info and modules (0x%llx-0x%llx) do not "
			       "fit in guest RAM (%llu MiB)", name, (unsigned long long)l->info,
			       (unsigned long long)cur,
			       (unsigned long long)(vm->mem.ram_size >> 20));
	return 0;
}

static int write_all(struct vm *vm, const uint8_t *data, const struct kernel *k,
		     const char *cmdline, const struct load_params *p, const struct module *mods,
		     const struct mb_mmap_entry *mmap, int nmmap, const struct layout *l)
{
	struct guest_mem *m = &vm->mem;
	uint64_t low_end = gmem_low_ram_end(m);
	struct mb_info info = { 0 };
	int r = 0;

	for (int i = 0; i < k->nr && !r; i++) {
		const struct kpiece *s = &k->piece[i];
		r = gmem_load(m, s->paddr, data + s->file_off, s->filesz);
		if (!r)
			r = gmem_fill(m, s->paddr + s->filesz, 0, s->memsz - s->filesz);
	}
	for (int i = 0; i < p->nr_modules && !r; i++) {
		struct mb_module mm = { (uint32_t)mods[i].addr,
					(uint32_t)(mods[i].addr + mods[i].size),
					(uint32_t)mods[i].string_addr, 0 };
		r = gmem_load(m, l->mods + (uint64_t)i * sizeof(mm), &mm, sizeof(mm));
		if (!r)
			r = gmem_load(m, mods[i].string_addr, p->modules[i],
				      strlen(p->modules[i]) + 1);
		if (!r)
			r = gmem_load(m, mods[i].addr, mods[i].data, mods[i].size);
	}
	if (!r)
		r = gmem_load(m, l->mmap, mmap, (uint64_t)nmmap * sizeof(*mmap));
	if (!r)
		r = gmem_load(m, l->cmdline, cmdline, strlen(cmdline) + 1);
	if (!r)
		r = gmem_load(m, l->loader_name, LOADER_NAME, sizeof(LOADER_NAME));

	info.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP |
		     MB_INFO_LOADER_NAME;
	info.mem_lower = (uint32_t)((low_end < PC_LOW_RAM_END ? low_end : PC_LOW_RAM_END) >> 10);
	info.mem_upper = low_end > PC_HIGH_RAM ? (uint32_t)((low_end - PC_HIGH_RAM) >> 10)
						  : 0;
	info.cmdline = (uint32_t)l->cmdline;
	info.mods_count = (uint32_t)p->nr_modules;
	info.mods_addr = (uint32_t)l->mods;
	info.mmap_length = (uint32_t)(nmmap * sizeof(*mmap));
	info.mmap_addr = (uint32_t)l->mmap;
	info.boot_loader_name = (uint32_t)l->loader_name;
	if (!r)
		r = gmem_load(m, l->info, &info, sizeof(info));
	if (r)
		return vm_fail(vm, r, "cannot write the multiboot image to guest memory");
	return 0;
}

static int place_kernel(struct vm *vm, const char *name, struct kernel *k)
{
	int r;

	k->end = 0;
	for (int i = 0; i < k->nr; i++) {
		const struct kpiece *s = &k->piece[i];
		if ((r = check_place(vm, name, i, s->paddr, s->memsz)))
			return r;
		if (s->paddr + s->memsz > k->end)
			k->end = s->paddr + s->memsz;
	}
	return 0;
}

int load_multiboot(struct vm *vm, const char *name, const uint8_t *data, size_t size,
		   const struct load_params *p)
{
	static const struct load_params none = { 0 };
	struct module mods[MB_MAX_MODULES] = { 0 };
	struct mb_mmap_entry mmap[MEMMAP_MAX];
	struct kernel k = { 0 };
	struct mb_header h;
	struct layout l;
	const char *cmdline;
	size_t hoff = 0;
	int r, hr, nmmap;
	bool elf = elf_has_magic(data, size);

	if (!p)
		p = &none;
	if (p->nr_modules < 0 || p->nr_modules > MB_MAX_MODULES)
		return vm_fail(vm, -EINVAL, "%s: %d modules (at most %d)", name, p->nr_modules,
			       MB_MAX_MODULES);
	if (p->initrd)
		return vm_fail(vm, -EINVAL, "%s: not a Linux bzImage, so it takes no initrd "
			       "(a multiboot kernel takes modules)", name);
	cmdline = p->cmdline ? p->cmdline : "";

	/* An ELF file reports its own malformations first; anything else must
	 * be an a.out-kludge image, which needs the header to be read at all. */
	hr = find_header(vm, name, data, size, &h, &hoff);
	if (hr && !elf)
		return vm_fail(vm, -ENOEXEC, "%s: not an ELF file, and no multiboot header "
			       "in the first %d bytes", name, MB_SEARCH_BYTES);
	if (!hr && (h.flags & MB_HF_AOUT_KLUDGE))
		r = kernel_from_aout(vm, name, size, &h, hoff, &k);
	else if (!elf)
		r = vm_fail(vm, -ENOEXEC, "%s: not an ELF file (bad magic) and no multiboot a.out "
			    "kludge", name);
	else if ((r = kernel_from_elf(vm, name, data, size, &k)) == 0 && hr)
		r = hr;     /* vm->err still holds the header search's reason */
	if (r)
		return r;
	if ((r = check_flags(vm, name, h.flags)) || (r = place_kernel(vm, name, &k)))
		return r;

	if ((r = read_modules(vm, p, mods)))
		goto out;
	nmmap = build_mmap(vm, mmap);
	if ((r = plan(vm, name, &k, cmdline, p, mods, nmmap, &l)))
		goto out;
	if ((r = write_all(vm, data, &k, cmdline, p, mods, mmap, nmmap, &l)))
		goto out;

	vcpu_state_set_flat32(&vm->vcpu, k.entry);
	vm->vcpu.gpr[RAX] = MB_BOOT_MAGIC;
	vm->vcpu.gpr[RBX] = l.info;
out:
	for (int i = 0; i < p->nr_modules; i++)
		free(mods[i].data);
	return r;
}
