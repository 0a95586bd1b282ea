/* Real-mode COM1 output: serial16_puts prints the NUL-terminated string
 * at DS:SI, waiting for an empty transmit register before each byte. */
#include "lib/layout.h"

	.text
	.code16
	.globl serial16_puts
serial16_puts:
	push %ax
	push %dx
	push %si
1:	lodsb
	test %al, %al
	jz 3f
	mov %al, %ah
	mov $COM1_LSR, %dx
2:	in %dx, %al
	test $LSR_THRE, %al
	jz 2b
	mov $COM1, %dx
	mov %ah, %al
	out %al, %dx
	jmp 1b
3:	pop %si
	pop %dx
	pop %ax
	ret
