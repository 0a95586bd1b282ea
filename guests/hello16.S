/* hello16.bin: stays in real mode and greets over COM1. Kept to the
 * fewest instruction kinds: it is the first guest an engine has to run. */
#include "lib/layout.h"

	.text
	.code16
	.globl rm_main
rm_main:
	mov $msg, %si
	call serial16_puts
	ret

	.section .rodata
msg:	.asciz "Hello from 16-bit real mode\n"
