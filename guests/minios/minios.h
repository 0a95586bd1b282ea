/* What minios's kernel, its entry code and its user programs share: the
 * GDT layout, the interrupt vectors, the user address-space layout and the
 * system-call numbers. Usable from assembly. */
#ifndef GUESTS_MINIOS_MINIOS_H
#define GUESTS_MINIOS_MINIOS_H

/* SYSCALL loads CS = STAR[47:32] and SS = that + 8; SYSRETQ loads
 * CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, both with RPL 3. */
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UCODE32	0x18
#define SEL_UDATA	0x20
#define SEL_UCODE64	0x28
#define SEL_TSS		0x30	/* 16 bytes */
#define GDT_ENTRIES	8
#define RPL3		3

/* Interrupt vectors. The 8259s are remapped above the exceptions. */
#define VEC_DF		8
#define VEC_PF		14
#define VEC_IRQ0	0x20	/* IRQ 0-7: 0x20-0x27, IRQ 8-15: 0x28-0x2f */
#define VEC_IRQ8	0x28
#define VEC_INT80	0x80
#define VEC_APIC_SPURIOUS 0xff
/* Not a vector: marks a frame built by the SYSCALL entry. */
#define FRAME_SYSCALL	0x100

#define KSTACK_SIZE	16384
#define FRAME_SIZE	(22 * 8)	/* struct frame */
#define DFSTACK_SIZE	4096

/* A process's address space, below 2 GiB so that -mcmodel=small code can
 * run there: its private copy of the user image at 1 GiB (text read-only,
 * then data), a heap that starts unmapped and is filled on demand, and a
 * stack with an unmapped guard gap below it. The linker script places the
 * user image at USER_BASE (minios.ld repeats the number). */
#define USER_BASE	0x40000000
#define USER_HEAP_BASE	0x40200000
#define USER_HEAP_SIZE	0x00200000	/* 512 pages */
#define USER_STACK_TOP	0x40600000
#define USER_STACK_PAGES 4

/* System calls, the same through SYSCALL and INT 0x80: number in RAX,
 * arguments in RDI and RSI, result in RAX (SYS_ERROR for a bad call). */
#define SYS_EXIT	0	/* end with status a */
#define SYS_YIELD	1	/* give the CPU to the next runnable process */
#define SYS_SLEEP	2	/* block until the next timer tick (a yield
				 * while no tick has been seen) */
#define SYS_GETPID	3
#define SYS_ADD		4	/* add a to the process's counter, return it */
#define SYS_STORE	5	/* slot a (0-7) of the process's record = b */
#define SYS_LOAD	6	/* return slot a of the process's record */
#define SYS_RESULT	7	/* the process's result = a */
#define NR_SYSCALLS	8
#define NR_SLOTS	8
#define SYS_ERROR	(~0UL)

#endif
