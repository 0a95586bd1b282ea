/* Descriptors and segment-register loads (Intel SDM Vol. 3, 3.4-3.5 and
 * 5.5-5.8; Vol. 2, MOV/POP/LDS pages). */
#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/segment.h"

void sw_desc_to_cache(uint16_t sel, const uint64_t raw[2], struct seg_cache *out)
{
	uint64_t d = raw[0];
	uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));

	out->selector = sel;
	out->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000ull);
	out->type = (d >> 40) & 0xf;
	out->s = (d >> 44) & 1;
	out->dpl = (d >> 45) & 3;
	out->present = (d >> 47) & 1;
	out->avl = (d >> 52) & 1;
	out->l = (d >> 53) & 1;
	out->db = (d >> 54) & 1;
	out->g = (d >> 55) & 1;
	out->limit = out->g ? (limit << 12) | 0xfff : limit;
	out->unusable = 0;
	if (!out->s)   /* system descriptors are 16 bytes in long mode */
		out->base |= (raw[1] & 0xffffffffull) << 32;
}

bool sw_desc_fetch(struct sw_cpu *c, uint16_t sel, uint64_t raw[2], uint64_t *addr)
{
	const struct vcpu_state *s = &c->s;
	uint64_t base;
	uint32_t limit;

	if (sel & 4) {
		if (s->ldtr.unusable || !s->ldtr.present)
			return false;
		base = s->ldtr.base;
		limit = s->ldtr.limit;
	} else {
		base = s->gdtr.base;
		limit = s->gdtr.limit;
	}
	uint32_t idx = sel & ~7u;
	if (idx + 7 > limit)
		return false;
	raw[0] = sw_lin_read(c, base + idx, 8, ACC_SYS);
	raw[1] = 0;
	if (!((raw[0] >> 44) & 1) && (s->efer & EFER_LMA)) {
		if (idx + 15 > limit)
			return false;
		raw[1] = sw_lin_read(c, base + idx + 8, 8, ACC_SYS);
	}
	if (addr)
		*addr = base + idx;
	return true;
}

void sw_read_descriptor(struct sw_cpu *c, uint16_t sel, unsigned exc, uint64_t out[2])
{
	if (!sw_desc_fetch(c, sel, out, NULL))
		sw_raise(c, exc, sel & 0xfffc);
}

void sw_desc_set_accessed(struct sw_cpu *c, uint16_t sel)
{
	uint64_t raw[2], addr;
	if (!sw_desc_fetch(c, sel, raw, &addr))
		return;
	if (!(raw[0] & (1ull << 40)))
		sw_lin_write(c, addr + 5, 1, (raw[0] >> 40) | 1, ACC_SYS);
}

/* A null segment with its base and limit left as they were. */
static void null_keep_base(struct seg_cache *sc, uint16_t sel)
{
	sc->selector = sel;
	sc->unusable = 1;
	sc->present = 0;
}

void sw_null_seg(struct sw_cpu *c, struct seg_cache *sc, uint16_t sel)
{
	/* Intel clears the base and limit of a null-loaded segment; AMD keeps
	 * them (what Linux calls X86_BUG_NULL_SEG). */
	null_keep_base(sc, sel);
	if (!c->vendor_amd) {
		sc->base = 0;
		sc->limit = 0;
	}
}

static void load_real(struct sw_cpu *c, unsigned sreg, uint16_t sel)
{
	struct seg_cache *sc = &c->s.seg[sreg];
	/* Real mode keeps the cached limit and rights (the "unreal" mode
	 * guests rely on); virtual-8086 mode sets them. */
	if (c->mode == MODE_VM86) {
		seg_cache_set_vm86(sc, sel);
		return;
	}
	sc->selector = sel;
	sc->base = (uint64_t)sel << 4;
	sc->unusable = 0;
	sc->present = 1;
}

void sw_load_sreg(struct sw_cpu *c, unsigned sreg, uint16_t sel)
{
	uint64_t raw[2];
	unsigned rpl = sel & 3, cpl = c->cpl, err = sel & 0xfffc;

	if (sreg == SEG_CS)
		sw_ud(c);   /* CS only changes by far transfers */
	if (c->mode == MODE_REAL || c->mode == MODE_VM86) {
		load_real(c, sreg, sel);
		return;
	}

	if (sreg == SEG_SS) {
		if ((sel & ~3u) == 0) {
			/* A null SS is legal only in 64-bit mode below CPL 3,
			 * with RPL == CPL. */
			if (c->mode == MODE_LONG64 && cpl < 3 && rpl == cpl) {
				struct seg_cache *sc = &c->s.seg[SEG_SS];
				sc->selector = sel;
				sc->unusable = 1;
				sc->dpl = cpl;
				return;
			}
			sw_gp0(c);
		}
		sw_read_descriptor(c, sel, EXC_GP, raw);
		unsigned type = (raw[0] >> 40) & 0xf, s = (raw[0] >> 44) & 1,
		         dpl = (raw[0] >> 45) & 3;
		if (rpl != cpl || dpl != cpl || !s || (type & 8) || !(type & 2))
			sw_raise(c, EXC_GP, (int)err);
		if (!((raw[0] >> 47) & 1))
			sw_raise(c, EXC_SS, (int)err);
		sw_desc_set_accessed(c, sel);
		raw[0] |= 1ull << 40;
		sw_desc_to_cache(sel, raw, &c->s.seg[SEG_SS]);
		return;
	}

	if ((sel & ~3u) == 0) {
		sw_null_seg(c, &c->s.seg[sreg], sel);
		return;
	}
	sw_read_descriptor(c, sel, EXC_GP, raw);
	unsigned type = (raw[0] >> 40) & 0xf, s = (raw[0] >> 44) & 1, dpl = (raw[0] >> 45) & 3;
	bool code = type & 8;
	if (!s || (code && !(type & 2)))
		sw_raise(c, EXC_GP, (int)err);   /* system, or execute-only code */
	bool conforming = code && (type & 4);
	if (!conforming && (dpl < cpl || dpl < rpl))
		sw_raise(c, EXC_GP, (int)err);
	if (!((raw[0] >> 47) & 1))
		sw_raise(c, EXC_NP, (int)err);
	sw_desc_set_accessed(c, sel);
	raw[0] |= 1ull << 40;
	sw_desc_to_cache(sel, raw, &c->s.seg[sreg]);
}

