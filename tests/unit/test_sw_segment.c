/* Interpreter segmentation: limit checks (expand-up and expand-down),
 * rights (write to read-only data, read of execute-only code), null
 * segments, #SS for stack references, canonical checks in 64-bit mode,
 * and the checks of segment-register loads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

#define SEL_A (FX_GDT_FREE)          /* scratch descriptors */
#define SEL_B (FX_GDT_FREE + 8)

static struct sw_fx *prot_fx(void)
{
	struct sw_fx *fx = fx_new(FX_PROT32);
	assert_non_null(fx);
	return fx;
}

/* Load DS with a scratch descriptor as a completed load would. */
static void ds_from(struct sw_fx *fx, uint16_t sel, uint64_t desc)
{
	fx_set_gdt(fx, sel, desc);
	fx_seg_from_gdt(fx, &fx->c->s.seg[SEG_DS], sel);
}

static void test_limits(void **state)
{
	(void)state;
	struct sw_fx *fx = prot_fx();
	ds_from(fx, SEL_A, fx_desc(0x40000, 0xfff, 0x3, 0, FX_DB));
	FX_TRY(fx, sw_read(fx->c, SEG_DS, 0xffc, 4));
	fx_assert_not_raised(fx);
	FX_TRY(fx, sw_read(fx->c, SEG_DS, 0xffd, 4));
	fx_assert_raised(fx, EXC_GP, 0);
	FX_TRY(fx, sw_write(fx->c, SEG_SS, FX_STACK_TOP, 4, 0));   /* flat SS: fine */
	fx_assert_not_raised(fx);

	/* The same through SS is #SS(0). */
	fx_seg_from_gdt(fx, &fx->c->s.seg[SEG_SS], SEL_A);
	FX_TRY(fx, sw_read(fx->c, SEG_SS, 0x1000, 1));
	fx_assert_raised(fx, EXC_SS, 0);

	/* Expand-down: offsets above the limit up to 0xffff (B = 0). */
	ds_from(fx, SEL_B, fx_desc(0x40000, 0xfff, 0x7, 0, 0));
	FX_TRY(fx, sw_read(fx->c, SEG_DS, 0x800, 2));
	fx_assert_raised(fx, EXC_GP, 0);
	FX_TRY(fx, sw_write(fx->c, SEG_DS, 0x1000, 2, 0x55aa));
	fx_assert_not_raised(fx);
	assert_int_equal(fx_peek(fx, 0x41000, 2), 0x55aa);
	FX_TRY(fx, sw_read(fx->c, SEG_DS, 0xffff, 2));
	fx_assert_raised(fx, EXC_GP, 0);
	fx_free(fx);
}

static void test_rights_and_null(void **state)
{
	(void)state;
	struct sw_fx *fx = prot_fx();
	ds_from(fx, SEL_A, fx_desc(0, 0xfffff, 0x1, 0, FX_G | FX_DB));    /* read-only */
	FX_TRY(fx, sw_read(fx->c, SEG_DS, 0x40000, 4));
	fx_assert_not_raised(fx);
	FX_TRY(fx, sw_write(fx->c, SEG_DS, 0x40000, 4, 0));
	fx_assert_raised(fx, EXC_GP, 0);

	/* Execute-only code read through a CS override. */
	fx_set_gdt(fx, SEL_B, fx_desc(0, 0xfffff, 0x9, 0, FX_G | FX_DB));
	fx_seg_from_gdt(fx, &fx->c->s.seg[SEG_CS], SEL_B);
	fx_sync(fx);
	FX_CODE(fx, 0x2e, 0x8b, 0x05, 0x00, 0x00, 0x04, 0x00);  /* mov eax, cs:[0x40000] */
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);
}

static void test_null_selector(void **state)
{
	(void)state;
	/* A null selector in DS: loading is fine, using it is #GP(0). */
	struct sw_fx *fx = prot_fx();
	FX_TRY(fx, sw_load_sreg(fx->c, SEG_DS, 0));
	fx_assert_not_raised(fx);
	assert_true(fx->c->s.seg[SEG_DS].unusable);
	FX_TRY(fx, sw_read(fx->c, SEG_DS, 0, 1));
	fx_assert_raised(fx, EXC_GP, 0);
	fx_free(fx);
}

static void test_long64_canonical(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	FX_TRY(fx, sw_read(fx->c, SEG_DS, 0x0000800000000000ull, 8));
	fx_assert_raised(fx, EXC_GP, 0);
	FX_TRY(fx, sw_read(fx->c, SEG_SS, 0x0000800000000000ull, 8));
	fx_assert_raised(fx, EXC_SS, 0);
	/* Crossing the top of the lower half. */
	FX_TRY(fx, sw_read(fx->c, SEG_DS, 0x00007ffffffffffcull, 8));
	fx_assert_raised(fx, EXC_GP, 0);
	/* No limits: a DS with a tiny limit is ignored; FS has its base. */
	fx->c->s.seg[SEG_DS].limit = 0;
	fx->c->s.seg[SEG_FS].base = 0x40000;
	fx_poke32(fx, 0x40010, 0xabcd);
	volatile uint64_t v = 0;
	FX_TRY(fx, v = sw_read(fx->c, SEG_FS, 0x10, 4));
	fx_assert_not_raised(fx);
	assert_int_equal(v, 0xabcd);
	fx_free(fx);
}

