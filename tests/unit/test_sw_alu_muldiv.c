/* MUL, IMUL (one, two and three operands), DIV and IDIV in the interpreter
 * against the host processor, with #DE for zero divisors and quotient
 * overflow (INT_MIN / -1 included), and explicit edge cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_alu_diff.h"

/* Make about half of the divisions valid: the high half of the dividend
 * below the divisor (DIV) or the sign extension of the low half (IDIV);
 * the rest keeps random values, mostly #DE. */
static void fix_div(struct diff_regs *r, uint8_t *data)
{
	(void)data;
	uint64_t x = r->r[RDI];
	switch (x & 3) {
	case 0: /* valid unsigned: high half 0 */
		r->r[RDX] = 0;
		r->r[RAX] &= ~0xff00ull;
		break;
	case 1: /* valid signed: sign-extended dividend */
		r->r[RDX] = (uint64_t)((int64_t)r->r[RAX] >> 63);
		if ((int8_t)r->r[RAX] < 0)
			r->r[RAX] |= 0xff00;
		else
			r->r[RAX] &= ~0xff00ull;
		break;
	case 2: /* the most negative dividend by -1, or a zero divisor */
		r->r[RAX] = (x & 4) ? 0x8000000000000000ull : 0xffffffff80000000ull;
		r->r[RDX] = (x & 8) ? ~0ull : 0xffffffff;
		r->r[RBX] = r->r[RCX] = r->r[R10] = (x & 16) ? ~0ull : 0;
		memset(data, (x & 16) ? 0xff : 0, 8);
		break;
	default:
		break;
	}
}

static const struct diff_case muldiv_cases[] = {
	{ "mul bl", { 0xf6, 0xe3 }, 2, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "mul cx", { 0x66, 0xf7, 0xe1 }, 3, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "mul ecx", { 0xf7, 0xe1 }, 2, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "mul rbx", { 0x48, 0xf7, 0xe3 }, 3, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "mul qword ptr [rsi]", { 0x48, 0xf7, 0x26 }, 3, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "mul byte ptr [rsi]", { 0xf6, 0x26 }, 2, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "mul r9d", { 0x41, 0xf7, 0xe1 }, 3, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul bl", { 0xf6, 0xeb }, 2, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul ch", { 0xf6, 0xed }, 2, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul cx", { 0x66, 0xf7, 0xe9 }, 3, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul ecx", { 0xf7, 0xe9 }, 2, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul rbx", { 0x48, 0xf7, 0xeb }, 3, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul word ptr [rsi]", { 0x66, 0xf7, 0x2e }, 3, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul ecx, edx", { 0x0f, 0xaf, 0xca }, 3, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul rcx, [rsi]", { 0x48, 0x0f, 0xaf, 0x0e }, 4, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul dx, bx", { 0x66, 0x0f, 0xaf, 0xd3 }, 4, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul ebx, ecx, 0x12345",
	  { 0x69, 0xd9, 0x45, 0x23, 0x01, 0x00 }, 6, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul rbx, rcx, -3", { 0x48, 0x6b, 0xd9, 0xfd }, 4, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul bx, cx, 0x7fff",
	  { 0x66, 0x69, 0xd9, 0xff, 0x7f }, 5, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul r8, qword ptr [rsi], -0x80000000",
	  { 0x4c, 0x69, 0x06, 0x00, 0x00, 0x00, 0x80 }, 7, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "imul eax, eax, 0x7f", { 0x6b, 0xc0, 0x7f }, 3, F_SF | F_ZF | F_AF | F_PF, NULL },
	{ "div bl", { 0xf6, 0xf3 }, 2, F_ARITH, fix_div },
	{ "div cx", { 0x66, 0xf7, 0xf1 }, 3, F_ARITH, fix_div },
	{ "div ecx", { 0xf7, 0xf1 }, 2, F_ARITH, fix_div },
	{ "div rbx", { 0x48, 0xf7, 0xf3 }, 3, F_ARITH, fix_div },
	{ "div qword ptr [rsi]", { 0x48, 0xf7, 0x36 }, 3, F_ARITH, fix_div },
	{ "div byte ptr [rsi]", { 0xf6, 0x36 }, 2, F_ARITH, fix_div },
	{ "div r10w", { 0x66, 0x41, 0xf7, 0xf2 }, 4, F_ARITH, fix_div },
	{ "idiv bl", { 0xf6, 0xfb }, 2, F_ARITH, fix_div },
	{ "idiv cx", { 0x66, 0xf7, 0xf9 }, 3, F_ARITH, fix_div },
	{ "idiv ecx", { 0xf7, 0xf9 }, 2, F_ARITH, fix_div },
	{ "idiv rbx", { 0x48, 0xf7, 0xfb }, 3, F_ARITH, fix_div },
	{ "idiv qword ptr [rsi]", { 0x48, 0xf7, 0x3e }, 3, F_ARITH, fix_div },
	{ "idiv dword ptr [rsi]", { 0xf7, 0x3e }, 2, F_ARITH, fix_div },
	{ "idiv bh", { 0xf6, 0xff }, 2, F_ARITH, fix_div },
};

