/* The parameter block of the benchmark images, shared by the guests
 * (param.S, kernel.c) and hvmm bench, which patches it. */
#ifndef GUESTS_BENCH_PARAM_H
#define GUESTS_BENCH_PARAM_H

/* The parameter block sits at this offset in the flat image (and at
 * 512 + this in the floppy image): 8 magic bytes, then the iteration count
 * as a little-endian 64-bit number, patched by tests/bench/bench-sw.sh
 * and hvmm bench. */
#define BENCH_PARAM_OFFSET	0x100
#define BENCH_MAGIC		"HVBENCH1"
#define BENCH_DEFAULT_ITERS	1000

#endif
