/* Interpreter stack moves: PUSH/POP of registers, immediates and memory
 * in each mode and operand size, RSP arithmetic, POP [rsp+x] (address
 * computed with the incremented RSP), PUSH/POP rSP, 16-bit stacks that
 * wrap, PUSHA/POPA, ENTER with nesting levels, LEAVE, and faults that
 * leave RSP unchanged. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

static void test_push_pop_64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x50,                                     /* push rax */
		0x41, 0x57,                               /* push r15 */
		0x54,                                     /* push rsp */
		0x68, 0x78, 0x56, 0x34, 0x12,             /* push 0x12345678 */
		0x6a, 0xfe,                               /* push -2 */
		0x66, 0x68, 0x34, 0x12,                   /* pushw 0x1234 */
		0x66, 0x50,                               /* push ax */
		0xff, 0x74, 0x24, 0x08,                   /* push qword [rsp+8] */
		0x59,                                     /* pop rcx */
		0x66, 0x5a,                               /* pop dx */
		0x66, 0x41, 0x58,                         /* pop r8w */
		0x41, 0x59,                               /* pop r9 */
		0x8f, 0x44, 0x24, 0x08,                   /* pop qword [rsp+8] */
		0x5c,                                     /* pop rsp */
		0xf4);                                    /* hlt */
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0x1111111111111111ull;
	g[R15] = 0xf15;
	g[RDX] = ~0ull;
	g[R8] = ~0ull;

	fx_run(fx, 8);
	assert_int_equal(g[RSP], 0x7ffcc);
	assert_int_equal(fx_peek(fx, 0x7fff8, 8), 0x1111111111111111ull);
	assert_int_equal(fx_peek(fx, 0x7fff0, 8), 0xf15);
	assert_int_equal(fx_peek(fx, 0x7ffe8, 8), 0x7fff0);  /* rsp before the push */
	assert_int_equal(fx_peek(fx, 0x7ffe0, 8), 0x12345678);
	assert_int_equal(fx_peek(fx, 0x7ffd8, 8), 0xfffffffffffffffeull);
	assert_int_equal(fx_peek(fx, 0x7ffd6, 2), 0x1234);
	assert_int_equal(fx_peek(fx, 0x7ffd4, 2), 0x1111);
	assert_int_equal(fx_peek(fx, 0x7ffcc, 8), 0x12345678ffffffffull);

	fx_run_to_hlt(fx, 10);
	assert_int_equal(g[RCX], 0x12345678ffffffffull);
	assert_int_equal(g[RDX], 0xffffffffffff1111ull);
	assert_int_equal(g[R8], 0xffffffffffff1234ull);
	assert_int_equal(g[R9], 0xfffffffffffffffeull);
	/* POP [rsp+8] stored at 0x7ffe8 + 8: the address uses the new RSP. */
	assert_int_equal(fx_peek(fx, 0x7fff0, 8), 0x12345678);
	/* POP RSP: the popped value, not the incremented pointer. */
	assert_int_equal(g[RSP], 0x7fff0);
	fx_free(fx);
}

