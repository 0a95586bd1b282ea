/* suite32's exception and interrupt entries, the ring-3 runner and the
 * call gate's target. Every exception takes the same frame (0 pushed where
 * the CPU pushes no error code) and goes to pm32_trap in C. */
#include "suite/pm32.h"

#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		      (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.code32
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,0x80,0x82,0x84,0x85
exc_\v:
	.if HAS_ERROR(\v) == 0
	push $0
	.endif
	push $\v
	jmp exc_common
	.endr

exc_common:
	pusha
	push %ds
	push %es
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %esp, %eax
	push %eax
	call pm32_trap
	add $4, %esp
	pop %es
	pop %ds
	popa
	add $8, %esp
	iret

	.section .rodata
	.balign 4
	.globl pm32_stubs
pm32_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long exc_\v
	.endr
	.globl pm32_stub_user, pm32_stub_priv
pm32_stub_user:
	.long exc_0x80
pm32_stub_priv:
	.long exc_0x82
	.globl pm32_stub_v86
pm32_stub_v86:
	.long exc_0x84, exc_0x85

	.text
/* user_call(fn, eflags): callee-saved registers and ESP are kept for
 * user_exit, then IRET to ring 3 with fn's return address pointing at
 * user_return, which comes back through INT VEC_EXIT. */
	.globl user_call
user_call:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, kernel_esp
	mov 20(%esp), %ecx		/* fn */
	mov 24(%esp), %edx		/* eflags */
	mov $user_stack_top - 4, %eax
	movl $user_return, (%eax)
	mov $SEL_UDATA | RPL3, %bx
	mov %bx, %ds
	mov %bx, %es
	mov %bx, %fs
	mov %bx, %gs
	push $SEL_UDATA | RPL3
	push %eax
	push %edx
	push $SEL_UCODE | RPL3
	push %ecx
	iret

user_return:
	int $VEC_EXIT

	.globl user_exit_entry
user_exit_entry:
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov kernel_esp, %esp
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

/* The call gate's target, at CPL 0 on the TSS stack: the CPU pushed the
 * caller's SS, ESP, the one parameter, CS and EIP. */
	.globl gate_entry
gate_entry:
	push %eax
	mov %cs, %eax
	mov %eax, gate_seen + 20	/* own_cs */
	mov 4(%esp), %eax
	mov %eax, gate_seen + 12	/* eip */
	mov 8(%esp), %eax
	mov %eax, gate_seen		/* cs */
	mov 12(%esp), %eax
	mov %eax, gate_seen + 16	/* param */
	mov 16(%esp), %eax
	mov %eax, gate_seen + 8		/* esp */
	mov 20(%esp), %eax
	mov %eax, gate_seen + 4		/* ss */
	incl gate_seen + 24
	pop %eax
	lret $4

	.bss
	.balign 16
kernel_esp:
	.skip 4
	.balign 16
	.globl user_stack_top
user_stack:
	.skip 8192
user_stack_top:
	.balign 16
	.skip 8192
	.globl trap_stack_top
trap_stack_top:
