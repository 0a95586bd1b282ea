/* ring3's kernel entry points and mode changes: segment reload, the drop
 * to ring 3, the exception stubs, INT 0x80 and SYSCALL. The stubs save
 * every register the C code may clobber except the ones that carry
 * results (RAX, RDX) or that SYSCALL itself clobbers (RCX, R11). */
#include "lib/exc_stubs.h"
#include "lib/layout.h"
#include "ring3/ring3.h"

#define KSTACK_SIZE	16384

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

/* enter_user(rip, rsp): IRETQ to 64-bit ring 3 with IF=0. DS and ES get
 * the user data selector first so that IRET has nothing to null. */
	.globl enter_user
enter_user:
	mov $SEL_UDATA | RPL3, %ax
	mov %ax, %ds
	mov %ax, %es
	push $SEL_UDATA | RPL3
	push %rsi
	push $0x2		/* RFLAGS: only the reserved bit 1 */
	push $SEL_UCODE64 | RPL3
	push %rdi
	iretq

/* Exceptions: the same frame for all, with 0 where the CPU pushes no error
 * code; exception_handler reports it and ends the guest. */
	EXCEPTION_STUBS exception_common

exception_common:
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov %rsp, %rdi
	and $-16, %rsp
	call exception_handler
1:	cli
	hlt
	jmp 1b

	.text
/* INT 0x80 from ring 3: the CPU switched to TSS.RSP0 and pushed SS, RSP,
 * RFLAGS, CS, RIP on a 16-byte aligned stack; seven pushes keep the call
 * aligned. ring3_call(nr, a, b, saved CS, 0). */
	.globl int80_entry
int80_entry:
	push %rcx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov %rsi, %rdx
	mov %rdi, %rsi
	mov %rax, %rdi
	mov 7 * 8 + 8(%rsp), %rcx	/* the interrupted CS */
	xor %r8d, %r8d
	call ring3_call
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rcx
	iretq

/* SYSCALL: RCX = return RIP, R11 = RFLAGS, still on the user stack, which
 * is switched here (one CPU, no interrupts: a plain save slot will do).
 * ring3_call(nr, a, b, return RIP, 1). */
	.globl syscall_entry
syscall_entry:
	mov %rsp, saved_user_rsp(%rip)
	lea kstack_top(%rip), %rsp
	push %rcx
	push %r11
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	sub $8, %rsp
	mov %rsi, %rdx
	mov %rdi, %rsi
	mov %rax, %rdi
	mov $1, %r8d
	call ring3_call
	add $8, %rsp
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %r11
	pop %rcx
	mov saved_user_rsp(%rip), %rsp
	sysretq

	.bss
	.balign 16
	.globl kstack_top
kstack:
	.skip KSTACK_SIZE
kstack_top:
saved_user_rsp:
	.skip 8
