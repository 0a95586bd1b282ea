/* Code that smc64.c rewrites while it runs. */
	.text
	.code64

/* smc_next(v): stores v into the immediate of the very next instruction,
 * then executes it: returns v, not the 0x11 assembled here. */
	.globl smc_next
smc_next:
	movb %dil, 1f+1(%rip)
1:	mov $0x11, %eax
	ret

/* Functions alone in their own pages, patched from elsewhere: each
 * returns the 32-bit immediate at smc_far_imm / smc_copy_imm. */
	.section .text.smc_far, "ax"
	.balign 4096
	.globl smc_far, smc_far_imm
smc_far:
	.byte 0xb8			/* mov $imm32, %eax */
smc_far_imm:
	.long 0x11
	ret

	.balign 4096
	.globl smc_copy
smc_copy:
	mov $0x11, %eax
	ret
	.balign 4096