static void test_load_sreg_checks(void **state)
{
	(void)state;
	struct sw_fx *fx = prot_fx();
	struct sw_cpu *c = fx->c;

	/* Outside the GDT, or an LDT selector without an LDT: #GP(selector). */
	FX_TRY(fx, sw_load_sreg(c, SEG_DS, 0x123b));
	fx_assert_raised(fx, EXC_GP, 0x1238);
	FX_TRY(fx, sw_load_sreg(c, SEG_DS, 0x0c));
	fx_assert_raised(fx, EXC_GP, 0x0c);
	/* SS: null, RPL != CPL, DPL != CPL, read-only, not present. */
	FX_TRY(fx, sw_load_sreg(c, SEG_SS, 0));
	fx_assert_raised(fx, EXC_GP, 0);
	FX_TRY(fx, sw_load_sreg(c, SEG_SS, FX_SEL_DATA | 3));
	fx_assert_raised(fx, EXC_GP, FX_SEL_DATA);
	FX_TRY(fx, sw_load_sreg(c, SEG_SS, FX_SEL_UDATA & ~3));
	fx_assert_raised(fx, EXC_GP, FX_SEL_UDATA & ~3);
	fx_set_gdt(fx, SEL_A, fx_desc(0, 0xfffff, 0x1, 0, FX_G | FX_DB));
	FX_TRY(fx, sw_load_sreg(c, SEG_SS, SEL_A));
	fx_assert_raised(fx, EXC_GP, SEL_A);
	fx_set_gdt(fx, SEL_A, fx_desc(0, 0xfffff, 0x3, 0, FX_G | FX_DB) & ~(1ull << 47));
	FX_TRY(fx, sw_load_sreg(c, SEG_SS, SEL_A));
	fx_assert_raised(fx, EXC_SS, SEL_A);
	FX_TRY(fx, sw_load_sreg(c, SEG_DS, SEL_A));
	fx_assert_raised(fx, EXC_NP, SEL_A);

	/* Data: system descriptors and execute-only code refused; readable
	 * code accepted; the accessed bit is set in memory. */
	FX_TRY(fx, sw_load_sreg(c, SEG_ES, FX_SEL_TSS));
	fx_assert_raised(fx, EXC_GP, FX_SEL_TSS);
	fx_set_gdt(fx, SEL_B, fx_desc(0, 0xfffff, 0x8, 0, FX_G | FX_DB));
	FX_TRY(fx, sw_load_sreg(c, SEG_ES, SEL_B));
	fx_assert_raised(fx, EXC_GP, SEL_B);
	fx_set_gdt(fx, SEL_B, fx_desc(0x1000, 0xfff, 0x2, 0, 0));
	FX_TRY(fx, sw_load_sreg(c, SEG_ES, SEL_B));
	fx_assert_not_raised(fx);
	assert_true(fx_peek(fx, FX_GDT + SEL_B, 8) & (1ull << 40));
	assert_int_equal(c->s.seg[SEG_ES].base, 0x1000);
	assert_int_equal(c->s.seg[SEG_ES].limit, 0xfff);
	FX_TRY(fx, sw_load_sreg(c, SEG_ES, FX_SEL_CODE32));
	fx_assert_not_raised(fx);

	/* At CPL 3: DPL 0 data is out of reach; RPL 3 of DPL 3 data is fine. */
	fx_to_user(fx);
	FX_TRY(fx, sw_load_sreg(c, SEG_DS, FX_SEL_DATA));
	fx_assert_raised(fx, EXC_GP, FX_SEL_DATA);
	FX_TRY(fx, sw_load_sreg(c, SEG_DS, FX_SEL_UDATA));
	fx_assert_not_raised(fx);
	fx_free(fx);
}

static void test_load_sreg_long_real(void **state)
{
	(void)state;
	/* 64-bit mode: a null SS is legal at CPL 0 with RPL 0. */
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	FX_TRY(fx, sw_load_sreg(fx->c, SEG_SS, 0));
	fx_assert_not_raised(fx);
	assert_true(fx->c->s.seg[SEG_SS].unusable);
	FX_TRY(fx, sw_load_sreg(fx->c, SEG_SS, 3));
	fx_assert_raised(fx, EXC_GP, 0);
	fx_free(fx);
}

static void test_load_sreg_real(void **state)
{
	(void)state;
	/* Real mode: base = selector << 4, no checks. */
	struct sw_fx *fx = fx_new(FX_REAL);
	assert_non_null(fx);
	FX_TRY(fx, sw_load_sreg(fx->c, SEG_DS, 0x1234));
	fx_assert_not_raised(fx);
	assert_int_equal(fx->c->s.seg[SEG_DS].base, 0x12340);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_rights_and_null),
		cmocka_unit_test(test_null_selector),
		cmocka_unit_test(test_long64_canonical),
		cmocka_unit_test(test_load_sreg_checks),
		cmocka_unit_test(test_load_sreg_long_real),
		cmocka_unit_test(test_load_sreg_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
