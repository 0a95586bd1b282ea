/* suite64's exception and interrupt entries, the ring-3 runner (IRETQ out,
 * INT VEC_EXIT back) and the SYSCALL entry. Every exception takes the same
 * frame (0 pushed where the CPU pushes no error code) to lm64_trap. */
#include "suite/lm64.h"

#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
		      (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.code64
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,0x80,0x83
exc_\v:
	.if HAS_ERROR(\v) == 0
	push $0
	.endif
	push $\v
	jmp exc_common
	.endr

exc_common:
	push %rax
	push %rcx
	push %rdx
	push %rbx
	push %rbp
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $-16, %rsp
	call lm64_trap
	mov %rbx, %rsp
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rbp
	pop %rbx
	pop %rdx
	pop %rcx
	pop %rax
	add $16, %rsp
	iretq

	.section .rodata
	.balign 8
	.globl lm64_stubs, lm64_stub_user, lm64_stub_ist
lm64_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad exc_\v
	.endr
lm64_stub_user:
	.quad exc_0x80
lm64_stub_ist:
	.quad exc_0x83

	.text
/* user_call(fn, rflags): IRETQ to 64-bit ring 3 with fn's return address
 * pointing at user_return. compat_call(rflags): the same to 32-bit ring 3
 * at compat_code, which sets TF and runs SYSCALL (AMD: to CSTAR, back by
 * SYSRETL; Intel: #UD, the check resumes at compat_back). Both come back
 * by INT VEC_EXIT. */
	.globl user_call, compat_call
compat_call:
	mov %rdi, %rsi
	lea compat_code(%rip), %rdi
	mov $SEL_UCODE32 | RPL3, %edx
	jmp ring3_call
user_call:
	mov $SEL_UCODE64 | RPL3, %edx
ring3_call:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, kernel_rsp(%rip)
	lea user_stack_top(%rip), %rax
	sub $8, %rax
	lea user_return(%rip), %rcx
	mov %rcx, (%rax)
	mov $SEL_UDATA | RPL3, %ecx
	mov %ecx, %ds
	mov %ecx, %es
	push $SEL_UDATA | RPL3
	push %rax
	push %rsi
	push %rdx
	push %rdi
	iretq

user_return:
	int $VEC_EXIT

	.code32
compat_code:
	pushfl
	orl $0x100, (%esp)
	popfl
	.globl compat_syscall, compat_back
compat_syscall:
	syscall
compat_back:
	int $VEC_EXIT
	.code64

	.globl user_exit_entry
user_exit_entry:
	mov $SEL_KDATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov kernel_rsp(%rip), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* A SYSCALL entry's record in sys_seen: RCX, R11, the flags after FMASK,
 * CS and SS. */
.macro sys_record
	mov %rcx, sys_seen + 40(%rip)
	mov %r11, sys_seen + 48(%rip)
	pushfq
	popq sys_seen + 32(%rip)
	mov %cs, %eax
	mov %rax, sys_seen(%rip)
	mov %ss, %eax
	mov %rax, sys_seen + 8(%rip)
	incq sys_seen + 64(%rip)
.endm

/* SYSCALL: records RCX, R11, the flags after FMASK and CS, then SYSRETQ.
 * Still on the user stack, which is fine for one CPU without interrupts. */
	.globl syscall_entry
syscall_entry:
	sys_record
	sysretq

/* SYSCALL from compatibility mode: the same record, then SYSRETL to
 * 32-bit code without TF, so that the check ends quietly. */
	.globl cstar_entry
cstar_entry:
	sys_record
	and $~0x100, %r11d
	sysretl

	.bss
	.balign 16
kernel_rsp:
	.skip 8
	.balign 16
user_stack:
	.skip 8192
	.globl user_stack_top
user_stack_top:
	.skip 8192
	.globl trap_stack_top
trap_stack_top:
	.skip 4096
	.globl ist_stack_top
ist_stack_top:
