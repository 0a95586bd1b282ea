/* PUSHF/POPF by CPL, IOPL and operand size (IF and IOPL protected, VM,
 * RF, VIF, VIP never popped), CLI/STI by IOPL with CR4.PVI at CPL 3, and
 * the interrupt shadows of STI and MOV SS / POP SS. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "swvmm/flags.h"
#include "tests/unit/sw_fixture.h"

struct popf_case {
	enum fx_mode mode;
	bool user;
	bool o16;              /* 66 prefix (or real mode) */
	uint64_t before;       /* RFLAGS before */
	uint64_t popped;
	uint64_t after;        /* RFLAGS expected */
};

static void run_popf(const struct popf_case *pc)
{
	struct sw_fx *fx = fx_new_ok(pc->mode);
	if (pc->o16 && pc->mode != FX_REAL)
		FX_CODE(fx, 0x66, 0x9d, 0xf4);           /* popfw */
	else
		FX_CODE(fx, 0x9d, 0xf4);                 /* popf */
	if (pc->user)
		fx_to_user(fx);
	struct sw_cpu *c = fx->c;
	unsigned size = pc->mode == FX_LONG64 ? 8 : (pc->o16 || pc->mode == FX_REAL) ? 2 : 4;
	uint64_t sp = c->s.gpr[RSP] - size;
	fx_poke64(fx, c->s.seg[SEG_SS].base + sp, pc->popped);
	c->s.gpr[RSP] = sp;
	c->s.rflags = pc->before;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	if (sw_flags_get(c) != pc->after)
		fail_msg("popf of %#llx from %#llx: %#llx, expected %#llx",
		         (unsigned long long)pc->popped, (unsigned long long)pc->before,
		         (unsigned long long)sw_flags_get(c), (unsigned long long)pc->after);
	assert_int_equal(c->s.gpr[RSP], sp + size);
	fx_free(fx);
}

#define ALL32 0x247fd5ull   /* CF PF AF ZF SF TF IF DF OF IOPL NT AC ID */

static void test_popf(void **state)
{
	(void)state;
	static const struct popf_case cases[] = {
		/* CPL 0: everything but VM, RF, VIF, VIP and reserved bits. */
		{ FX_PROT32, false, false, 0x2, 0xffffffff, ALL32 | 2 },
		{ FX_LONG64, false, false, 0x2, ~0ull, ALL32 | 2 },
		/* VIF and VIP already set stay so. */
		{ FX_PROT32, false, false, 0x180002, 0, 0x180002 },
		/* CPL 3, IOPL 0: IF and IOPL kept. */
		{ FX_PROT32, true, false, 0x2, 0xffffffff, (ALL32 & ~0x3200ull) | 2 },
		{ FX_LONG64, true, false, 0x202, 0, 0x202 },
		/* CPL 3, IOPL 3: IF follows, IOPL kept. */
		{ FX_PROT32, true, false, 0x3002, 0x200, 0x3202 },
		/* 16 bits: AC and ID untouched. */
		{ FX_PROT32, false, true, 0x240002, 0xffff, 0x247fd7 },
		{ FX_PROT32, true, true, 0x240002, 0xffff, 0x244dd7 },
		/* Real mode: CPL 0 rules on 16 bits. */
		{ FX_REAL, false, true, 0x2, 0xffff, 0x7fd7 },
	};
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		run_popf(&cases[k]);
}

/* PUSHF: RF and VM are never in the image; VIF is. */
static void test_pushf(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x9c,                                    /* pushf */
		0x66, 0x9c,                              /* pushfw */
		0xf4);
	fx->c->s.rflags = 0x2 | RFLAGS_IF | RFLAGS_RF | RFLAGS_VIF | RFLAGS_AC | RFLAGS_CF;
	fx_run(fx, 2);
	fx_assert_no_exc(fx);
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 4, 4), 0xc0203);
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 6, 2), 0x0203);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP - 6);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x9c, 0xf4);                         /* pushfq */
	fx->c->s.rflags = 0x2 | RFLAGS_ID | RFLAGS_DF;
	fx_run(fx, 1);
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 8, 8), 0x200402);
	fx_free(fx);
}

static void test_cli_sti_iopl(void **state)
{
	(void)state;
	/* CPL 3 with IOPL 3: allowed. */
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0xfb,                                    /* sti */
		0xfa,                                    /* cli */
		0xf4);
	fx_to_user(fx);
	fx->c->s.rflags = 0x3002;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_true(fx->c->s.rflags & RFLAGS_IF);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_false(fx->c->s.rflags & RFLAGS_IF);
	fx_free(fx);

	/* CPL 3, IOPL 0, CR4.PVI: CLI/STI work on VIF; STI with VIP #GPs. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0xfa,                                    /* cli */
		0xfb,                                    /* sti */
		0xfb,                                    /* sti */
		0xf4);
	fx->c->s.cr4 |= CR4_PVI;
	fx_to_user(fx);
	fx->c->s.rflags = 0x202 | RFLAGS_VIF;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_false(fx->c->s.rflags & RFLAGS_VIF);
	assert_true(fx->c->s.rflags & RFLAGS_IF);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_true(fx->c->s.rflags & RFLAGS_VIF);
	fx->c->s.rflags |= RFLAGS_VIP;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);

	/* CPL 1 with PVI and IOPL 0: #GP (PVI is for CPL 3 only). */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0xfa, 0xf4);
	fx->c->s.cr4 |= CR4_PVI;
	fx->c->s.seg[SEG_CS].dpl = 1;
	fx->c->s.seg[SEG_SS].dpl = 1;
	fx_sync(fx);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);
}

static void test_shadows(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0xfb,                                    /* sti */
		0xfb,                                    /* sti */
		0x66, 0xb8, 0x18, 0x00,                  /* mov ax, 0x18 */
		0x8e, 0xd0,                              /* mov ss, eax */
		0x90,                                    /* nop */
		0x6a, 0x18,                              /* push 0x18 */
		0x17,                                    /* pop ss */
		0xf4);
	struct vcpu_events *ev = &fx->c->s.ev;
	fx_run(fx, 1);
	assert_int_equal(ev->shadow, SHADOW_STI);         /* IF was 0 */
	fx_run(fx, 1);
	assert_int_equal(ev->shadow, 0);                  /* IF was already 1 */
	fx_run(fx, 2);
	assert_int_equal(ev->shadow, SHADOW_MOVSS);
	fx_run(fx, 1);
	assert_int_equal(ev->shadow, 0);
	fx_run(fx, 2);
	assert_int_equal(ev->shadow, SHADOW_MOVSS);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP);
	fx_assert_no_exc(fx);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_popf),
		cmocka_unit_test(test_pushf),
		cmocka_unit_test(test_cli_sti_iopl),
		cmocka_unit_test(test_shadows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
