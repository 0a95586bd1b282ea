/* SYSCALL/SYSRET round trip from 64-bit ring 3; the handler (entry.S
 * syscall_entry) is INC RAX; SYSRETQ. 5 instructions per iteration:
 * SYSCALL, INC, SYSRETQ, DEC, JNZ (the count is in RDI: SYSCALL
 * overwrites RCX and R11). Checksum: handler entries, equal to the
 * iteration count. */
#include "bench/bench.h"

	BENCH_LOOP syscall, 5, 3, syscalls, 1, 0
	xor %eax, %eax
1:	syscall
	dec %rdi
	jnz 1b
	int $VEC_RETURN
