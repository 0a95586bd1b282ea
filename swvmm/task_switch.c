/* Hardware task switches (Intel SDM Vol. 3, 7.3 and Table 7-1; Vol. 2,
 * JMP, CALL, INT n and IRET: TASK-GATE, TASK-STATE-SEGMENT, TASK-RETURN),
 * to and from 32-bit and 16-bit TSSs.
 *
 * Before the commit point every check is made and every page the switch
 * reads or writes is translated, so a fault there leaves the old task as
 * it was. The commit point is the save of the old task's state: from then
 * on a fault belongs to the new task and is delivered with its EIP, the
 * segment registers not loaded yet holding their new selectors, unusable.
 * The segments are checked LDTR, CS, SS, then DS, ES, FS, GS: the SDM
 * calls the order model-specific. */
#include "core/vm.h"
#include "swvmm/audit.h"
#include "swvmm/cpu.h"
#include "swvmm/debug.h"
#include "swvmm/exec_system.h"
#include "swvmm/far.h"
#include "swvmm/flags.h"
#include "swvmm/segment.h"
#include "swvmm/task_switch.h"

enum ts_source { TS_JMP, TS_CALL, TS_IRET, TS_EVENT };

/* Where a TSS format keeps the fields a switch saves and loads. */
struct tss_layout {
	unsigned width;        /* bytes of EIP, EFLAGS, a GPR, a selector slot */
	unsigned eip, eflags, gpr, sreg, nsreg, ldt;
	uint32_t min_limit;
};
static const struct tss_layout tss32 = { 4, 0x20, 0x24, 0x28, 0x48, 6, 0x60, 0x67 };
static const struct tss_layout tss16 = { 2, 0x0e, 0x10, 0x12, 0x22, 4, 0x2a, 0x2b };
#define TSS32_CR3   0x1c
#define TSS32_TRAP  0x64   /* bit 0: T, a #DB when the task starts */

/* The EFLAGS bits a TSS may load. */
#define TS_EFLAGS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_TF | \
		   RFLAGS_IF | RFLAGS_DF | RFLAGS_OF | RFLAGS_IOPL | RFLAGS_NT | RFLAGS_RF | \
		   RFLAGS_VM | RFLAGS_AC | RFLAGS_VIF | RFLAGS_VIP | RFLAGS_ID)
/* DR7 L0-L3 and LE: breakpoints local to the old task. */
#define DR7_TASK_LOCAL 0x155ull

static const struct tss_layout *layout_of(unsigned type)
{
	return (type & 8) ? &tss32 : &tss16;
}

/* The new task's state as its TSS holds it. */
struct tss_image {
	uint32_t cr3, eip, eflags, gpr[8];
	uint16_t sel[NR_SREGS], ldt;
	bool trap;
};

struct task_switch {
	enum ts_source src;
	uint16_t sel;          /* the new TSS */
	uint64_t raw[2];       /* its descriptor */
	uint64_t ret;          /* EIP saved for the old task */
	int ext;               /* EXT bit of the error codes */
	int errcode;           /* pushed on the new stack, or SW_NO_ERRCODE */
};

static uint64_t lin32(uint64_t a)
{
	return a & 0xffffffffull;
}

static uint64_t tss_rd(struct sw_cpu *c, uint64_t base, unsigned off, unsigned size)
{
	return sw_lin_read(c, lin32(base + off), size, ACC_SYS);
}

static void tss_wr(struct sw_cpu *c, uint64_t base, unsigned off, unsigned size, uint64_t v)
{
	sw_lin_write(c, lin32(base + off), size, v, ACC_WRITE | ACC_SYS);
}

/* #PF now, before the commit point, for [lin, lin + len), len < 4 KiB. */
static void probe(struct sw_cpu *c, uint64_t lin, unsigned len, unsigned acc)
{
	sw_translate(c, lin32(lin), acc | ACC_SYS);
	sw_translate(c, lin32(lin + len - 1), acc | ACC_SYS);
}

