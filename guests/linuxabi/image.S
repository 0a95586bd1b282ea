/* The user program, a static x86-64 ELF executable built with the host's
 * C library (guests.mk names it in LINUXABI_PROG), carried as bytes. */
	.section .rodata
	.balign 16
	.globl prog_image, prog_image_end
prog_image:
	.incbin LINUXABI_PROG
prog_image_end:
