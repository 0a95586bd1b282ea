/* Port I/O: IN, OUT (imm8 and DX ports), INS, OUTS with REP (Intel SDM
 * Vol. 2; Vol. 1, 19.5). The IOPL and TSS I/O-bitmap check comes first
 * (sw_io_check), then the bus.
 *
 * A repeated INS/OUTS performs one element per execution and, while rCX
 * is not yet zero, leaves RIP on the instruction: every iteration is a
 * complete architectural step, so faults, interrupts and a stop requested
 * by a device fall between iterations exactly as on a processor. As KVM
 * does, the permission check is made even when the count is zero. */
#include "swvmm/exec_system.h"

/* Byte forms are 1; the others 2 or 4 (REX.W does not widen port I/O). */
static unsigned io_size(const struct insn *i)
{
	return i->opsize > 4 ? 4 : i->opsize;
}

static void do_in(struct sw_cpu *c, uint16_t port, unsigned size)
{
	sw_io_check(c, port, size);
	uint32_t v = sw_in(c, port, size);
	sw_gpr_write(c, RAX, size, false, v);
}

static void do_out(struct sw_cpu *c, uint16_t port, unsigned size)
{
	sw_io_check(c, port, size);
	sw_out(c, port, size, (uint32_t)sw_trunc(c->s.gpr[RAX], size));
}

static void exec_in_imm(struct sw_cpu *c, const struct insn *i)
{
	do_in(c, (uint8_t)i->imm, io_size(i));
}

static void exec_in_dx(struct sw_cpu *c, const struct insn *i)
{
	do_in(c, (uint16_t)c->s.gpr[RDX], io_size(i));
}

static void exec_out_imm(struct sw_cpu *c, const struct insn *i)
{
	do_out(c, (uint8_t)i->imm, io_size(i));
}

static void exec_out_dx(struct sw_cpu *c, const struct insn *i)
{
	do_out(c, (uint16_t)c->s.gpr[RDX], io_size(i));
}

static bool is_rep(const struct insn *i)
{
	/* F2 repeats INS/OUTS as F3 does. */
	return (i->flags & (INSN_REP | INSN_REPNE)) != 0;
}

/* Advance an index register by one element in the direction of DF. */
static void string_step(struct sw_cpu *c, unsigned reg, unsigned adsize, unsigned size)
{
	uint64_t d = (c->s.rflags & RFLAGS_DF) ? (uint64_t)-(int64_t)size : size;
	sw_gpr_write(c, reg, adsize, false, c->s.gpr[reg] + d);
}

/* After one repeated element: count down, and run the instruction again
 * unless the count reached zero. */
static void rep_next(struct sw_cpu *c, unsigned adsize)
{
	uint64_t cx = sw_trunc(c->s.gpr[RCX] - 1, adsize);
	sw_gpr_write(c, RCX, adsize, false, cx);
	if (cx)
		c->next_rip = c->insn_rip;
}

/* INS: ES:rDI (no segment override), written only after the port was read;
 * the destination is checked first so that a fault loses no input. */
static void exec_ins(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = io_size(i), as = i->adsize;
	uint16_t port = (uint16_t)c->s.gpr[RDX];
	bool rep = is_rep(i);

	sw_io_check(c, port, size);
	if (rep && sw_trunc(c->s.gpr[RCX], as) == 0)
		return;
	uint64_t di = sw_trunc(c->s.gpr[RDI], as);
	sw_check_write(c, SEG_ES, di, size);
	uint32_t v = sw_in(c, port, size);
	sw_write(c, SEG_ES, di, size, v);
	string_step(c, RDI, as, size);
	if (rep)
		rep_next(c, as);
}

/* OUTS: from seg:rSI, DS unless overridden. */
static void exec_outs(struct sw_cpu *c, const struct insn *i)
{
	unsigned size = io_size(i), as = i->adsize;
	unsigned seg = (i->flags & INSN_SEGOVR) ? i->seg : SEG_DS;
	uint16_t port = (uint16_t)c->s.gpr[RDX];
	bool rep = is_rep(i);

	sw_io_check(c, port, size);
	if (rep && sw_trunc(c->s.gpr[RCX], as) == 0)
		return;
	uint64_t v = sw_read(c, seg, sw_trunc(c->s.gpr[RSI], as), size);
	sw_out(c, port, size, (uint32_t)v);
	string_step(c, RSI, as, size);
	if (rep)
		rep_next(c, as);
}

void sw_register_system_io(sw_exec_fn *t)
{
	t[IF_IN_ALIb] = exec_in_imm;
	t[IF_IN_eAXIb] = exec_in_imm;
	t[IF_IN_ALDX] = exec_in_dx;
	t[IF_IN_eAXDX] = exec_in_dx;
	t[IF_OUT_IbAL] = exec_out_imm;
	t[IF_OUT_IbeAX] = exec_out_imm;
	t[IF_OUT_DXAL] = exec_out_dx;
	t[IF_OUT_DXeAX] = exec_out_dx;
	t[IF_INSB] = exec_ins;
	t[IF_INS] = exec_ins;
	t[IF_OUTSB] = exec_outs;
	t[IF_OUTS] = exec_outs;
}
