/* Interpreter near branches: CALL rel/r/m, JMP rel8/rel/r/m, RET and
 * RET imm16 in 16-, 32- and 64-bit code; 16-bit operand size truncating
 * EIP; #GP(0) for a target beyond the CS limit or non-canonical, raised
 * with RIP at the branch and nothing pushed or popped. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

#define PUT(fx, gpa, ...)                                                   \
	do {                                                                \
		const uint8_t put_[] = { __VA_ARGS__ };                     \
		fx_poke((fx), (gpa), put_, sizeof(put_));                   \
	} while (0)

static void step(struct sw_fx *fx)
{
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
}

static void test_near_64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	const uint64_t C = FX_CODE_ADDR;
	FX_CODE(fx, 0xe8, 0xfb, 0x00, 0x00, 0x00);     /* call C+0x100 */
	PUT(fx, C + 0x100, 0xff, 0xd0);                /* call rax */
	PUT(fx, C + 0x200, 0xff, 0x13, 0xf4);          /* call [rbx]; hlt */
	PUT(fx, C + 0x300, 0xeb, 0x0e);                /* jmp C+0x310 */
	PUT(fx, C + 0x310, 0xe9, 0xeb, 0x00, 0x00, 0x00); /* jmp C+0x400 */
	PUT(fx, C + 0x400, 0xff, 0x63, 0x08);          /* jmp [rbx+8] */
	PUT(fx, C + 0x500, 0xff, 0xe1);                /* jmp rcx */
	PUT(fx, C + 0x600, 0xc2, 0x10, 0x00);          /* ret 0x10 */
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = C + 0x200;
	g[RBX] = FX_DATA_ADDR;
	g[RCX] = C + 0x600;
	fx_poke64(fx, FX_DATA_ADDR, C + 0x300);
	fx_poke64(fx, FX_DATA_ADDR + 8, C + 0x500);

	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x100);
	assert_int_equal(g[RSP], 0x7fff8);
	assert_int_equal(fx_peek(fx, 0x7fff8, 8), C + 5);
	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x200);
	assert_int_equal(fx_peek(fx, 0x7fff0, 8), C + 0x102);
	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x300);
	assert_int_equal(fx_peek(fx, 0x7ffe8, 8), C + 0x202);
	assert_int_equal(g[RSP], 0x7ffe8);
	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x310);
	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x400);
	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x500);
	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x600);
	step(fx);                                      /* ret 0x10 */
	assert_int_equal(fx->c->s.rip, C + 0x202);
	assert_int_equal(g[RSP], 0x80000);
	fx_free(fx);
}

/* 66 on a near branch in 64-bit mode: the decoder follows Intel (64-bit
 * operand size, rel32), so the push is 8 bytes and RIP is not truncated. */
static void test_near_64_opsize_prefix(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x66, 0xe8, 0x00, 0x01, 0x00, 0x00); /* call C+6+0x100 */
	PUT(fx, FX_CODE_ADDR + 0x106, 0x66, 0xc3);        /* ret */
	step(fx);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 0x106);
	assert_int_equal(fx->c->s.gpr[RSP], 0x7fff8);
	assert_int_equal(fx_peek(fx, 0x7fff8, 8), FX_CODE_ADDR + 6);
	step(fx);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 6);
	assert_int_equal(fx->c->s.gpr[RSP], 0x80000);
	fx_free(fx);
}

static void test_noncanonical_64(void **state)
{
	(void)state;
	const uint64_t bad = 0x0000800000000000ull;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xff, 0xd0);                       /* call rax */
	fx->c->s.gpr[RAX] = bad;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	/* Nothing was pushed: the frame's RSP slot holds the original RSP. */
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 16, 8), FX_STACK_TOP);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xff, 0xe1);                       /* jmp rcx */
	fx->c->s.gpr[RCX] = 0xffff7fffffffffffull;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	fx_free(fx);

	/* A canonical upper-half target is fine (it faults on fetch, #PF). */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xff, 0xe1);                       /* jmp rcx */
	fx->c->s.gpr[RCX] = 0xffff800000000000ull;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_PF, PFEC_I);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xc3);                             /* ret */
	fx->c->s.gpr[RSP] = FX_STACK_TOP - 0x100;
	fx_poke64(fx, FX_STACK_TOP - 0x100, bad);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	/* RSP not popped: the frame's RSP slot holds the RSP before RET. */
	uint64_t frame = (FX_STACK_TOP - 0x100) & ~15ull;
	assert_int_equal(fx_peek(fx, frame - 16, 8), FX_STACK_TOP - 0x100);
	fx_free(fx);
}

