/* The x87 and SIMD rows (swvmm/simd_table.h) through the decoder: bytes
 * in, row and fields out, for a set chosen to cover each operand kind,
 * mandatory prefix, map and x87 key kind; then every row of both tables
 * encoded from its own key and decoded back in each mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "tests/unit/decode_fixture.h"

#define NOREG 0xff /* reg/rm not checked */

struct simd_case {
	enum decode_mode mode;
	const char *hex;
	int len;
	unsigned row;        /* SF_* */
	const char *mnem;
	uint8_t reg, rm;     /* rm NOREG for memory forms */
	uint64_t imm;
	uint8_t opsize;
};

static const struct simd_case simd_cases[] = {
	/* V, W register and memory; NP/66/F3/F2 on one opcode */
	{ DECODE_32, "0f 58 c1", 3, SF_ADDPS_VW, "addps", 0, 1, 0, 4 },
	{ DECODE_32, "66 0f 58 c1", 4, SF_ADDPD_VW, "addpd", 0, 1, 0, 4 },
	{ DECODE_32, "f3 0f 58 c1", 4, SF_ADDSS_VW, "addss", 0, 1, 0, 4 },
	{ DECODE_32, "f2 0f 58 08", 4, SF_ADDSD_VW, "addsd", 1, NOREG, 0, 4 },
	/* the last of F2/F3 picks the row, over 66 */
	{ DECODE_32, "f2 f3 66 0f 10 c1", 6, SF_MOVSS_VW, "movss", 0, 1, 0, 4 },
	{ DECODE_32, "66 f2 0f 10 c1", 5, SF_MOVSD_VW, "movsd", 0, 1, 0, 4 },
	/* REX.R/REX.B reach XMM8-15 */
	{ DECODE_64, "45 0f 28 c8", 4, SF_MOVAPS_VW, "movaps", 9, 8, 0, 4 },
	/* W, V store */
	{ DECODE_64, "0f 29 04 24", 4, SF_MOVAPS_WV, "movaps", 0, NOREG, 0, 4 },
	/* M and U share 0F 12: MOVLPS memory, MOVHLPS registers */
	{ DECODE_32, "0f 12 00", 3, SF_MOVLPS_VM, "movlps", 0, NOREG, 0, 4 },
	{ DECODE_32, "0f 12 c1", 3, SF_MOVHLPS_VU, "movhlps", 0, 1, 0, 4 },
	{ DECODE_32, "0f 16 c1", 3, SF_MOVLHPS_VU, "movlhps", 0, 1, 0, 4 },
	/* P, Q: MMX registers ignore REX */
	{ DECODE_64, "45 0f fc c1", 4, SF_PADDB_PQ, "paddb", 0, 1, 0, 4 },
	{ DECODE_32, "0f 60 00", 3, SF_PUNPCKLBW_PQ, "punpcklbw", 0, NOREG, 0, 4 },
	/* Ey and REX.W: MOVD/MOVQ */
	{ DECODE_64, "66 0f 6e c0", 4, SF_MOVD_VE, "movd", 0, 0, 0, 4 },
	{ DECODE_64, "66 48 0f 6e c0", 5, SF_MOVD_VE, "movq", 0, 0, 0, 8 },
	{ DECODE_64, "66 49 0f 7e c7", 5, SF_MOVD_EV, "movq", 0, 15, 0, 8 },
	{ DECODE_64, "48 0f 6e c8", 4, SF_MOVD_PE, "movq", 1, 0, 0, 8 },
	{ DECODE_64, "f3 0f 7e c1", 4, SF_MOVQ_VW, "movq", 0, 1, 0, 4 },
	/* Gy: CVTSS2SI r64 */
	{ DECODE_64, "f3 4c 0f 2d c1", 5, SF_CVTSS2SI_GW, "cvtss2si", 8, 1, 0, 8 },
	/* Gd, U and Gd, N, Ib */
	{ DECODE_64, "66 41 0f d7 c1", 5, SF_PMOVMSKB_GU, "pmovmskb", 0, 9, 0, 4 },
	{ DECODE_32, "0f c5 c1 03", 4, SF_PEXTRW_GNI, "pextrw", 0, 1, 3, 4 },
	/* V, N and P, U: MOVQ2DQ, MOVDQ2Q */
	{ DECODE_64, "f3 45 0f d6 c1", 5, SF_MOVQ2DQ_VN, "movq2dq", 8, 1, 0, 4 },
	{ DECODE_64, "f2 45 0f d6 c1", 5, SF_MOVDQ2Q_PU, "movdq2q", 0, 9, 0, 4 },
	/* Ib groups 0F 71-73: ModRM.reg picks the row */
	{ DECODE_32, "0f 71 d0 05", 4, SF_PSRLW_NI, "psrlw", 2, 0, 5, 4 },
	{ DECODE_32, "66 0f 73 f9 04", 5, SF_PSLLDQ_UI, "pslldq", 7, 1, 4, 4 },
	{ DECODE_32, "66 0f 73 d9 04", 5, SF_PSRLDQ_UI, "psrldq", 3, 1, 4, 4 },
	/* EMMS: no ModRM */
	{ DECODE_32, "0f 77", 2, SF_EMMS, "emms", NOREG, NOREG, 0, 4 },
	/* Ib after a memory operand with displacement */
	{ DECODE_32, "0f c2 40 10 02", 5, SF_CMPPS_VWI, "cmpps", 0, NOREG, 2, 4 },
	/* 0F 38: SSSE3 MMX and XMM, SSE4.1 with XMM0 */
	{ DECODE_32, "0f 38 00 c1", 4, SF_PSHUFB_PQ, "pshufb", 0, 1, 0, 4 },
	{ DECODE_32, "66 0f 38 00 c1", 5, SF_PSHUFB_VW, "pshufb", 0, 1, 0, 4 },
	{ DECODE_32, "66 0f 38 10 c1", 5, SF_PBLENDVB_VWX, "pblendvb", 0, 1, 0, 4 },
	{ DECODE_32, "66 0f 38 2a 00", 5, SF_MOVNTDQA_VM, "movntdqa", 0, NOREG, 0, 4 },
	/* 0F 3A: Ib, Eb/Ed/Ey destinations */
	{ DECODE_32, "66 0f 3a 0f c1 08", 6, SF_PALIGNR_VWI, "palignr", 0, 1, 8, 4 },
	{ DECODE_64, "66 41 0f 3a 14 c0 01", 7, SF_PEXTRB_EVI, "pextrb", 0, 8, 1, 4 },
	{ DECODE_64, "66 48 0f 3a 16 c0 01", 7, SF_PEXTRD_EVI, "pextrq", 0, 0, 1, 8 },
	{ DECODE_64, "66 48 0f 3a 22 c0 01", 7, SF_PINSRD_VEI, "pinsrq", 0, 0, 1, 8 },
	{ DECODE_32, "66 0f 3a 17 00 02", 6, SF_EXTRACTPS_EVI, "extractps", 0, NOREG, 2, 4 },
	{ DECODE_32, "66 0f 3a 63 c1 0c", 6, SF_PCMPISTRI_VWI, "pcmpistri", 0, 1, 12, 4 },
	/* 16-bit addressing */
	{ DECODE_16, "66 0f 6f 47 02", 5, SF_MOVDQA_VW, "movdqa", 0, NOREG, 0, 4 },
};

