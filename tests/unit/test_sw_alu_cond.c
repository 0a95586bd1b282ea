/* SETcc, CMOVcc, LOOP/LOOPE/LOOPNE/JCXZ and Jcc in the interpreter: the
 * 16 conditions against the host processor over random flags, and
 * explicit branch targets (taken, not taken, 16-bit wrap, CS limit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_alu_diff.h"

/* Counts that end the loop, continue it, or differ between RCX and ECX. */
static void fix_loop(struct diff_regs *r, uint8_t *data)
{
	static const uint64_t counts[] = { 0, 1, 2, 0x100000000ull, 0x100000001ull, ~0ull };
	(void)data;
	if (r->r[RDI] & 1)
		r->r[RCX] = counts[(r->r[RDI] >> 1) % 6];
}

static const struct diff_case cond_cases[] = {
	{ "seto al", { 0x0f, 0x90, 0xc0 }, 3, 0, NULL },
	{ "seto byte ptr [rsi+0]", { 0x0f, 0x90, 0x06 }, 3, 0, NULL },
	{ "cmovo ecx, edx", { 0x0f, 0x40, 0xca }, 3, 0, NULL },
	{ "cmovo rcx, [rsi]", { 0x48, 0x0f, 0x40, 0x0e }, 4, 0, NULL },
	{ "cmovo bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x40, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setno al", { 0x0f, 0x91, 0xc0 }, 3, 0, NULL },
	{ "setno byte ptr [rsi+1]", { 0x0f, 0x91, 0x46, 0x01 }, 4, 0, NULL },
	{ "cmovno ecx, edx", { 0x0f, 0x41, 0xca }, 3, 0, NULL },
	{ "cmovno rcx, [rsi]", { 0x48, 0x0f, 0x41, 0x0e }, 4, 0, NULL },
	{ "cmovno bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x41, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setb al", { 0x0f, 0x92, 0xc0 }, 3, 0, NULL },
	{ "setb byte ptr [rsi+2]", { 0x0f, 0x92, 0x46, 0x02 }, 4, 0, NULL },
	{ "cmovb ecx, edx", { 0x0f, 0x42, 0xca }, 3, 0, NULL },
	{ "cmovb rcx, [rsi]", { 0x48, 0x0f, 0x42, 0x0e }, 4, 0, NULL },
	{ "cmovb bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x42, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setae al", { 0x0f, 0x93, 0xc0 }, 3, 0, NULL },
	{ "setae byte ptr [rsi+3]", { 0x0f, 0x93, 0x46, 0x03 }, 4, 0, NULL },
	{ "cmovae ecx, edx", { 0x0f, 0x43, 0xca }, 3, 0, NULL },
	{ "cmovae rcx, [rsi]", { 0x48, 0x0f, 0x43, 0x0e }, 4, 0, NULL },
	{ "cmovae bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x43, 0x5e, 0x02 }, 5, 0, NULL },
	{ "sete al", { 0x0f, 0x94, 0xc0 }, 3, 0, NULL },
	{ "sete byte ptr [rsi+4]", { 0x0f, 0x94, 0x46, 0x04 }, 4, 0, NULL },
	{ "cmove ecx, edx", { 0x0f, 0x44, 0xca }, 3, 0, NULL },
	{ "cmove rcx, [rsi]", { 0x48, 0x0f, 0x44, 0x0e }, 4, 0, NULL },
	{ "cmove bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x44, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setne al", { 0x0f, 0x95, 0xc0 }, 3, 0, NULL },
	{ "setne byte ptr [rsi+5]", { 0x0f, 0x95, 0x46, 0x05 }, 4, 0, NULL },
	{ "cmovne ecx, edx", { 0x0f, 0x45, 0xca }, 3, 0, NULL },
	{ "cmovne rcx, [rsi]", { 0x48, 0x0f, 0x45, 0x0e }, 4, 0, NULL },
	{ "cmovne bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x45, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setbe al", { 0x0f, 0x96, 0xc0 }, 3, 0, NULL },
	{ "setbe byte ptr [rsi+6]", { 0x0f, 0x96, 0x46, 0x06 }, 4, 0, NULL },
	{ "cmovbe ecx, edx", { 0x0f, 0x46, 0xca }, 3, 0, NULL },
	{ "cmovbe rcx, [rsi]", { 0x48, 0x0f, 0x46, 0x0e }, 4, 0, NULL },
	{ "cmovbe bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x46, 0x5e, 0x02 }, 5, 0, NULL },
	{ "seta al", { 0x0f, 0x97, 0xc0 }, 3, 0, NULL },
	{ "seta byte ptr [rsi+7]", { 0x0f, 0x97, 0x46, 0x07 }, 4, 0, NULL },
	{ "cmova ecx, edx", { 0x0f, 0x47, 0xca }, 3, 0, NULL },
	{ "cmova rcx, [rsi]", { 0x48, 0x0f, 0x47, 0x0e }, 4, 0, NULL },
	{ "cmova bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x47, 0x5e, 0x02 }, 5, 0, NULL },
	{ "sets al", { 0x0f, 0x98, 0xc0 }, 3, 0, NULL },
	{ "sets byte ptr [rsi+8]", { 0x0f, 0x98, 0x46, 0x08 }, 4, 0, NULL },
	{ "cmovs ecx, edx", { 0x0f, 0x48, 0xca }, 3, 0, NULL },
	{ "cmovs rcx, [rsi]", { 0x48, 0x0f, 0x48, 0x0e }, 4, 0, NULL },
	{ "cmovs bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x48, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setns al", { 0x0f, 0x99, 0xc0 }, 3, 0, NULL },
	{ "setns byte ptr [rsi+9]", { 0x0f, 0x99, 0x46, 0x09 }, 4, 0, NULL },
	{ "cmovns ecx, edx", { 0x0f, 0x49, 0xca }, 3, 0, NULL },
	{ "cmovns rcx, [rsi]", { 0x48, 0x0f, 0x49, 0x0e }, 4, 0, NULL },
	{ "cmovns bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x49, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setp al", { 0x0f, 0x9a, 0xc0 }, 3, 0, NULL },
	{ "setp byte ptr [rsi+10]", { 0x0f, 0x9a, 0x46, 0x0a }, 4, 0, NULL },
	{ "cmovp ecx, edx", { 0x0f, 0x4a, 0xca }, 3, 0, NULL },
	{ "cmovp rcx, [rsi]", { 0x48, 0x0f, 0x4a, 0x0e }, 4, 0, NULL },
	{ "cmovp bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x4a, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setnp al", { 0x0f, 0x9b, 0xc0 }, 3, 0, NULL },
	{ "setnp byte ptr [rsi+11]", { 0x0f, 0x9b, 0x46, 0x0b }, 4, 0, NULL },
	{ "cmovnp ecx, edx", { 0x0f, 0x4b, 0xca }, 3, 0, NULL },
	{ "cmovnp rcx, [rsi]", { 0x48, 0x0f, 0x4b, 0x0e }, 4, 0, NULL },
	{ "cmovnp bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x4b, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setl al", { 0x0f, 0x9c, 0xc0 }, 3, 0, NULL },
	{ "setl byte ptr [rsi+12]", { 0x0f, 0x9c, 0x46, 0x0c }, 4, 0, NULL },
	{ "cmovl ecx, edx", { 0x0f, 0x4c, 0xca }, 3, 0, NULL },
	{ "cmovl rcx, [rsi]", { 0x48, 0x0f, 0x4c, 0x0e }, 4, 0, NULL },
	{ "cmovl bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x4c, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setge al", { 0x0f, 0x9d, 0xc0 }, 3, 0, NULL },
	{ "setge byte ptr [rsi+13]", { 0x0f, 0x9d, 0x46, 0x0d }, 4, 0, NULL },
	{ "cmovge ecx, edx", { 0x0f, 0x4d, 0xca }, 3, 0, NULL },
	{ "cmovge rcx, [rsi]", { 0x48, 0x0f, 0x4d, 0x0e }, 4, 0, NULL },
	{ "cmovge bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x4d, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setle al", { 0x0f, 0x9e, 0xc0 }, 3, 0, NULL },
	{ "setle byte ptr [rsi+14]", { 0x0f, 0x9e, 0x46, 0x0e }, 4, 0, NULL },
	{ "cmovle ecx, edx", { 0x0f, 0x4e, 0xca }, 3, 0, NULL },
	{ "cmovle rcx, [rsi]", { 0x48, 0x0f, 0x4e, 0x0e }, 4, 0, NULL },
	{ "cmovle bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x4e, 0x5e, 0x02 }, 5, 0, NULL },
	{ "setg al", { 0x0f, 0x9f, 0xc0 }, 3, 0, NULL },
	{ "setg byte ptr [rsi+15]", { 0x0f, 0x9f, 0x46, 0x0f }, 4, 0, NULL },
	{ "cmovg ecx, edx", { 0x0f, 0x4f, 0xca }, 3, 0, NULL },
	{ "cmovg rcx, [rsi]", { 0x48, 0x0f, 0x4f, 0x0e }, 4, 0, NULL },
	{ "cmovg bx, word ptr [rsi+2]", { 0x66, 0x0f, 0x4f, 0x5e, 0x02 }, 5, 0, NULL },
	{ "loop .+2", { 0xe2, 0x00 }, 2, 0, fix_loop },
	{ "addr32 loop .+3", { 0x67, 0xe2, 0x00 }, 3, 0, fix_loop },
	{ "loope .+2", { 0xe1, 0x00 }, 2, 0, fix_loop },
	{ "loopne .+2", { 0xe0, 0x00 }, 2, 0, fix_loop },
	{ "addr32 loopne .+3", { 0x67, 0xe0, 0x00 }, 3, 0, fix_loop },
	{ "jrcxz .+2", { 0xe3, 0x00 }, 2, 0, fix_loop },
	{ "jecxz .+3", { 0x67, 0xe3, 0x00 }, 3, 0, fix_loop },
	{ "je .+2", { 0x74, 0x00 }, 2, 0, fix_loop },
	{ "jne .+6", { 0x0f, 0x85, 0x00, 0x00, 0x00, 0x00 }, 6, 0, fix_loop },
};

static void test_cond_cases_vs_host(void **state)
{
	(void)state;
	diff_table(cond_cases, sizeof(cond_cases) / sizeof(cond_cases[0]), 200);
}

/* Run one instruction at FX_CODE_ADDR and return RIP after it. */
static uint64_t step_rip(struct sw_fx *fx, const uint8_t *code, size_t len, uint64_t flags,
                         uint64_t rcx)
{
	fx_code_at(fx, FX_CODE_ADDR, code, len);
	fx->c->s.rflags = RFLAGS_FIXED | flags;
	fx->c->s.gpr[RCX] = rcx;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	return fx->c->s.rip;
}

/* Each Jcc, short (7x) and near (0F 8x), taken exactly when SETcc says. */
static void test_jcc_targets(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	for (unsigned cc = 0; cc < 16; cc++)
		for (uint64_t f = 0; f < 2; f++) {
			/* Flags making cc true for f = 1 and false for f = 0, per the SDM table. */
			static const uint64_t truef[8] = { F_OF, F_CF, F_ZF, F_CF, F_SF, F_PF, F_SF, F_ZF };
			uint64_t flags = f ? truef[cc >> 1] : 0;
			bool taken = (cc & 1) ? !f : f;
			uint8_t jb[] = { (uint8_t)(0x70 + cc), 0x10 };                  /* j<cc> .+0x12 */
			uint8_t jz[] = { 0x0f, (uint8_t)(0x80 + cc), 0x00, 0xf0, 0xff, 0xff }; /* -0x1000 */
			assert_int_equal(step_rip(fx, jb, sizeof(jb), flags, 0),
			                 FX_CODE_ADDR + 2 + (taken ? 0x10 : 0));
			assert_int_equal(step_rip(fx, jz, sizeof(jz), flags, 0),
			                 FX_CODE_ADDR + 6 - (taken ? 0x1000 : 0));
		}
	fx_free(fx);
}

/* LOOP to itself: taken while the decremented count is nonzero; with an
 * address-size prefix only ECX counts and is written zero-extended. */
static void test_loop_counts(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	static const uint8_t loop_self[] = { 0xe2, 0xfe };           /* loop . */
	static const uint8_t loop32_self[] = { 0x67, 0xe2, 0xfd };   /* addr32 loop . */
	static const uint8_t jecxz[] = { 0x67, 0xe3, 0x10 };         /* jecxz .+0x13 */
	assert_int_equal(step_rip(fx, loop_self, 2, 0, 2), FX_CODE_ADDR);
	assert_int_equal(fx->c->s.gpr[RCX], 1);
	assert_int_equal(step_rip(fx, loop_self, 2, 0, 1), FX_CODE_ADDR + 2);
	assert_int_equal(fx->c->s.gpr[RCX], 0);
	assert_int_equal(step_rip(fx, loop32_self, 3, 0, 0x500000001ull), FX_CODE_ADDR + 3);
	assert_int_equal(fx->c->s.gpr[RCX], 0);
	assert_int_equal(step_rip(fx, loop32_self, 3, 0, 0x500000000ull), FX_CODE_ADDR);
	assert_int_equal(fx->c->s.gpr[RCX], 0xffffffffull);
	assert_int_equal(step_rip(fx, jecxz, 3, 0, 0x100000000ull), FX_CODE_ADDR + 0x13);
	fx_free(fx);
}

/* Real mode: a 16-bit branch target wraps within the 64 KiB segment. */
static void test_jcc_real_mode_wrap(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_REAL);
	assert_non_null(fx);
	FX_CODE(fx, 0x74, 0xf0);   /* je .-14: IP 2 - 16 wraps to 0xfff2 */
	fx->c->s.rflags = RFLAGS_FIXED | F_ZF;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.rip, 0xfff2);
	fx_free(fx);
}

/* Protected mode: a taken branch beyond the CS limit is #GP(0) at the
 * branch; not taken it is not checked. */
static void test_jcc_cs_limit(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_PROT32);
	assert_non_null(fx);
	fx->c->s.seg[SEG_CS].limit = FX_CODE_ADDR + 0xff;
	FX_CODE(fx, 0x0f, 0x84, 0x00, 0x01, 0x00, 0x00, 0xf4);   /* je .+0x106 */
	fx->c->s.rflags = RFLAGS_FIXED;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 6);
	fx->c->s.rip = FX_CODE_ADDR;
	fx->c->s.rflags = RFLAGS_FIXED | F_ZF;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cond_cases_vs_host),
		cmocka_unit_test(test_jcc_targets),
		cmocka_unit_test(test_loop_counts),
		cmocka_unit_test(test_jcc_real_mode_wrap),
		cmocka_unit_test(test_jcc_cs_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
