/* Far JMP, far CALL (direct, indirect, through call gates, with the stack
 * switch of a call to an inner level) and far RET (Intel SDM Vol. 2, JMP,
 * CALL and RET; Vol. 3, 5.8). Every check and every stack slot is done
 * before CS, SS or RSP change. */
#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/decode.h"
#include "swvmm/exec_branch.h"
#include "swvmm/far.h"
#include "swvmm/segment.h"
#include "swvmm/task_switch.h"

/* ---- shared helpers (swvmm/far.h) ---- */

uint32_t sw_desc_limit(uint64_t d)
{
	uint32_t limit = (uint32_t)(d & 0xffff) | (uint32_t)((d >> 32) & 0xf0000);
	return ((d >> 55) & 1) ? (limit << 12) | 0xfff : limit;
}

void sw_far_check_rip(struct sw_cpu *c, uint64_t raw0, uint64_t rip)
{
	if ((c->s.efer & EFER_LMA) && DESC_L(raw0)) {
		if (!sw_canonical(rip))
			sw_gp0(c);
	} else if (rip > sw_desc_limit(raw0)) {
		sw_gp0(c);
	}
}

uint64_t sw_far_stack_read(struct sw_cpu *c, uint64_t sp_off, unsigned size)
{
	return sw_read(c, SEG_SS, sw_trunc(c->s.gpr[RSP] + sp_off, sw_stack_size(c)), size);
}

void sw_far_set_rsp(struct sw_cpu *c, uint64_t sp, unsigned ssize)
{
	sw_gpr_write(c, RSP, ssize, false, sp);
}

/* Read the code-segment descriptor a far transfer names and apply the
 * checks common to direct JMP/CALL: #GP(0) for null, #GP(sel) outside the
 * table. Returns false when the descriptor is a system one (gate/TSS). */
static bool fetch_target(struct sw_cpu *c, uint16_t sel, uint64_t raw[2])
{
	if (!(sel & ~3u))
		sw_gp0(c);
	sw_read_descriptor(c, sel, EXC_GP, raw);
	return DESC_S(raw[0]);
}

/* Direct transfer to a code segment at the current level. */
static void check_direct_code(struct sw_cpu *c, uint16_t sel, uint64_t raw0)
{
	int err = sel & 0xfffc;
	unsigned type = DESC_TYPE(raw0), dpl = DESC_DPL(raw0), rpl = sel & 3;

	if (!(type & 8))
		sw_raise(c, EXC_GP, err);
	if (type & 4) {
		if (dpl > c->cpl)
			sw_raise(c, EXC_GP, err);
	} else if (rpl > c->cpl || dpl != c->cpl) {
		sw_raise(c, EXC_GP, err);
	}
	if ((c->s.efer & EFER_LMA) && DESC_L(raw0) && DESC_DB(raw0))
		sw_raise(c, EXC_GP, err);
	if (!DESC_P(raw0))
		sw_raise(c, EXC_NP, err);
}

/* Push slots on the current stack, all checked first; returns the new SP. */
static uint64_t push_slots(struct sw_cpu *c, const uint64_t *v, unsigned n, unsigned size)
{
	unsigned ss = sw_stack_size(c);
	uint64_t sp = c->s.gpr[RSP];
	for (unsigned k = 0; k < n; k++)
		sw_check_write(c, SEG_SS, sw_trunc(sp - (k + 1) * size, ss), size);
	for (unsigned k = 0; k < n; k++)
		sw_write(c, SEG_SS, sw_trunc(sp - (k + 1) * size, ss), size, v[k]);
	return sw_trunc(sp - n * size, ss);
}

/* ---- call gates ---- */

struct call_gate {
	uint16_t sel;
	uint64_t off;
	unsigned size;        /* 2, 4 or 8: the gate's push size */
	unsigned params;      /* dwords/words copied on a privilege change */
};

static void read_call_gate(struct sw_cpu *c, uint16_t gsel, const uint64_t graw[2],
                           struct call_gate *g, uint64_t cs_raw[2])
{
	int gerr = gsel & 0xfffc;
	unsigned type = DESC_TYPE(graw[0]);
	bool lm = c->s.efer & EFER_LMA;

	if (!(type == SYS_CALL || (!lm && type == SYS_CALL16)))
		sw_raise(c, EXC_GP, gerr);
	if (DESC_DPL(graw[0]) < c->cpl || DESC_DPL(graw[0]) < (gsel & 3u))
		sw_raise(c, EXC_GP, gerr);
	if (!DESC_P(graw[0]))
		sw_raise(c, EXC_NP, gerr);

	g->sel = (uint16_t)(graw[0] >> 16);
	g->off = (graw[0] & 0xffff) | ((graw[0] >> 32) & 0xffff0000ull);
	g->params = (graw[0] >> 32) & 0x1f;
	if (lm) {
		g->off |= graw[1] << 32;
		g->size = 8;
		g->params = 0;
		/* The upper half of a 64-bit gate must hold type 0. */
		if ((graw[1] >> 40) & 0x1f)
			sw_raise(c, EXC_GP, gerr);
	} else if (type == SYS_CALL16) {
		g->off &= 0xffff;
		g->size = 2;
	} else {
		g->size = 4;
	}

	int err = g->sel & 0xfffc;
	if (!(g->sel & ~3u))
		sw_gp0(c);
	sw_read_descriptor(c, g->sel, EXC_GP, cs_raw);
	if (!DESC_S(cs_raw[0]) || !(DESC_TYPE(cs_raw[0]) & 8) || DESC_DPL(cs_raw[0]) > c->cpl)
		sw_raise(c, EXC_GP, err);
	if (lm && (!DESC_L(cs_raw[0]) || DESC_DB(cs_raw[0])))
		sw_raise(c, EXC_GP, err);
	if (!DESC_P(cs_raw[0]))
		sw_raise(c, EXC_NP, err);
}

static void jmp_gate(struct sw_cpu *c, uint16_t gsel, const uint64_t graw[2])
{
	struct call_gate g;
	uint64_t cs_raw[2];

	read_call_gate(c, gsel, graw, &g, cs_raw);
	/* JMP never changes privilege: non-conforming targets must be at CPL. */
	if (!(DESC_TYPE(cs_raw[0]) & 4) && DESC_DPL(cs_raw[0]) != c->cpl)
		sw_raise(c, EXC_GP, g.sel & 0xfffc);
	sw_far_check_rip(c, cs_raw[0], g.off);
	sw_load_cs_desc(c, g.sel, cs_raw, c->cpl);
	c->next_rip = g.off;
}

static void call_gate_inner(struct sw_cpu *c, const struct call_gate *g, uint64_t cs_raw[2],
                            unsigned new_cpl)
{
	struct vcpu_state *s = &c->s;
	uint64_t ret = c->next_rip;
	uint16_t old_cs = s->seg[SEG_CS].selector, old_ss = s->seg[SEG_SS].selector;
	uint64_t old_sp = s->gpr[RSP];

	sw_far_check_rip(c, cs_raw[0], g->off);
	if (s->efer & EFER_LMA) {
		/* 64-bit gate: RSPn from the TSS, null SS, four 8-byte slots. */
		uint64_t sp = sw_tss_rsp64(c, new_cpl, 0, 0);
		uint64_t v[4] = { old_ss, old_sp, old_cs, ret }, lin[4];
		for (unsigned k = 0; k < 4; k++) {
			lin[k] = sp - 8 * (k + 1);
			if (!sw_canonical(lin[k]))
				sw_raise(c, EXC_SS, 0);
			sw_translate(c, lin[k], ACC_WRITE | ACC_SYS);
			sw_translate(c, lin[k] + 7, ACC_WRITE | ACC_SYS);
		}
		for (unsigned k = 0; k < 4; k++)
			sw_lin_write(c, lin[k], 8, v[k], ACC_WRITE | ACC_SYS);
		sw_null_seg(c, &s->seg[SEG_SS], (uint16_t)new_cpl);
		s->seg[SEG_SS].dpl = (uint8_t)new_cpl;
		s->gpr[RSP] = sp - 32;
		sw_load_cs_desc(c, g->sel, cs_raw, new_cpl);
		c->next_rip = g->off;
		return;
	}

	uint16_t ss_sel;
	uint64_t sp, ss_raw[2];
	struct seg_cache nss;
	sw_tss_stack(c, new_cpl, 0, &ss_sel, &sp);
	sw_check_new_ss(c, ss_sel, new_cpl, 0, ss_raw);
	sw_desc_to_cache(ss_sel, ss_raw, &nss);

	/* Old SS:SP, the parameters from the old stack, then CS:IP. */
	uint64_t v[4 + 31];
	unsigned n = 0, size = g->size, nss_size = nss.db ? 4 : 2;
	v[n++] = old_ss;
	v[n++] = old_sp;
	for (unsigned k = g->params; k-- > 0;)
		v[n++] = sw_far_stack_read(c, (uint64_t)k * size, size);
	v[n++] = old_cs;
	v[n++] = ret;

	uint64_t lin[4 + 31];
	int err = ss_sel & 0xfffc;
	for (unsigned k = 0; k < n; k++) {
		uint64_t off = sw_trunc(sp - (uint64_t)(k + 1) * size, nss_size);
		uint64_t last = off + size - 1;
		bool down = !(nss.type & 8) && (nss.type & 4);
		if (down ? (off <= nss.limit || last > (nss.db ? 0xffffffffull : 0xffffull))
		         : last > nss.limit)
			sw_raise(c, EXC_SS, err);
		lin[k] = (nss.base + off) & 0xffffffffull;
		sw_translate(c, lin[k], ACC_WRITE | ACC_SYS);
		sw_translate(c, (lin[k] + size - 1) & 0xffffffffull, ACC_WRITE | ACC_SYS);
	}
	for (unsigned k = 0; k < n; k++)
		sw_lin_write(c, lin[k], size, v[k], ACC_WRITE | ACC_SYS);

	sw_load_ss_desc(c, ss_sel, ss_raw);
	sw_far_set_rsp(c, sw_trunc(sp - (uint64_t)n * size, nss_size), nss_size);
	sw_load_cs_desc(c, g->sel, cs_raw, new_cpl);
	c->next_rip = g->off;
}

static void call_gate(struct sw_cpu *c, uint16_t gsel, const uint64_t graw[2])
{
	struct call_gate g;
	uint64_t cs_raw[2];

	read_call_gate(c, gsel, graw, &g, cs_raw);
	unsigned dpl = DESC_DPL(cs_raw[0]);
	if (!(DESC_TYPE(cs_raw[0]) & 4) && dpl < c->cpl) {
		call_gate_inner(c, &g, cs_raw, dpl);
		return;
	}
	/* Same level: CS and the return address, gate-sized. */
	sw_far_check_rip(c, cs_raw[0], g.off);
	uint64_t v[2] = { c->s.seg[SEG_CS].selector, c->next_rip };
	uint64_t sp = push_slots(c, v, 2, g.size);
	sw_far_set_rsp(c, sp, sw_stack_size(c));
	sw_load_cs_desc(c, g.sel, cs_raw, c->cpl);
	c->next_rip = g.off;
}

/* ---- JMP far / CALL far ---- */

static void far_transfer(struct sw_cpu *c, uint16_t sel, uint64_t off, unsigned opsize,
                         bool call)
{
	uint64_t raw[2];

	if (c->mode == MODE_REAL || c->mode == MODE_VM86) {
		if (off > c->s.seg[SEG_CS].limit)
			sw_gp0(c);
		if (call) {
			uint64_t v[2] = { c->s.seg[SEG_CS].selector, c->next_rip };
			sw_far_set_rsp(c, push_slots(c, v, 2, opsize), sw_stack_size(c));
		}
		c->s.seg[SEG_CS].selector = sel;
		c->s.seg[SEG_CS].base = (uint64_t)sel << 4;
		c->next_rip = off;
		return;
	}

	if (!fetch_target(c, sel, raw)) {
		if (sw_task_far(c, sel, raw, call))
			return;
		if (call)
			call_gate(c, sel, raw);
		else
			jmp_gate(c, sel, raw);
		return;
	}
	check_direct_code(c, sel, raw[0]);
	sw_far_check_rip(c, raw[0], off);
	if (call) {
		uint64_t v[2] = { c->s.seg[SEG_CS].selector, c->next_rip };
		sw_far_set_rsp(c, push_slots(c, v, 2, opsize), sw_stack_size(c));
	}
	sw_load_cs_desc(c, sel, raw, c->cpl);
	c->next_rip = off;
}

/* m16:16, m16:32, m16:64 (REX.W; AMD reads m16:32 there). */
static unsigned mem_far_size(const struct sw_cpu *c, const struct insn *i)
{
	if (i->opsize == 8 && c->vendor_amd)
		return 4;
	return i->opsize;
}

static void exec_jmpf_ap(struct sw_cpu *c, const struct insn *i)
{
	far_transfer(c, i->imm2, sw_trunc(i->imm, i->opsize), i->opsize, false);
}

static void exec_callf_ap(struct sw_cpu *c, const struct insn *i)
{
	far_transfer(c, i->imm2, sw_trunc(i->imm, i->opsize), i->opsize, true);
}

static void far_mem(struct sw_cpu *c, const struct insn *i, bool call)
{
	unsigned size = mem_far_size(c, i);
	uint64_t ea = sw_ea(c, i);
	uint64_t off = sw_read(c, i->seg, ea, size);
	uint16_t sel = (uint16_t)sw_read(c, i->seg, sw_trunc(ea + size, i->adsize), 2);
	far_transfer(c, sel, off, size, call);
}

static void exec_jmpf_mp(struct sw_cpu *c, const struct insn *i)
{
	far_mem(c, i, false);
}

