/* FLDENV, FNSTENV, FRSTOR, FNSAVE: the x87 environment (14 or 28 bytes)
 * and state (94 or 108 bytes) images, in the layouts of the SDM Vol. 1,
 * 8.1.10 and Figures 8-9 to 8-12: 16-bit (operand size 16) or 32-bit,
 * real-address (and virtual-8086) or protected mode. In 64-bit mode the
 * 32-bit protected-mode layout is used.
 *
 * The full tag word is made from the abridged one FXSAVE keeps and the
 * registers' contents (valid 00, zero 01, special 10, empty 11); loading
 * keeps only empty or not. FLDENV and FRSTOR set ES and B from the flags
 * and masks they load, so that a pending exception is what the next
 * waiting instruction finds. The reserved upper halves of the 32-bit
 * layouts' slots are stored as ones, as the processor does. */
#include <string.h>

#include "swvmm/decode.h"
#include "swvmm/exec_fpu.h"
#include "swvmm/exec_system.h"

#define FSW_B   0x8000u
#define FSW_TOP(fsw) (((fsw) >> 11) & 7u)

struct x87_env {                 /* the fields every layout holds */
	uint16_t fcw, fsw, ftw;      /* ftw: the full tag word */
	uint16_t fop, fcs, fds;
	uint32_t fip, fdp;           /* offsets, or linear in real mode */
};

static unsigned reg_tag(const uint8_t *r)
{
	uint16_t exp;
	uint64_t mant;
	memcpy(&mant, r, 8);
	memcpy(&exp, r + 8, 2);
	exp &= 0x7fff;
	if (exp == 0x7fff)
		return 2;
	if (exp == 0)
		return mant ? 2 : 1;
	return mant >> 63 ? 0 : 2;
}

static uint16_t full_tag(const struct fxsave_area *fx)
{
	unsigned top = FSW_TOP(fx->fsw), tw = 0;
	for (unsigned p = 0; p < 8; p++) {
		unsigned t = fx->ftw & (1u << p) ? reg_tag(fx->st[(p - top) & 7]) : 3;
		tw |= t << (2 * p);
	}
	return (uint16_t)tw;
}

static uint8_t abridged_tag(uint16_t tw)
{
	uint8_t ftw = 0;
	for (unsigned p = 0; p < 8; p++)
		if (((tw >> (2 * p)) & 3) != 3)
			ftw |= (uint8_t)(1u << p);
	return ftw;
}

static bool real_layout(const struct sw_cpu *c)
{
	return c->mode == MODE_REAL || c->mode == MODE_VM86;
}

/* Real mode keeps 20-bit (16-bit layout) or 32-bit linear pointers. */
static uint32_t real_linear(uint64_t ptr)
{
	return (uint32_t)((ptr & 0xffff) + ((ptr >> 32 & 0xffff) << 4));
}

static void env_from_state(const struct sw_cpu *c, struct x87_env *e)
{
	const struct fxsave_area *fx = &c->s.fx;
	e->fcw = fx->fcw;
	e->fsw = fx->fsw;
	e->ftw = full_tag(fx);
	e->fop = fx->fop & 0x7ff;
	if (real_layout(c)) {
		e->fip = real_linear(fx->fip);
		e->fdp = real_linear(fx->fdp);
		e->fcs = e->fds = 0;
	} else {
		e->fip = (uint32_t)fx->fip;
		e->fdp = (uint32_t)fx->fdp;
		e->fcs = (uint16_t)(fx->fip >> 32);
		e->fds = (uint16_t)(fx->fdp >> 32);
	}
}

