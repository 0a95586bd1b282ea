/* suite32's virtual-8086 mode runner and the 16-bit code it runs. Each
 * snippet starts on a 16-byte boundary, so that it runs with CS = its
 * address >> 4 and IP = 0, and ends in an instruction that leaves
 * virtual-8086 mode (HLT: #GP(0) at CPL 3). */
#include "suite/pm32.h"

	.text
	.code32
/* vm86_call(regs): callee-saved registers and ESP are kept for
 * vm86_return, then IRETD with the nine-dword frame at the start of regs
 * (EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS) and EAX, EBX, ECX, EDX from
 * the four dwords after it. */
	.globl vm86_call
vm86_call:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, vm86_kernel_esp
	mov 20(%esp), %esi
	sub $36, %esp
	mov %esp, %edi
	mov $9, %ecx
	cld
	rep movsl
	mov (%esi), %eax
	mov 4(%esi), %ebx
	mov 8(%esi), %ecx
	mov 12(%esi), %edx
	iret

/* pm32_vm86_trap points the frame of an event that ends a run here. */
	.globl vm86_return
vm86_return:
	mov $SEL_KDATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov vm86_kernel_esp, %esp
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret

	.code16
	.balign 16
	.globl v86_addr, v86_addr_end
v86_addr:			/* DS:0, ES:0x12, then FS <- CX and FS:0 */
	mov 0, %ax
	mov %es:0x12, %bx
	mov %cx, %fs
	mov %fs:0, %dx
	push %ax
	pop %cx
v86_addr_end:
	hlt

/* The IOPL-sensitive instructions: label _at is the first sensitive one,
 * _end where a run at IOPL 3 ends. */
	.balign 16
	.globl v86_cli, v86_cli_at, v86_cli_end
v86_cli:
v86_cli_at:
	cli
v86_cli_end:
	hlt

	.balign 16
	.globl v86_sti, v86_sti_at, v86_sti_end
v86_sti:
v86_sti_at:
	sti
v86_sti_end:
	hlt

	.balign 16
	.globl v86_pushf, v86_pushf_at, v86_pushf_end
v86_pushf:			/* AX: FLAGS */
v86_pushf_at:
	pushf
	pop %ax
v86_pushf_end:
	hlt

	.balign 16
	.globl v86_popf, v86_popf_at, v86_popf_end
v86_popf:			/* POPF of AX; BX: FLAGS after it */
	push %ax
v86_popf_at:
	popf
	pushf
	pop %bx
v86_popf_end:
	hlt

	.balign 16
	.globl v86_int, v86_int_at, v86_int_end
v86_int:
v86_int_at:
	int $VEC_V86EXIT
v86_int_end:
	hlt

	.balign 16
	.globl v86_iret, v86_iret_at, v86_iret_end
v86_iret:			/* a real-mode style IRET to 1f with FLAGS AX */
	push %ax
	push %cs
	push $1f - v86_iret
v86_iret_at:
	iret
1:	pushf
	pop %bx
v86_iret_end:
	hlt

/* Not IOPL-sensitive: through the suite's DPL-0 gate, #GP(3 * 8 + 2). */
	.balign 16
	.globl v86_int3
v86_int3:
	int3
	hlt

/* Two round trips through a ring-0 handler that IRETs back. */
	.balign 16
	.globl v86_back, v86_back_end
v86_back:
	int $VEC_V86BACK
	int $VEC_V86BACK
	mov %ds, %ax
v86_back_end:
	hlt

/* Ports 0x80-0x83 allowed by the TSS bitmap, 0x84 denied whatever IOPL. */
	.balign 16
	.globl v86_io, v86_io_at
v86_io:
	inb $0x80, %al
v86_io_at:
	outb %al, $0x84
	hlt

	.bss
	.balign 4
vm86_kernel_esp:
	.skip 4
