/* BT BTS BTR BTC (register, immediate and memory forms, with memory bit
 * offsets that are negative or beyond the operand) and BSF/BSR in the
 * interpreter against the host processor; TZCNT/LZCNT/POPCNT as the CPUID
 * model makes them behave. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_alu_diff.h"

/* Bit offsets within +-1024 bits, so memory forms stay in the buffer;
 * sometimes an all-ones upper half to show the offset is signed. */
static void fix_bitoff(struct diff_regs *r, uint8_t *data)
{
	(void)data;
	int64_t off = (int64_t)(r->r[RDI] % 2048) - 1024;
	r->r[RCX] = (uint64_t)off;
	r->r[RBX] = (uint64_t)off;
}

/* A zero source a quarter of the time. */
static void fix_scan(struct diff_regs *r, uint8_t *data)
{
	if ((r->r[RDI] & 3) == 0) {
		r->r[RCX] = 0;
		memset(data, 0, 8);
	}
}

static const struct diff_case bit_cases[] = {
	{ "bt eax, ecx", { 0x0f, 0xa3, 0xc8 }, 3, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bts rax, rcx", { 0x48, 0x0f, 0xab, 0xc8 }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "btr bx, cx", { 0x66, 0x0f, 0xb3, 0xcb }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "btc edx, ebx", { 0x0f, 0xbb, 0xda }, 3, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bt eax, 35", { 0x0f, 0xba, 0xe0, 0x23 }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bts rdx, 70",
	  { 0x48, 0x0f, 0xba, 0xea, 0x46 }, 5, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "btr cx, 17",
	  { 0x66, 0x0f, 0xba, 0xf1, 0x11 }, 5, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "btc r9, 63",
	  { 0x49, 0x0f, 0xba, 0xf9, 0x3f }, 5, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bts qword ptr [rsi], 70",
	  { 0x48, 0x0f, 0xba, 0x2e, 0x46 }, 5, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "btr word ptr [rsi], 17",
	  { 0x66, 0x0f, 0xba, 0x36, 0x11 }, 5, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bt dword ptr [rsi], 31",
	  { 0x0f, 0xba, 0x26, 0x1f }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "btc dword ptr [rsi], 3",
	  { 0x0f, 0xba, 0x3e, 0x03 }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bt dword ptr [rsi], ecx",
	  { 0x0f, 0xa3, 0x0e }, 3, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "btc qword ptr [rsi], rcx",
	  { 0x48, 0x0f, 0xbb, 0x0e }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bts word ptr [rsi], cx",
	  { 0x66, 0x0f, 0xab, 0x0e }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "btr dword ptr [rsi+4], ecx",
	  { 0x0f, 0xb3, 0x4e, 0x04 }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bt qword ptr [rsi], rcx",
	  { 0x48, 0x0f, 0xa3, 0x0e }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bt word ptr [rsi], cx",
	  { 0x66, 0x0f, 0xa3, 0x0e }, 4, F_OF | F_SF | F_AF | F_PF, fix_bitoff },
	{ "bsf eax, ecx", { 0x0f, 0xbc, 0xc1 }, 3, F_CF | F_OF | F_SF | F_AF | F_PF, fix_scan },
	{ "bsf rax, rcx",
	  { 0x48, 0x0f, 0xbc, 0xc1 }, 4, F_CF | F_OF | F_SF | F_AF | F_PF, fix_scan },
	{ "bsf ax, cx", { 0x66, 0x0f, 0xbc, 0xc1 }, 4, F_CF | F_OF | F_SF | F_AF | F_PF, fix_scan },
	{ "bsr eax, ecx", { 0x0f, 0xbd, 0xc1 }, 3, F_CF | F_OF | F_SF | F_AF | F_PF, fix_scan },
	{ "bsr rdx, [rsi]",
	  { 0x48, 0x0f, 0xbd, 0x16 }, 4, F_CF | F_OF | F_SF | F_AF | F_PF, fix_scan },
	{ "bsr bx, cx", { 0x66, 0x0f, 0xbd, 0xd9 }, 4, F_CF | F_OF | F_SF | F_AF | F_PF, fix_scan },
	{ "bsf r8d, dword ptr [rsi]",
	  { 0x44, 0x0f, 0xbc, 0x06 }, 4, F_CF | F_OF | F_SF | F_AF | F_PF, fix_scan },
};

static void test_bit_cases_vs_host(void **state)
{
	(void)state;
	diff_table(bit_cases, sizeof(bit_cases) / sizeof(bit_cases[0]), 500);
}

/* bt dword [rsi], ecx with ECX = -1 tests bit 31 of the dword at RSI - 4;
 * bts qword [rsi], rcx with RCX = -65 sets bit 63 of the qword at RSI - 16. */
static void test_bt_negative_offset(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	struct sw_cpu *c = fx->c;
	/* bt dword ptr [rsi], ecx; bts qword ptr [rsi], rcx; hlt */
	FX_CODE(fx, 0x0f, 0xa3, 0x0e, 0x48, 0x0f, 0xab, 0x0e, 0xf4);
	fx_poke32(fx, FX_DATA_ADDR + 0x100 - 4, 0x80000000);
	fx_poke64(fx, FX_DATA_ADDR + 0x100 - 16, 0);
	c->s.gpr[RSI] = FX_DATA_ADDR + 0x100;
	c->s.gpr[RCX] = 0xffffffff;   /* ECX = -1: only ECX counts, sign-extended */
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_true(c->s.rflags & F_CF);
	c->s.gpr[RCX] = (uint64_t)-65;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_false(c->s.rflags & F_CF);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x100 - 16, 8), 0x8000000000000000ull);
	fx_free(fx);
}

/* The CPUID model offers LZCNT (ABM) and POPCNT but not BMI1: F3 0F BC
 * runs as BSF (the prefix ignored, as on processors without TZCNT), F3 0F
 * BD as LZCNT, and POPCNT counts. */
static void test_tzcnt_lzcnt_popcnt_per_cpuid(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	struct sw_cpu *c = fx->c;
	/* tzcnt eax, ecx; lzcnt edx, ecx; popcnt eax, ecx */
	FX_CODE(fx, 0xf3, 0x0f, 0xbc, 0xc1, 0xf3, 0x0f, 0xbd, 0xd1, 0xf3, 0x0f, 0xb8, 0xc1);
	c->s.gpr[RCX] = 0x00f0;
	fx_run(fx, 2);
	fx_assert_no_exc(fx);
	assert_int_equal(c->s.gpr[RAX], 4);   /* BSF */
	assert_int_equal(c->s.gpr[RDX], 24);  /* LZCNT, not BSR's 7 */
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(c->s.gpr[RAX], 4);   /* POPCNT */
	fx_free(fx);
}

/* BSF/BSR on a zero source: ZF set, a 32-bit destination keeps all 64 bits. */
static void test_bsf_zero_keeps_dest(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	struct sw_cpu *c = fx->c;
	FX_CODE(fx, 0x0f, 0xbc, 0xc1, 0xf4);   /* bsf eax, ecx */
	c->s.gpr[RAX] = 0x123456789abcdef0ull;
	c->s.gpr[RCX] = 0xffffffff00000000ull;
	fx_run(fx, 1);
	assert_int_equal(c->s.gpr[RAX], 0x123456789abcdef0ull);
	assert_true(c->s.rflags & F_ZF);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bit_cases_vs_host),
		cmocka_unit_test(test_bt_negative_offset),
		cmocka_unit_test(test_tzcnt_lzcnt_popcnt_per_cpuid),
		cmocka_unit_test(test_bsf_zero_keeps_dest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
