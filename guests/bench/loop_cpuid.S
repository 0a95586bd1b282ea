/* CPUID leaf 0. 5 instructions per iteration: XOR (leaf 0 in EAX), CPUID,
 * INC, DEC, JNZ. Checksum: CPUIDs done, equal to the iteration count (the
 * leaf's values differ between emulators, so they stay out of it). */
#include "bench/bench.h"

	BENCH_LOOP cpuid, 5, 0
	push %rbx			/* callee-saved; CPUID writes it */
	xor %r8d, %r8d
1:	xor %eax, %eax
	cpuid
	inc %r8
	dec %rdi
	jnz 1b
	mov %r8, %rax
	pop %rbx
	ret
