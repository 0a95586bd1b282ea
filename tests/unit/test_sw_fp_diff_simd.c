/* The MMX and SSE..SSE4.2 rows of the interpreter against the host
 * processor (tests/unit/sw_fp_diff.h): every row of SIMD_TABLE, in classes
 * of at least FPD_CLASS_MIN generated cases each, plus CRC32 (a main-table
 * instruction, swvmm/exec_alu_bit.c) with the SSE4.2 string compares.
 *
 * A case is built from the row alone: its mandatory prefix (now and then
 * a redundant 66 before F2/F3), REX with random W (the row's size where
 * SFL_W says so, ignored elsewhere), R, X, B bits, the escape and opcode
 * bytes, a ModRM with random XMM0-15, MM and general registers, or memory
 * at [base + disp8] with base a random general register pointing into the
 * buffer (16-byte aligned where SFL_A16 asks for it), and a random imm8.
 * MASKMOVQ/MASKMOVDQU (SFL_C) store through RDI: RDI is their base. */
#define _GNU_SOURCE   /* REG_RIP, REG_TRAPNO (tests/unit/sw_fp_diff.h) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/sw_fp_diff.h"

enum simd_class {
	C_MMX, C_PACKED, C_SCALAR, C_CVT, C_INT, C_SSE4, C_STR, C_IMM, NR_CLASSES
};

static const char *const class_name[NR_CLASSES] = {
	[C_MMX] = "MMX",
	[C_PACKED] = "SSE float packed",
	[C_SCALAR] = "SSE float scalar",
	[C_CVT] = "conversions",
	[C_INT] = "integer SIMD",
	[C_SSE4] = "SSSE3/SSE4.1",
	[C_STR] = "SSE4.2 string/CRC32/PCMPGTQ",
	[C_IMM] = "shuffles/inserts/extracts (imm8)",
};

/* CRC32 (F2 0F 38 F0/F1) rows after the table's. */
enum { ROW_CRC32_EB = NR_SIMD_FORMS, ROW_CRC32_EV, NR_ROWS };

static bool is_gpr_op(unsigned o)
{
	return o >= SOP_Gd && o <= SOP_Ry;
}

static bool ends_with(const char *s, const char *t)
{
	size_t n = strlen(s), m = strlen(t);
	return n >= m && !strcmp(s + n - m, t);
}

static enum simd_class row_class(unsigned row)
{
	if (row >= NR_SIMD_FORMS)
		return C_STR;
	const struct simd_form *f = &simd_forms[row];
	if (f->feat == SFEAT_SSE42 || f->feat == SFEAT_PCLMUL)
		return C_STR;
	if (!strncmp(f->mnem, "cvt", 3))
		return C_CVT;
	if (simd_has_imm(f) && !(f->flags & SFL_MXCSR))
		return C_IMM;
	if (f->flags & SFL_MMX)
		return C_MMX;
	if (ends_with(f->mnem, "ss") || ends_with(f->mnem, "sd"))
		return C_SCALAR;
	if (ends_with(f->mnem, "ps") || ends_with(f->mnem, "pd") || (f->flags & SFL_MXCSR))
		return C_PACKED;
	if (f->feat == SFEAT_SSSE3 || f->feat == SFEAT_SSE41)
		return C_SSE4;
	return C_INT;
}

/* What the XMM lanes and memory mostly hold. */
static enum fpd_kind row_kind(const struct simd_form *f)
{
	const char *m = f->mnem + 1;
	if (strstr(m, "ps") || ends_with(m, "ss"))
		return FPD_K_F32;
	if (strstr(m, "pd") || strstr(m, "sd"))
		return FPD_K_F64;
	return FPD_K_INT;
}

static const uint8_t mandatory[4] = { 0, 0x66, 0xf3, 0xf2 };

/* CRC32 r32/r64, r/m8 (F0) or r/m16/32/64 (F1): byte registers 4-7
 * without REX are AH..BH. */
