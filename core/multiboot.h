/* Multiboot v1: the header a kernel image carries and the information
 * structure the loader hands over in EBX. Layouts follow the Multiboot
 * 0.6.96 specification. */
#ifndef HVMM_MULTIBOOT_H
#define HVMM_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#define MB_HEADER_MAGIC   0x1BADB002u
#define MB_BOOT_MAGIC     0x2BADB002u   /* in EAX at kernel entry */
#define MB_SEARCH_BYTES   8192          /* header lies in the first 8 KiB */
#define MB_HEADER_ALIGN   4

/* Header flags. Bits 0-15 are requirements a loader must meet or refuse. */
#define MB_HF_PAGE_ALIGN  (1u << 0)     /* modules page aligned */
#define MB_HF_MEMORY_INFO (1u << 1)     /* mem_* and mmap fields wanted */
#define MB_HF_VIDEO_MODE  (1u << 2)     /* video mode table wanted */
#define MB_HF_REQUIRED    0x0000ffffu
#define MB_HF_AOUT_KLUDGE (1u << 16)    /* address fields below are valid */

struct mb_header {
	uint32_t magic, flags, checksum;
	/* valid with MB_HF_AOUT_KLUDGE */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	/* valid with MB_HF_VIDEO_MODE */
	uint32_t mode_type, width, height, depth;
};
#define MB_HEADER_MIN_SIZE   12         /* magic, flags, checksum */
#define MB_HEADER_AOUT_SIZE  32         /* through entry_addr */

/* Info flags: which fields of struct mb_info are valid. */
#define MB_INFO_MEMORY      (1u << 0)
#define MB_INFO_BOOTDEV     (1u << 1)
#define MB_INFO_CMDLINE     (1u << 2)
#define MB_INFO_MODS        (1u << 3)
#define MB_INFO_MMAP        (1u << 6)
#define MB_INFO_LOADER_NAME (1u << 9)

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;      /* KiB below 640 KiB / above 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info, vbe_mode_info;
	uint16_t vbe_mode, vbe_interface_seg, vbe_interface_off, vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch, framebuffer_width, framebuffer_height;
	uint8_t framebuffer_bpp, framebuffer_type;
	uint8_t color_info[6];
} __attribute__((packed));
_Static_assert(offsetof(struct mb_info, mmap_length) == 44, "multiboot info layout");
_Static_assert(offsetof(struct mb_info, boot_loader_name) == 64, "multiboot info layout");
_Static_assert(offsetof(struct mb_info, framebuffer_addr) == 88, "multiboot info layout");
_Static_assert(sizeof(struct mb_info) == 116, "multiboot info layout");

struct mb_module {
	uint32_t mod_start, mod_end;        /* end is exclusive */
	uint32_t string;
	uint32_t reserved;
};

/* size counts the bytes after itself, so entries can grow. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t base_addr, length;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap entry layout");

#define MB_MMAP_AVAILABLE 1
#define MB_MMAP_RESERVED  2

#endif
