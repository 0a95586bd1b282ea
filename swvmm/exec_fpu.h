/* Shared by the x87, MMX and SSE executors (swvmm/exec_x87.c,
 * swvmm/exec_simd.c, swvmm/exec_system_fpu.c): the CR0/CR4/CPUID rules
 * that decide #UD and #NM before anything runs, and the host unit's run
 * with the faults it reports turned into the guest's (SDM Vol. 3, 2.5 and
 * 13.1; Vol. 1, 8.7 and 11.5). */
#ifndef HVMM_SWVMM_EXEC_FPU_H
#define HVMM_SWVMM_EXEC_FPU_H

#include <stdbool.h>
#include <stdint.h>

#include "swvmm/cpu.h"
#include "swvmm/fpu_host.h"

#define FSW_ES   0x0080u         /* error summary: an unmasked exception pends */
#define MXCSR_FLAGS 0x3fu

/* The interpreter's host unit and the model's x87/SIMD features
 * (c->simd_feats): 0 or -errno. */
int sw_fpu_create(struct sw_cpu *c);
void sw_fpu_destroy(struct sw_cpu *c);

void sw_register_simd(sw_exec_fn *t);           /* exec_simd.c */
void sw_register_x87(sw_exec_fn *t);            /* exec_x87.c */
/* FLDENV, FNSTENV, FRSTOR, FNSAVE (exec_x87_env.c). */
void x87_env_exec(struct sw_cpu *c, const struct insn *i);

/* x87: CR0.EM or CR0.TS is #NM. */
void fpu_check_x87(struct sw_cpu *c);

/* MMX registers only: CR0.EM is #UD, CR0.TS #NM. */
void fpu_check_mmx(struct sw_cpu *c);

/* XMM registers or MXCSR: CR0.EM or CR4.OSFXSR clear is #UD, then
 * CR0.TS #NM. */
void fpu_check_sse(struct sw_cpu *c);

/* A pending unmasked x87 exception at a waiting instruction: #MF with
 * CR0.NE, else IRQ 13 through the interrupt controller (the PC's FERR#
 * wiring) and the instruction waits, as the CPU does, until the handler
 * clears it: it returns with RIP left on the instruction. */
void fpu_x87_pending(struct sw_cpu *c);

/* Set TOS to top. The image holds the registers in stack order (ST0
 * first), so its slots turn: every physical register keeps its value. */
void fpu_x87_set_top(struct fxsave_area *fx, unsigned top);

/* FNINIT's effect: FCW 0x37f, status (TOS 0), tags (all empty), opcode
 * and pointers cleared; the physical registers keep their values. */
void fpu_x87_reset(struct fxsave_area *fx);

/* The memory operand's offset; #GP(0) unless its linear address is a
 * multiple of align. */
uint64_t fpu_aligned_operand(struct sw_cpu *c, const struct insn *i, unsigned align);

/* The host unit with the guest's image loaded (c->s.fx), the arithmetic
 * flags and RAX/RDX/RCX as given. */
struct fpu_host_ctx *fpu_begin(struct sw_cpu *c);

/* Run the re-encoded instruction; a fault the host took becomes the
 * guest's: a pending x87 exception (fpu_x87_pending: false, the
 * instruction waits), or for an unmasked SIMD exception the MXCSR flags
 * it set and #XM (#UD with CR4.OSXMMEXCPT clear). True when the
 * instruction completed. */
bool fpu_run(struct sw_cpu *c, const uint8_t *insn, unsigned len);

/* The same for an SSE instruction touching no x87/MMX state, moving only
 * the XMM registers of the mask (bit n: XMMn) and MXCSR, in and (once it
 * completed) out. */
struct fpu_host_ctx *fpu_begin_sse(struct sw_cpu *c, uint16_t xmm);
bool fpu_run_sse(struct sw_cpu *c, const uint8_t *insn, unsigned len, uint16_t xmm);

/* Take the host's image as the guest's, but the x87 last-instruction
 * fields, which the executors keep themselves. */
void fpu_commit_image(struct sw_cpu *c, const struct fpu_host_ctx *x);

#endif
