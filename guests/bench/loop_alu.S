/* 64-bit ALU: one xorshift64 step (shifts 13, 7, 17) and one LCG step
 * (Knuth's MMIX constants) per iteration, register only.
 * 13 instructions per iteration: 9 xorshift, 2 LCG, 2 loop control.
 * Checksum: final xorshift state XOR final LCG state. */
#include "bench/bench.h"

	BENCH_LOOP alu, 13, 0
	mov $0x9e3779b97f4a7c15, %rax	/* xorshift state, nonzero */
	mov $1, %r8d			/* LCG state */
	mov $6364136223846793005, %r9
	mov $1442695040888963407, %r10
1:	mov %rax, %rdx
	shl $13, %rdx
	xor %rdx, %rax
	mov %rax, %rdx
	shr $7, %rdx
	xor %rdx, %rax
	mov %rax, %rdx
	shl $17, %rdx
	xor %rdx, %rax
	imul %r9, %r8
	add %r10, %r8
	dec %rdi
	jnz 1b
	xor %r8, %rax
	ret
