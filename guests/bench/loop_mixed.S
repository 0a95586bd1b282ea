/* Mixed, from 64-bit ring 3, with the PIT ticking at about 250 Hz
 * underneath (ticks taken in ring 3, as the timer loop's): each
 * iteration computes one splitmix64 step (bench.h SPLITMIX), reads one
 * 64-byte line of the data area, makes one SYSCALL (handler INC RAX;
 * SYSRETQ) and one OUT to BENCH_OUT_PORT (IOPL 3). 30 instructions per
 * iteration, ticks aside: 13 + 1 (sum), 8 loads + 2 (advance, wrap),
 * 3 (SYSCALL round trip), 1 (OUT), 2 (DEC, JNZ). Checksum: the sum of
 * the splitmix outputs and the qwords read, plus the system calls. */
#include "bench/bench.h"

#define MIXED_RELOAD	4773	/* PIT_HZ / 4773: 250 Hz */

	BENCH_LOOP mixed, 30, 3
	mov $SPLITMIX_K, %r12
	mov $SPLITMIX_M1, %r13
	mov $SPLITMIX_M2, %r14
	xor %r15d, %r15d
	xor %ebx, %ebx
	xor %r8d, %r8d
	mov $BENCH_DATA, %esi
	xor %eax, %eax
1:	SPLITMIX %r15, %rdx, %r12
	add %rdx, %rbx
	.irp off, 0, 8, 16, 24, 32, 40, 48, 56
	add \off(%rsi,%r8), %rbx
	.endr
	add $64, %r8
	and $BENCH_ARRAY_BYTES - 1, %r8
	syscall
	out %al, $BENCH_OUT_PORT
	dec %rdi
	jnz 1b
	add %rbx, %rax
	int $VEC_RETURN

/* bench_setup: ticks counted without limit (they do not enter the
 * checksum), IF and IOPL 3 in ring 3. */
	.globl bench_setup
bench_setup:
	mov $-1, %rsi
	mov $MIXED_RELOAD, %edi
	movq $RFLAGS_BASE | RFLAGS_IF | RFLAGS_IOPL3, user_rflags(%rip)
	jmp bench_timer_start
