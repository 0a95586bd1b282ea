/* The parts of the multiboot (v1) boot information the guests read. */
#ifndef GUESTS_LIB_MULTIBOOT_H
#define GUESTS_LIB_MULTIBOOT_H

#define MULTIBOOT_HEADER_MAGIC		0x1badb002
#define MULTIBOOT_BOOTLOADER_MAGIC	0x2badb002
#define MULTIBOOT_INFO_MEMORY		(1 << 0)	/* mem_lower, mem_upper */
#define MULTIBOOT_INFO_CMDLINE		(1 << 2)

#ifndef __ASSEMBLER__
#include <stdint.h>

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;	/* physical address of a NUL-terminated string */
	/* more fields follow that the guests do not use */
};
#endif

#endif
