/* Shared by the arithmetic, logic, bit and condition handlers
 * (swvmm/exec_alu*.c): one registration function per file, and the
 * read-modify-write access to the ModRM r/m operand. */
#ifndef HVMM_SWVMM_EXEC_ALU_H
#define HVMM_SWVMM_EXEC_ALU_H

#include <stdbool.h>
#include <stdint.h>

#include "swvmm/cpu.h"
#include "swvmm/decode.h"
#include "swvmm/flags.h"

void sw_register_alu_arith(sw_exec_fn *t);
void sw_register_alu_muldiv(sw_exec_fn *t);
void sw_register_alu_shift(sw_exec_fn *t);
void sw_register_alu_bit(sw_exec_fn *t);
void sw_register_alu_bcd(sw_exec_fn *t);
void sw_register_alu_cond(sw_exec_fn *t);
void sw_register_alu_xchg(sw_exec_fn *t);
void sw_register_alu_flags(sw_exec_fn *t);
void sw_register_alu_bound(sw_exec_fn *t);

static inline bool alu_rex(const struct insn *i)
{
	return (i->flags & INSN_REX) != 0;
}

/* Where the r/m operand of a read-modify-write lives. */
struct alu_loc {
	uint64_t off;
	unsigned seg;
	bool mem;
};

/* Read the r/m operand for a read-modify-write. A memory operand is
 * checked for writing first, so that a read-only or absent page faults
 * as a write (PFEC.W set), as a processor's locked/RMW access does, and
 * so that the final write cannot fault after flags were computed. */
static inline uint64_t alu_rmw_read(struct sw_cpu *c, const struct insn *i, unsigned size,
                                    struct alu_loc *l)
{
	l->mem = (i->flags & INSN_MEM) != 0;
	l->seg = 0;
	l->off = 0;
	if (!l->mem)
		return sw_gpr_read(c, i->rm, size, alu_rex(i));
	l->seg = sw_ea_seg(i);
	l->off = sw_ea(c, i);
	sw_check_write(c, l->seg, l->off, size);
	return sw_read(c, l->seg, l->off, size);
}

static inline void alu_rmw_write(struct sw_cpu *c, const struct insn *i, unsigned size,
                                 const struct alu_loc *l, uint64_t val)
{
	if (l->mem)
		sw_write(c, l->seg, l->off, size, val);
	else
		sw_gpr_write(c, i->rm, size, alu_rex(i), val);
}


#endif