static void test_push_pop_32(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x50,                                     /* push eax */
		0x66, 0x50,                               /* push ax */
		0x54,                                     /* push esp */
		0x68, 0x80, 0x00, 0x00, 0x00,             /* push 0x80 */
		0x6a, 0xff,                               /* push -1 */
		0x66, 0x6a, 0xff,                         /* pushw -1 */
		0xff, 0x74, 0x24, 0x04,                   /* push dword [esp+4] */
		0x59,                                     /* pop ecx */
		0x66, 0x5a,                               /* pop dx */
		0x8f, 0x04, 0x24,                         /* pop dword [esp] */
		0x5c,                                     /* pop esp */
		0xf4);                                    /* hlt */
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0xaabbccdd;
	fx_run(fx, 7);
	assert_int_equal(g[RSP], 0x7ffe8);
	assert_int_equal(fx_peek(fx, 0x7fffc, 4), 0xaabbccdd);
	assert_int_equal(fx_peek(fx, 0x7fffa, 2), 0xccdd);
	assert_int_equal(fx_peek(fx, 0x7fff6, 4), 0x7fffa);
	assert_int_equal(fx_peek(fx, 0x7fff2, 4), 0x80);
	assert_int_equal(fx_peek(fx, 0x7ffee, 4), 0xffffffff);
	assert_int_equal(fx_peek(fx, 0x7ffec, 2), 0xffff);
	assert_int_equal(fx_peek(fx, 0x7ffe8, 4), 0x0080ffff);
	fx_run_to_hlt(fx, 10);
	assert_int_equal(g[RCX], 0x0080ffff);
	assert_int_equal(g[RDX] & 0xffff, 0xffff);
	/* pop [esp] wrote at 0x7fff2 (new ESP), so pop esp reads -1. */
	assert_int_equal(g[RSP], 0xffffffff);
	fx_free(fx);
}

static void test_push_pop_real(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx,
		0x50,                                     /* push ax */
		0x66, 0x50,                               /* push eax */
		0x54,                                     /* push sp */
		0x68, 0x34, 0x12,                         /* push 0x1234 */
		0x6a, 0xfd,                               /* push -3 */
		0x66, 0x6a, 0xfd,                         /* pushd -3 */
		0x66, 0x59,                               /* pop ecx */
		0x66, 0x5a,                               /* pop edx */
		0x5b,                                     /* pop bx */
		0x8f, 0x07,                               /* pop word [bx] */
		0xf4);                                    /* hlt */
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0x11223344;
	fx->c->s.seg[SEG_DS].selector = 0x3000;
	fx->c->s.seg[SEG_DS].base = 0x30000;
	fx_run(fx, 6);
	assert_int_equal(g[RSP], 0xffe0);
	uint64_t ss = 0x20000;
	assert_int_equal(fx_peek(fx, ss + 0xffee, 2), 0x3344);
	assert_int_equal(fx_peek(fx, ss + 0xffea, 4), 0x11223344);
	assert_int_equal(fx_peek(fx, ss + 0xffe8, 2), 0xffea);
	assert_int_equal(fx_peek(fx, ss + 0xffe6, 2), 0x1234);
	assert_int_equal(fx_peek(fx, ss + 0xffe4, 2), 0xfffd);
	assert_int_equal(fx_peek(fx, ss + 0xffe0, 4), 0xfffffffd);
	fx_run_to_hlt(fx, 10);
	assert_int_equal(g[RCX], 0xfffffffd);
	assert_int_equal(g[RDX], 0x1234fffd);
	assert_int_equal(g[RBX], 0xffea);
	assert_int_equal(g[RSP], 0xffec);
	assert_int_equal(fx_peek(fx, 0x30000 + 0xffea, 2), 0x3344);
	fx_free(fx);
}

/* A 16-bit stack segment in protected mode: SP wraps, the upper half of
 * ESP is kept, and a doubleword crossing the limit raises #SS(0) with
 * ESP unchanged. */
static void test_stack16_wrap(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x66, 0x50,                               /* push ax */
		0x66, 0x53,                               /* push bx */
		0x58,                                     /* pop eax: crosses 0xffff */
		0xf4);
	fx_seg_from_gdt(fx, &fx->c->s.seg[SEG_SS], FX_SEL_DATA16);
	fx_sync(fx);
	uint64_t *g = fx->c->s.gpr;
	g[RSP] = 0x12340002;
	g[RAX] = 0xaaaa;
	g[RBX] = 0xbbbb;
	fx_run(fx, 2);
	fx_assert_no_exc(fx);
	assert_int_equal(g[RSP], 0x1234fffe);
	assert_int_equal(fx_peek(fx, 0x0, 2), 0xaaaa);
	assert_int_equal(fx_peek(fx, 0xfffe, 2), 0xbbbb);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_SS, 0);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR + 4);
	assert_int_equal(g[RAX], 0xaaaa);
	fx_free(fx);
}

