/* Arithmetic that exists only outside 64-bit mode (DAA DAS AAA AAS AAM
 * AAD SALC, INC/DEC 40+r, group 82) and operand-size defaults in real
 * mode. A 64-bit host cannot run these natively: expected values are
 * worked out from the SDM pseudocode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "swvmm/flags.h"
#include "tests/unit/sw_fixture.h"

#define F_CF RFLAGS_CF
#define F_PF RFLAGS_PF
#define F_AF RFLAGS_AF
#define F_ZF RFLAGS_ZF
#define F_SF RFLAGS_SF
#define F_OF RFLAGS_OF
#define F_ARITH SW_FLAGS_ARITH

struct bcd_case {
	const char *text;
	uint8_t code[4];
	unsigned len;
	uint64_t ax_in, flags_in;
	uint64_t ax_out, flags_out;  /* arithmetic flags after */
};

/* Each case runs from EAX = ax_in with the given flags; every case but
 * the adjustments themselves prepares AL with an ADD/SUB as programs do. */
static const struct bcd_case bcd_cases[] = {
	/* add al, 0x35; daa: 0x79 + 0x35 = 0xae -> 0x14, CF (decimal 114) */
	{ "add al,0x35; daa", { 0x04, 0x35, 0x27 }, 3, 0x79, 0, 0x14, F_CF | F_AF | F_PF },
	/* daa on 0x99 with CF=0, AF=0: unchanged */
	{ "daa (0x99)", { 0x27 }, 1, 0x99, 0, 0x99, F_SF | F_PF },
	/* daa on 0x00 with AF and CF set: 0x66 */
	{ "daa (0x00, AF CF)", { 0x27 }, 1, 0x00, F_AF | F_CF, 0x66, F_CF | F_AF | F_PF },
	/* sub al, 0x47; das: 0x35 - 0x47 = 0xee -> 0x88, CF (decimal -12 -> 88 borrow) */
	{ "sub al,0x47; das", { 0x2c, 0x47, 0x2f }, 3, 0x35, 0, 0x88, F_CF | F_AF | F_SF | F_PF },
	/* das on 0x03 with AF: 0x03 - 6 borrows, CF from the borrow */
	{ "das (0x03, AF)", { 0x2f }, 1, 0x03, F_AF, 0xfd, F_CF | F_AF | F_SF },
	/* add al, 8; aaa: AX 0x0009 + 8 -> 0x0107 (PF as ADD left it: 0x11) */
	{ "add al,8; aaa", { 0x04, 0x08, 0x37 }, 3, 0x0009, 0, 0x0107, F_CF | F_AF | F_PF },
	/* aaa on AL 0xfa: AX + 0x106 carries into AH: 0x0200 */
	{ "aaa (0xfa)", { 0x37 }, 1, 0x00fa, 0, 0x0200, F_CF | F_AF },
	/* aaa without adjustment keeps SF ZF PF OF and clears the high nibble */
	{ "aaa (0x35, SF ZF)", { 0x37 }, 1, 0x0135, F_SF | F_ZF, 0x0105, F_SF | F_ZF },
	/* sub al, 5; aas: AX 0x0102 - 5 -> 0x0007 (SF, PF as SUB left them) */
	{ "sub al,5; aas", { 0x2c, 0x05, 0x3f }, 3, 0x0102, 0, 0x0007, F_CF | F_AF | F_SF },
	/* aam: AL 0x4f (79) -> AH 7, AL 9 */
	{ "aam", { 0xd4, 0x0a }, 2, 0x4f, F_CF | F_OF | F_AF, 0x0709, F_PF },
	/* aam 16: 0x4f -> 0x040f */
	{ "aam 16", { 0xd4, 0x10 }, 2, 0x4f, 0, 0x040f, F_PF },
	/* aad: 0x0709 -> 0x004f (79) */
	{ "aad", { 0xd5, 0x0a }, 2, 0x0709, 0, 0x004f, 0 },
	/* aad 16: 0x0409 -> 0x0049 */
	{ "aad 16", { 0xd5, 0x10 }, 2, 0x0409, 0, 0x0049, 0 },
	/* aad: AH 10 * 10 = 100 = 0x64 */
	{ "aad (0x0a00)", { 0xd5, 0x0a }, 2, 0x0a00, 0, 0x0064, 0 },
	/* salc */
	{ "salc (CF)", { 0xd6 }, 1, 0x1234, F_CF, 0x12ff, F_CF },
	{ "salc (no CF)", { 0xd6 }, 1, 0x12ab, F_ZF, 0x1200, F_ZF },
	/* inc eax (40): OF at the signed maximum, CF kept */
	{ "inc eax", { 0x40 }, 1, 0x7fffffff, F_CF, 0x80000000, F_CF | F_OF | F_SF | F_AF | F_PF },
	/* dec cx (66 49) on 0: CF kept clear, SF AF PF */
	{ "dec ax (66 48)", { 0x66, 0x48 }, 2, 0x10000, 0, 0x1ffff, F_SF | F_AF | F_PF },
	/* 82 /0: add al, 1 (the 80 alias) */
	{ "add al,1 (82)", { 0x82, 0xc0, 0x01 }, 3, 0xff, 0, 0x00, F_CF | F_ZF | F_AF | F_PF },
	/* 82 /7: cmp al, 0x80: 0x7f - 0x80 = 0xff, borrow and signed overflow */
	{ "cmp al,0x80 (82)", { 0x82, 0xf8, 0x80 }, 3, 0x7f, 0, 0x7f, F_CF | F_OF | F_SF | F_PF },
};

