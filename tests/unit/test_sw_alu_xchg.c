/* CMPXCHG (both outcomes, register and memory), CMPXCHG8B, CMPXCHG16B and
 * XADD in the interpreter against the host processor, plus the
 * CMPXCHG16B alignment fault. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_alu_diff.h"

/* Half of the time every destination equals the accumulator. */
static void fix_cmpxchg(struct diff_regs *r, uint8_t *data)
{
	if (r->r[RDI] & 1)
		return;
	uint64_t a = r->r[RAX];
	a = (a & ~0xff00ull) | ((a & 0xff) << 8);   /* AH = AL */
	r->r[RAX] = r->r[RCX] = r->r[RBX] = a;
	memcpy(data, &a, 8);
}

static void fix_cx8(struct diff_regs *r, uint8_t *data)
{
	if (r->r[RDI] & 1)
		return;
	uint32_t lo = (uint32_t)r->r[RAX], hi = (uint32_t)r->r[RDX];
	memcpy(data, &lo, 4);
	memcpy(data + 4, &hi, 4);
}

static void fix_cx16(struct diff_regs *r, uint8_t *data)
{
	if (r->r[RDI] & 1)
		return;
	memcpy(data, &r->r[RAX], 8);
	memcpy(data + 8, &r->r[RDX], 8);
}

static const struct diff_case xchg_cases[] = {
	{ "cmpxchg cl, dl", { 0x0f, 0xb0, 0xd1 }, 3, 0, fix_cmpxchg },
	{ "cmpxchg ecx, edx", { 0x0f, 0xb1, 0xd1 }, 3, 0, fix_cmpxchg },
	{ "cmpxchg rcx, rdx", { 0x48, 0x0f, 0xb1, 0xd1 }, 4, 0, fix_cmpxchg },
	{ "cmpxchg [rsi], edx", { 0x0f, 0xb1, 0x16 }, 3, 0, fix_cmpxchg },
	{ "cmpxchg bx, dx", { 0x66, 0x0f, 0xb1, 0xd3 }, 4, 0, fix_cmpxchg },
	{ "cmpxchg byte ptr [rsi], ah", { 0x0f, 0xb0, 0x26 }, 3, 0, fix_cmpxchg },
	{ "cmpxchg qword ptr [rsi], rbx", { 0x48, 0x0f, 0xb1, 0x1e }, 4, 0, fix_cmpxchg },
	{ "cmpxchg eax, ecx", { 0x0f, 0xb1, 0xc8 }, 3, 0, fix_cmpxchg },
	{ "cmpxchg ah, al", { 0x0f, 0xb0, 0xc4 }, 3, 0, fix_cmpxchg },
	{ "cmpxchg8b [rsi]", { 0x0f, 0xc7, 0x0e }, 3, 0, fix_cx8 },
	{ "cmpxchg16b [rsi]", { 0x48, 0x0f, 0xc7, 0x0e }, 4, 0, fix_cx16 },
	{ "xadd cl, dl", { 0x0f, 0xc0, 0xd1 }, 3, 0, NULL },
	{ "xadd ecx, edx", { 0x0f, 0xc1, 0xd1 }, 3, 0, NULL },
	{ "xadd rcx, rcx", { 0x48, 0x0f, 0xc1, 0xc9 }, 4, 0, NULL },
	{ "xadd [rsi], rdx", { 0x48, 0x0f, 0xc1, 0x16 }, 4, 0, NULL },
	{ "xadd word ptr [rsi], bx", { 0x66, 0x0f, 0xc1, 0x1e }, 4, 0, NULL },
	{ "xadd byte ptr [rsi+1], ch", { 0x0f, 0xc0, 0x6e, 0x01 }, 4, 0, NULL },
	{ "xadd eax, eax", { 0x0f, 0xc1, 0xc0 }, 3, 0, NULL },
};

static void test_xchg_cases_vs_host(void **state)
{
	(void)state;
	diff_table(xchg_cases, sizeof(xchg_cases) / sizeof(xchg_cases[0]), 500);
}

/* CMPXCHG16B needs a 16-byte-aligned operand: #GP(0), memory untouched. */
static void test_cmpxchg16b_alignment(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	struct sw_cpu *c = fx->c;
	FX_CODE(fx, 0x48, 0x0f, 0xc7, 0x0e, 0xf4);   /* cmpxchg16b [rsi] */
	c->s.gpr[RSI] = FX_DATA_ADDR + 8;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);
}

/* A read-modify-write to a read-only page faults as a write (PFEC W|P),
 * with CR2 the address and neither memory, registers nor flags changed. */
static void test_rmw_readonly_page(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	struct sw_cpu *c = fx->c;
	/* The 2 MiB page at 6 MiB read-only, and CR0.WP so that ring 0 obeys it. */
	fx_poke64(fx, FX_PD + 8 * 3, (3ull << 21) | 0x85);
	c->s.cr0 |= CR0_WP;
	fx_sync(fx);
	FX_CODE(fx, 0x01, 0x06, 0xf4);   /* add [rsi], eax */
	c->s.gpr[RSI] = 3ull << 21;
	c->s.gpr[RAX] = 1;
	c->s.rflags = RFLAGS_FIXED | F_ZF;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_PF, PFEC_P | PFEC_W);
	assert_int_equal(c->s.cr2, 3ull << 21);
	assert_int_equal(fx_peek(fx, 3ull << 21, 4), 0);
	assert_int_equal(c->s.rflags & F_ARITH, F_ZF);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xchg_cases_vs_host),
		cmocka_unit_test(test_cmpxchg16b_alignment),
		cmocka_unit_test(test_rmw_readonly_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