static void test_pusha_popa(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x60,                                     /* pusha */
		0x61,                                     /* popa */
		0x66, 0x60,                               /* pushaw */
		0x66, 0x61,                               /* popaw */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	for (int r = 0; r < 8; r++)
		if (r != RSP)
			g[r] = 0x10101010u * (unsigned)(r + 1);
	fx_run(fx, 1);
	assert_int_equal(g[RSP], 0x80000 - 32);
	for (int r = 0; r < 8; r++) {
		uint64_t want = r == RSP ? 0x80000 : 0x10101010u * (unsigned)(r + 1);
		assert_int_equal(fx_peek(fx, 0x80000 - 4 * (r + 1), 4), want);
	}
	/* POPA restores all but ESP, whose slot is skipped. */
	fx_poke32(fx, 0x80000 - 20, 0xdead);
	for (int r = 0; r < 8; r++)
		if (r != RSP)
			g[r] = 0;
	fx_run(fx, 1);
	assert_int_equal(g[RSP], 0x80000);
	for (int r = 0; r < 8; r++)
		if (r != RSP)
			assert_int_equal(g[r], 0x10101010u * (unsigned)(r + 1));
	fx_run(fx, 1);
	assert_int_equal(g[RSP], 0x80000 - 16);
	assert_int_equal(fx_peek(fx, 0x80000 - 2, 2), 0x1010);      /* AX */
	assert_int_equal(fx_peek(fx, 0x80000 - 10, 2), 0x0000);     /* SP */
	assert_int_equal(fx_peek(fx, 0x80000 - 16, 2), 0x8080);     /* DI */
	g[RAX] = 0xffffffff;
	fx_run_to_hlt(fx, 3);
	assert_int_equal(g[RAX], 0xffff1010);   /* 16-bit POPA merges */
	assert_int_equal(g[RSP], 0x80000);
	fx_free(fx);
}

static void test_enter_leave_32(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0xc8, 0x10, 0x00, 0x03,                   /* enter 0x10, 3 */
		0xc9,                                     /* leave */
		0xc8, 0x00, 0x00, 0x21,                   /* enter 0, 33 (level 1) */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RBP] = 0x7ff00;
	fx_poke32(fx, 0x7ff00 - 4, 0xa1);
	fx_poke32(fx, 0x7ff00 - 8, 0xa2);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(g[RBP], 0x7fffc);
	assert_int_equal(g[RSP], 0x7fff0 - 0x10);
	assert_int_equal(fx_peek(fx, 0x7fffc, 4), 0x7ff00);  /* old EBP */
	assert_int_equal(fx_peek(fx, 0x7fff8, 4), 0xa1);     /* display */
	assert_int_equal(fx_peek(fx, 0x7fff4, 4), 0xa2);
	assert_int_equal(fx_peek(fx, 0x7fff0, 4), 0x7fffc);  /* frame pointer */
	fx_run(fx, 1);
	assert_int_equal(g[RBP], 0x7ff00);
	assert_int_equal(g[RSP], 0x80000);
	fx_run_to_hlt(fx, 2);
	assert_int_equal(g[RBP], 0x7fffc);
	assert_int_equal(g[RSP], 0x7fff8);
	assert_int_equal(fx_peek(fx, 0x7fff8, 4), 0x7fffc);
	fx_free(fx);
}