static void read_image(struct sw_cpu *c, uint64_t base, const struct tss_layout *l,
                       struct tss_image *im)
{
	unsigned w = l->width;

	im->eip = (uint32_t)tss_rd(c, base, l->eip, w);
	im->eflags = (uint32_t)tss_rd(c, base, l->eflags, w);
	for (unsigned k = 0; k < 8; k++)
		im->gpr[k] = (uint32_t)tss_rd(c, base, l->gpr + k * w, w);
	for (unsigned k = 0; k < l->nsreg; k++)
		im->sel[k] = (uint16_t)tss_rd(c, base, l->sreg + k * w, 2);
	im->ldt = (uint16_t)tss_rd(c, base, l->ldt, 2);
	/* A 16-bit TSS has no CR3 and no T bit. */
	im->cr3 = l == &tss32 ? (uint32_t)tss_rd(c, base, TSS32_CR3, 4) : 0;
	im->trap = l == &tss32 && (tss_rd(c, base, TSS32_TRAP, 2) & 1);
}

/* The old task's dynamic fields (SDM 7.3 step 9); CR3 and the LDT
 * selector are static and stay as they are. */
static void save_old(struct sw_cpu *c, const struct tss_layout *l, uint64_t eip, uint64_t fl)
{
	const struct vcpu_state *s = &c->s;
	uint64_t base = s->tr.base;
	unsigned w = l->width;

	tss_wr(c, base, l->eip, w, eip);
	tss_wr(c, base, l->eflags, w, fl);
	for (unsigned k = 0; k < 8; k++)
		tss_wr(c, base, l->gpr + k * w, w, s->gpr[k]);
	for (unsigned k = 0; k < l->nsreg; k++)
		tss_wr(c, base, l->sreg + k * w, 2, s->seg[k].selector);
}

/* The busy bit (type bit 1) of the TSS descriptor at addr. */
static void set_busy(struct sw_cpu *c, uint64_t addr, uint64_t raw0, bool busy)
{
	uint64_t b = (raw0 >> 40) & 0xff;
	sw_lin_write(c, addr + 5, 1, busy ? b | 2 : b & ~2ull, ACC_WRITE | ACC_SYS);
}

/* LDTR from the new TSS: a null selector leaves it unusable; anything but
 * a present LDT descriptor in the GDT is #TS. */
static void load_ldtr(struct sw_cpu *c, uint16_t sel, int ext)
{
	int err = (sel & 0xfffc) | ext;
	uint64_t raw[2];

	if (!(sel & ~3u)) {
		sw_null_seg(c, &c->s.ldtr, sel);
	} else {
		if ((sel & 4) || !sw_desc_fetch(c, sel, raw, NULL) || DESC_S(raw[0]) ||
		    DESC_TYPE(raw[0]) != SYS_LDT || !DESC_P(raw[0]))
			sw_raise(c, EXC_TS, err);
		sw_desc_to_cache(sel, raw, &c->s.ldtr);
	}
	sw_audit_event(c, AUDIT_DT_LOAD, AUDIT_DT_LDTR, c->s.ldtr.base, c->s.ldtr.limit, sel);
}

/* CS: a code segment whose DPL matches the RPL (#TS), present (#NP). */
static void load_cs(struct sw_cpu *c, uint16_t sel, int ext)
{
	int err = (sel & 0xfffc) | ext;
	unsigned rpl = sel & 3;
	uint64_t raw[2];

	if (!(sel & ~3u) || !sw_desc_fetch(c, sel, raw, NULL))
		sw_raise(c, EXC_TS, err);
	unsigned type = DESC_TYPE(raw[0]), dpl = DESC_DPL(raw[0]);
	if (!DESC_S(raw[0]) || !(type & 8) || ((type & 4) ? dpl > rpl : dpl != rpl))
		sw_raise(c, EXC_TS, err);
	if (!DESC_P(raw[0]))
		sw_raise(c, EXC_NP, err);
	sw_load_cs_desc(c, sel, raw, rpl);
}

/* DS, ES, FS, GS: null, or readable with DPL >= CPL and RPL unless
 * conforming code (#TS), present (#NP). */
static void load_data(struct sw_cpu *c, unsigned sreg, uint16_t sel, int ext)
{
	int err = (sel & 0xfffc) | ext;
	uint64_t raw[2];

	if (!(sel & ~3u)) {
		sw_null_seg(c, &c->s.seg[sreg], sel);
		return;
	}
	if (!sw_desc_fetch(c, sel, raw, NULL))
		sw_raise(c, EXC_TS, err);
	unsigned type = DESC_TYPE(raw[0]), dpl = DESC_DPL(raw[0]);
	bool code = type & 8;
	if (!DESC_S(raw[0]) || (code && !(type & 2)))
		sw_raise(c, EXC_TS, err);
	if (!(code && (type & 4)) && (dpl < c->cpl || dpl < (sel & 3u)))
		sw_raise(c, EXC_TS, err);
	if (!DESC_P(raw[0]))
		sw_raise(c, EXC_NP, err);
	sw_desc_set_accessed(c, sel);
	raw[0] |= 1ull << 40;
	sw_desc_to_cache(sel, raw, &c->s.seg[sreg]);
}

/* A task that starts in virtual-8086 mode: every segment is its selector
 * times 16, 64 KiB, at CPL 3. */
static void load_vm86_segs(struct sw_cpu *c)
{
	for (unsigned k = 0; k < NR_SREGS; k++)
		seg_cache_set_vm86(&c->s.seg[k], c->s.seg[k].selector);
	sw_update_mode(c);
}

static void load_segs(struct sw_cpu *c, const struct tss_layout *l, const struct tss_image *im,
                      int ext)
{
	static const unsigned data[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
	uint64_t ss_raw[2];

	load_ldtr(c, im->ldt, ext);
	if (c->s.rflags & RFLAGS_VM) {
		load_vm86_segs(c);
		return;
	}
	load_cs(c, im->sel[SEG_CS], ext);
	sw_check_new_ss(c, im->sel[SEG_SS], c->cpl, ext, ss_raw);
	sw_load_ss_desc(c, im->sel[SEG_SS], ss_raw);
	for (unsigned k = 0; k < 4; k++)
		if (data[k] < l->nsreg)
			load_data(c, data[k], im->sel[data[k]], ext);
}

/* The registers of the new task; the selectors wait, unusable, for their
 * descriptors (CS already carries the new CPL). */
static void load_regs(struct sw_cpu *c, const struct task_switch *t, const struct tss_layout *l,
                      const struct tss_image *im)
{
	struct vcpu_state *s = &c->s;
	uint64_t fl = (im->eflags & TS_EFLAGS) | RFLAGS_FIXED;

	if (t->src == TS_CALL || t->src == TS_EVENT)
		fl |= RFLAGS_NT;
	sw_flags_put(c, fl);
	for (unsigned k = 0; k < 8; k++)
		s->gpr[k] = im->gpr[k];
	/* A fault from here on returns to the new task's first instruction. */
	s->rip = c->next_rip = c->insn_rip = im->eip;
	for (unsigned k = 0; k < l->nsreg; k++) {
		s->seg[k].selector = im->sel[k];
		s->seg[k].unusable = 1;
	}
	s->seg[SEG_CS].dpl = (fl & RFLAGS_VM) ? 3 : im->sel[SEG_CS] & 3;
	s->ldtr.selector = im->ldt;
	s->ldtr.unusable = 1;
	s->dr[7] &= ~DR7_TASK_LOCAL;
	sw_dbg_arm(c);
	sw_update_mode(c);
}

static void load_tr(struct sw_cpu *c, const struct task_switch *t)
{
	uint64_t raw[2] = { t->raw[0] | (2ull << 40), t->raw[1] };   /* busy */
	sw_desc_to_cache(t->sel, raw, &c->s.tr);
	sw_audit_event(c, AUDIT_DT_LOAD, AUDIT_DT_TR, c->s.tr.base, c->s.tr.limit, t->sel);
}

/* The error code of an exception through a task gate, on the new stack,
 * sized as the new TSS; a push beyond the SS limit is #SS(EXT). */
static void push_errcode(struct sw_cpu *c, const struct tss_layout *l, int errcode, int ext)
{
	const struct seg_cache *ss = &c->s.seg[SEG_SS];
	unsigned asz = ss->db ? 4 : 2, w = l->width;
	uint64_t sp = sw_trunc(c->s.gpr[RSP] - w, asz), last = sp + w - 1;
	bool down = !(ss->type & 8) && (ss->type & 4);

	if (down ? (sp <= ss->limit || last > (ss->db ? 0xffffffffull : 0xffffull))
	         : last > ss->limit)
		sw_raise(c, EXC_SS, ext);
	sw_write(c, SEG_SS, sp, w, (uint32_t)errcode);
	sw_gpr_write(c, RSP, asz, false, sp);
}

/* What a switch writes, found and translated before the commit point. */
struct ts_plan {
	const struct tss_layout *nl, *ol;   /* new and old TSS formats */
	uint64_t nbase;                     /* the new TSS */
	uint64_t new_desc, old_desc;        /* their descriptors' addresses */
	uint64_t old_raw[2];
	bool nest;                          /* CALL, event: link and NT */
	bool unbusy;                        /* JMP, IRET: the old TSS freed */
};

static void plan(struct sw_cpu *c, const struct task_switch *t, struct ts_plan *p)
{
	const struct vcpu_state *s = &c->s;

	p->nl = layout_of(DESC_TYPE(t->raw[0]));
	p->ol = layout_of(s->tr.type);
	p->nbase = ((t->raw[0] >> 16) & 0xffffff) | ((t->raw[0] >> 32) & 0xff000000ull);
	p->new_desc = s->gdtr.base + (t->sel & ~7u);
	p->nest = t->src == TS_CALL || t->src == TS_EVENT;
	if (sw_desc_limit(t->raw[0]) < p->nl->min_limit)
		sw_raise(c, EXC_TS, (t->sel & 0xfffc) | t->ext);
	p->unbusy = (t->src == TS_JMP || t->src == TS_IRET) &&
	            sw_desc_fetch(c, s->tr.selector, p->old_raw, &p->old_desc);
	probe(c, p->nbase, p->nl->min_limit + 1, ACC_READ);
	if (p->nest)
		probe(c, p->nbase, 2, ACC_WRITE);
	probe(c, s->tr.base + p->ol->eip, p->ol->ldt - p->ol->eip, ACC_WRITE);
	if (p->unbusy)
		probe(c, p->old_desc + 5, 1, ACC_WRITE);
	if (t->src != TS_IRET)
		probe(c, p->new_desc + 5, 1, ACC_WRITE);
}

/* The commit point's writes. IRET saves the old task with NT clear; CALL
 * and events link the new task back to it. */
static void write_tss(struct sw_cpu *c, const struct task_switch *t, const struct ts_plan *p)
{
	uint64_t fl = c->s.rflags;

	save_old(c, p->ol, t->ret, t->src == TS_IRET ? fl & ~RFLAGS_NT : fl);
	if (p->unbusy)
		set_busy(c, p->old_desc, p->old_raw[0], false);
	if (p->nest)
		tss_wr(c, p->nbase, 0, 2, c->s.tr.selector);
	if (t->src != TS_IRET)
		set_busy(c, p->new_desc, t->raw[0], true);
}

/* The new task is loaded: an exception's error code, the EIP check, and
 * the T bit's #DB (BT) before its first instruction. */
static void start_task(struct sw_cpu *c, const struct task_switch *t,
                       const struct tss_layout *l, bool trap)
{
	struct vcpu_state *s = &c->s;

	if (t->errcode != SW_NO_ERRCODE)
		push_errcode(c, l, t->errcode, t->ext);
	if (s->rip > s->seg[SEG_CS].limit)
		sw_raise(c, EXC_GP, t->ext);
	if (trap) {
		s->dr[6] |= DR6_BT;
		s->ev.exception.pending = true;
		s->ev.exception.vector = EXC_DB;
		s->ev.exception.has_error_code = false;
	}
}

static void switch_to(struct sw_cpu *c, const struct task_switch *t)
{
	struct vcpu_state *s = &c->s;
	struct ts_plan p;
	struct tss_image im;

	sw_flags_sync(c);
	plan(c, t, &p);
	write_tss(c, t, &p);
	read_image(c, p.nbase, p.nl, &im);
	load_tr(c, t);
	load_regs(c, t, p.nl, &im);
	if (!(s->cr0 & CR0_TS))
		sys_write_cr(c, 0, s->cr0 | CR0_TS);
	if (s->cr0 & CR0_PG)
		sys_write_cr(c, 3, im.cr3);
	load_segs(c, p.nl, &im, t->ext);
	start_task(c, t, p.nl, im.trap);
}

/* The TSS a task gate or a link names: in the GDT (#GP or, for IRET, #TS
 * otherwise) and, but for IRET, available; present (#NP). */
static void fetch_tss(struct sw_cpu *c, struct task_switch *t, unsigned bad_vec)
{
	int err = (t->sel & 0xfffc) | t->ext;
	unsigned busy = t->src == TS_IRET ? 2 : 0;

	if ((t->sel & 4) || !sw_desc_fetch(c, t->sel, t->raw, NULL))
		sw_raise(c, bad_vec, err);
	unsigned type = DESC_TYPE(t->raw[0]);
	if (DESC_S(t->raw[0]) || (type != (SYS_TSS16_AVAIL | busy) && type != (SYS_TSS_AVAIL | busy)))
		sw_raise(c, bad_vec, err);
	if (!DESC_P(t->raw[0]))
		sw_raise(c, EXC_NP, err);
}

bool sw_task_far(struct sw_cpu *c, uint16_t sel, const uint64_t raw[2], bool call)
{
	unsigned type = DESC_TYPE(raw[0]), dpl = DESC_DPL(raw[0]);
	int err = sel & 0xfffc;
	struct task_switch t = { .src = call ? TS_CALL : TS_JMP, .sel = sel, .ret = c->next_rip,
	                         .errcode = SW_NO_ERRCODE, .raw = { raw[0], raw[1] } };

	if ((c->s.efer & EFER_LMA) ||
	    !(type == SYS_TASK || type == SYS_TSS16_AVAIL || type == SYS_TSS_AVAIL))
		return false;
	if (dpl < c->cpl || dpl < (sel & 3u))
		sw_raise(c, EXC_GP, err);
	if (!DESC_P(raw[0]))
		sw_raise(c, EXC_NP, err);
	if (type == SYS_TASK) {
		t.sel = (uint16_t)(raw[0] >> 16);
		fetch_tss(c, &t, EXC_GP);
	}
	switch_to(c, &t);
	return true;
}

void sw_task_return(struct sw_cpu *c)
{
	struct task_switch t = { .src = TS_IRET, .ret = c->next_rip, .errcode = SW_NO_ERRCODE };

	t.sel = (uint16_t)tss_rd(c, c->s.tr.base, 0, 2);
	fetch_tss(c, &t, EXC_TS);
	switch_to(c, &t);
	c->s.ev.nmi.masked = false;   /* as every IRET */
}

void sw_task_gate_event(struct sw_cpu *c, uint16_t tss_sel, int errcode, int ext,
                        uint64_t rip_after)
{
	struct task_switch t = { .src = TS_EVENT, .sel = tss_sel, .ret = rip_after, .ext = ext,
	                         .errcode = errcode };

	fetch_tss(c, &t, EXC_GP);
	switch_to(c, &t);
}
