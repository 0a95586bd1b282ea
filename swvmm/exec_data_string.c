/* String instructions: MOVS, CMPS, STOS, LODS, SCAS (B/W/D/Q) and their
 * REP/REPE/REPNE forms. INS/OUTS are port I/O (swvmm/exec_system*.c).
 *
 * rSI, rDI and rCX are used at the address size (a 16-bit address size
 * wraps SI/DI/CX at 64 KiB; a 32-bit one zero-extends them in 64-bit mode
 * as any 32-bit register write does). The source segment is DS or the
 * override; the destination is always ES:rDI. Each iteration commits
 * rSI/rDI/rCX before the next one starts, so a fault on element k leaves
 * them pointing at element k with RIP at the instruction, and the
 * instruction resumes where it stopped.
 *
 * A repeated instruction runs at most SW_REP_CHUNK iterations per
 * dispatch, then leaves next_rip at the instruction itself: the run loop
 * gets control back (interrupts, budgets, stop requests) and the next
 * dispatch continues with the remaining count, as a processor does when it
 * takes an interrupt between iterations. With TF set, one iteration per
 * dispatch, so the single-step trap follows each iteration. */
#include "swvmm/cpu.h"
#include "swvmm/decode.h"
#include "swvmm/exec_data.h"
#include "swvmm/flags.h"

#define SW_REP_CHUNK 4096

enum str_op { STR_MOVS, STR_CMPS, STR_STOS, STR_LODS, STR_SCAS };

static void advance(struct sw_cpu *c, unsigned reg, unsigned adsize, int64_t step)
{
	sw_gpr_write(c, reg, adsize, false, c->s.gpr[reg] + (uint64_t)step);
}

/* One element; returns nothing, faults unwind. */
static void one(struct sw_cpu *c, const struct insn *i, enum str_op op, unsigned size,
                int64_t step)
{
	unsigned a = i->adsize;
	uint64_t si = sw_trunc(c->s.gpr[RSI], a);
	uint64_t di = sw_trunc(c->s.gpr[RDI], a);
	uint64_t x, y;

	switch (op) {
	case STR_MOVS:
		x = sw_read(c, sw_data_seg(i), si, size);
		sw_write(c, SEG_ES, di, size, x);
		advance(c, RSI, a, step);
		advance(c, RDI, a, step);
		break;
	case STR_CMPS:
		/* The source (DS:rSI) minus the destination (ES:rDI). */
		x = sw_read(c, sw_data_seg(i), si, size);
		y = sw_read(c, SEG_ES, di, size);
		sw_flags_sub(c, x, y, 0, size);
		advance(c, RSI, a, step);
		advance(c, RDI, a, step);
		break;
	case STR_STOS:
		sw_write(c, SEG_ES, di, size, c->s.gpr[RAX]);
		advance(c, RDI, a, step);
		break;
	case STR_LODS:
		x = sw_read(c, sw_data_seg(i), si, size);
		sw_gpr_write(c, RAX, size, false, x);
		advance(c, RSI, a, step);
		break;
	case STR_SCAS:
		y = sw_read(c, SEG_ES, di, size);
		sw_flags_sub(c, c->s.gpr[RAX], y, 0, size);
		advance(c, RDI, a, step);
		break;
	}
}

static void string_op(struct sw_cpu *c, const struct insn *i, enum str_op op, unsigned size)
{
	int64_t step = (c->s.rflags & RFLAGS_DF) ? -(int64_t)size : (int64_t)size;

	if (!(i->flags & (INSN_REP | INSN_REPNE))) {
		one(c, i, op, size, step);
		return;
	}
	/* F2 on MOVS/STOS/LODS repeats as F3 does; on CMPS/SCAS the two differ
	 * in the ZF that ends the loop. */
	bool compare = op == STR_CMPS || op == STR_SCAS;
	bool repne = (i->flags & INSN_REPNE) != 0;
	unsigned a = i->adsize;
	/* One iteration at a time under TF or a data breakpoint: the trap
	 * follows the iteration that raised it. */
	unsigned budget = (c->s.rflags & RFLAGS_TF) || c->dbg_data ? 1 : SW_REP_CHUNK;

	for (;;) {
		uint64_t count = sw_trunc(c->s.gpr[RCX], a);
		if (count == 0)
			return;
		if (budget-- == 0) {
			c->next_rip = c->insn_rip;
			return;
		}
		one(c, i, op, size, step);
		sw_gpr_write(c, RCX, a, false, count - 1);
		if (compare && sw_flag(c, RFLAGS_ZF) == repne)
			return;
	}
}

static void exec_movsb(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_MOVS, 1); }
static void exec_movs(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_MOVS, i->opsize); }
static void exec_cmpsb(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_CMPS, 1); }
static void exec_cmps(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_CMPS, i->opsize); }
static void exec_stosb(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_STOS, 1); }
static void exec_stos(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_STOS, i->opsize); }
static void exec_lodsb(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_LODS, 1); }
static void exec_lods(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_LODS, i->opsize); }
static void exec_scasb(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_SCAS, 1); }
static void exec_scas(struct sw_cpu *c, const struct insn *i) { string_op(c, i, STR_SCAS, i->opsize); }

void sw_register_data_string(sw_exec_fn *t)
{
	t[IF_MOVSB] = exec_movsb;
	t[IF_MOVS] = exec_movs;
	t[IF_CMPSB] = exec_cmpsb;
	t[IF_CMPS] = exec_cmps;
	t[IF_STOSB] = exec_stosb;
	t[IF_STOS] = exec_stos;
	t[IF_LODSB] = exec_lodsb;
	t[IF_LODS] = exec_lods;
	t[IF_SCASB] = exec_scasb;
	t[IF_SCAS] = exec_scas;
}
