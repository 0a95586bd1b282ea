/* The x87 rows of the interpreter against the host processor
 * (tests/unit/sw_fp_diff.h): every row of X87_TABLE, in classes of at
 * least FPD_CLASS_MIN generated cases each.
 *
 * A case is built from the decoder's x87 index (x87_index: the ModRM.reg
 * of each memory form, every ModRM byte of each register form, so that
 * the aliases and the one-encoding rows come out as the table says): a
 * random encoding of the row, a random REX, memory at [base + disp8], and
 * memory contents of the operand's type (single, double, extended, 16- to
 * 64-bit integers, packed BCD with valid and invalid digits, a control
 * word, an environment or state image).
 *
 * The environment and state rows (FLDENV, FNSTENV, FRSTOR, FNSAVE: XFL_C,
 * swvmm/exec_x87_env.c) run with and without a 66 prefix (the 14/94- and
 * 28/108-byte layouts); the instruction and operand pointer words of the
 * images they store are not compared (the header says why). */
#define _GNU_SOURCE   /* REG_RIP, REG_TRAPNO (tests/unit/sw_fp_diff.h) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/sw_fp_diff.h"

enum x87_class { C_ARITH, C_LDST, C_TRANS, NR_CLASSES };

static const char *const class_name[NR_CLASSES] = {
	[C_ARITH] = "x87 arithmetic and compares",
	[C_LDST] = "x87 load/store/convert",
	[C_TRANS] = "x87 transcendental, control and environment",
};

static bool in_list(const char *m, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(m, *list))
			return true;
	return false;
}

static enum x87_class row_class(const struct x87_form *f)
{
	static const char *const trans[] = {
		"f2xm1", "fyl2x", "fyl2xp1", "fptan", "fpatan", "fsin", "fcos", "fsincos",
		"fnop", "fdecstp", "fincstp", "fninit", "fnclex", "fldcw", "fnstcw", "fnstsw",
		"fneni", "fndisi", "fnsetpm", "ffree", "ffreep", "fldenv", "fnstenv", "frstor",
		"fnsave", NULL,
	};
	static const char *const ldst[] = {
		"fld", "fst", "fstp", "fild", "fist", "fistp", "fisttp", "fbld", "fbstp", "fxch",
		"fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", NULL,
	};
	if (in_list(f->mnem, trans))
		return C_TRANS;
	if (in_list(f->mnem, ldst) || !strncmp(f->mnem, "fcmov", 5))
		return C_LDST;
	return C_ARITH;
}

/* The row's encodings: slots 0-7 are the memory forms' ModRM.reg, 8 + n
 * the register form with ModRM C0 + n. */
static unsigned row_slots(unsigned row, uint8_t *slots)
{
	unsigned n = 0, op = x87_forms[row].op - 0xd8u;
	for (unsigned k = 0; k < X87_NKEYS; k++)
		if (x87_index[op][k] == row + 1)
			slots[n++] = (uint8_t)k;
	return n;
}

static bool is_env(const struct x87_form *f)
{
	return f->flags & XFL_C;
}

/* FLDENV/FNSTENV: 14 or 28 bytes; FRSTOR/FNSAVE add 80 (swvmm/simd_table.h). */
static unsigned env_size(const struct x87_form *f, bool o16)
{
	bool state = !strcmp(f->mnem, "frstor") || !strcmp(f->mnem, "fnsave");
	return (o16 ? 14u : 28u) + (state ? 80u : 0u);
}

/* Packed BCD: 18 digits (now and then an invalid one) and a sign byte. */
static void fill_bcd(uint64_t *seed, uint8_t *p)
{
	uint64_t r = diff_rand(seed);
	unsigned digits = (unsigned)(r % 19);
	memset(p, 0, 10);
	for (unsigned k = 0; k < digits; k++) {
		unsigned d = (unsigned)(diff_rand(seed) % ((r >> 8) % 16 ? 10 : 16));
		p[k / 2] |= (uint8_t)(d << (k & 1 ? 4 : 0));
	}
	p[9] = (uint8_t)((r >> 16) & 1 ? 0x80 : 0) | (uint8_t)((r >> 17) % 8 ? 0 : r >> 24);
}

/* An environment image (and the registers of a state image) made of a
 * random x87 state: control, status and full tag words in their slots,
 * the rest (pointers, reserved halves) left random. */
