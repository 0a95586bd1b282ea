/* MOV CR3 + 4 loads: switch between two PML4s with the same contents (no
 * PCID, no global pages, so each write flushes the TLB), then read one
 * qword from each of 4 different 4 KiB pages of BENCH_DATA, which then
 * need a fresh translation. 8 instructions per iteration: MOV CR3, XCHG,
 * 4 loads (ADD from memory), DEC, JNZ. Checksum: sum of the qwords read. */
#include "bench/bench.h"

	BENCH_LOOP cr3, 8, 0
	mov %cr3, %r8
	lea alt_pml4(%rip), %r9
	mov $BENCH_DATA, %esi
	xor %eax, %eax
1:	mov %r9, %cr3
	xchg %r8, %r9
	add 0x0000(%rsi), %rax
	add 0x1000(%rsi), %rax
	add 0x2000(%rsi), %rax
	add 0x3000(%rsi), %rax
	dec %rdi
	jnz 1b
	ret
