/* 64-bit reads of a 1 MiB array (BENCH_DATA, 4 KiB pages), sequentially
 * and wrapping around: one iteration reads one 64-byte line as 8 qwords.
 * 12 instructions per iteration: 8 loads (ADD from memory), 4 to advance,
 * wrap and count. Checksum: sum of all qwords read. */
#include "bench/bench.h"

	BENCH_LOOP array, 12, 0
	xor %eax, %eax
	xor %ecx, %ecx
	mov $BENCH_DATA, %esi
1:	add 0(%rsi,%rcx), %rax
	add 8(%rsi,%rcx), %rax
	add 16(%rsi,%rcx), %rax
	add 24(%rsi,%rcx), %rax
	add 32(%rsi,%rcx), %rax
	add 40(%rsi,%rcx), %rax
	add 48(%rsi,%rcx), %rax
	add 56(%rsi,%rcx), %rax
	add $64, %rcx
	and $BENCH_ARRAY_BYTES - 1, %rcx
	dec %rdi
	jnz 1b
	ret
