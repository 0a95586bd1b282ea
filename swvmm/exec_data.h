/* Shared by the data-movement handlers (swvmm/exec_data*.c): one
 * registration function per file, and the stack arithmetic that PUSHA,
 * POPA, ENTER, LEAVE, POP m and near RET need when they must read or write
 * several stack slots before committing RSP (so that a fault half-way
 * leaves RSP and the registers as they were). */
#ifndef HVMM_SWVMM_EXEC_DATA_H
#define HVMM_SWVMM_EXEC_DATA_H

#include <stdint.h>

#include "swvmm/cpu.h"
#include "swvmm/decode.h"

void sw_register_data_move(sw_exec_fn *t);
void sw_register_data_stack(sw_exec_fn *t);
void sw_register_data_string(sw_exec_fn *t);
void sw_register_data_branch(sw_exec_fn *t);

/* RSP + delta wrapped to the stack address size (SS.B, or 64 bits in
 * 64-bit mode): the offset of a stack slot relative to the current top. */
static inline uint64_t sw_data_sp_off(const struct sw_cpu *c, int64_t delta)
{
	return sw_trunc(c->s.gpr[RSP] + (uint64_t)delta, sw_stack_size(c));
}

/* Commit a new stack pointer: a 16-bit stack changes SP only, a 32-bit
 * stack writes ESP (zero-extended as every 32-bit register write). */
static inline void sw_data_set_sp(struct sw_cpu *c, uint64_t sp)
{
	sw_gpr_write(c, RSP, sw_stack_size(c), false, sp);
}

/* Segment of an operand that is not ModRM-addressed (moffs, string
 * source, XLAT): DS unless a segment prefix overrides it. */
static inline unsigned sw_data_seg(const struct insn *i)
{
	return (i->flags & INSN_SEGOVR) ? i->seg : SEG_DS;
}

#endif