static void check_simd_case(const struct simd_case *k)
{
	struct insn d;
	char what[80];

	snprintf(what, sizeof(what), "%s", k->hex);
	if (dec(k->mode, k->hex, &d) != k->len)
		fail_msg("%s: length", what);
	if (d.form != IF_SIMD || d.imm2 != k->row)
		fail_msg("%s: row %u, want %u", what, d.imm2, k->row);
	assert_ptr_equal(insn_simd(&d), &simd_forms[k->row]);
	assert_null(insn_x87(&d));
	assert_string_equal(insn_mnemonic_str(&d), k->mnem);
	if (k->reg != NOREG)
		assert_int_equal(d.reg, k->reg);
	if (k->rm == NOREG && k->reg != NOREG) {
		assert_true(d.flags & INSN_MEM);
	} else if (k->rm != NOREG) {
		assert_false(d.flags & INSN_MEM);
		assert_int_equal(d.rm, k->rm);
	}
	assert_int_equal(d.imm, k->imm);
	assert_int_equal(d.opsize, k->opsize);
}

static void test_simd_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(simd_cases) / sizeof(simd_cases[0]); i++)
		check_simd_case(&simd_cases[i]);
}

static void test_simd_ud(void **state)
{
	(void)state;
	struct insn d;
	static const char *const ud[] = {
		"f3 0f 14 c1",          /* UNPCKLPS has no F3 form */
		"66 0f 52 c1",          /* RSQRTPS has no 66 form */
		"66 0f 77 c0",          /* EMMS is NP only */
		"0f 13 c1",             /* MOVLPS store: memory only */
		"0f 50 00",             /* MOVMSKPS: register only */
		"0f 73 d9 01",          /* PSRLDQ has no MMX form */
		"0f 71 00 01",          /* the shift groups take registers only */
		"0f 72 f8 01",          /* 0F 72 /7 is reserved */
		"f0 0f 58 00",          /* LOCK */
		"f2 0f f0 c1",          /* LDDQU: memory only */
		"0f 38 10 c1",          /* PBLENDVB has no NP form */
		"66 0f 38 c8 c1",       /* SHA: out of scope */
		"66 0f 3a df c1 00",    /* AESKEYGENASSIST: out of scope */
		"f3 0f 2b 00",          /* SSE4a MOVNTSS: out of scope */
	};
	for (size_t i = 0; i < sizeof(ud) / sizeof(ud[0]); i++)
		if (dec(DECODE_64, ud[i], &d) != DECODE_UD)
			fail_msg("%s: not #UD", ud[i]);
	assert_int_equal(dec(DECODE_32, "0f 71 e0 01", &d), 4);
	assert_int_equal(d.imm2, SF_PSRAW_NI);
	/* the immediate is needed: a truncated string asks for more */
	assert_int_equal(dec(DECODE_32, "66 0f 3a 0f c1", &d), DECODE_MORE);
}

