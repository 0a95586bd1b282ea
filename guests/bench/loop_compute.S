/* User-mode compute: splitmix64 outputs summed, registers only, in
 * 64-bit ring 3. 16 instructions per iteration: 13 for the step
 * (bench.h SPLITMIX), the sum, DEC, JNZ. Checksum: the sum. */
#include "bench/bench.h"

	BENCH_LOOP compute, 16, 3, iterations, 1, 0
	mov $SPLITMIX_K, %r12
	mov $SPLITMIX_M1, %r13
	mov $SPLITMIX_M2, %r14
	xor %ecx, %ecx
	xor %eax, %eax
1:	SPLITMIX %rcx, %rdx, %r12
	add %rdx, %rax
	dec %rdi
	jnz 1b
	int $VEC_RETURN
