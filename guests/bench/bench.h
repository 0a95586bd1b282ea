/* What the benchmark kernel (kernel.c, entry.S) and the loop files
 * (loop_*.S) share: descriptor layout, vectors, memory layout, the
 * parameter block and the loop description macro. */
#ifndef GUESTS_BENCH_BENCH_H
#define GUESTS_BENCH_BENCH_H

/* GDT in the order SYSCALL/SYSRET need (see ring3/ring3.h). */
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UCODE32	0x18
#define SEL_UDATA	0x20
#define SEL_UCODE64	0x28
#define SEL_TSS		0x30
#define RPL3		3

#define VEC_INT_R0	0x40	/* DPL 0 gate: the ring-0 INT/IRET loop */
#define VEC_INT_R3	0x80	/* DPL 3 gate: the ring-3 INT 0x80 loop */
#define VEC_RETURN	0x81	/* DPL 3 gate: a ring-3 loop hands back its result */
#define VEC_TIMER	0x20	/* IRQ 0 (the PIT) with the master PIC at 0x20 */
#define VEC_PF		14	/* page fault */

/* RFLAGS a ring-3 loop starts with (user_rflags): bit 1 alone, or with
 * IF for the loops that take timer ticks and IOPL 3 for one that does
 * port I/O from ring 3. */
#define RFLAGS_BASE	0x2
#define RFLAGS_IF	0x200
#define RFLAGS_IOPL3	0x3000

/* [2 MiB, 4 MiB) is mapped with 4 KiB pages (everything else with 2 MiB
 * pages); the array loop reads its first MiB, the CR3 loop its first four
 * pages. Above any flat image (they end below 0x9f000). */
#define BENCH_DATA	0x200000
#define BENCH_ARRAY_BYTES	0x100000
/* The data area's second MiB: the stream loop's destination, the page
 * fault loop's window (unmapped at its set-up). */
#define BENCH_DATA2	(BENCH_DATA + BENCH_ARRAY_BYTES)
#define BENCH_DATA2_PAGES	256

/* Written by the OUT loop: the POST-code port, which QEMU, Bochs and hvmm
 * all accept and discard. */
#define BENCH_OUT_PORT	0x80

/* Writing the bytes of "Shutdown" here makes Bochs quit; QEMU and hvmm
 * have nothing there. Bochs has no isa-debug-exit. */
#define BOCHS_SHUTDOWN_PORT	0x8900

#include "bench/param.h"

#ifdef __ASSEMBLER__
/* Each loop file describes itself and defines bench_loop, entered with the
 * iteration count (>= 1) in RDI, returning the checksum in RAX. A ring-0
 * loop returns with RET; a ring-3 loop is entered by IRETQ and ends with
 * INT VEC_RETURN. INSNS is the exact number of instructions one iteration
 * executes, handler instructions included (0: not fixed, the loop waits
 * for interrupts). One iteration is PER units of work named UNITS: the
 * work line of the report. DATA 0: the loop never reads the data area,
 * whose filling (1.7 million instructions) is then left out, so that a
 * short run measures the loop more than the set-up. A loop that needs
 * more set-up than every loop gets defines bench_setup (kernel.c), called
 * with the count before the loop runs. */
.macro BENCH_LOOP name, insns, ring, units=iterations, per=1, data=1
	.section .rodata
	.globl bench_name, bench_insns_per_iter, bench_ring, bench_units
	.globl bench_work_per_iter, bench_fill_data
bench_name:
	.asciz "\name"
bench_units:
	.asciz "\units"
	.balign 8
bench_insns_per_iter:
	.quad \insns
bench_ring:
	.quad \ring
bench_work_per_iter:
	.quad \per
bench_fill_data:
	.quad \data
	.text
	.balign 64
	.globl bench_loop
bench_loop:
.endm
#else
#include <stdint.h>

struct bench_param {
	char magic[8];
	uint64_t iters;
};

extern const char bench_name[], bench_units[];
extern const uint64_t bench_insns_per_iter, bench_ring, bench_work_per_iter,
	bench_fill_data;
uint64_t bench_loop(uint64_t iters);
void bench_setup(uint64_t iters);

/* For the set-up of loops (kernel.c, entry.S). */
extern uint64_t user_rflags;
extern uint64_t data_pt[512];
void set_gate(unsigned int vector, uint64_t target, unsigned int dpl);
void bench_timer_start(uint16_t reload, uint64_t limit);
#endif

#ifdef __ASSEMBLER__
/* One splitmix64 step: the state \x advances by the constant in \k and
 * \out gets the mixed value; R13 and R14 hold the two multipliers
 * (SPLITMIX_M1, SPLITMIX_M2), R11 is scratch. 13 instructions. The
 * compute and mixed loops sum its outputs. */
#define SPLITMIX_K	0x9e3779b97f4a7c15
#define SPLITMIX_M1	0xbf58476d1ce4e5b9
#define SPLITMIX_M2	0x94d049bb133111eb
.macro SPLITMIX x, out, k
	add \k, \x
	mov \x, \out
	mov \out, %r11
	shr $30, %r11
	xor %r11, \out
	imul %r13, \out
	mov \out, %r11
	shr $27, %r11
	xor %r11, \out
	imul %r14, \out
	mov \out, %r11
	shr $31, %r11
	xor %r11, \out
.endm
#endif

#endif