/* On a return to an outer level (RETF, IRET): data segments the new CPL
 * may not use become null (SDM Vol. 2, IRET and RET: "ES, FS, GS and
 * DS"). Only the selector and the usability change: no descriptor is
 * loaded, so both vendors' hardware (and KVM, which leaves IRET to it)
 * keep the old base and limit, unlike a MOV of a null selector. */
void sw_null_outer_segs(struct sw_cpu *c)
{
	static const unsigned regs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	for (unsigned k = 0; k < 4; k++) {
		struct seg_cache *sc = &c->s.seg[regs[k]];
		bool conforming_code = (sc->type & 0xc) == 0xc;
		if (sc->unusable)
			continue;
		if (!conforming_code && sc->dpl < c->cpl)
			null_keep_base(sc, 0);
	}
}

void sw_load_cs_desc(struct sw_cpu *c, uint16_t sel, uint64_t raw[2], unsigned cpl)
{
	struct seg_cache *cs = &c->s.seg[SEG_CS];
	sw_desc_set_accessed(c, sel);
	raw[0] |= 1ull << 40;
	sw_desc_to_cache((uint16_t)((sel & ~3u) | cpl), raw, cs);
	/* The cache's DPL is the CPL (for conforming code too): the canonical
	 * state derives the CPL from it. */
	cs->dpl = (uint8_t)cpl;
	sw_update_mode(c);
}

void sw_load_ss_desc(struct sw_cpu *c, uint16_t sel, uint64_t raw[2])
{
	sw_desc_set_accessed(c, sel);
	raw[0] |= 1ull << 40;
	sw_desc_to_cache(sel, raw, &c->s.seg[SEG_SS]);
}

void sw_tss_stack(struct sw_cpu *c, unsigned cpl, int ext, uint16_t *ss, uint64_t *sp)
{
	const struct seg_cache *tr = &c->s.tr;
	int err = (int)(tr->selector & 0xfffc) | ext;

	if (tr->type & 8) {   /* 32-bit TSS: ESPn at 4 + 8n, SSn after it */
		unsigned off = 4 + cpl * 8;
		if (off + 5 > tr->limit)
			sw_raise(c, EXC_TS, err);
		*sp = sw_lin_read(c, tr->base + off, 4, ACC_SYS);
		*ss = (uint16_t)sw_lin_read(c, tr->base + off + 4, 2, ACC_SYS);
	} else {              /* 16-bit TSS: SPn at 2 + 4n */
		unsigned off = 2 + cpl * 4;
		if (off + 3 > tr->limit)
			sw_raise(c, EXC_TS, err);
		*sp = sw_lin_read(c, tr->base + off, 2, ACC_SYS);
		*ss = (uint16_t)sw_lin_read(c, tr->base + off + 2, 2, ACC_SYS);
	}
}

uint64_t sw_tss_rsp64(struct sw_cpu *c, unsigned cpl, unsigned ist, int ext)
{
	const struct seg_cache *tr = &c->s.tr;
	unsigned off = ist ? 0x24 + (ist - 1) * 8 : 4 + cpl * 8;
	if (off + 7 > tr->limit)
		sw_raise(c, EXC_TS, (int)(tr->selector & 0xfffc) | ext);
	return sw_lin_read(c, tr->base + off, 8, ACC_SYS);
}

void sw_check_new_ss(struct sw_cpu *c, uint16_t sel, unsigned cpl, int ext, uint64_t raw[2])
{
	int err = (int)(sel & 0xfffc) | ext;
	if (!(sel & ~3u))
		sw_raise(c, EXC_TS, ext);
	if (!sw_desc_fetch(c, sel, raw, NULL))
		sw_raise(c, EXC_TS, err);
	unsigned t = DESC_TYPE(raw[0]);
	if ((sel & 3u) != cpl || DESC_DPL(raw[0]) != cpl || !DESC_S(raw[0]) || (t & 8) ||
	    !(t & 2))
		sw_raise(c, EXC_TS, err);
	if (!DESC_P(raw[0]))
		sw_raise(c, EXC_SS, err);
}
