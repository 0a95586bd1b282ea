/* The decoder: prefixes, opcode maps, ModRM/SIB/displacement, immediates.
 * What each opcode is comes from the table (swvmm/opcode_table.h); this
 * file only knows the encoding rules of the SDM Vol. 2 chapter 2. */
#include <stdbool.h>
#include <string.h>

#include "swvmm/decode.h"

#define MAX_INSN_LEN 15

#define REX_B 0x1
#define REX_X 0x2
#define REX_R 0x4
#define REX_W 0x8

struct cursor {
	const uint8_t *bytes;
	size_t avail;
	unsigned pos;
};

/* The 15-byte limit is checked before the bytes available: an instruction
 * that would run past 15 bytes is #GP(0) even if more bytes are mapped. */
static int fetch(struct cursor *c, uint8_t *v)
{
	if (c->pos >= MAX_INSN_LEN)
		return DECODE_TOOLONG;
	if (c->pos >= c->avail)
		return DECODE_MORE;
	*v = c->bytes[c->pos++];
	return 0;
}

static int peek(const struct cursor *c, uint8_t *v)
{
	if (c->pos >= MAX_INSN_LEN)
		return DECODE_TOOLONG;
	if (c->pos >= c->avail)
		return DECODE_MORE;
	*v = c->bytes[c->pos];
	return 0;
}

/* n little-endian bytes, sign-extended to 64 bits when is_signed. */
static int fetch_imm(struct cursor *c, unsigned n, bool is_signed, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t b;
		int r = fetch(c, &b);
		if (r)
			return r;
		x |= (uint64_t)b << (8 * i);
	}
	if (is_signed && n < 8) {
		unsigned sh = 64 - 8 * n;
		x = (uint64_t)((int64_t)(x << sh) >> sh);
	}
	*v = x;
	return 0;
}

enum decode_mode decode_mode_of(enum cpu_mode m)
{
	switch (m) {
	case MODE_LONG64:
		return DECODE_64;
	case MODE_PROT32:
	case MODE_COMPAT32:
		return DECODE_32;
	default:
		return DECODE_16;
	}
}

/* 16-bit addressing: ModRM.rm picks one of eight base+index pairs. */
static const uint8_t base16[8] = { RBX, RBX, RBP, RBP, RSI, RDI, RBP, RBX };
static const uint8_t index16[8] = { RSI, RDI, RSI, RDI, INSN_REG_NONE,
	INSN_REG_NONE, INSN_REG_NONE, INSN_REG_NONE };

/* The memory operand of a ModRM with mod != 3: base, index, scale, disp. */
static int decode_ea(struct cursor *c, struct insn *d, bool m64)
{
	unsigned mod = d->modrm >> 6, rm = d->modrm & 7;
	unsigned dispsize = 0;
	uint64_t disp;
	int r;

	d->flags |= INSN_MEM;
	d->base = INSN_REG_NONE;
	d->index = INSN_REG_NONE;
	if (d->adsize == 2) {
		if (mod == 0 && rm == 6) {
			dispsize = 2;
		} else {
			d->base = base16[rm];
			d->index = index16[rm];
			dispsize = mod == 1 ? 1 : mod == 2 ? 2 : 0;
		}
	} else {
		unsigned b = rm;
		if (rm == 4) {
			uint8_t sib;
			if ((r = fetch(c, &sib)))
				return r;
			unsigned idx = ((sib >> 3) & 7) | (d->rex & REX_X ? 8 : 0);
			d->scale = sib >> 6;
			/* index 100b without REX.X means none; R12 is a real index */
			d->index = idx == 4 ? INSN_REG_NONE : idx;
			b = sib & 7;
		}
		if (mod == 0 && b == 5) {
			/* no base: disp32; without a SIB in 64-bit mode, RIP-relative */
			dispsize = 4;
			if (rm == 5 && m64) {
				d->base = INSN_REG_RIP;
				d->flags |= INSN_RIPREL;
			}
		} else {
			d->base = b | (d->rex & REX_B ? 8 : 0);
			dispsize = mod == 1 ? 1 : mod == 2 ? 4 : 0;
		}
	}
	if (dispsize) {
		if ((r = fetch_imm(c, dispsize, true, &disp)))
			return r;
		d->disp = (int32_t)disp;
	}
	return 0;
}