static void crc32_gen(uint64_t *seed, unsigned row, struct fpd_case *k, struct fpd_state *s)
{
	struct fpd_enc e = { .has_modrm = true };
	uint64_t r = diff_rand(seed);
	bool byte = row == ROW_CRC32_EB;
	fpd_state_init(seed, s, FPD_K_INT, false);
	k->name = byte ? "CRC32 Gd, Eb" : "CRC32 Gd, Ev";
	if (!byte && (r & 3) == 0)
		e.pfx[e.npfx++] = 0x66;
	e.pfx[e.npfx++] = 0xf2;
	e.rex = (r >> 2) & 1 ? 0x48 : 0;
	if ((r >> 3) & 1)
		e.rex |= 0x40;
	unsigned g = fpd_gpr(seed, 0);
	e.modrm = (g & 7) << 3;
	if (g & 8)
		e.rex |= 0x44;
	if ((r >> 4) & 1) {
		int disp;
		/* the destination is read too: never the base */
		k->base = (int)fpd_mem_operand(seed, &e, 1u << g, 1, &disp);
	} else {
		unsigned m = fpd_gpr(seed, 0);
		if (byte && !e.rex && m >= 8)
			m &= 7;                 /* AH, CH, DH, BH (or AL ..) */
		e.modrm |= 0xc0 | (m & 7);
		if (m & 8)
			e.rex |= 0x41;
	}
	e.op[0] = 0x0f;
	e.op[1] = 0x38;
	e.op[2] = byte ? 0xf0 : 0xf1;
	e.nop = 3;
	fpd_emit(&e, k);
}

static void simd_gen(uint64_t *seed, unsigned row, struct fpd_case *k, struct fpd_state *s)
{
	if (row >= NR_SIMD_FORMS) {
		crc32_gen(seed, row, k, s);
		return;
	}
	const struct simd_form *f = &simd_forms[row];
	struct fpd_enc e = { .has_modrm = f->o[0] != SOP___ };      /* EMMS: none */
	uint64_t r = diff_rand(seed);
	unsigned ro = simd_reg_operand(f), mo = simd_rm_operand(f);
	unsigned avoid = f->flags & SFL_ECX ? 1u << RAX | 1u << RCX | 1u << RDX : 0;
	bool mem = f->flags & SFL_NOREG ? true : f->flags & (SFL_NOMEM | SFL_C) ? false : (r & 1);
	mem = mem && e.has_modrm;

	fpd_state_init(seed, s, (r >> 60) ? row_kind(f) : FPD_K_MIX, f->flags & SFL_MMX);
	k->name = f->mnem;
	if (f->pfx >= SPFX_F3 && ((r >> 1) & 7) == 0)
		e.pfx[e.npfx++] = 0x66;                 /* ignored before F2/F3 */
	if (f->pfx)
		e.pfx[e.npfx++] = mandatory[f->pfx];
	/* W: the operand size of SFL_W rows, ignored by the others (now and
	 * then); X, without a SIB byte, ignored. */
	if ((f->flags & SFL_W) ? (r >> 4) & 1 : ((r >> 4) & 7) == 0)
		e.rex |= 0x48;
	if (!mem && ((r >> 7) & 7) == 0)
		e.rex |= 0x42;

	unsigned reg;
	if (f->flags & SFL_GRP)
		reg = SFL_GRP_REG(f->flags) | (((r >> 10) & 3) == 0 ? 8 : 0);
	else if (is_gpr_op(ro))
		reg = fpd_gpr(seed, avoid);
	else
		reg = (unsigned)(r >> 12) & 15;      /* XMM0-15; MM with REX.R ignored */
	e.modrm = (reg & 7) << 3;
	if (reg & 8)
		e.rex |= 0x44;

	if (mem) {
		int disp;
		k->base = (int)fpd_mem_operand(seed, &e, avoid, f->flags & SFL_A16 ? 16 : 1, &disp);
	} else {
		unsigned rm = is_gpr_op(mo) ? fpd_gpr(seed, avoid) : (unsigned)(r >> 16) & 15;
		e.modrm |= 0xc0 | (rm & 7);
		if (rm & 8)
			e.rex |= 0x41;
	}
	if (f->flags & SFL_C)
		k->base = RDI;                       /* MASKMOV*: DS:rDI */

	e.op[e.nop++] = 0x0f;
	if (f->map == 2)
		e.op[e.nop++] = 0x38;
	else if (f->map == 3)
		e.op[e.nop++] = 0x3a;
	e.op[e.nop++] = f->op;
	fpd_emit(&e, k);
	if (simd_has_imm(f))
		k->code[k->len++] = (uint8_t)(r >> 24);

	/* PCMPESTRx: string lengths in EAX and EDX, often in range. */
	if ((f->flags & SFL_ECX) && ((r >> 32) & 3)) {
		s->r[RAX] = (uint64_t)(int64_t)((int)((r >> 36) % 41) - 20);
		s->r[RDX] = (uint64_t)(int64_t)((int)((r >> 44) % 41) - 20);
	}
}

