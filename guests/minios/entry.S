/* minios's ways into and out of the kernel. Every entry from ring 3
 * (exception, IRQ, INT 0x80, SYSCALL) builds the same frame (struct frame
 * in kernel.h) at the top of the one kernel stack: the five words of an
 * interrupt frame, an error code (0 where there is none), the vector, and
 * all fifteen general registers. The C handlers may overwrite that frame
 * with another process's, which is how processes are switched; the way
 * out restores whatever the frame then holds. */
#include "lib/exc_stubs.h"
#include "minios/minios.h"

	.text
	.code64

/* Reload CS through a far return, and the data segments, after LGDT.
 * DS, ES, FS and GS are null: 64-bit code needs none of them. */
	.globl load_segments
load_segments:
	pop %rax
	push $SEL_KCODE
	push %rax
	mov $SEL_KDATA, %ax
	mov %ax, %ss
	xor %eax, %eax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	lretq

.macro PUSH_REGS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro POP_REGS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

/* One stub per vector in use. The CPU has aligned RSP to 16 before its
 * pushes, so with 22 words the call below is aligned as the ABI wants. */
	EXCEPTION_STUBS trap_entry
	.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,128,255
	VECTOR_STUB \v, trap_entry
	.endr

trap_entry:
	PUSH_REGS
	cld			/* an interrupt gate leaves DF as it was */
	mov %rsp, %rdi
	call trap
	.globl trap_return
trap_return:
	POP_REGS
	add $16, %rsp		/* vector and error code */
	iretq

/* enter_frame(frame): start or resume the process whose frame has been
 * written at the top of the kernel stack. */
	.globl enter_frame
enter_frame:
	mov %rdi, %rsp
	jmp trap_return

/* SYSCALL: RCX = return RIP, R11 = RFLAGS, RSP still the user's. The
 * kernel runs with interrupts off on one CPU, so a plain save slot holds
 * the user RSP until it is in the frame. syscall_trap returns 0 to go back
 * to the caller with SYSRETQ, or nonzero when the frame now belongs to
 * another process (or must be restored in full), which IRETQ does. */
	.globl syscall_entry
syscall_entry:
	mov %rsp, syscall_user_rsp(%rip)
	lea kstack_top(%rip), %rsp
	push $SEL_UDATA | RPL3
	push syscall_user_rsp(%rip)
	push %r11
	push $SEL_UCODE64 | RPL3
	push %rcx
	push $0
	push $FRAME_SYSCALL
	PUSH_REGS
	mov %rsp, %rdi
	call syscall_trap
	test %eax, %eax
	jnz trap_return
	POP_REGS
	mov 16(%rsp), %rcx	/* RIP */
	mov 32(%rsp), %r11	/* RFLAGS */
	mov 40(%rsp), %rsp	/* user RSP */
	sysretq

	.section .rodata
	.balign 8
	.globl irq_stubs, int80_stub, spurious_stub
irq_stubs:
	.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad vec_\v
	.endr
int80_stub:
	.quad vec_128
spurious_stub:
	.quad vec_255

	.bss
	.balign 16
	.globl kstack_top, dfstack_top, top_frame
kstack:
	.skip KSTACK_SIZE - FRAME_SIZE
top_frame:			/* where every entry from ring 3 builds its frame */
	.skip FRAME_SIZE
kstack_top:
dfstack:
	.skip DFSTACK_SIZE
dfstack_top:
syscall_user_rsp:
	.skip 8