static void test_near_32(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	const uint64_t C = FX_CODE_ADDR;
	FX_CODE(fx, 0xff, 0xd1);                       /* call ecx */
	PUT(fx, C + 0x100, 0xff, 0x13);                /* call [ebx] */
	PUT(fx, C + 0x200, 0xc3);                      /* ret */
	PUT(fx, C + 0x102, 0x66, 0xe8, 0x00, 0x01);    /* call (rel16): EIP & 0xffff */
	PUT(fx, 0x206, 0x66, 0xc3);                    /* retw */
	uint64_t *g = fx->c->s.gpr;
	g[RCX] = C + 0x100;
	g[RBX] = FX_DATA_ADDR;
	fx_poke32(fx, FX_DATA_ADDR, (uint32_t)(C + 0x200));
	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x100);
	assert_int_equal(g[RSP], 0x7fffc);
	assert_int_equal(fx_peek(fx, 0x7fffc, 4), C + 2);
	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x200);
	assert_int_equal(fx_peek(fx, 0x7fff8, 4), C + 0x102);
	step(fx);
	assert_int_equal(fx->c->s.rip, C + 0x102);
	assert_int_equal(g[RSP], 0x7fffc);
	step(fx);                                      /* 16-bit call */
	assert_int_equal(fx->c->s.rip, 0x206);         /* (0x20106 + 0x100) & 0xffff */
	assert_int_equal(g[RSP], 0x7fffa);
	assert_int_equal(fx_peek(fx, 0x7fffa, 2), 0x0106);
	step(fx);                                      /* 16-bit ret */
	assert_int_equal(fx->c->s.rip, 0x106);
	assert_int_equal(g[RSP], 0x7fffc);
	fx_free(fx);
}

/* A code segment with limit 0x20fff: a branch beyond it is #GP(0) at the
 * branch; one to the limit's last byte is fine. */
static void test_cs_limit_32(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	fx_set_gdt(fx, FX_GDT_FREE, fx_desc(0, 0x20fff, 0xb, 0, FX_DB));
	fx_seg_from_gdt(fx, &fx->c->s.seg[SEG_CS], FX_GDT_FREE);
	fx_sync(fx);
	FX_CODE(fx, 0xe9, 0xfa, 0x0f, 0x00, 0x00,      /* jmp C+0xfff */
		0xe8, 0xf6, 0x0f, 0x00, 0x00);         /* call C+0x1000: beyond */
	PUT(fx, FX_CODE_ADDR + 0xfff, 0xeb, 0x00);     /* straddles the limit */
	step(fx);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 0xfff);
	fx->c->s.rip = FX_CODE_ADDR + 5;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR + 5);
	fx_free(fx);
}

static void test_near_real(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	uint64_t cs = FX_CODE_ADDR;   /* CS base; IP starts at 0 */
	FX_CODE(fx, 0xe8, 0xfd, 0x00);                 /* call 0x100 */
	PUT(fx, cs + 0x100, 0xff, 0x17);               /* call [bx] */
	PUT(fx, cs + 0x200, 0xff, 0xd1);               /* call cx */
	PUT(fx, cs + 0x300, 0xc2, 0x04, 0x00);         /* ret 4 */
	PUT(fx, cs + 0x202, 0xe9, 0xfb, 0xfd);         /* jmp 0 (wraps: 0x205 + 0xfdfb) */
	uint64_t *g = fx->c->s.gpr;
	g[RBX] = 0x8000;
	g[RCX] = 0x300;
	fx_poke16(fx, cs + 0x8000, 0x200);
	step(fx);
	assert_int_equal(fx->c->s.rip, 0x100);
	assert_int_equal(g[RSP], 0xffee);
	assert_int_equal(fx_peek(fx, 0x20000 + 0xffee, 2), 3);
	step(fx);
	assert_int_equal(fx->c->s.rip, 0x200);
	step(fx);
	assert_int_equal(fx->c->s.rip, 0x300);
	assert_int_equal(g[RSP], 0xffea);
	step(fx);
	assert_int_equal(fx->c->s.rip, 0x202);
	assert_int_equal(g[RSP], 0xfff0);
	step(fx);
	assert_int_equal(fx->c->s.rip, 0x0);
	fx_free(fx);

	/* 66 E9 rel32: a 32-bit target beyond the real-mode limit 0xffff. */
	fx = fx_new_ok(FX_REAL);
	FX_CODE(fx, 0x66, 0xe9, 0xfa, 0xff, 0x00, 0x00); /* jmp 0x10000 */
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->last_event.rip, 0);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_near_64),
		cmocka_unit_test(test_near_64_opsize_prefix),
		cmocka_unit_test(test_noncanonical_64),
		cmocka_unit_test(test_near_32),
		cmocka_unit_test(test_cs_limit_32),
		cmocka_unit_test(test_near_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
