/* Entry of a flat image that stays in real mode: own segments and stack,
 * COM1 set up, then rm_main, then halt. Such images are linked at offset 0 of their
 * segment (flat16.ld), so symbols are real-mode offsets. */
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
	mov $rm_stack_top, %sp
	COM1_INIT
	call rm_main
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 16
rm_stack:
	.skip 1024
rm_stack_top:
