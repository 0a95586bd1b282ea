/* Descriptor-table registers: LGDT, LIDT, SGDT, SIDT, and the selector-
 * loaded LDTR and TR: LLDT, LTR, SLDT, STR (Intel SDM Vol. 2; Vol. 3,
 * 3.5.1 and 7.2.4). With CR4.UMIP the stores are CPL 0 only. */
#include "swvmm/audit.h"
#include "swvmm/exec_system.h"
#include "swvmm/segment.h"

/* LGDT/LIDT: limit (2 bytes) then base; both read before either changes.
 * 64-bit mode: 8-byte base, which must be canonical. Elsewhere a 4-byte
 * base, of which a 16-bit operand size keeps 24 bits. */
static void load_dtr(struct sw_cpu *c, const struct insn *i, struct dtable *dt,
                     unsigned which)
{
	sys_need_cpl0(c);
	uint64_t off = sw_ea(c, i);
	uint64_t limit = sw_read(c, i->seg, off, 2);
	uint64_t boff = sw_trunc(off + 2, i->adsize);
	uint64_t base;

	if (c->mode == MODE_LONG64) {
		base = sw_read(c, i->seg, boff, 8);
		if (!sw_canonical(base))
			sw_gp0(c);
	} else {
		base = sw_read(c, i->seg, boff, 4);
		if (i->opsize == 2)
			base &= 0xffffff;
	}
	dt->limit = (uint16_t)limit;
	dt->base = base;
	sw_audit_event(c, AUDIT_DT_LOAD, which, base, dt->limit, 0);
}

/* SGDT/SIDT: the whole 32-bit base whatever the operand size (the SDM's
 * current text; only the 80286 stored 24 bits), 64 bits in 64-bit mode.
 * Both parts are checked before either is written. */
static void store_dtr(struct sw_cpu *c, const struct insn *i, const struct dtable *dt)
{
	sys_umip_check(c);
	uint64_t off = sw_ea(c, i);
	uint64_t boff = sw_trunc(off + 2, i->adsize);
	unsigned bsize = c->mode == MODE_LONG64 ? 8 : 4;

	sw_check_write(c, i->seg, off, 2);
	sw_check_write(c, i->seg, boff, bsize);
	sw_write(c, i->seg, off, 2, dt->limit);
	sw_write(c, i->seg, boff, bsize, sw_trunc(dt->base, bsize));
}

static void exec_lgdt(struct sw_cpu *c, const struct insn *i)
{
	load_dtr(c, i, &c->s.gdtr, AUDIT_DT_GDTR);
}

static void exec_lidt(struct sw_cpu *c, const struct insn *i)
{
	load_dtr(c, i, &c->s.idtr, AUDIT_DT_IDTR);
}

static void exec_sgdt(struct sw_cpu *c, const struct insn *i)
{
	store_dtr(c, i, &c->s.gdtr);
}

static void exec_sidt(struct sw_cpu *c, const struct insn *i)
{
	store_dtr(c, i, &c->s.idtr);
}

/* A system descriptor's 64-bit base must be canonical in long mode. */
static void check_sys_base(struct sw_cpu *c, uint16_t sel, const struct seg_cache *sc)
{
	if ((c->s.efer & EFER_LMA) && !sw_canonical(sc->base))
		sw_raise(c, EXC_GP, sel & 0xfffc);
}

static void exec_lldt(struct sw_cpu *c, const struct insn *i)
{
	uint64_t raw[2];
	struct seg_cache sc;

	sys_need_protected(c);
	sys_need_cpl0(c);
	uint16_t sel = (uint16_t)sw_rm_read(c, i, 2);
	if ((sel & ~3u) == 0) {
		/* A null selector marks LDTR invalid; later LDT references #GP. */
		sw_null_seg(c, &c->s.ldtr, sel);
		sw_audit_event(c, AUDIT_DT_LOAD, AUDIT_DT_LDTR, 0, 0, sel);
		return;
	}
	if (sel & 4)
		sw_raise(c, EXC_GP, sel & 0xfffc);
	sw_read_descriptor(c, sel, EXC_GP, raw);
	if (DESC_S(raw[0]) || DESC_TYPE(raw[0]) != SYS_LDT)
		sw_raise(c, EXC_GP, sel & 0xfffc);
	if (!DESC_P(raw[0]))
		sw_raise(c, EXC_NP, sel & 0xfffc);
	sw_desc_to_cache(sel, raw, &sc);
	check_sys_base(c, sel, &sc);
	c->s.ldtr = sc;
	sw_audit_event(c, AUDIT_DT_LOAD, AUDIT_DT_LDTR, sc.base, sc.limit, sel);
}

/* LTR: an available TSS in the GDT (a 16-bit one only outside long mode);
 * its descriptor is marked busy in memory before TR is loaded. */
static void exec_ltr(struct sw_cpu *c, const struct insn *i)
{
	uint64_t raw[2], addr;
	struct seg_cache sc;

	sys_need_protected(c);
	sys_need_cpl0(c);
	uint16_t sel = (uint16_t)sw_rm_read(c, i, 2);
	if ((sel & ~3u) == 0)
		sw_gp0(c);
	if (sel & 4)
		sw_raise(c, EXC_GP, sel & 0xfffc);
	if (!sw_desc_fetch(c, sel, raw, &addr))
		sw_raise(c, EXC_GP, sel & 0xfffc);
	unsigned type = DESC_TYPE(raw[0]);
	bool lma = c->s.efer & EFER_LMA;
	if (DESC_S(raw[0]) || !(type == SYS_TSS_AVAIL || (type == SYS_TSS16_AVAIL && !lma)))
		sw_raise(c, EXC_GP, sel & 0xfffc);
	if (!DESC_P(raw[0]))
		sw_raise(c, EXC_NP, sel & 0xfffc);
	sw_desc_to_cache(sel, raw, &sc);
	check_sys_base(c, sel, &sc);
	/* Byte 5 holds type, S, DPL and P: set the busy bit (type bit 1). */
	sw_lin_write(c, addr + 5, 1, ((raw[0] >> 40) & 0xff) | 2, ACC_SYS);
	sc.type |= 2;
	c->s.tr = sc;
	sw_audit_event(c, AUDIT_DT_LOAD, AUDIT_DT_TR, sc.base, sc.limit, sel);
}

/* SLDT/STR: a memory destination takes 16 bits; a register destination
 * takes the operand size, zero-extended (the 32-bit and 64-bit forms
 * clear the upper bits on every processor since the Pentium Pro). */
static void store_sel(struct sw_cpu *c, const struct insn *i, uint16_t sel)
{
	sys_need_protected(c);
	sys_umip_check(c);
	sw_rm_write(c, i, (i->flags & INSN_MEM) ? 2 : i->opsize, sel);
}

static void exec_sldt(struct sw_cpu *c, const struct insn *i)
{
	store_sel(c, i, c->s.ldtr.selector);
}

static void exec_str(struct sw_cpu *c, const struct insn *i)
{
	store_sel(c, i, c->s.tr.selector);
}

void sw_register_system_tables(sw_exec_fn *t)
{
	t[IF_LGDT_Ms] = exec_lgdt;
	t[IF_LIDT_Ms] = exec_lidt;
	t[IF_SGDT_Ms] = exec_sgdt;
	t[IF_SIDT_Ms] = exec_sidt;
	t[IF_LLDT_Ew] = exec_lldt;
	t[IF_LTR_Ew] = exec_ltr;
	t[IF_SLDT_Ew] = exec_sldt;
	t[IF_STR_Ew] = exec_str;
}
