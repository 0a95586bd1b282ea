/* Floppy boot sector for running a flat image under a PC BIOS (QEMU,
 * Bochs): reads IMAGE_SECTORS sectors following this one to FLAT_SEG:0000
 * with int 13h, one at a time so that no read crosses a track or a 64 KiB
 * DMA boundary, then enters the image as a loader would: real mode,
 * CS:IP = FLAT_SEG:0000, interrupts off. Errors go to COM1. */
#include "lib/com1_init.h"
#include "lib/layout.h"

#define SECTORS_PER_TRACK	18	/* 1.44 MB floppy */
#define HEADS			2
#define RETRIES			5

#ifndef IMAGE_SECTORS
#error "IMAGE_SECTORS (the flat image's size in sectors) must be defined"
#endif
	.if IMAGE_SECTORS < 1 || IMAGE_SECTORS > (FLAT_LIMIT - FLAT_BASE) / 512
	.error "flat image does not fit between FLAT_BASE and FLAT_LIMIT"
	.endif

	.text
	.code16
	.globl bs_start
bs_start:
	cli
	ljmp $0, $1f		/* some BIOSes jump to 07c0:0000 */
1:	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x7c00, %sp
	sti			/* the BIOS floppy driver waits for IRQ 6 */
	cld
	mov %dl, drive
	mov $FLAT_SEG, %ax
	mov %ax, %es

next:	/* LBA -> cylinder, head, sector */
	mov lba, %ax
	xor %dx, %dx
	mov $SECTORS_PER_TRACK, %bx
	div %bx
	mov %dl, %cl
	inc %cl
	xor %dx, %dx
	mov $HEADS, %bx
	div %bx
	mov %al, %ch
	mov %dl, %dh
	mov drive, %dl
	mov $0x0201, %ax	/* read one sector to ES:BX */
	xor %bx, %bx
	int $0x13
	jnc 2f
	decb retries
	jz fail
	xor %ah, %ah		/* reset the drive and try again */
	mov drive, %dl
	int $0x13
	jmp next
2:	movb $RETRIES, retries
	mov %es, %ax
	add $512 / 16, %ax
	mov %ax, %es
	incw lba
	decw left
	jnz next

	cli
	ljmp $FLAT_SEG, $0

fail:	COM1_INIT
	mov $msg, %si
3:	lodsb
	test %al, %al
	jz 5f
	mov %al, %ah
	mov $COM1_LSR, %dx
4:	in %dx, %al
	test $LSR_THRE, %al
	jz 4b
	mov $COM1, %dx
	mov %ah, %al
	out %al, %dx
	jmp 3b
5:	mov $EXIT_FAIL, %al
	out %al, $DEBUG_EXIT_PORT
	cli
	hlt
	jmp 5b

drive:	.byte 0
retries: .byte RETRIES
lba:	.word 1
left:	.word IMAGE_SECTORS
msg:	.asciz "bootsect: disk read error\n"

	.org 510
	.word 0xaa55
