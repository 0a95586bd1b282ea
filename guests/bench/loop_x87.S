/* x87: a running sum of products of 32-bit integers from the 1 MiB array
 * (BENCH_DATA), in 64-bit extended precision with the default rounding.
 * 7 instructions per iteration: FILD, FIMUL and FADDP (the product added
 * to ST1, popped), 4 to advance, wrap and count. Checksum: the raw bits of
 * the sum stored as a double. Integer operands keep the inputs finite and
 * normal, so the result is the same on every exact x87. */
#include "bench/bench.h"

	BENCH_LOOP x87, 7, 0
	mov %cr0, %rax
	and $~0xc, %rax			/* EM, TS clear */
	or $0x22, %rax			/* MP, NE */
	mov %rax, %cr0
	fninit
	fldz
	xor %ecx, %ecx
	mov $BENCH_DATA, %esi
1:	fildl 0(%rsi,%rcx)
	fimull 4(%rsi,%rcx)
	faddp %st, %st(1)
	add $8, %rcx
	and $BENCH_ARRAY_BYTES - 1, %rcx
	dec %rdi
	jnz 1b
	sub $8, %rsp
	fstpl (%rsp)
	pop %rax
	ret
