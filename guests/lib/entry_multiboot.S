/* Multiboot (v1) header and entry. The loader enters in flat 32-bit
 * protected mode, paging off, EAX = 0x2badb002, EBX = the boot information;
 * GDTR and the stack are not usable, so both are set up here first. */
#include "lib/layout.h"
#include "lib/multiboot.h"

#define MB_FLAG_MEMINFO	(1 << 1)
#define MB_FLAG_ADDRS	(1 << 16)

#ifdef __x86_64__
/* Loaders that refuse ELF64 files (QEMU's -kernel) accept the image
 * through the address fields; it is the same layout the ELF headers give. */
#define MB_FLAGS	(MB_FLAG_MEMINFO | MB_FLAG_ADDRS)
#else
#define MB_FLAGS	MB_FLAG_MEMINFO
#endif

	.section .multiboot, "a"
	.balign 4
	.globl mb_header
mb_header:
	.long MULTIBOOT_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)
#ifdef __x86_64__
	.long mb_header		/* header_addr */
	.long __image_start	/* load_addr */
	.long __load_end	/* load_end_addr */
	.long __image_end	/* bss_end_addr */
	.long mb_entry		/* entry_addr */
#endif

	.section .text.entry, "ax"
	.code32
	.globl mb_entry
mb_entry:
	cli
	cld
	lgdt boot_gdt_desc
	ljmp $BOOT_CS32, $1f
1:	mov $BOOT_DS, %cx
	mov %cx, %ds
	mov %cx, %es
	mov %cx, %fs
	mov %cx, %gs
	mov %cx, %ss
	mov %eax, %ebp		/* magic; EBX already holds the information */
	jmp start32
