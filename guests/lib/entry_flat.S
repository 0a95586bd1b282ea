/* Entry of a flat image, started in real mode at FLAT_SEG:0000 with the
 * image at FLAT_BASE and no other register to rely on. It loads the boot
 * GDT and enters 32-bit protected mode; start32 goes on from there. */
#include "lib/layout.h"

	.section .text.entry, "ax"
	.code16
	.globl _start
_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	/* _start is the image's first byte (flat.ld checks), so this
	 * difference is the descriptor's offset from DS. */
	lgdtl rm_gdt_desc - _start
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0
	ljmpl $BOOT_CS32, $1f

	.code32
1:	mov $BOOT_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	xor %ebp, %ebp		/* no multiboot magic */
	xor %ebx, %ebx		/* no boot information */
	jmp start32

	.balign 4
rm_gdt_desc:
	.word BOOT_GDT_SIZE - 1
	.long boot_gdt
