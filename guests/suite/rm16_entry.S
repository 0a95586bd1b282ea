/* suite16's entry and interrupt-vector stubs. The image stays in real mode
 * with CS = DS = ES = SS = FLAT_SEG; C is built with gcc -m16, which calls
 * with 32-bit return addresses (calll/retl), so ESP's upper half is
 * cleared once here and stays 0. */
#include "lib/com1_init.h"
#include "lib/layout.h"

	.section .text.entry, "ax"
	.code16
	.globl _start
_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	movl $rm_stack_top, %esp
	mov $__bss_start, %di	/* no loader clears .bss */
	mov $__bss_end, %cx
	sub %di, %cx
	xor %al, %al
	rep stosb
	COM1_INIT
	pushl $0
	pushl $0
	calll guest_main
	calll halt

/* One stub per vector the checks take; rm_trap gets the frame. */
	.text
	.irp v, 0,1,3,4,5,6,12,13,0x80
rm_vec_\v:
	pushw $\v
	jmp rm_common
	.endr

rm_common:
	pushal
	push %ds
	push %es
	mov %cs, %ax
	mov %ax, %ds
	mov %ax, %es
	movzwl %sp, %eax
	pushl %eax
	calll rm_trap
	add $4, %sp
	pop %es
	pop %ds
	popal
	add $2, %sp
	iret

	.section .rodata
	.balign 2
	.globl rm_vectors, rm_stubs
rm_vectors:
	.word 0, 1, 3, 4, 5, 6, 12, 13, 0x80
rm_stubs:
	.irp v, 0,1,3,4,5,6,12,13,0x80
	.word rm_vec_\v
	.endr

/* Reached by a far call with CS = FLAT_SEG + 1: reports CS in AX. */
	.text
	.globl rm_far_fn
rm_far_fn:
	mov %cs, %ax
	lretw

	.bss
	.balign 16
rm_stack:
	.skip 8192
rm_stack_top:
