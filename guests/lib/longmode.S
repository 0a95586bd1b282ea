/* From 32-bit protected mode (paging off) to 64-bit long mode with the
 * first 4 GiB identity-mapped by 2 MiB pages, then guest_main(EBP, EBX).
 * The tables are in .bss, already cleared, and exported so that a guest
 * can refine them (ring3 maps its user pages with 4 KiB entries). */
#include "lib/layout.h"

	.text
	.code32
	.globl lm_enter
lm_enter:
	movl $lm_pdpt + PTE_P + PTE_W, lm_pml4
	/* Four PDPT entries, one per page directory. */
	mov $lm_pd + PTE_P + PTE_W, %eax
	mov $lm_pdpt, %edi
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 1b
	/* 2048 directory entries of 2 MiB each; bits 32+ of the address go
	 * into the entry's high half. */
	mov $lm_pd, %edi
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $21, %eax
	or $PTE_P + PTE_W + PTE_PS, %eax
	mov %eax, (%edi,%ecx,8)
	mov %ecx, %eax
	shr $11, %eax
	mov %eax, 4(%edi,%ecx,8)
	inc %ecx
	cmp $2048, %ecx
	jb 2b

	mov $lm_pml4, %eax
	mov %eax, %cr3
	mov $CR4_PAE, %eax
	mov %eax, %cr4
	mov $MSR_EFER, %ecx
	mov $EFER_LME, %eax
	xor %edx, %edx
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
	ljmp $BOOT_CS64, $3f

	.code64
3:	mov $BOOT_DS, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov $boot_stack_top, %rsp
	/* Upper halves are undefined after the mode switch: zero-extend. */
	mov %ebp, %edi
	mov %ebx, %esi
	call guest_main
	call halt

	.bss
	.balign 4096
	.globl lm_pml4, lm_pdpt, lm_pd
lm_pml4:
	.skip 4096
lm_pdpt:
	.skip 4096
lm_pd:
	.skip 4 * 4096
