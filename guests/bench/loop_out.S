/* OUT to an unused port (BENCH_OUT_PORT, 0x80), one byte with an
 * immediate port number. 4 instructions per iteration: OUT, INC, DEC,
 * JNZ. Checksum: OUTs done, equal to the iteration count. */
#include "bench/bench.h"

	BENCH_LOOP out, 4, 0, outs, 1, 0
	xor %eax, %eax
1:	out %al, $BENCH_OUT_PORT
	inc %rax
	dec %rdi
	jnz 1b
	ret
