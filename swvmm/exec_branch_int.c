/* INT n, INT3, INTO, INT1 and IRET (Intel SDM Vol. 2, INT n and IRET). */
#include "swvmm/cpu.h"
#include "swvmm/decode.h"
#include "swvmm/event.h"
#include "swvmm/exec_branch.h"
#include "swvmm/far.h"
#include "swvmm/flags.h"
#include "swvmm/segment.h"
#include "swvmm/task_switch.h"
#include "swvmm/vm86.h"

static void exec_int_ib(struct sw_cpu *c, const struct insn *i)
{
	sw_vm86_int_n(c);
	sw_deliver_event(c, (unsigned)(i->imm & 0xff), SW_NO_ERRCODE, SW_EV_SOFT, c->next_rip);
}

static void exec_int3(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_deliver_event(c, EXC_BP, SW_NO_ERRCODE, SW_EV_SOFT | SW_EV_EXCEPTION | SW_EV_TRAP,
	                 c->next_rip);
}

static void exec_into(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	if (sw_flag(c, RFLAGS_OF))
		sw_deliver_event(c, EXC_OF, SW_NO_ERRCODE,
		                 SW_EV_SOFT | SW_EV_EXCEPTION | SW_EV_TRAP, c->next_rip);
}

static void exec_int1(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_deliver_event(c, EXC_DB, SW_NO_ERRCODE, SW_EV_ICEBP | SW_EV_EXCEPTION | SW_EV_TRAP,
	                 c->next_rip);
}

static void exec_iret(struct sw_cpu *c, const struct insn *i);

void sw_register_branch_int(sw_exec_fn *t)
{
	t[IF_IRET] = exec_iret;
	t[IF_INT_Ib] = exec_int_ib;
	t[IF_INT3] = exec_int3;
	t[IF_INTO] = exec_into;
	t[IF_INT1] = exec_int1;
}

/* ---- IRET ---- */

/* The EFLAGS an IRET loads: what the old CPL and IOPL let it change. */
static uint64_t iret_flags(const struct sw_cpu *c, uint64_t popped, unsigned os, bool real)
{
	uint64_t old = c->s.rflags;
	unsigned iopl = (unsigned)((old & RFLAGS_IOPL) >> 12);
	uint64_t mask = RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_TF |
	                RFLAGS_DF | RFLAGS_OF | RFLAGS_NT;
	if (os >= 4)
		mask |= RFLAGS_RF | RFLAGS_AC | RFLAGS_ID;
	if (c->cpl <= iopl)
		mask |= RFLAGS_IF;
	if (c->cpl == 0) {
		mask |= RFLAGS_IOPL;
		if (os >= 4 && !real)
			mask |= RFLAGS_VIF | RFLAGS_VIP;
	}
	if (os == 2)
		mask &= 0xffff;
	return (old & ~mask) | (popped & mask) | RFLAGS_FIXED;
}

static void iret_real(struct sw_cpu *c, unsigned os)
{
	struct vcpu_state *s = &c->s;
	unsigned ss = sw_stack_size(c);
	uint64_t ip = sw_far_stack_read(c, 0, os);
	uint16_t sel = (uint16_t)sw_far_stack_read(c, os, 2);
	uint64_t fl = sw_far_stack_read(c, 2 * os, os);

	if (ip > s->seg[SEG_CS].limit)
		sw_gp0(c);
	s->seg[SEG_CS].selector = sel;
	s->seg[SEG_CS].base = (uint64_t)sel << 4;
	s->rflags = iret_flags(c, fl, os, true);
	sw_far_set_rsp(c, sw_trunc(s->gpr[RSP] + 3 * os, ss), ss);
	c->next_rip = ip;
}

