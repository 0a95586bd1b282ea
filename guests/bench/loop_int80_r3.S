/* Ring-3 INT 0x80 round trip: from 64-bit ring 3 through a DPL-3 interrupt
 * gate to ring 0 (stack switch to TSS.RSP0), handler (entry.S
 * int_r3_entry) INC RAX; IRETQ back to ring 3. 5 instructions per
 * iteration: INT, INC, IRETQ, DEC, JNZ. Checksum: handler entries, equal
 * to the iteration count. */
#include "bench/bench.h"

	BENCH_LOOP int80_r3, 5, 3
	xor %eax, %eax
1:	int $VEC_INT_R3
	dec %rdi
	jnz 1b
	int $VEC_RETURN