/* ModRM operands whose register field has invalid values. */
static int check_reg_field(const struct insn_form_info *e, const struct insn *d)
{
	for (unsigned i = 0; i < 3; i++) {
		switch (e->op[i]) {
		case OPD_Cy: /* CR0, CR2, CR3, CR4, CR8 exist */
			if (d->reg > 8 || d->reg == 1 || (d->reg >= 5 && d->reg <= 7))
				return DECODE_UD;
			break;
		case OPD_Dy:
			if (d->reg > 7)
				return DECODE_UD;
			break;
		case OPD_Sw: /* six segment registers; CS cannot be loaded */
			if ((d->reg & 7) > 5 || (i == 0 && (d->reg & 7) == SEG_CS))
				return DECODE_UD;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Immediates in operand order: the first into imm, the second into imm2. */
static int decode_imms(struct cursor *c, const struct insn_form_info *e,
                       struct insn *d)
{
	unsigned nimm = 0;
	for (unsigned i = 0; i < 3; i++) {
		unsigned n = 0;
		bool sx = false;
		uint64_t v;
		int r;

		switch (e->op[i]) {
		case OPD_Ib: n = 1; break;
		case OPD_Ibs: case OPD_Jb: n = 1; sx = true; break;
		case OPD_Iw: n = 2; break;
		case OPD_Iz: case OPD_Jz: n = d->opsize == 2 ? 2 : 4; sx = true; break;
		case OPD_Iv: n = d->opsize; break;
		case OPD_Ob: case OPD_Ov:
			n = d->adsize;
			d->flags |= INSN_MEM;
			d->base = INSN_REG_NONE;
			d->index = INSN_REG_NONE;
			break;
		case OPD_Ap:
			/* offset (16 or 32 bits), then the selector */
			if ((r = fetch_imm(c, d->opsize == 2 ? 2 : 4, false, &d->imm)))
				return r;
			if ((r = fetch_imm(c, 2, false, &v)))
				return r;
			d->imm2 = (uint16_t)v;
			nimm = 2;
			continue;
		default:
			continue;
		}
		if ((r = fetch_imm(c, n, sx, &v)))
			return r;
		if (nimm++ == 0)
			d->imm = v;
		else
			d->imm2 = (uint16_t)v;
	}
	return 0;
}

/* Immediate bytes of VEX/EVEX instructions: map 0F3A always one, map 0F
 * one for the opcodes that take an imm8 in the legacy map too. */
static unsigned vex_imm_size(unsigned map, uint8_t op)
{
	if (map == 3)
		return 1;
	if (map == 1 && ((op >= 0x70 && op <= 0x73) || op == 0xc2 ||
	                 (op >= 0xc4 && op <= 0xc6)))
		return 1;
	return 0;
}

/* VEX (C4/C5), EVEX (62) and XOP (8F): out of scope for execution, so only
 * the length and the #UD conditions of the escape itself are decoded. */
static int decode_vexlike(struct cursor *c, uint8_t esc, bool m64,
                          unsigned legacy_pfx, struct insn *d)
{
	uint8_t p0, p1 = 0, p2, op;
	unsigned map, immsize;
	int r;

	/* 66, F2, F3, LOCK or REX before these escapes is #UD */
	if (legacy_pfx || d->rex)
		return DECODE_UD;
	if ((r = fetch(c, &p0)))
		return r;
	switch (esc) {
	case 0xc5:
		map = 1;
		d->form = IF_VEX;
		break;
	case 0xc4:
		map = p0 & 0x1f;
		if (map < 1 || map > 3)
			return DECODE_UD;
		if ((r = fetch(c, &p1)))
			return r;
		d->form = IF_VEX;
		break;
	case 0x62:
		map = p0 & 3;
		if (map == 0 || (p0 & 0x0c))
			return DECODE_UD;
		if ((r = fetch(c, &p1)) || (r = fetch(c, &p2)))
			return r;
		if (!(p1 & 0x04))
			return DECODE_UD;
		d->form = IF_EVEX;
		break;
	default: /* 0x8f */
		map = p0 & 0x1f;
		if (map > 10)
			return DECODE_UD;
		if ((r = fetch(c, &p1)))
			return r;
		d->form = IF_XOP;
		break;
	}
	if (esc == 0xc4 || esc == 0x8f)
		d->opsize = (p1 & 0x80) && m64 ? 8 : 4;
	if ((r = fetch(c, &op)))
		return r;
	d->opcode = op;
	d->mnem = insn_forms[d->form].mnem;
	if (esc == 0x8f)
		immsize = map == 8 ? 1 : map == 10 ? 4 : 0;
	else
		immsize = vex_imm_size(map, op);
	/* VZEROUPPER/VZEROALL (VEX 0F 77) are the only ones without ModRM */
	if (!(d->form == IF_VEX && map == 1 && op == 0x77)) {
		if ((r = fetch(c, &d->modrm)))
			return r;
		d->reg = (d->modrm >> 3) & 7;
		d->rm = d->modrm & 7;
		if (d->modrm >> 6 != 3 && (r = decode_ea(c, d, m64)))
			return r;
	}
	if (immsize && (r = fetch_imm(c, immsize, false, &d->imm)))
		return r;
	return 0;
}

/* Follow group, mandatory-prefix and mode redirections to the final
 * table form, checking legality per mode on each entry on the way. */
static int resolve_form(struct cursor *c, unsigned form, bool m64,
                        unsigned pfxvar, struct insn *d, bool *have_modrm)
{
	for (;;) {
		const struct insn_form_info *e = &insn_forms[form];
		unsigned next;
		int r;

		if (form == IF_INVALID)
			return DECODE_UD;
		if ((e->flags & F_I64) && m64)
			return DECODE_UD;
		if ((e->flags & F_O64) && !m64)
			return DECODE_UD;
		if (e->flags & F_GROUP) {
			unsigned g = FLAG_PARAM(e->flags), reg;
			if (!*have_modrm) {
				if ((r = fetch(c, &d->modrm)))
					return r;
				*have_modrm = true;
			}
			reg = (d->modrm >> 3) & 7;
			next = 0;
			if (d->modrm >> 6 == 3) {
				if (g == GRP_0F01)
					next = opcode_map[K0F01R(reg, d->modrm & 7)];
				if (!next)
					next = opcode_map[KEY_GRP(g, 8 + reg)];
			}
			if (!next)
				next = opcode_map[KEY_GRP(g, reg)];
		} else if (e->flags & F_SEL) {
			next = opcode_map[KEY_SEL(FLAG_PARAM(e->flags), pfxvar)];
		} else if (e->flags & F_MODESEL) {
			next = opcode_map[KEY_SEL(FLAG_PARAM(e->flags), m64)];
		} else {
			d->form = form;
			return 0;
		}
		form = next;
	}
}

/* The SIMD row for a ModRM: a register form may have a row of its own
 * (a ModRM.reg group member, or a register-only form beside a memory
 * one). Returns row + 1, 0 for none. */
static unsigned simd_row(unsigned map, uint8_t op, unsigned pfx, uint8_t modrm)
{
	unsigned row;

	if (modrm >> 6 != 3)
		return simd_index[SIMD_KEY(map, op, pfx)];
	if (SIMD_IS_GROUP(map, op))
		return simd_index[SIMD_GKEY(op, pfx, (modrm >> 3) & 7)];
	if (map == 1 && (row = simd_index[SIMD_RKEY(1, op, pfx)]))
		return row;
	return simd_index[SIMD_KEY(map, op, pfx)];
}

static bool simd_has(const struct simd_form *f, enum simd_operand a,
                     enum simd_operand b)
{
	for (unsigned k = 0; k < 3; k++)
		if (f->o[k] == a || f->o[k] == b)
			return true;
	return false;
}

/* ModRM of a SIMD row: register or memory as the row allows. MMX
 * registers (P; N/Q) are 0-7 whatever REX says. */
static int simd_modrm(struct cursor *c, const struct simd_form *f, bool m64,
                      struct insn *d)
{
	d->reg = ((d->modrm >> 3) & 7) | (d->rex & REX_R ? 8 : 0);
	if (simd_has(f, SOP_P, SOP_P))
		d->reg &= 7;
	if (d->modrm >> 6 != 3)
		return f->flags & SFL_NOMEM ? DECODE_UD : decode_ea(c, d, m64);
	if (f->flags & SFL_NOREG)
		return DECODE_UD;
	d->rm = (d->modrm & 7) | (d->rex & REX_B ? 8 : 0);
	if (simd_has(f, SOP_N, SOP_Q))
		d->rm &= 7;
	return 0;
}

/* An instruction of the SIMD maps: find the row by map, opcode, mandatory
 * prefix and ModRM, then its ModRM operands and imm8. */
static int decode_simd(struct cursor *c, unsigned map, unsigned pfx, bool m64,
                       struct insn *d)
{
	unsigned row = simd_index[SIMD_KEY(map, d->opcode, pfx)];
	uint64_t v;
	int r;

	/* EMMS is the one row without operands and ModRM */
	if (!row || simd_forms[row - 1].o[0] != SOP___) {
		if ((r = fetch(c, &d->modrm)))
			return r;
		row = simd_row(map, d->opcode, pfx, d->modrm);
		if (!row)
			return DECODE_UD;
		if ((r = simd_modrm(c, &simd_forms[row - 1], m64, d)))
			return r;
	}
	d->imm2 = (uint16_t)(row - 1);
	d->opsize = d->rex & REX_W ? 8 : 4;
	if (simd_has(&simd_forms[row - 1], SOP_Ib, SOP_Ib)) {
		if ((r = fetch_imm(c, 1, false, &v)))
			return r;
		d->imm = v;
	}
	return 0;
}

/* D8-DF: the row by ModRM.reg (memory) or the whole ModRM (registers). */
static int decode_x87(struct cursor *c, bool m64, struct insn *d)
{
	const uint8_t *slots = x87_index[d->opcode - 0xd8];
	unsigned row;
	int r;

	if ((r = fetch(c, &d->modrm)))
		return r;
	d->reg = (d->modrm >> 3) & 7;
	if (d->modrm >> 6 == 3) {
		row = slots[8 + (d->modrm & 0x3f)];
		d->rm = d->modrm & 7;
	} else {
		row = slots[d->reg];
		if (row && (r = decode_ea(c, d, m64)))
			return r;
	}
	if (!row)
		return DECODE_UD;
	d->imm2 = (uint16_t)(row - 1);
	return 0;
}

static void set_sizes(const struct insn_form_info *e, enum decode_mode mode,
                      struct insn *d)
{
	bool o16 = (d->flags & INSN_OPSIZE) && !(e->flags & F_PFX66);
	bool a67 = d->flags & INSN_ADSIZE;

	if (mode == DECODE_64) {
		d->adsize = a67 ? 4 : 8;
		if (e->flags & F_NATIVE)
			d->opsize = 8;
		else if ((d->rex & REX_W) || (e->flags & F_F64))
			d->opsize = 8;
		else if (o16)
			d->opsize = 2;
		else
			d->opsize = e->flags & F_D64 ? 8 : 4;
	} else {
		bool big = mode == DECODE_32;
		d->adsize = big != a67 ? 4 : 2;
		if (e->flags & F_NATIVE)
			d->opsize = 4;
		else
			d->opsize = big != o16 ? 4 : 2;
	}
	if ((e->attr & A_BYTE) && !(e->attr & A_VSIZE))
		d->opsize = 1;
}

int decode_insn(const uint8_t *bytes, size_t avail, enum decode_mode mode,
                struct insn *out)
{
	struct cursor c = { bytes, avail, 0 };
	struct insn d;
	bool m64 = mode == DECODE_64;
	bool have_modrm = false;
	uint8_t b, rex = 0, last_rep = 0;
	int seg = -1;
	unsigned key, pfxvar;
	int r;

	memset(&d, 0, sizeof(d));
	d.base = INSN_REG_NONE;
	d.index = INSN_REG_NONE;
	for (;;) {
		if ((r = fetch(&c, &b)))
			return r;
		switch (b) {
		case 0xf0:
			d.flags |= INSN_LOCK;
			break;
		case 0xf2:
		case 0xf3:
			last_rep = b;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			/* ES, CS, SS, DS: null prefixes in 64-bit mode */
			if (!m64)
				seg = (b >> 3) & 3;
			break;
		case 0x64:
			seg = SEG_FS;
			break;
		case 0x65:
			seg = SEG_GS;
			break;
		case 0x66:
			d.flags |= INSN_OPSIZE;
			break;
		case 0x67:
			d.flags |= INSN_ADSIZE;
			break;
		default:
			if (m64 && (b & 0xf0) == 0x40) {
				rex = b; /* the last REX counts ... */
				continue;
			}
			goto opcode;
		}
		rex = 0; /* ... only if the opcode follows it directly */
	}
opcode:
	d.rex = rex;
	if (rex)
		d.flags |= INSN_REX;
	if (last_rep == 0xf3)
		d.flags |= INSN_REP;
	else if (last_rep == 0xf2)
		d.flags |= INSN_REPNE;
	pfxvar = last_rep == 0xf3 ? 2 : last_rep == 0xf2 ? 3 :
	         (d.flags & INSN_OPSIZE) ? 1 : 0;

	key = K1(b);
	if (b == 0x0f) {
		if ((r = fetch(&c, &b)))
			return r;
		if (b == 0x38 || b == 0x3a) {
			unsigned map = b == 0x38 ? K38(0) : K3A(0);
			if ((r = fetch(&c, &b)))
				return r;
			key = map + b;
		} else {
			key = K0F(b);
		}
	} else if (b == 0xc4 || b == 0xc5 || b == 0x62 || b == 0x8f) {
		/* VEX/EVEX in 64-bit mode or where the next byte could not be
		 * a memory ModRM; XOP where its map field is 8 or more */
		uint8_t nb;
		if ((r = peek(&c, &nb)))
			return r;
		if (b == 0x8f ? (nb & 0x1f) >= 8 : (m64 || nb >> 6 == 3)) {
			unsigned legacy = (d.flags & (INSN_OPSIZE | INSN_LOCK)) | last_rep;
			d.adsize = m64 ? ((d.flags & INSN_ADSIZE) ? 4 : 8) :
			           ((mode == DECODE_32) != !!(d.flags & INSN_ADSIZE) ? 4 : 2);
			d.opsize = 4;
			if ((r = decode_vexlike(&c, b, m64, legacy, &d)))
				return r;
			d.seg = seg >= 0 ? (unsigned)seg : SEG_DS;
			d.len = c.pos;
			*out = d;
			return c.pos;
		}
	}
	d.opcode = b;

	if (key == K1(0x90) && (rex & REX_B)) {
		d.form = IF_XCHG_ZvrAX; /* 90 with REX.B is XCHG r8, rAX */
	} else if ((r = resolve_form(&c, opcode_map[key], m64, pfxvar, &d,
	                             &have_modrm))) {
		return r;
	}

	const struct insn_form_info *e = &insn_forms[d.form];
	d.mnem = e->mnem;
	set_sizes(e, mode, &d);
	if (d.form == IF_SIMD && (r = decode_simd(&c, key >> 8, pfxvar, m64, &d)))
		return r;
	if (d.form == IF_X87 && (r = decode_x87(&c, m64, &d)))
		return r;

	if ((e->attr & A_MODRM) && !have_modrm) {
		if ((r = fetch(&c, &d.modrm)))
			return r;
		have_modrm = true;
	}
	if (have_modrm) {
		d.reg = ((d.modrm >> 3) & 7) | (rex & REX_R ? 8 : 0);
		if ((e->flags & F_RM0) && (d.modrm & 7) != 0)
			return DECODE_UD;
		if (d.modrm >> 6 == 3 || (e->flags & F_MOD3)) {
			/* MOV CR/DR read mod as 3: no displacement follows */
			if ((e->attr & A_MEM) && !(e->flags & F_MOD3))
				return DECODE_UD;
			d.rm = (d.modrm & 7) | (rex & REX_B ? 8 : 0);
		} else if (e->attr & A_REG) {
			return DECODE_UD;
		} else if ((r = decode_ea(&c, &d, m64))) {
			return r;
		}
		if ((r = check_reg_field(e, &d)))
			return r;
		if (e->op[0] == OPD_Sw || e->op[1] == OPD_Sw)
			d.reg &= 7; /* REX.R does not extend the Sreg field */
	} else if (e->op[0] == OPD_Zb || e->op[0] == OPD_Zv) {
		d.rm = (b & 7) | (rex & REX_B ? 8 : 0);
	}

	/* LOCK: only the listed read-modify-write instructions with a memory
	 * destination; MOV CR takes it as the CR8 alias on AMD. */
	if ((d.flags & INSN_LOCK) &&
	    (!(e->flags & F_LOCK) || !((d.flags & INSN_MEM) || (e->flags & F_MOD3))))
		return DECODE_UD;

	if ((e->attr & A_IMM) && (r = decode_imms(&c, e, &d)))
		return r;

	if (seg >= 0) {
		d.seg = (uint8_t)seg;
		d.flags |= INSN_SEGOVR;
	} else {
		d.seg = (d.base == RSP || d.base == RBP) && (d.flags & INSN_MEM) ?
		        SEG_SS : SEG_DS;
	}
	d.len = c.pos;
	*out = d;
	return c.pos;
}