static void exec_callf_mp(struct sw_cpu *c, const struct insn *i)
{
	far_mem(c, i, true);
}

/* ---- RETF ---- */

static void retf(struct sw_cpu *c, const struct insn *i, uint64_t imm)
{
	struct vcpu_state *s = &c->s;
	unsigned os = i->opsize, ssize = sw_stack_size(c);
	uint64_t off = sw_far_stack_read(c, 0, os);
	uint16_t sel = (uint16_t)sw_far_stack_read(c, os, 2);
	uint64_t raw[2];

	if (c->mode == MODE_REAL || c->mode == MODE_VM86) {
		if (off > s->seg[SEG_CS].limit)
			sw_gp0(c);
		s->seg[SEG_CS].selector = sel;
		s->seg[SEG_CS].base = (uint64_t)sel << 4;
		sw_far_set_rsp(c, sw_trunc(s->gpr[RSP] + 2 * os + imm, ssize), ssize);
		c->next_rip = off;
		return;
	}

	unsigned rpl = sel & 3;
	int err = sel & 0xfffc;
	if (!(sel & ~3u))
		sw_gp0(c);
	sw_read_descriptor(c, sel, EXC_GP, raw);
	unsigned type = DESC_TYPE(raw[0]), dpl = DESC_DPL(raw[0]);
	if (!DESC_S(raw[0]) || !(type & 8) || rpl < c->cpl)
		sw_raise(c, EXC_GP, err);
	if ((type & 4) ? dpl > rpl : dpl != rpl)
		sw_raise(c, EXC_GP, err);
	if ((s->efer & EFER_LMA) && DESC_L(raw[0]) && DESC_DB(raw[0]))
		sw_raise(c, EXC_GP, err);
	if (!DESC_P(raw[0]))
		sw_raise(c, EXC_NP, err);

	if (rpl == c->cpl) {
		sw_far_check_rip(c, raw[0], off);
		sw_load_cs_desc(c, sel, raw, c->cpl);
		sw_far_set_rsp(c, sw_trunc(s->gpr[RSP] + 2 * os + imm, ssize), ssize);
		c->next_rip = off;
		return;
	}

	/* Return to an outer level: SS:SP follow the parameters. */
	uint64_t new_sp = sw_far_stack_read(c, 2 * os + imm, os);
	uint16_t ss_sel = (uint16_t)sw_far_stack_read(c, 3 * os + imm, 2);
	uint64_t ss_raw[2];
	bool null_ss = !(ss_sel & ~3u);
	if (null_ss) {
		/* Only a 64-bit target below CPL 3 may run with a null SS. */
		if (!(c->mode == MODE_LONG64 && DESC_L(raw[0]) && rpl < 3))
			sw_gp0(c);
	} else {
		int serr = ss_sel & 0xfffc;
		sw_read_descriptor(c, ss_sel, EXC_GP, ss_raw);
		unsigned t = DESC_TYPE(ss_raw[0]);
		if ((ss_sel & 3u) != rpl || DESC_DPL(ss_raw[0]) != rpl || !DESC_S(ss_raw[0]) ||
		    (t & 8) || !(t & 2))
			sw_raise(c, EXC_GP, serr);
		if (!DESC_P(ss_raw[0]))
			sw_raise(c, EXC_SS, serr);
	}
	sw_far_check_rip(c, raw[0], off);

	sw_load_cs_desc(c, sel, raw, rpl);
	if (null_ss) {
		sw_null_seg(c, &s->seg[SEG_SS], ss_sel);
		s->seg[SEG_SS].dpl = (uint8_t)rpl;
	} else {
		sw_load_ss_desc(c, ss_sel, ss_raw);
	}
	unsigned nss = c->mode == MODE_LONG64 ? 8 : (s->seg[SEG_SS].db ? 4 : 2);
	sw_far_set_rsp(c, sw_trunc(new_sp + imm, nss), nss);
	sw_null_outer_segs(c);
	c->next_rip = off;
}

static void exec_retf(struct sw_cpu *c, const struct insn *i)
{
	retf(c, i, 0);
}

static void exec_retf_iw(struct sw_cpu *c, const struct insn *i)
{
	retf(c, i, i->imm & 0xffff);
}

void sw_register_branch_far(sw_exec_fn *t)
{
	t[IF_JMPF_Ap] = exec_jmpf_ap;
	t[IF_CALLF_Ap] = exec_callf_ap;
	t[IF_JMPF_Mp] = exec_jmpf_mp;
	t[IF_CALLF_Mp] = exec_callf_mp;
	t[IF_RETF] = exec_retf;
	t[IF_RETF_Iw] = exec_retf_iw;
}