static void test_bcd_prot32(void **state)
{
	(void)state;
	int bad = 0;
	for (size_t k = 0; k < sizeof(bcd_cases) / sizeof(bcd_cases[0]); k++) {
		const struct bcd_case *b = &bcd_cases[k];
		struct sw_fx *fx = fx_new(FX_PROT32);
		assert_non_null(fx);
		struct sw_cpu *c = fx->c;
		uint8_t code[8];
		memcpy(code, b->code, b->len);
		code[b->len] = 0xf4;
		fx_code_at(fx, FX_CODE_ADDR, code, b->len + 1);
		c->s.gpr[RAX] = b->ax_in;
		c->s.rflags = RFLAGS_FIXED | b->flags_in;
		/* Run up to the HLT: one or two instructions. */
		fx_run(fx, b->len > 2 && b->code[0] != 0x82 ? 2 : 1);
		fx_assert_no_exc(fx);
		if (c->s.gpr[RAX] != b->ax_out || (c->s.rflags & F_ARITH) != b->flags_out) {
			bad++;
			print_error("%s: eax %#llx flags %#llx, expected %#llx %#llx\n", b->text,
			         (unsigned long long)c->s.gpr[RAX],
			         (unsigned long long)(c->s.rflags & F_ARITH),
			         (unsigned long long)b->ax_out, (unsigned long long)b->flags_out);
		}
		fx_free(fx);
	}
	assert_int_equal(bad, 0);
}

/* AAM with a zero base divides by zero: #DE, AX unchanged. */
static void test_aam_zero(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_PROT32);
	assert_non_null(fx);
	FX_CODE(fx, 0xd4, 0x00, 0xf4);   /* aam 0 */
	fx->c->s.gpr[RAX] = 0x1234;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_DE, FX_NOERR);
	assert_int_equal(fx->c->s.gpr[RAX], 0x1234);
	fx_free(fx);
}

/* Real mode: 01 D8 is ADD AX, BX (the upper half of EAX kept); with 66 it
 * is ADD EAX, EBX. */
/* BOUND r32, m32&32: in range runs on; below or above raises #BR as a
 * fault (RIP stays at the BOUND, registers unchanged). */
static void test_bound(void **state)
{
	(void)state;
	static const struct { int32_t idx; bool br; } cases[] = {
		{ -5, false }, { 10, false }, { 0, false }, { -6, true }, { 11, true },
	};
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct sw_fx *fx = fx_new(FX_PROT32);
		assert_non_null(fx);
		int32_t bounds[2] = { -5, 10 };
		assert_int_equal(gmem_write(&fx->vm.mem, FX_DATA_ADDR, bounds, sizeof(bounds)), 0);
		FX_CODE(fx, 0x62, 0x03, 0xf4);       /* bound eax, [ebx]; hlt */
		fx->c->s.gpr[RAX] = (uint32_t)cases[k].idx;
		fx->c->s.gpr[RBX] = FX_DATA_ADDR;
		fx_run(fx, 2);
		if (cases[k].br) {
			fx_assert_exc(fx, EXC_BR, FX_NOERR);
		} else {
			fx_assert_no_exc(fx);
			assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 3);
		}
		assert_int_equal((uint32_t)fx->c->s.gpr[RAX], (uint32_t)cases[k].idx);
		fx_free(fx);
	}
	/* 16-bit operand size reads two words. */
	struct sw_fx *fx = fx_new(FX_PROT32);
	int16_t b16[2] = { 100, 200 };
	assert_int_equal(gmem_write(&fx->vm.mem, FX_DATA_ADDR, b16, sizeof(b16)), 0);
	FX_CODE(fx, 0x66, 0x62, 0x03, 0xf4);         /* bound ax, [ebx] */
	fx->c->s.gpr[RAX] = 0xffff0000u | 201;       /* upper half is not the index */
	fx->c->s.gpr[RBX] = FX_DATA_ADDR;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_BR, FX_NOERR);
	fx_free(fx);
}

static void test_real_mode_sizes(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_REAL);
	assert_non_null(fx);
	struct sw_cpu *c = fx->c;
	FX_CODE(fx, 0x01, 0xd8, 0x66, 0x01, 0xd8, 0xf4);   /* add ax, bx; add eax, ebx */
	c->s.gpr[RAX] = 0x1234ffff;
	c->s.gpr[RBX] = 1;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(c->s.gpr[RAX], 0x12340000);
	assert_int_equal(c->s.rflags & (F_CF | F_ZF), F_CF | F_ZF);
	fx_run(fx, 1);
	assert_int_equal(c->s.gpr[RAX], 0x12340001);
	assert_int_equal(c->s.rflags & (F_CF | F_ZF), 0);
	fx_free(fx);
}

/* The adjustments are invalid in 64-bit mode. */
static void test_bcd_ud_in_long_mode(void **state)
{
	(void)state;
	static const uint8_t ops[] = { 0x27, 0x2f, 0x37, 0x3f, 0xd4, 0xd5, 0xd6 };
	for (size_t k = 0; k < sizeof(ops); k++) {
		struct sw_fx *fx = fx_new(FX_LONG64);
		assert_non_null(fx);
		FX_CODE(fx, ops[k], 0x0a, 0xf4);
		fx_run(fx, 1);
		fx_assert_exc(fx, EXC_UD, FX_NOERR);
		fx_free(fx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bcd_prot32),
		cmocka_unit_test(test_aam_zero),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_real_mode_sizes),
		cmocka_unit_test(test_bcd_ud_in_long_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