/* Whether the row can run: the host must have its feature. One the CPUID
 * model does not offer (PCLMULQDQ) is enabled in this interpreter only,
 * so that its row is checked all the same. */
static bool feature_present(struct sw_cpu *c, unsigned feat, const char *name, const char **why)
{
	static const struct { uint32_t leaf; unsigned reg, bit; } cpuid[] = {
#define FEAT_ROW(name, leaf, reg, bit) { leaf, reg, bit },
		SIMD_FEATURE_LIST(FEAT_ROW)
#undef FEAT_ROW
	};
	if (!fpd_host_has(cpuid[feat].leaf, cpuid[feat].reg, cpuid[feat].bit)) {
		*why = "the host processor lacks it";
		return false;
	}
	if (!(c->simd_feats & (1u << feat))) {
		printf("# %s: not offered by the CPUID model, enabled for this test\n", name);
		c->simd_feats |= 1u << feat;
	}
	return true;
}

static void run_class(enum simd_class cls)
{
	struct fpd_sw d;
	unsigned rows[NR_ROWS], n = 0, skipped = 0;
	fpd_setup(&d);
	d.seed ^= cls * 0x9e3779b97f4a7c15ull;
	for (unsigned row = 0; row < NR_ROWS; row++) {
		if (row_class(row) != cls)
			continue;
		unsigned feat = row < NR_SIMD_FORMS ? simd_forms[row].feat : SFEAT_SSE42;
		const char *why, *name = row < NR_SIMD_FORMS ? simd_forms[row].mnem : "crc32";
		if (!feature_present(d.fx->c, feat, name, &why)) {
			printf("# %s: skip %s: %s\n", class_name[cls], name, why);
			skipped++;
			continue;
		}
		rows[n++] = row;
	}
	if (skipped)
		printf("# %s: %u rows skipped\n", class_name[cls], skipped);
	fpd_run_class(&d, class_name[cls], rows, n, simd_gen);
}

FPD_CLASS_TEST(test_mmx, C_MMX)
FPD_CLASS_TEST(test_float_packed, C_PACKED)
FPD_CLASS_TEST(test_float_scalar, C_SCALAR)
FPD_CLASS_TEST(test_conversions, C_CVT)
FPD_CLASS_TEST(test_integer, C_INT)
FPD_CLASS_TEST(test_ssse3_sse41, C_SSE4)
FPD_CLASS_TEST(test_sse42_crc32, C_STR)
FPD_CLASS_TEST(test_imm8, C_IMM)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmx),
		cmocka_unit_test(test_float_packed),
		cmocka_unit_test(test_float_scalar),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_integer),
		cmocka_unit_test(test_ssse3_sse41),
		cmocka_unit_test(test_sse42_crc32),
		cmocka_unit_test(test_imm8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
