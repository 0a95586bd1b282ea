/* User-mode memory streaming: copies the data area's first MiB to its
 * second (4 KiB pages), one 64-byte line per iteration as 8 qword loads
 * and stores, wrapping around, in 64-bit ring 3. 28 instructions per
 * iteration: 8 x (load, store, add to the sum), then advance, wrap,
 * count. Work: 64 bytes copied per iteration. Checksum: the sum of the
 * qwords copied. */
#include "bench/bench.h"

	BENCH_LOOP stream, 28, 3, bytes, 64
	xor %eax, %eax
	xor %ecx, %ecx
	mov $BENCH_DATA, %esi
	mov $BENCH_DATA2, %r8d
1:
	.irp off, 0, 8, 16, 24, 32, 40, 48, 56
	mov \off(%rsi,%rcx), %rdx
	mov %rdx, \off(%r8,%rcx)
	add %rdx, %rax
	.endr
	add $64, %rcx
	and $BENCH_ARRAY_BYTES - 1, %rcx
	dec %rdi
	jnz 1b
	int $VEC_RETURN
