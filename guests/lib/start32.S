/* Common 32-bit start, entered with flat segments, the multiboot magic in
 * EBP and the information address in EBX (both 0 for flat images). It
 * clears .bss (no loader zeroes it for flat images), sets the stack, sets
 * up COM1 and calls guest_main, or in a 64-bit build goes on to long mode
 * first. */
#include "lib/com1_init.h"
#include "lib/layout.h"

	.text
	.code32
	.globl start32
start32:
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $boot_stack_top, %esp
	COM1_INIT
#ifdef __x86_64__
	jmp lm_enter
#else
	sub $8, %esp		/* keep the i386 ABI's 16-byte call alignment */
	push %ebx
	push %ebp
	call guest_main
	call halt
#endif