static void put16(uint8_t *b, unsigned at, uint32_t v)
{
	b[at] = (uint8_t)v;
	b[at + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, unsigned at, uint32_t v)
{
	put16(b, at, v);
	put16(b, at + 2, v >> 16);
}

static uint32_t get16(const uint8_t *b, unsigned at)
{
	return b[at] | (uint32_t)b[at + 1] << 8;
}

static uint32_t get32(const uint8_t *b, unsigned at)
{
	return get16(b, at) | get16(b, at + 2) << 16;
}

/* Bytes of the environment: 14 with a 16-bit operand size, else 28. */
static unsigned env_len(const struct insn *i)
{
	return i->opsize == 2 ? 14 : 28;
}

static void env_pack(const struct sw_cpu *c, const struct insn *i, const struct x87_env *e,
                     uint8_t *b)
{
	bool real = real_layout(c);
	unsigned w = env_len(i) == 14 ? 2 : 4;      /* slot width */
	void (*put)(uint8_t *, unsigned, uint32_t) = w == 2 ? put16 : put32;

	/* the reserved upper halves of the 32-bit layouts' slots are ones */
	uint32_t rsvd = w == 4 ? 0xffff0000u : 0;

	memset(b, 0, 28);
	put(b, 0, rsvd | e->fcw);
	put(b, w, rsvd | e->fsw);
	put(b, 2 * w, rsvd | e->ftw);
	if (real) {
		/* the pointers' bits above 15 sit above FOP's 11 bits and a 0 */
		put(b, 3 * w, rsvd | (e->fip & 0xffff));
		put(b, 4 * w, (e->fip >> 16) << 12 | e->fop);
		put(b, 5 * w, rsvd | (e->fdp & 0xffff));
		put(b, 6 * w, (e->fdp >> 16) << 12);
	} else {
		put(b, 3 * w, e->fip);
		put(b, 4 * w, e->fcs | (w == 4 ? (uint32_t)e->fop << 16 : 0));
		put(b, 5 * w, e->fdp);
		put(b, 6 * w, rsvd | e->fds);
	}
}

static void env_unpack(const struct sw_cpu *c, const struct insn *i, const uint8_t *b,
                       struct x87_env *e)
{
	unsigned w = env_len(i) == 14 ? 2 : 4;
	uint32_t (*get)(const uint8_t *, unsigned) = w == 2 ? get16 : get32;

	e->fcw = (uint16_t)get(b, 0);
	e->fsw = (uint16_t)get(b, w);
	e->ftw = (uint16_t)get(b, 2 * w);
	if (real_layout(c)) {
		e->fip = (get(b, 3 * w) & 0xffff) | (get(b, 4 * w) >> 12) << 16;
		e->fop = (uint16_t)(get(b, 4 * w) & 0x7ff);
		e->fdp = (get(b, 5 * w) & 0xffff) | (get(b, 6 * w) >> 12) << 16;
		e->fcs = e->fds = 0;
	} else {
		e->fip = get(b, 3 * w);
		e->fcs = (uint16_t)get16(b, 4 * w);
		e->fop = w == 4 ? (uint16_t)(get16(b, 4 * w + 2) & 0x7ff) : 0;
		e->fdp = get(b, 5 * w);
		e->fds = (uint16_t)get16(b, 6 * w);
	}
}

static void env_to_state(struct sw_cpu *c, const struct x87_env *e)
{
	struct fxsave_area *fx = &c->s.fx;
	fx->fcw = e->fcw;
	fx->fsw = e->fsw & (uint16_t)~(FSW_ES | FSW_B);
	if (e->fsw & ~e->fcw & 0x3fu)
		fx->fsw |= FSW_ES | FSW_B;
	fx->ftw = abridged_tag(e->ftw);
	fx->fop = e->fop;
	if (c->mode == MODE_LONG64) {
		fx->fip = e->fip;
		fx->fdp = e->fdp;
	} else {
		fx->fip = e->fip | (uint64_t)e->fcs << 32;
		fx->fdp = e->fdp | (uint64_t)e->fds << 32;
	}
}

/* FNSTENV / FNSAVE: the image; FNSTENV then masks every exception (so
 * that none pends), FNSAVE initialises the unit. */
static void store_image(struct sw_cpu *c, const struct insn *i, bool regs)
{
	uint8_t b[28 + 80];
	unsigned n = env_len(i);
	struct x87_env e;
	uint64_t off = sw_ea(c, i);

	env_from_state(c, &e);
	env_pack(c, i, &e, b);
	for (unsigned k = 0; regs && k < 8; k++)
		memcpy(b + n + 10 * k, c->s.fx.st[k], 10);
	sw_write_buf(c, i->seg, off, b, n + (regs ? 80 : 0));
	if (regs) {
		fpu_x87_reset(&c->s.fx);
	} else {
		/* all masked: nothing pends any more (ES and B clear) */
		c->s.fx.fcw |= 0x3f;
		c->s.fx.fsw &= (uint16_t)~(FSW_ES | FSW_B);
	}
}

static void load_image(struct sw_cpu *c, const struct insn *i, bool regs)
{
	uint8_t b[28 + 80];
	unsigned n = env_len(i);
	struct x87_env e;
	uint64_t off = sw_ea(c, i);

	sw_read_buf(c, i->seg, off, b, n + (regs ? 80 : 0));
	env_unpack(c, i, b, &e);
	fpu_x87_set_top(&c->s.fx, FSW_TOP(e.fsw));   /* FLDENV: the registers stay */
	env_to_state(c, &e);
	for (unsigned k = 0; regs && k < 8; k++) {
		memset(c->s.fx.st[k], 0, 16);
		memcpy(c->s.fx.st[k], b + n + 10 * k, 10);
	}
}

/* D9 /4 FLDENV, D9 /6 FNSTENV, DD /4 FRSTOR, DD /6 FNSAVE. FLDENV and
 * FRSTOR wait: a pending exception comes first. */
void x87_env_exec(struct sw_cpu *c, const struct insn *i)
{
	bool state = i->opcode == 0xdd, load = ((i->modrm >> 3) & 7) == 4;
	if (load && (c->s.fx.fsw & FSW_ES)) {
		fpu_x87_pending(c);
		return;
	}
	if (load)
		load_image(c, i, state);
	else
		store_image(c, i, state);
}
