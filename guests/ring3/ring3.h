/* What ring3's kernel and user halves share: the GDT layout and the
 * system call numbers. */
#ifndef GUESTS_RING3_RING3_H
#define GUESTS_RING3_RING3_H

/* SYSCALL loads CS = STAR[47:32] and SS = that + 8; SYSRETQ loads
 * CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8 (RPL 3), hence the order:
 * kernel code, kernel data, user code 32, user data, user code 64. */
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UCODE32	0x18
#define SEL_UDATA	0x20
#define SEL_UCODE64	0x28
#define SEL_TSS		0x30
#define RPL3		3

/* Calls: number in RAX, arguments in RDI and RSI; the result comes back
 * in RAX and the CPL the kernel saw the call come from in RDX. */
#define SYS_ADD		1	/* a + b */
#define SYS_MUL		2	/* a * b */
#define SYS_WRITE	3	/* write b bytes at a to COM1 */
#define SYS_EXIT	4	/* a == 0: halt; else fail with code a */

#define USER_STACK_SIZE	8192

#ifndef __ASSEMBLER__
#include <stdint.h>

extern uint8_t user_stack[USER_STACK_SIZE];
void user_main(void) __attribute__((noreturn));
#endif

#endif