static void fill_env(uint64_t *seed, uint8_t *p, bool o16, bool state)
{
	struct fxsave_area fx;
	unsigned w = o16 ? 2 : 4;
	fpd_x87(seed, &fx, false);
	uint16_t tags = (uint16_t)diff_rand(seed);
	if ((tags & 1) == 0)
		tags = 0;                          /* all valid, now and then */
	memcpy(p, &fx.fcw, 2);
	memcpy(p + w, &fx.fsw, 2);
	memcpy(p + 2 * w, &tags, 2);
	for (unsigned k = 0; state && k < 8; k++)
		memcpy(p + 7 * w + 10 * k, fx.st[k], 10);
}

static void fill_operand(uint64_t *seed, const struct x87_form *f, uint8_t *p, bool o16)
{
	uint64_t v = diff_value(seed), m;
	if (is_env(f)) {
		if (!(f->flags & XFL_MEMDST))
			fill_env(seed, p, o16, env_size(f, o16) > 28);
	} else if (f->flags & XFL_MEMDST) {
		return;                            /* whatever was there */
	} else if (!strcmp(f->mnem, "fbld")) {
		fill_bcd(seed, p);
	} else if (!strcmp(f->mnem, "fldcw")) {
		struct fxsave_area fx;
		fpd_x87(seed, &fx, false);
		uint16_t cw = (diff_rand(seed) & 7) ? fx.fcw : (uint16_t)v;
		memcpy(p, &cw, 2);
	} else if (f->mnem[1] == 'i') {            /* fild, fiadd .. */
		memcpy(p, &v, f->msize);
	} else if (f->msize == 4) {
		uint32_t x = fpd_f32(seed);
		memcpy(p, &x, 4);
	} else if (f->msize == 8) {
		v = fpd_f64(seed);
		memcpy(p, &v, 8);
	} else if (f->msize == 10) {
		uint16_t se = fpd_f80(seed, &m);
		memcpy(p, &m, 8);
		memcpy(p + 8, &se, 2);
	}
}

static void x87_gen(uint64_t *seed, unsigned row, struct fpd_case *k, struct fpd_state *s)
{
	const struct x87_form *f = &x87_forms[row];
	struct fpd_enc e = { .has_modrm = true, .nop = 1, .op = { f->op } };
	uint8_t slots[X87_NKEYS];
	unsigned nslots = row_slots(row, slots);
	uint64_t r = diff_rand(seed);
	unsigned slot = slots[(r >> 8) % nslots];
	bool o16 = is_env(f) && (r & 1);

	fpd_state_init(seed, s, FPD_K_MIX, false);
	k->name = f->mnem;
	if (o16)
		e.pfx[e.npfx++] = 0x66;
	if (((r >> 1) & 3) == 0)
		e.rex = 0x40 | ((unsigned)(r >> 3) & 0xc);    /* W, R: ignored */
	if (slot < 8) {
		int disp;
		e.modrm = slot << 3;
		k->base = (int)fpd_mem_operand(seed, &e, 0, 1, &disp);
		unsigned at = (unsigned)(FPD_MID + disp);
		fill_operand(seed, f, s->mem + at, o16);
		if (is_env(f) && (f->flags & XFL_MEMDST)) {
			/* FIP, FOP|FCS, FDP, FDS */
			k->ign_off = (int)at + (o16 ? 6 : 12);
			k->ign_len = o16 ? 8 : 14;
		}
	} else {
		e.modrm = 0xc0 + slot - 8u;
	}
	fpd_emit(&e, k);
}

static void run_class(enum x87_class cls)
{
	struct fpd_sw d;
	unsigned rows[NR_X87_FORMS], n = 0;
	fpd_setup(&d);
	d.seed ^= (cls + 16) * 0x9e3779b97f4a7c15ull;
	for (unsigned row = 0; row < NR_X87_FORMS; row++)
		if (row_class(&x87_forms[row]) == cls)
			rows[n++] = row;
	fpd_run_class(&d, class_name[cls], rows, n, x87_gen);
}

FPD_CLASS_TEST(test_arith, C_ARITH)
FPD_CLASS_TEST(test_load_store, C_LDST)
FPD_CLASS_TEST(test_transcendental_control, C_TRANS)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arith),
		cmocka_unit_test(test_load_store),
		cmocka_unit_test(test_transcendental_control),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
