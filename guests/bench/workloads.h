/* The workloads `hvmm bench` runs (docs/benchmarks.md), one X-macro row
 * each: name (the image is bench_<name>.bin, built from
 * guests/bench/loop_<name>.S; guests/guests.mk reads the names from
 * here), the iteration count `hvmm bench` gives it by default, and what it
 * exercises. The units of work each one counts are in its report line. */
#ifndef GUESTS_BENCH_WORKLOADS_H
#define GUESTS_BENCH_WORKLOADS_H

#define BENCH_WORKLOADS(X) \
	X(compute,   2000000, "user-mode compute (ring 3, registers only)") \
	X(stream,    1000000, "user-mode memory streaming (ring 3, 1 MiB copy)") \
	X(syscall,     50000, "system call storm (SYSCALL/SYSRET from ring 3)") \
	X(pagefault,   10000, "page-fault storm (ring 3 touches unmapped pages)") \
	X(out,        100000, "port I/O storm (OUT in ring 0)") \
	X(timer,        1000, "timer interrupts at 1 kHz, ring 3 spinning") \
	X(mixed,       10000, "mixed: compute, memory, SYSCALL, OUT, 250 Hz timer")

#endif
