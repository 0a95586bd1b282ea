/* Timer-interrupt heavy: the PIT ticks at about 1 kHz (bench.h,
 * bench_timer_start) while 64-bit ring 3 spins on the tick count until
 * it reaches the iteration count; each tick enters entry.S timer_entry
 * from ring 3. Instructions per iteration are not fixed (0): the loop
 * waits. Work: ticks handled. Checksum: the ticks counted, which stops
 * at the iteration count. */
#include "bench/bench.h"

#ifndef TIMER_RELOAD
#define TIMER_RELOAD	1193	/* PIT_HZ / 1193: 1.0 kHz */
#define TIMER_NAME	timer
#endif

	BENCH_LOOP TIMER_NAME, 0, 3, ticks, 1, 0
1:	cmp tick_count(%rip), %rdi
	ja 1b
	mov tick_count(%rip), %rax
	int $VEC_RETURN

/* bench_setup(iters): ticks counted up to iters, IF in ring 3. */
	.globl bench_setup
bench_setup:
	mov %rdi, %rsi
	mov $TIMER_RELOAD, %edi
	movq $RFLAGS_BASE | RFLAGS_IF, user_rflags(%rip)
	jmp bench_timer_start
