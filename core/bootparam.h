/* The Linux x86 boot protocol (Documentation/x86/boot.rst, zero-page.rst):
 * where the setup header sits in a bzImage and where the loader's fields
 * sit in the zero page (struct boot_params). The header is at the same
 * offset in both, so one set of offsets serves for reading the image and
 * for filling the zero page. Offsets, not a struct: the layout is fixed
 * by the kernel and full of packed, unaligned fields. */
#ifndef HVMM_BOOTPARAM_H
#define HVMM_BOOTPARAM_H

#define BP_SIZE             0x1000   /* the zero page */

/* struct boot_params, outside the setup header */
#define BP_EXT_RAMDISK_IMAGE 0x0c0   /* u32: bits 63:32 of ramdisk_image */
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES     0x1e8    /* u8 */
#define BP_E820_TABLE       0x2d0    /* 20-byte entries: addr, size, type */
#define BP_E820_ENTRY_SIZE  20
#define BP_E820_MAX         128

/* The setup header: it starts at 0x1f1 and ends at 0x202 plus the byte
 * at 0x201 (the operand of the short jump at 0x200); the zero page has
 * room for it up to 0x290. */
#define SH_START            0x1f1
#define SH_ROOM_END         0x290
#define SH_SETUP_SECTS      0x1f1    /* u8: 0 means 4 */
#define SH_BOOT_FLAG        0x1fe    /* u16: 0xaa55 */
#define SH_JUMP             0x200    /* u16: jmp short over the header */
#define SH_HEADER           0x202    /* u32: "HdrS" */
#define SH_VERSION          0x206    /* u16: protocol, major << 8 | minor */
#define SH_TYPE_OF_LOADER   0x210    /* u8 */
#define SH_LOADFLAGS        0x211    /* u8 */
#define SH_CODE32_START     0x214    /* u32 */
#define SH_RAMDISK_IMAGE    0x218    /* u32 */
#define SH_RAMDISK_SIZE     0x21c    /* u32 */
#define SH_HEAP_END_PTR     0x224    /* u16 */
#define SH_CMD_LINE_PTR     0x228    /* u32 */
#define SH_INITRD_ADDR_MAX  0x22c    /* u32: highest byte the initrd may use */
#define SH_KERNEL_ALIGNMENT 0x230    /* u32 */
#define SH_RELOCATABLE      0x234    /* u8 */
#define SH_XLOADFLAGS       0x236    /* u16 */
#define SH_CMDLINE_SIZE     0x238    /* u32: longest command line, NUL excluded */
#define SH_PREF_ADDRESS     0x258    /* u64 (protocol 2.10) */
#define SH_INIT_SIZE        0x260    /* u32 (protocol 2.10) */

#define SH_MAGIC            0x53726448u   /* "HdrS" read little-endian */
#define SH_BOOT_FLAG_MAGIC  0xaa55
#define SH_SECTOR           512
#define SH_MIN_VERSION      0x0206   /* cmdline_size and the 64-bit-clean header */
#define SH_LOADER_UNDEFINED 0xff     /* type_of_loader: no assigned id */

/* loadflags */
#define LOADED_HIGH         (1u << 0)
#define CAN_USE_HEAP        (1u << 7)
/* xloadflags */
#define XLF_KERNEL_64       (1u << 0)   /* 64-bit entry at load address + 0x200 */
#define XLF_KERNEL_64_ENTRY 0x200

/* e820 types */
#define E820_RAM            1
#define E820_RESERVED       2

/* The GDT selectors the kernel expects at its 32- and 64-bit entries. */
#define BOOT_CS             0x10
#define BOOT_DS             0x18

#endif