/* What the rows say besides the operands: sizes, alignment, stores. */
static void test_simd_row_fields(void **state)
{
	(void)state;
	const struct simd_form *f = &simd_forms[SF_MOVAPS_WV];

	assert_int_equal(f->map, 1);
	assert_int_equal(f->op, 0x29);
	assert_int_equal(f->pfx, SPFX_NP);
	assert_int_equal(f->o[0], SOP_W);
	assert_int_equal(f->o[1], SOP_V);
	assert_int_equal(f->feat, SFEAT_SSE);
	assert_int_equal(f->msize, 16);
	assert_int_equal(f->flags & (SFL_A16 | SFL_MEMDST), SFL_A16 | SFL_MEMDST);
	assert_false(simd_forms[SF_MOVUPS_VW].flags & SFL_A16);
	assert_false(simd_forms[SF_LDDQU_VM].flags & SFL_A16);
	assert_false(simd_forms[SF_PCMPESTRI_VWI].flags & SFL_A16);
	assert_true(simd_forms[SF_PCMPESTRI_VWI].flags & SFL_ECX);
	assert_true(simd_forms[SF_PALIGNR_VWI].flags & SFL_A16);
	assert_true(simd_forms[SF_MOVNTDQA_VM].flags & SFL_A16);
	assert_int_equal(simd_forms[SF_ADDSS_VW].msize, 4);
	assert_int_equal(simd_forms[SF_PMOVZXBQ_VW].msize, 2);
	assert_int_equal(simd_forms[SF_PUNPCKLBW_PQ].msize, 4);
	assert_true(simd_forms[SF_COMISD_VW].flags & SFL_FLAGS);
	assert_true(simd_forms[SF_ADDPS_VW].flags & SFL_MXCSR);
	assert_false(simd_forms[SF_ANDPS_VW].flags & SFL_MXCSR);
	assert_true(simd_forms[SF_MOVQ2DQ_VN].flags & SFL_MMX);
	assert_true(simd_forms[SF_MASKMOVDQU_VU].flags & SFL_C);
	assert_true(simd_forms[SF_PEXTRW_EVI].flags & SFL_MEMDST);
	assert_int_equal(simd_forms[SF_PTEST_VW].feat, SFEAT_SSE41);
	assert_int_equal(simd_forms[SF_PCMPGTQ_VW].feat, SFEAT_SSE42);
	assert_int_equal(simd_forms[SF_PSHUFW_PQI].feat, SFEAT_SSE);
	assert_int_equal(simd_forms[SF_PADDQ_PQ].feat, SFEAT_SSE2);
}

struct x87_case {
	const char *hex;
	int len;
	unsigned row;        /* X87_* */
	const char *mnem;
	bool mem;
	uint8_t rm;          /* i of ST(i) for register forms */
};

static const struct x87_case x87_cases[] = {
	{ "d8 00", 2, X87_FADD_M32, "fadd", true, 0 },
	{ "dc 44 24 08", 4, X87_FADD_M64, "fadd", true, 0 },
	{ "de 0d 34 12 00 00", 6, X87_FIMUL_M16I, "fimul", true, 0 },
	{ "da 78 10", 3, X87_FIDIVR_M32I, "fidivr", true, 0 },
	{ "db 28", 2, X87_FLD_M80, "fld", true, 0 },
	{ "df 30", 2, X87_FBSTP_M80BCD, "fbstp", true, 0 },
	{ "df 38", 2, X87_FISTP_M64I, "fistp", true, 0 },
	{ "dd 08", 2, X87_FISTTP_M64I, "fisttp", true, 0 },
	{ "d9 28", 2, X87_FLDCW, "fldcw", true, 0 },
	{ "dd 38", 2, X87_FNSTSW_M16, "fnstsw", true, 0 },
	{ "d9 30", 2, X87_FNSTENV, "fnstenv", true, 0 },
	{ "d8 c3", 2, X87_FADD_ST0_STI, "fadd", false, 3 },
	{ "dc c3", 2, X87_FADD_STI_ST0, "fadd", false, 3 },
	{ "de c1", 2, X87_FADDP_STI_ST0, "faddp", false, 1 },
	{ "dc e9", 2, X87_FSUB_STI_ST0, "fsub", false, 1 },
	{ "de e1", 2, X87_FSUBRP_STI_ST0, "fsubrp", false, 1 },
	{ "d9 c9", 2, X87_FXCH_STI, "fxch", false, 1 },
	{ "db f7", 2, X87_FCOMI_STI, "fcomi", false, 7 },
	{ "df e9", 2, X87_FUCOMIP_STI, "fucomip", false, 1 },
	{ "da d1", 2, X87_FCMOVBE_STI, "fcmovbe", false, 1 },
	{ "d9 e8", 2, X87_FLD1, "fld1", false, 0 },
	{ "d9 ff", 2, X87_FCOS, "fcos", false, 7 },
	{ "d9 d0", 2, X87_FNOP, "fnop", false, 0 },
	{ "de d9", 2, X87_FCOMPP, "fcompp", false, 1 },
	{ "da e9", 2, X87_FUCOMPP, "fucompp", false, 1 },
	{ "db e3", 2, X87_FNINIT, "fninit", false, 3 },
	{ "df e0", 2, X87_FNSTSW_AX, "fnstsw", false, 0 },
	/* undocumented aliases */
	{ "d9 da", 2, X87_FSTP1_STI, "fstp", false, 2 },
	{ "dd c9", 2, X87_FXCH4_STI, "fxch", false, 1 },
	{ "df c1", 2, X87_FFREEP_STI, "ffreep", false, 1 },
	{ "db e4", 2, X87_FNSETPM, "fnsetpm", false, 4 },
};