static void test_muldiv_cases_vs_host(void **state)
{
	(void)state;
	diff_table(muldiv_cases, sizeof(muldiv_cases) / sizeof(muldiv_cases[0]), 800);
}

/* DIV and IDIV faults leave every register as it was, with RIP at the
 * divide; the vector is #DE without an error code. */
static void expect_de(const uint8_t *code, size_t len, uint64_t rax, uint64_t rdx, uint64_t rcx)
{
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	fx_code_at(fx, FX_CODE_ADDR, code, len);
	fx->c->s.gpr[RAX] = rax;
	fx->c->s.gpr[RDX] = rdx;
	fx->c->s.gpr[RCX] = rcx;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_DE, FX_NOERR);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	assert_int_equal(fx->c->s.gpr[RAX], rax);
	assert_int_equal(fx->c->s.gpr[RDX], rdx);
	fx_free(fx);
}

static void test_divide_errors(void **state)
{
	(void)state;
	static const uint8_t div_ecx[] = { 0xf7, 0xf1 };          /* div ecx */
	static const uint8_t idiv_ecx[] = { 0xf7, 0xf9 };         /* idiv ecx */
	static const uint8_t idiv_rcx[] = { 0x48, 0xf7, 0xf9 };   /* idiv rcx */
	static const uint8_t div_cl[] = { 0xf6, 0xf1 };           /* div cl */
	static const uint8_t idiv_cx[] = { 0x66, 0xf7, 0xf9 };    /* idiv cx */
	expect_de(div_ecx, sizeof(div_ecx), 5, 0, 0);                        /* by zero */
	expect_de(div_ecx, sizeof(div_ecx), 0, 1, 1);                        /* 2^32 / 1 */
	expect_de(div_cl, sizeof(div_cl), 0x100, 0, 1);                      /* 256 / 1 */
	expect_de(idiv_ecx, sizeof(idiv_ecx), 0x80000000, 0xffffffff, 0xffffffff); /* INT_MIN/-1 */
	expect_de(idiv_rcx, sizeof(idiv_rcx), 1ull << 63, ~0ull, ~0ull);     /* INT64_MIN/-1 */
	expect_de(idiv_cx, sizeof(idiv_cx), 0x8000, 0xffff, 0xffff);         /* -32768/-1 */
	expect_de(idiv_ecx, sizeof(idiv_ecx), 0x80000000, 0, 1);             /* +2^31 / 1 */
}

/* Values worked out from the SDM, independent of the host. */
static void test_muldiv_values(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	struct sw_cpu *c = fx->c;
	/* mul rcx; imul ecx, edx, -1 (69 /r); idiv rcx; idiv bl; hlt */
	FX_CODE(fx, 0x48, 0xf7, 0xe1,
	        0x69, 0xca, 0xff, 0xff, 0xff, 0xff,
	        0xf4);
	c->s.gpr[RAX] = ~0ull;
	c->s.gpr[RCX] = ~0ull;
	c->s.gpr[RDX] = 0x80000000;
	fx_run(fx, 1);
	/* (2^64-1)^2 = 2^128 - 2^65 + 1 */
	assert_int_equal(c->s.gpr[RAX], 1);
	assert_int_equal(c->s.gpr[RDX], 0xfffffffffffffffeull);
	assert_int_equal(c->s.rflags & (F_CF | F_OF), F_CF | F_OF);
	c->s.gpr[RDX] = 0x80000000;
	fx_run(fx, 1);
	/* INT_MIN * -1 overflows 32 bits: ECX = 0x80000000, CF = OF = 1 */
	assert_int_equal(c->s.gpr[RCX], 0x80000000);
	assert_int_equal(c->s.rflags & (F_CF | F_OF), F_CF | F_OF);
	fx_free(fx);

	fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	c = fx->c;
	/* idiv rcx: -7 / 2 = -3 remainder -1 (truncation toward zero) */
	FX_CODE(fx, 0x48, 0xf7, 0xf9, 0xf4);
	c->s.gpr[RAX] = (uint64_t)-7;
	c->s.gpr[RDX] = ~0ull;
	c->s.gpr[RCX] = 2;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(c->s.gpr[RAX], (uint64_t)-3);
	assert_int_equal(c->s.gpr[RDX], (uint64_t)-1);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_muldiv_cases_vs_host),
		cmocka_unit_test(test_divide_errors),
		cmocka_unit_test(test_muldiv_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
