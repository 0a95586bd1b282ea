/* The boot GDT and stack shared by the entry paths. The descriptors have
 * their accessed bits set so that loading them never writes to the table. */
#include "lib/layout.h"

	.section .rodata.boot, "a"
	.balign 8
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* BOOT_CS32: 32-bit code, base 0, 4 GiB */
	.quad 0x00cf93000000ffff	/* BOOT_DS: data, base 0, 4 GiB */
	.quad 0x00af9b000000ffff	/* BOOT_CS64: 64-bit code */
boot_gdt_end:
	.if boot_gdt_end - boot_gdt != BOOT_GDT_SIZE
	.error "BOOT_GDT_SIZE is out of date"
	.endif

	/* For LGDT from protected mode (real mode has its own copy). */
	.balign 4
	.globl boot_gdt_desc
boot_gdt_desc:
	.word BOOT_GDT_SIZE - 1
	.long boot_gdt

	.bss
	.balign 16
boot_stack:
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
