/* Descriptor inspection: LAR, LSL, VERR, VERW, and ARPL (Intel SDM Vol. 2
 * and Vol. 3, 5.10.3). The first four report through ZF instead of
 * faulting: a null selector, one beyond its table's limit, a type they do
 * not accept or a privilege mismatch give ZF = 0 and leave the destination
 * unchanged. Reading the descriptor may still fault (#PF on the table).
 * All are #UD in real and virtual-8086 mode. */
#include "swvmm/exec_system.h"
#include "swvmm/flags.h"
#include "swvmm/segment.h"

static void set_zf(struct sw_cpu *c, bool zf)
{
	sw_flags_set(c, RFLAGS_ZF, zf ? RFLAGS_ZF : 0);
}

/* The descriptor of sel, or false. In long mode a system descriptor is 16
 * bytes and the type field of its upper half must be zero. */
static bool fetch_desc(struct sw_cpu *c, uint16_t sel, uint64_t raw[2])
{
	if ((sel & ~3u) == 0 || !sw_desc_fetch(c, sel, raw, NULL))
		return false;
	if (!DESC_S(raw[0]) && (c->s.efer & EFER_LMA) && ((raw[1] >> 40) & 0x1f))
		return false;
	return true;
}

/* Conforming code is visible from any level; anything else needs
 * DPL >= CPL and DPL >= RPL. */
static bool visible(const struct sw_cpu *c, uint16_t sel, uint64_t d)
{
	unsigned dpl = DESC_DPL(d);
	if (DESC_S(d) && (DESC_TYPE(d) & 0xc) == 0xc)
		return true;
	return dpl >= c->cpl && dpl >= (sel & 3u);
}

/* System types LAR accepts; LSL accepts those with a limit (no gates). */
static bool sys_type_ok(const struct sw_cpu *c, unsigned type, bool gates)
{
	if (c->s.efer & EFER_LMA)
		return type == SYS_LDT || type == SYS_TSS_AVAIL || type == SYS_TSS_BUSY ||
		       (gates && type == SYS_CALL);
	switch (type) {
	case SYS_TSS16_AVAIL: case SYS_LDT: case SYS_TSS16_BUSY:
	case SYS_TSS_AVAIL: case SYS_TSS_BUSY:
		return true;
	case SYS_CALL16: case SYS_TASK: case SYS_CALL:
		return gates;
	default:
		return false;
	}
}

/* LAR and LSL share the lookup: true with the descriptor if sel passes. */
static bool lar_lsl_lookup(struct sw_cpu *c, const struct insn *i, bool gates, uint64_t raw[2])
{
	sys_need_protected(c);
	uint16_t sel = (uint16_t)sw_rm_read(c, i, 2);
	if (!fetch_desc(c, sel, raw))
		return false;
	if (!DESC_S(raw[0]) && !sys_type_ok(c, DESC_TYPE(raw[0]), gates))
		return false;
	return visible(c, sel, raw[0]);
}

/* LAR: the second descriptor word's bits 23:8 (type, S, DPL, P, limit
 * 19:16, AVL, L, D/B, G); AMD documents the limit nibble as returned,
 * Intel as undefined. 16 bits: bits 15:8 only. */
static void exec_lar(struct sw_cpu *c, const struct insn *i)
{
	uint64_t raw[2];
	bool ok = lar_lsl_lookup(c, i, true, raw);
	if (ok) {
		uint64_t ar = (raw[0] >> 32) & (i->opsize == 2 ? 0xff00 : 0x00ffff00);
		sw_reg_write(c, i, i->opsize, ar);
	}
	set_zf(c, ok);
}

/* LSL: the byte-granular limit (G applied), truncated to 16 bits for a
 * 16-bit operand size, zero-extended for 64. */
static void exec_lsl(struct sw_cpu *c, const struct insn *i)
{
	uint64_t raw[2];
	bool ok = lar_lsl_lookup(c, i, false, raw);
	if (ok) {
		uint64_t d = raw[0];
		uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
		if ((d >> 55) & 1)
			limit = (limit << 12) | 0xfff;
		sw_reg_write(c, i, i->opsize, sw_trunc(limit, i->opsize == 2 ? 2 : 4));
	}
	set_zf(c, ok);
}

/* VERR: a readable code or data segment visible from CPL and RPL.
 * VERW: a writable data segment, same visibility. */
static void verify(struct sw_cpu *c, const struct insn *i, bool write)
{
	uint64_t raw[2];

	sys_need_protected(c);
	uint16_t sel = (uint16_t)sw_rm_read(c, i, 2);
	bool ok = fetch_desc(c, sel, raw) && DESC_S(raw[0]) && visible(c, sel, raw[0]);
	if (ok) {
		unsigned type = DESC_TYPE(raw[0]);
		bool code = type & 8;
		ok = write ? (!code && (type & 2)) : (!code || (type & 2));
	}
	set_zf(c, ok);
}

static void exec_verr(struct sw_cpu *c, const struct insn *i)
{
	verify(c, i, false);
}

static void exec_verw(struct sw_cpu *c, const struct insn *i)
{
	verify(c, i, true);
}

/* ARPL: raise the destination selector's RPL to the source's. */
static void exec_arpl(struct sw_cpu *c, const struct insn *i)
{
	sys_need_protected(c);
	uint64_t dst = sw_rm_read(c, i, 2);
	uint64_t src = sw_reg_read(c, i, 2);
	bool lower = (dst & 3) < (src & 3);
	if (lower)
		sw_rm_write(c, i, 2, (dst & ~3ull) | (src & 3));
	set_zf(c, lower);
}

void sw_register_system_desc(sw_exec_fn *t)
{
	t[IF_LAR_GvEw] = exec_lar;
	t[IF_LSL_GvEw] = exec_lsl;
	t[IF_VERR_Ew] = exec_verr;
	t[IF_VERW_Ew] = exec_verw;
	t[IF_ARPL_EwGw] = exec_arpl;
}
