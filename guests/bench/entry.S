/* The benchmark kernel's entry points: segment reload, the trip to ring 3
 * and back, the exception stubs, and the handlers the event loops go
 * through. Those handlers are two instructions each (INC RAX and the
 * return); the loop files count them. */
#include "lib/exc_stubs.h"
#include "lib/layout.h"
#include "bench/bench.h"

#define KSTACK_SIZE	16384
#define USTACK_SIZE	8192

	.text
	.code64

/* Reload CS through a far return and the data segments after LGDT. */
	.globl load_kernel_segments
load_kernel_segments:
	pop %rax
	push $SEL_KCODE
	push %rax
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %fs
	mov %ax, %gs
	lretq

/* user_call(fn, iters): runs fn(iters) in 64-bit ring 3 with user_rflags and
 * returns what fn hands back through INT VEC_RETURN in RAX. */
	.globl user_call
user_call:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, kernel_rsp(%rip)
	mov $SEL_UDATA | RPL3, %eax
	mov %eax, %ds
	mov %eax, %es
	push $SEL_UDATA | RPL3
	lea user_stack_top(%rip), %rax
	push %rax
	pushq user_rflags(%rip)	/* bench.h: RFLAGS_BASE unless a set-up changed it */
	push $SEL_UCODE64 | RPL3
	push %rdi
	mov %rsi, %rdi
	iretq

/* INT VEC_RETURN from ring 3: drop the frame, back to user_call's caller. */
	.globl return_entry
return_entry:
	mov $SEL_KDATA, %ecx
	mov %ecx, %ds
	mov %ecx, %es
	mov %ecx, %ss
	mov kernel_rsp(%rip), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* The event loops' handlers: count the entry in RAX (the checksum) and
 * return at once, so that a round trip measures entry and exit only. */
	.balign 64
	.globl int_r0_entry
int_r0_entry:
	inc %rax
	iretq

	.balign 64
	.globl int_r3_entry
int_r3_entry:
	inc %rax
	iretq

/* SYSCALL: still on the user stack, which this handler does not touch. */
	.balign 64
	.globl syscall_entry
syscall_entry:
	inc %rax
	sysretq

/* IRQ 0 (bench_timer_start): count the tick while fewer than tick_limit
 * were counted, so that the count a loop reports is exact however late
 * it stops, then end of interrupt at the master PIC. */
	.balign 64
	.globl timer_entry
timer_entry:
	push %rax
	mov tick_count(%rip), %rax
	cmp tick_limit(%rip), %rax
	jae 1f
	inc %rax
	mov %rax, tick_count(%rip)
1:	mov $0x20, %al		/* PIC_EOI */
	out %al, $0x20		/* PIC1_CMD */
	pop %rax
	iretq

/* Exceptions: one frame layout for all, 0 where the CPU pushes no error
 * code; exception_handler reports it and ends the guest. */
	EXCEPTION_STUBS exception_common

exception_common:
	mov $SEL_KDATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %rsp, %rdi
	and $-16, %rsp
	call exception_handler
1:	cli
	hlt
	jmp 1b

	.data
	.balign 8
	.globl user_rflags, tick_count, tick_limit
user_rflags:
	.quad RFLAGS_BASE
tick_count:
	.quad 0
tick_limit:
	.quad 0

	.bss
	.balign 16
kernel_rsp:
	.skip 8
	.balign 16
	.skip KSTACK_SIZE
	.globl kstack_top
kstack_top:
	.skip USTACK_SIZE
user_stack_top:
