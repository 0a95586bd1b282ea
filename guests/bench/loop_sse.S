/* SSE2 integer dot product over the 1 MiB array (BENCH_DATA): each
 * iteration multiplies the 16-bit words of two 16-byte lines pairwise and
 * adds the 32-bit pair sums (PMADDWD, PADDD) into two accumulators.
 * 10 instructions per iteration: 2 aligned loads, 2 PMADDWD from memory,
 * 2 PADDD, 4 to advance, wrap and count. Checksum: the low 64 bits of the
 * sum of both accumulators. Integer SIMD, so every engine agrees bit for
 * bit whatever it does with floating point. */
#include "bench/bench.h"

	BENCH_LOOP sse, 10, 0
	mov %cr0, %rax
	and $~0xc, %rax			/* EM, TS clear */
	or $0x22, %rax			/* MP, NE */
	mov %rax, %cr0
	mov %cr4, %rax
	or $0x600, %rax			/* OSFXSR, OSXMMEXCPT */
	mov %rax, %cr4
	pxor %xmm0, %xmm0
	pxor %xmm1, %xmm1
	xor %ecx, %ecx
	mov $BENCH_DATA, %esi
1:	movdqa 0(%rsi,%rcx), %xmm2
	pmaddwd 16(%rsi,%rcx), %xmm2
	paddd %xmm2, %xmm0
	movdqa 32(%rsi,%rcx), %xmm3
	pmaddwd 48(%rsi,%rcx), %xmm3
	paddd %xmm3, %xmm1
	add $64, %rcx
	and $BENCH_ARRAY_BYTES - 1, %rcx
	dec %rdi
	jnz 1b
	paddd %xmm1, %xmm0
	movq %xmm0, %rax
	ret
