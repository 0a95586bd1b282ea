/* Ring-0 INT/IRET round trip: INT to a DPL-0 interrupt gate in the same
 * ring (no stack switch), whose handler (entry.S int_r0_entry) is
 * INC RAX; IRETQ. 5 instructions per iteration: INT, INC, IRETQ, DEC, JNZ.
 * Checksum: handler entries, equal to the iteration count. */
#include "bench/bench.h"

	BENCH_LOOP int_r0, 5, 0
	xor %eax, %eax
1:	int $VEC_INT_R0
	dec %rdi
	jnz 1b
	ret