static void exec_iret(struct sw_cpu *c, const struct insn *i)
{
	struct vcpu_state *s = &c->s;
	unsigned os = i->opsize, ssize = sw_stack_size(c), old_cpl = c->cpl;
	sw_flags_sync(c);   /* the old RFLAGS decides what may change */
	bool lma = s->efer & EFER_LMA;

	sw_vm86_sensitive(c);
	if (c->mode == MODE_REAL || c->mode == MODE_VM86) {
		iret_real(c, os);   /* VM86 at IOPL 3: the same pops */
		s->ev.nmi.masked = false;
		return;
	}
	if (s->rflags & RFLAGS_NT) {
		if (lma)
			sw_gp0(c);
		sw_task_return(c);
		return;
	}

	uint64_t rip = sw_far_stack_read(c, 0, os);
	uint16_t sel = (uint16_t)sw_far_stack_read(c, os, 2);
	uint64_t fl = sw_far_stack_read(c, 2 * os, os);
	if (!lma && os == 4 && (fl & RFLAGS_VM) && old_cpl == 0) {
		sw_vm86_enter(c, rip, sel, fl);
		s->ev.nmi.masked = false;
		return;
	}

	uint64_t raw[2];
	unsigned rpl = sel & 3;
	int err = sel & 0xfffc;
	if (!(sel & ~3u))
		sw_gp0(c);
	sw_read_descriptor(c, sel, EXC_GP, raw);
	unsigned type = DESC_TYPE(raw[0]), dpl = DESC_DPL(raw[0]);
	if (!DESC_S(raw[0]) || !(type & 8) || rpl < old_cpl)
		sw_raise(c, EXC_GP, err);
	if ((type & 4) ? dpl > rpl : dpl != rpl)
		sw_raise(c, EXC_GP, err);
	if (lma && DESC_L(raw[0]) && DESC_DB(raw[0]))
		sw_raise(c, EXC_GP, err);
	if (!DESC_P(raw[0]))
		sw_raise(c, EXC_NP, err);

	/* 64-bit mode always pops SS:RSP; elsewhere only to an outer level. */
	bool pop_ss = rpl > old_cpl || c->mode == MODE_LONG64;
	uint64_t new_sp = 0, ss_raw[2];
	uint16_t ss_sel = 0;
	bool null_ss = false;
	if (pop_ss) {
		new_sp = sw_far_stack_read(c, 3 * os, os);
		ss_sel = (uint16_t)sw_far_stack_read(c, 4 * os, 2);
		if (!(ss_sel & ~3u)) {
			/* A null SS is for 64-bit code below CPL 3 only. */
			if (!(lma && DESC_L(raw[0]) && rpl != 3))
				sw_gp0(c);
			null_ss = true;
		} else {
			int serr = ss_sel & 0xfffc;
			sw_read_descriptor(c, ss_sel, EXC_GP, ss_raw);
			unsigned t = DESC_TYPE(ss_raw[0]);
			if ((ss_sel & 3u) != rpl || DESC_DPL(ss_raw[0]) != rpl ||
			    !DESC_S(ss_raw[0]) || (t & 8) || !(t & 2))
				sw_raise(c, EXC_GP, serr);
			if (!DESC_P(ss_raw[0]))
				sw_raise(c, EXC_SS, serr);
		}
	}
	sw_far_check_rip(c, raw[0], rip);

	/* Commit. Flags follow the rules of the CPL the IRET ran at. */
	uint64_t new_flags = iret_flags(c, fl, os, false);
	sw_load_cs_desc(c, sel, raw, rpl);
	s->rflags = new_flags;
	if (pop_ss) {
		if (null_ss) {
			sw_null_seg(c, &s->seg[SEG_SS], ss_sel);
			s->seg[SEG_SS].dpl = (uint8_t)rpl;
		} else {
			sw_load_ss_desc(c, ss_sel, ss_raw);
		}
		if (lma)
			s->gpr[RSP] = os == 8 ? new_sp : (uint32_t)new_sp;
		else
			sw_far_set_rsp(c, new_sp, s->seg[SEG_SS].db ? 4 : 2);
	} else {
		sw_far_set_rsp(c, sw_trunc(s->gpr[RSP] + 3 * os, ssize), ssize);
	}
	if (rpl > old_cpl)
		sw_null_outer_segs(c);
	sw_update_mode(c);
	s->ev.nmi.masked = false;
	c->next_rip = rip;
}
