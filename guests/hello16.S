/* hello16.bin: stays in real mode and greets over COM1. It checks that
 * CR0.PE is clear, i.e. that it really was started in real mode. */
#include "lib/layout.h"

	.text
	.code16
	.globl rm_main
rm_main:
	smsw %ax
	test $CR0_PE, %al
	jnz 1f
	mov $msg, %si
	call serial16_puts
	ret
1:	mov $EXIT_FAIL, %al
	out %al, $DEBUG_EXIT_PORT
	ret

	.section .rodata
msg:	.asciz "Hello from 16-bit real mode\n"
