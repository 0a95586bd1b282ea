/* The parameter block, placed at BENCH_PARAM_OFFSET by bench.ld so that
 * the runner can patch the iteration count without relinking. */
#include "bench/bench.h"

	.section .bench_param, "a"
	.globl bench_param
bench_param:
	.ascii BENCH_MAGIC
	.quad BENCH_DEFAULT_ITERS