static void test_x87_cases(void **state)
{
	(void)state;
	struct insn d;

	for (size_t i = 0; i < sizeof(x87_cases) / sizeof(x87_cases[0]); i++) {
		const struct x87_case *k = &x87_cases[i];
		if (dec(DECODE_64, k->hex, &d) != k->len)
			fail_msg("%s: length", k->hex);
		if (d.form != IF_X87 || d.imm2 != k->row)
			fail_msg("%s: row %u, want %u", k->hex, d.imm2, k->row);
		assert_ptr_equal(insn_x87(&d), &x87_forms[k->row]);
		assert_null(insn_simd(&d));
		assert_string_equal(insn_mnemonic_str(&d), k->mnem);
		assert_int_equal(!!(d.flags & INSN_MEM), k->mem);
		if (!k->mem)
			assert_int_equal(d.rm, k->rm);
	}
	/* REX does not reach beyond ST(7) */
	assert_int_equal(dec(DECODE_64, "41 d8 c1", &d), 3);
	assert_int_equal(d.rm, 1);
	/* reserved encodings */
	assert_int_equal(dec(DECODE_32, "d9 08", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "d9 d1", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "d9 e2", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "db e5", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "df e1", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "de d8", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "dd f0", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "f0 d8 00", &d), DECODE_UD);
	/* row fields */
	assert_int_equal(x87_forms[X87_FLD_M80].msize, 10);
	assert_int_equal(x87_forms[X87_FILD_M64I].msize, 8);
	assert_int_equal(x87_forms[X87_FNSAVE].msize, 0);
	assert_int_equal(x87_forms[X87_FNSTCW].flags, XFL_NOWAIT | XFL_CONTROL | XFL_MEMDST);
	assert_int_equal(x87_forms[X87_FLDCW].flags, XFL_CONTROL);
	assert_int_equal(x87_forms[X87_FNSTENV].flags,
	                 XFL_NOWAIT | XFL_CONTROL | XFL_MEMDST | XFL_C);
	assert_int_equal(x87_forms[X87_FST_M64].flags, XFL_MEMDST);
	assert_int_equal(x87_forms[X87_FSIN].op, 0xd9);
}

/* Every SIMD row, encoded from its own key (a memory ModRM unless the row
 * is register-only), decodes to that row in each mode. */
static void test_every_simd_row(void **state)
{
	(void)state;
	static const uint8_t pfx[] = { 0, 0x66, 0xf3, 0xf2 };

	for (unsigned row = 0; row < NR_SIMD_FORMS; row++) {
		const struct simd_form *f = &simd_forms[row];
		uint8_t b[8];
		unsigned n = 0;
		struct insn d;

		if (f->pfx)
			b[n++] = pfx[f->pfx];
		b[n++] = 0x0f;
		if (f->map > 1)
			b[n++] = f->map == 2 ? 0x38 : 0x3a;
		b[n++] = f->op;
		if (f->o[0] != SOP___)
			b[n++] = (uint8_t)((f->flags & SFL_NOMEM ? 0xc1 : 0x01) |
			                   (f->flags & SFL_GRP ? SFL_GRP_REG(f->flags) << 3 : 0));
		if (f->o[0] == SOP_Ib || f->o[1] == SOP_Ib || f->o[2] == SOP_Ib)
			b[n++] = 0x5a;
		for (int m = DECODE_16; m <= DECODE_64; m++) {
			if (decode_insn(b, n, (enum decode_mode)m, &d) != (int)n ||
			    d.form != IF_SIMD || d.imm2 != row)
				fail_msg("row %u (%s) mode %d", row, f->mnem, m);
		}
	}
}

/* The same for the x87 rows; the key is expanded into a ModRM here. */
#define XM(reg)   ((reg) << 3)
#define XR(reg)   (0xc5 | (reg) << 3)
#define XE(modrm) (modrm)
static const uint8_t x87_modrm[NR_X87_FORMS] = {
#define X87_MODRM(op, key, name, mnem, msize, fl) [X87_##name] = key,
	X87_TABLE(X87_MODRM)
#undef X87_MODRM
};
#undef XM
#undef XR
#undef XE

static void test_every_x87_row(void **state)
{
	(void)state;
	for (unsigned row = 0; row < NR_X87_FORMS; row++) {
		uint8_t b[2] = { x87_forms[row].op, x87_modrm[row] };
		struct insn d;
		for (int m = DECODE_16; m <= DECODE_64; m++)
			if (decode_insn(b, 2, (enum decode_mode)m, &d) != 2 ||
			    d.form != IF_X87 || d.imm2 != row)
				fail_msg("row %u (%s) mode %d", row, x87_forms[row].mnem, m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simd_cases),
		cmocka_unit_test(test_simd_ud),
		cmocka_unit_test(test_simd_row_fields),
		cmocka_unit_test(test_x87_cases),
		cmocka_unit_test(test_every_simd_row),
		cmocka_unit_test(test_every_x87_row),
	};
	return cmocka_run_group_tests_name("decode_simd", tests, NULL, NULL);
}
