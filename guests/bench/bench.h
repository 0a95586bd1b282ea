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

/* [2 MiB, 4 MiB) is mapped with 4 KiB pages (everything else with 2 MiB
 * pages); the array loop reads its first MiB, the CR3 loop its first four
 * pages. Above any flat image (they end below 0x9f000). */
#define BENCH_DATA	0x200000
#define BENCH_ARRAY_BYTES	0x100000

/* Written by the OUT loop: the POST-code port, which QEMU, Bochs and hvmm
 * all accept and discard. */
#define BENCH_OUT_PORT	0x80

/* Writing the bytes of "Shutdown" here makes Bochs quit; QEMU and hvmm
 * have nothing there. Bochs has no isa-debug-exit. */
#define BOCHS_SHUTDOWN_PORT	0x8900

/* The parameter block sits at this offset in the flat image (and at
 * 512 + this in the floppy image): 8 magic bytes, then the iteration count
 * as a little-endian 64-bit number, patched by tests/bench/bench-sw.sh. */
#define BENCH_PARAM_OFFSET	0x100
#define BENCH_MAGIC		"HVBENCH1"
#define BENCH_DEFAULT_ITERS	1000

#ifdef __ASSEMBLER__
/* Each loop file describes itself and defines bench_loop, entered with the
 * iteration count (>= 1) in RDI, returning the checksum in RAX. A ring-0
 * loop returns with RET; a ring-3 loop is entered by IRETQ and ends with
 * INT VEC_RETURN. INSNS is the exact number of instructions one iteration
 * executes, handler instructions included. */
.macro BENCH_LOOP name, insns, ring
	.section .rodata
	.globl bench_name, bench_insns_per_iter, bench_ring
bench_name:
	.asciz "\name"
	.balign 8
bench_insns_per_iter:
	.quad \insns
bench_ring:
	.quad \ring
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

extern const char bench_name[];
extern const uint64_t bench_insns_per_iter, bench_ring;
uint64_t bench_loop(uint64_t iters);
#endif

#endif