static void test_enter_leave_64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0xc8, 0x20, 0x00, 0x00,                   /* enter 0x20, 0 */
		0xc8, 0x08, 0x00, 0x02,                   /* enter 8, 2 */
		0xc9,                                     /* leave */
		0xc9,                                     /* leave */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RBP] = 0x1234;
	fx_poke64(fx, 0x7fff0, 0xd1);
	fx_run(fx, 1);
	assert_int_equal(g[RBP], 0x7fff8);
	assert_int_equal(g[RSP], 0x7ffd8);
	fx_run(fx, 1);
	assert_int_equal(g[RBP], 0x7ffd0);
	assert_int_equal(g[RSP], 0x7ffb8);
	assert_int_equal(fx_peek(fx, 0x7ffd0, 8), 0x7fff8);
	assert_int_equal(fx_peek(fx, 0x7ffc8, 8), 0xd1);
	assert_int_equal(fx_peek(fx, 0x7ffc0, 8), 0x7ffd0);
	fx_run(fx, 1);
	assert_int_equal(g[RBP], 0x7fff8);
	assert_int_equal(g[RSP], 0x7ffd8);
	fx_run_to_hlt(fx, 2);
	assert_int_equal(g[RBP], 0x1234);
	assert_int_equal(g[RSP], 0x80000);
	fx_free(fx);
}

static void test_enter_leave_real(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx,
		0xc8, 0x04, 0x00, 0x02,                   /* enter 4, 2 */
		0xc9,                                     /* leave */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RBP] = 0xabcdff00;
	fx_poke16(fx, 0x20000 + 0xfefe, 0xbeef);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(g[RBP], 0xabcdffee);   /* BP only */
	assert_int_equal(g[RSP], 0xffe6);
	assert_int_equal(fx_peek(fx, 0x2ffee, 2), 0xff00);
	assert_int_equal(fx_peek(fx, 0x2ffec, 2), 0xbeef);
	assert_int_equal(fx_peek(fx, 0x2ffea, 2), 0xffee);
	fx_run_to_hlt(fx, 2);
	assert_int_equal(g[RBP], 0xabcdff00);
	assert_int_equal(g[RSP], 0xfff0);
	fx_free(fx);
}

/* A fault part-way through ENTER (reading a display entry at a
 * non-canonical RBP: #SS(0)) leaves RSP and RBP as they were. */
static void test_enter_fault_restarts(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xc8, 0x00, 0x00, 0x02,       /* enter 0, 2 */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RBP] = 0x0000800000000010ull;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_SS, 0);
	assert_int_equal(g[RBP], 0x0000800000000010ull);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	/* The exception frame was pushed at the original RSP. */
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 8, 8), FX_SEL_DATA);    /* SS */
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 16, 8), FX_STACK_TOP);  /* RSP */
	fx_free(fx);
}

/* ENTER at CPL 3 whose frame ends in a supervisor page: #PF for the
 * final stack pointer (the SDM's write check), although nothing is
 * written there; RSP and RBP stay as they were. */
static void test_enter_final_sp_page_fault(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	/* 0x200000-0x3fffff in 4 KiB user pages but 0x200000 supervisor. */
	fx_map_4k(fx, 0, 0x3, 0x7);
	FX_CODE(fx, 0xc8, 0x20, 0x00, 0x00,       /* enter 0x20, 0 */
		0xf4);
	fx_to_user(fx);
	uint64_t *g = fx->c->s.gpr;
	g[RSP] = 0x201010;
	g[RBP] = 0x1234;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_PF, PFEC_P | PFEC_W | PFEC_U);
	assert_int_equal(fx->c->s.cr2, 0x201008 - 0x20);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	assert_int_equal(g[RBP], 0x1234);
	assert_int_equal(fx_peek(fx, FX_STACK0_TOP - 16, 8), 0x201010);  /* RSP pushed */
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_pop_64),
		cmocka_unit_test(test_push_pop_32),
		cmocka_unit_test(test_push_pop_real),
		cmocka_unit_test(test_stack16_wrap),
		cmocka_unit_test(test_pusha_popa),
		cmocka_unit_test(test_enter_leave_32),
		cmocka_unit_test(test_enter_leave_64),
		cmocka_unit_test(test_enter_leave_real),
		cmocka_unit_test(test_enter_fault_restarts),
		cmocka_unit_test(test_enter_final_sp_page_fault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
