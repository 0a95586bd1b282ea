/* The host's own x87/MMX/SSE unit as the interpreter's floating-point
 * unit (docs/swvmm.md, "FPU and SIMD").
 *
 * An x87, MMX or SSE instruction the guest executes is re-encoded for the
 * host (its XMM/MM/ST registers as they are, general registers moved to
 * RAX/RDX/RCX, memory moved to a buffer at [RSI]) and run once between a
 * FXRSTOR of the guest's image and a FXSAVE back: the host computes the
 * result, the flags, the status and tag words bit for bit as the CPU
 * does, rounding, precision control and denormals included. Each distinct
 * re-encoding is written once into an executable buffer (a memfd mapped
 * twice: written through one view, run through the other, so no page is
 * ever writable and executable at once) and found again by its bytes.
 *
 * The host runs the guest's MXCSR and FCW as they are. An unmasked SIMD
 * exception (#XM) or a pending x87 one (#MF) is then the host's fault at
 * the snippet: the SIGFPE handler installed by fpu_host_init records the
 * vector in the context and resumes at the exit code, which saves the
 * image as the fault left it (the instruction did nothing, the flags say
 * why): exactly what the guest's CPU does before it delivers the fault.
 * A SIGFPE anywhere else gets the default action back and recurs. The
 * handler is put in place by the runs that can fault (an unmasked MXCSR
 * exception, or ES set), so whoever replaced it meanwhile, it is there. */
#ifndef HVMM_SWVMM_FPU_HOST_H
#define HVMM_SWVMM_FPU_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "core/vcpu_state.h"

#define FPU_HOST_MEM 512             /* the memory-operand buffer */

/* What a snippet sees at RDI. The offsets are fixed: the entry and exit
 * code and the signal handler (fpu_host.c) address the fields by number. */
struct fpu_host_ctx {
	struct fxsave_area fx;       /*   0: the guest's image in, result out */
	uint64_t gpr[3];             /* 512: RAX, RDX, RCX in and out */
	uint64_t rflags;             /* 536: arithmetic flags in, RFLAGS out */
	uint64_t resume;             /* 544: where a snippet jumps back to */
	uint64_t magic;              /* 552: FPU_HOST_MAGIC: RDI is a context */
	uint64_t code_lo, code_hi;   /* 560: the snippets' addresses */
	uint32_t trap;               /* 576: 0, or the vector the host took */
	uint8_t pad[60];
	struct fxsave_area host;     /* 640: the host's state to go back to */
	uint8_t mem[FPU_HOST_MEM];   /* 1152: [RSI] */
} __attribute__((aligned(64)));

#define FPU_HOST_MAGIC 0x68766d6d66707521ull
enum { FPU_RAX, FPU_RDX, FPU_RCX };

struct fpu_snippet;

struct fpu_host {
	struct fpu_host_ctx *ctx;
	uint8_t *rw, *rx;            /* two views of one buffer */
	size_t size, used;
	struct fpu_snippet *slots;   /* open-addressing table by bytes */
	unsigned nslots, nused;
	uint64_t runs, compiled;     /* statistics */
};

/* Set up (0, or -errno when memory or the executable buffer cannot be
 * had) and tear down. */
int fpu_host_init(struct fpu_host *h);
void fpu_host_free(struct fpu_host *h);

/* Run one host instruction of len bytes (1-15) on h->ctx: ctx->fx, gpr
 * and the arithmetic flags of rflags (the rest is ignored) go in, and
 * come out with ctx->trap 0, or 16 (#MF) or 19 (#XM) when the host
 * faulted. Returns 0, -EINVAL for a bad length, or -errno when the SIGFPE
 * handler cannot be put in place. */
int fpu_host_run(struct fpu_host *h, const uint8_t *insn, unsigned len);

/* The same for an SSE instruction that touches no x87 or MMX state: only
 * the XMM registers in the mask (bit n: XMMn), MXCSR, the GPRs and [RSI]
 * move, and ctx->fx holds nothing else that counts (ctx->fx.fsw is
 * cleared). An unmasked SIMD exception reports trap 19 as above, with
 * the whole image as the fault left it. */
int fpu_host_run_sse(struct fpu_host *h, const uint8_t *insn, unsigned len, uint16_t xmm);

#endif
