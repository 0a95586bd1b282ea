/* Segment-register moves: PUSH Sreg (the 32-bit slot written as the
 * vendor does), POP Sreg with a good and a bad selector (RSP unchanged on
 * a fault), MOV Ev,Sreg sizes, MOV SS with a null selector, MOV CS (#UD),
 * LSS/LES/LDS/LFS (a faulting load leaves the register), and LFS with
 * REX.W by vendor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

static void test_push_pop_sreg_32(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x1e,                                    /* push ds */
		0x66, 0x06,                              /* push es (16 bits) */
		0x6a, 0x2b,                              /* push 0x2b */
		0x07,                                    /* pop es */
		0xf4);
	fx_poke32(fx, FX_STACK_TOP - 4, 0xaaaaaaaa);
	fx_run(fx, 2);
	uint32_t slot = (uint32_t)fx_peek(fx, FX_STACK_TOP - 4, 4);
	/* Intel writes the selector with a 16-bit move; AMD zero-extends. */
	assert_int_equal(slot, fx->c->vendor_amd ? FX_SEL_DATA : 0xaaaa0000u | FX_SEL_DATA);
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 6, 2), FX_SEL_DATA);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP - 6);
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.seg[SEG_ES].selector, FX_SEL_UDATA);
	assert_int_equal(fx->c->s.seg[SEG_ES].dpl, 3);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP - 6);
	fx_free(fx);
}

/* POP DS of a selector beyond the GDT: #GP(selector), nothing popped. */
static void test_pop_sreg_fault(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x68, 0x80, 0x00, 0x00, 0x00,            /* push 0x80 */
		0x1f,                                    /* pop ds */
		0xf4);
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_GP, 0x80);
	assert_int_equal(fx->c->s.seg[SEG_DS].selector, FX_SEL_DATA);
	/* Same-level delivery pushed EFLAGS, CS, EIP and the error code below
	 * the unpopped slot: ESP had not moved. */
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 4, 4), 0x80);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP - 4 - 16);
	fx_free(fx);
}

static void test_push_pop_sreg_64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x0f, 0xa0,                              /* push fs */
		0x6a, 0x2b,                              /* push 0x2b */
		0x0f, 0xa9,                              /* pop gs */
		0xf4);
	fx_poke64(fx, FX_STACK_TOP - 8, ~0ull);
	fx->c->s.seg[SEG_GS].base = 0x1234;
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 8, 8), FX_SEL_DATA);
	assert_int_equal(fx->c->s.seg[SEG_GS].selector, FX_SEL_UDATA);
	assert_int_equal(fx->c->s.seg[SEG_GS].base, 0);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP - 8);
	fx_free(fx);
}

static void test_mov_sreg(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x8c, 0xd8,                              /* mov eax, ds */
		0x66, 0x8c, 0xd9,                        /* mov cx, ds */
		0x8c, 0x13,                              /* mov [ebx], ss */
		0x8e, 0xe6,                              /* mov fs, esi */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = ~0ull;
	g[RCX] = 0xffffffff;
	g[RBX] = FX_DATA_ADDR;
	g[RSI] = 0xffff0000 | FX_SEL_UDATA;
	fx_poke32(fx, FX_DATA_ADDR, 0xeeeeeeee);
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(g[RAX], FX_SEL_DATA);
	assert_int_equal(g[RCX], 0xffff0000 | FX_SEL_DATA);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR, 4), 0xeeee0000 | FX_SEL_DATA);
	assert_int_equal(fx->c->s.seg[SEG_FS].selector, FX_SEL_UDATA);
	fx_free(fx);

	/* MOV SS, null: #GP(0) outside 64-bit mode. */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x8e, 0xd0, 0xf4);                   /* mov ss, eax */
	fx->c->s.gpr[RAX] = 0;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);

	/* MOV CS is #UD. */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x8e, 0xc8, 0xf4);                   /* mov cs, eax */
	fx->c->s.gpr[RAX] = FX_SEL_CODE32;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	fx_free(fx);
}

static void test_load_far_pointers(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x0f, 0xb2, 0x20,                        /* lss esp, [eax] */
		0xc4, 0x0b,                              /* les ecx, [ebx] */
		0x66, 0xc5, 0x16,                        /* lds dx, [esi] */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = FX_DATA_ADDR;
	g[RBX] = FX_DATA_ADDR + 0x10;
	g[RSI] = FX_DATA_ADDR + 0x20;
	g[RDX] = 0xdddddddd;
	fx_poke32(fx, FX_DATA_ADDR, 0x70000);
	fx_poke16(fx, FX_DATA_ADDR + 4, FX_SEL_DATA);
	fx_poke32(fx, FX_DATA_ADDR + 0x10, 0xc0ffee);
	fx_poke16(fx, FX_DATA_ADDR + 0x14, FX_SEL_UDATA);
	fx_poke16(fx, FX_DATA_ADDR + 0x20, 0x1234);
	fx_poke16(fx, FX_DATA_ADDR + 0x22, FX_SEL_DATA16);
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(g[RSP], 0x70000);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, FX_SEL_DATA);
	assert_int_equal(g[RCX], 0xc0ffee);
	assert_int_equal(fx->c->s.seg[SEG_ES].selector, FX_SEL_UDATA);
	assert_int_equal(g[RDX], 0xdddd1234);
	assert_int_equal(fx->c->s.seg[SEG_DS].selector, FX_SEL_DATA16);
	fx_free(fx);

	/* A code selector cannot go to SS: #GP(sel), ESP kept. */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x0f, 0xb2, 0x20, 0xf4);             /* lss esp, [eax] */
	fx->c->s.gpr[RAX] = FX_DATA_ADDR;
	fx_poke32(fx, FX_DATA_ADDR, 0x70000);
	fx_poke16(fx, FX_DATA_ADDR + 4, FX_SEL_CODE32);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, FX_SEL_CODE32);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, FX_SEL_DATA);
	fx_free(fx);
}

/* LFS with REX.W: m16:64 on Intel, m16:32 on AMD. */
static void test_lfs_rexw(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x48, 0x0f, 0xb4, 0x03, 0xf4);       /* lfs rax, [rbx] */
	fx->c->s.gpr[RBX] = FX_DATA_ADDR;
	fx->c->s.gpr[RAX] = ~0ull;
	fx_poke32(fx, FX_DATA_ADDR, 0x12345678);
	fx_poke16(fx, FX_DATA_ADDR + 4, FX_SEL_DATA);
	fx_poke16(fx, FX_DATA_ADDR + 6, 0);
	fx_poke16(fx, FX_DATA_ADDR + 8, FX_SEL_UDATA);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	if (fx->c->vendor_amd) {
		assert_int_equal(fx->c->s.gpr[RAX], 0x12345678);
		assert_int_equal(fx->c->s.seg[SEG_FS].selector, FX_SEL_DATA);
	} else {
		assert_int_equal(fx->c->s.gpr[RAX], ((uint64_t)FX_SEL_DATA << 32) | 0x12345678);
		assert_int_equal(fx->c->s.seg[SEG_FS].selector, FX_SEL_UDATA);
	}
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_pop_sreg_32),
		cmocka_unit_test(test_pop_sreg_fault),
		cmocka_unit_test(test_push_pop_sreg_64),
		cmocka_unit_test(test_mov_sreg),
		cmocka_unit_test(test_load_far_pointers),
		cmocka_unit_test(test_lfs_rexw),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
