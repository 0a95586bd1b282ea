/* Interpreter string instructions: MOVS/CMPS/STOS/LODS/SCAS with and
 * without REP/REPE/REPNE, both directions, count 0, overlapping MOVS,
 * address sizes (16-bit wrap, 32-bit in 64-bit mode), segment overrides
 * (source only), REPE/REPNE termination and flags, long counts that take
 * several dispatches, and page faults part-way that leave RCX/RSI/RDI at
 * the faulting element and resume correctly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

static void fill_pattern(struct sw_fx *fx, uint64_t gpa, unsigned n, uint8_t seed)
{
	uint8_t buf[4096];
	assert_true(n <= sizeof(buf));
	for (unsigned k = 0; k < n; k++)
		buf[k] = (uint8_t)(seed + k * 7);
	fx_poke(fx, gpa, buf, n);
}

static void assert_pattern(struct sw_fx *fx, uint64_t gpa, unsigned n, uint8_t seed)
{
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(fx_peek(fx, gpa + k, 1), (uint8_t)(seed + k * 7));
}

static bool flag(struct sw_fx *fx, uint64_t bit)
{
	return (fx->c->s.rflags & bit) != 0;
}

static void test_rep_movs_forward(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0xf3, 0xa4,                               /* rep movsb */
		0xf3, 0x48, 0xa5,                         /* rep movsq */
		0xf3, 0xa5,                               /* rep movsd */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	fill_pattern(fx, 0x40000, 256, 1);
	fx_poke64(fx, 0x41000 + 100, 0x5555555555555555ull);
	g[RSI] = 0x40000;
	g[RDI] = 0x41000;
	g[RCX] = 100;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 2);
	assert_int_equal(g[RCX], 0);
	assert_int_equal(g[RSI], 0x40000 + 100);
	assert_int_equal(g[RDI], 0x41000 + 100);
	assert_pattern(fx, 0x41000, 100, 1);
	assert_int_equal(fx_peek(fx, 0x41000 + 100, 1), 0x55);   /* one past: untouched */

	g[RCX] = 3;                                       /* rep movsq */
	fx_run(fx, 1);
	assert_int_equal(g[RSI], 0x40000 + 124);
	assert_int_equal(g[RDI], 0x41000 + 124);
	/* rep movsd: with a 64-bit address size all of RCX counts (ECX alone
	 * would be 2); the first dispatch cannot finish, RIP stays. */
	g[RCX] = 0x100000002ull;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_true(g[RCX] > 2 && g[RCX] < 0x100000002ull);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 5);
	assert_int_equal(g[RDI] - g[RSI], 0x1000);
	assert_int_equal((0x100000002ull - g[RCX]) * 4, g[RSI] - (0x40000 + 124));
	fx_free(fx);
}

static void test_rep_movs_backward(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x66, 0xf3, 0xa5,                         /* rep movsw (DF=1) */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	fill_pattern(fx, 0x40000, 16, 9);
	fx->c->s.rflags |= RFLAGS_DF;
	g[RSI] = 0x40006;                                 /* last word of 4 */
	g[RDI] = 0x41006;
	g[RCX] = 4;
	fx_run_to_hlt(fx, 5);
	assert_pattern(fx, 0x41000, 8, 9);
	assert_int_equal(g[RSI], 0x3fffe);
	assert_int_equal(g[RDI], 0x40ffe);
	assert_int_equal(g[RCX], 0);
	fx_free(fx);
}

/* A zero count does nothing; with a 32-bit address size only ECX counts. */
static void test_rep_count_zero(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0xf3, 0xaa,                               /* rep stosb */
		0x67, 0xf3, 0xaa,                         /* addr32 rep stosb */
		0xf3, 0xa6,                               /* repe cmpsb */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0xee;
	g[RDI] = 0x41000;
	g[RSI] = 0x40000;
	g[RCX] = 0;
	uint64_t flags = fx->c->s.rflags;
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 2);
	assert_int_equal(g[RDI], 0x41000);
	g[RCX] = 0x100000000ull;
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 5);
	assert_int_equal(g[RCX], 0x100000000ull);
	assert_int_equal(g[RDI], 0x41000);
	g[RCX] = 0;
	fx_run_to_hlt(fx, 2);
	assert_int_equal(fx->c->s.rflags, flags);         /* no compare, no flags */
	assert_int_equal(fx_peek(fx, 0x41000, 1), 0);
	fx_free(fx);
}

/* Overlapping MOVSB copies element by element: forward with dst = src+1
 * replicates the first byte; backward with dst = src+1 shifts the block. */
static void test_movs_overlap(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xf3, 0xa4,                       /* rep movsb */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	fx_poke64(fx, 0x40000, 0x0807060504030201ull);
	fx_poke64(fx, 0x40008, 0x100f0e0d0c0b0a09ull);
	g[RSI] = 0x40000;
	g[RDI] = 0x40001;
	g[RCX] = 8;
	fx_run_to_hlt(fx, 3);
	assert_int_equal(fx_peek(fx, 0x40000, 8), 0x0101010101010101ull);
	assert_int_equal(fx_peek(fx, 0x40008, 8), 0x100f0e0d0c0b0a01ull);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xf3, 0xa4, 0xf4);                /* rep movsb; hlt (DF=1) */
	g = fx->c->s.gpr;
	fx_poke64(fx, 0x40000, 0x0807060504030201ull);
	fx_poke64(fx, 0x40008, 0x100f0e0d0c0b0a09ull);
	fx->c->s.rflags |= RFLAGS_DF;
	g[RSI] = 0x40007;
	g[RDI] = 0x40008;
	g[RCX] = 8;
	fx_run_to_hlt(fx, 3);
	assert_int_equal(fx_peek(fx, 0x40000, 8), 0x0706050403020101ull);
	assert_int_equal(fx_peek(fx, 0x40008, 8), 0x100f0e0d0c0b0a08ull);
	fx_free(fx);
}

static void test_stos_lods(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x66, 0xf3, 0xab,                         /* rep stosw */
		0xac,                                     /* lodsb */
		0xad,                                     /* lodsd */
		0x48, 0xab,                               /* stosq */
		0xf3, 0xac,                               /* rep lodsb */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0xffffffffffffbeefull;
	g[RDI] = 0x41000;
	g[RCX] = 3;
	g[RSI] = 0x40000;
	fx_poke64(fx, 0x40000, 0x8877665544332211ull);
	fx_run(fx, 1);
	assert_int_equal(fx_peek(fx, 0x41000, 8), 0x0000beefbeefbeefull);
	assert_int_equal(g[RDI], 0x41006);
	fx_run(fx, 1);
	assert_int_equal(g[RAX], 0xffffffffffffbe11ull);  /* AL only */
	assert_int_equal(g[RSI], 0x40001);
	fx_run(fx, 1);
	assert_int_equal(g[RAX], 0x55443322ull);           /* EAX zero-extends */
	assert_int_equal(g[RSI], 0x40005);
	fx_run(fx, 1);
	assert_int_equal(fx_peek(fx, 0x41006, 8), 0x55443322ull);
	assert_int_equal(g[RDI], 0x4100e);
	g[RCX] = 3;
	fx_run_to_hlt(fx, 3);
	assert_int_equal(g[RAX] & 0xff, 0x88);             /* the last of 66 77 88 */
	assert_int_equal(g[RSI], 0x40008);
	fx_free(fx);
}

static void test_cmps_scas(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0xf3, 0xa6,                               /* repe cmpsb */
		0xf3, 0xa6,                               /* repe cmpsb */
		0xf2, 0xae,                               /* repne scasb */
		0xf2, 0xae,                               /* repne scasb */
		0xf3, 0xaf,                               /* repe scasd */
		0x48, 0xa7,                               /* cmpsq */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	struct vcpu_state *s = &fx->c->s;
	fx_poke(fx, 0x40000, "abcdeFghij", 10);
	fx_poke(fx, 0x41000, "abcdeZghij", 10);

	/* Stops after the first difference (index 5): 'F' - 'Z' borrows. */
	g[RSI] = 0x40000;
	g[RDI] = 0x41000;
	g[RCX] = 10;
	fx_run(fx, 1);
	assert_int_equal(g[RCX], 4);
	assert_int_equal(g[RSI], 0x40006);
	assert_int_equal(g[RDI], 0x41006);
	assert_false(flag(fx, RFLAGS_ZF));
	assert_true(flag(fx, RFLAGS_CF));
	assert_true(flag(fx, RFLAGS_SF));
	assert_int_equal(s->rip, FX_CODE_ADDR + 2);

	/* Equal for the whole count: RCX 0, ZF 1. */
	g[RSI] = 0x40000;
	g[RDI] = 0x41000;
	g[RCX] = 5;
	fx_run(fx, 1);
	assert_int_equal(g[RCX], 0);
	assert_true(flag(fx, RFLAGS_ZF));
	assert_false(flag(fx, RFLAGS_CF));

	/* strlen: REPNE SCASB for AL = 0 stops on the terminator. */
	fx_poke(fx, 0x42000, "hello", 6);
	g[RAX] = 0;
	g[RDI] = 0x42000;
	g[RCX] = ~0ull;
	fx_run(fx, 1);
	assert_int_equal(g[RDI], 0x42006);
	assert_int_equal(g[RCX], ~0ull - 6);
	assert_true(flag(fx, RFLAGS_ZF));

	/* Not found within the count: RCX 0, ZF 0. */
	g[RDI] = 0x42000;
	g[RCX] = 3;
	fx_run(fx, 1);
	assert_int_equal(g[RCX], 0);
	assert_int_equal(g[RDI], 0x42003);
	assert_false(flag(fx, RFLAGS_ZF));

	/* REPE SCASD: EAX against doublewords until one differs. */
	fx_poke32(fx, 0x43000, 7);
	fx_poke32(fx, 0x43004, 7);
	fx_poke32(fx, 0x43008, 9);
	g[RAX] = 7;
	g[RDI] = 0x43000;
	g[RCX] = 10;
	fx_run(fx, 1);
	assert_int_equal(g[RCX], 7);
	assert_int_equal(g[RDI], 0x4300c);
	assert_false(flag(fx, RFLAGS_ZF));
	assert_true(flag(fx, RFLAGS_CF));                 /* 7 - 9 */

	/* CMPSQ: source minus destination: 2 - 1, no borrow, not zero. */
	fx_poke64(fx, 0x44000, 2);
	fx_poke64(fx, 0x45000, 1);
	g[RSI] = 0x44000;
	g[RDI] = 0x45000;
	fx_run_to_hlt(fx, 2);
	assert_false(flag(fx, RFLAGS_CF));
	assert_false(flag(fx, RFLAGS_ZF));
	assert_int_equal(g[RSI], 0x44008);
	assert_int_equal(g[RDI], 0x45008);
	fx_free(fx);
}

/* Segment overrides apply to the source; ES:rDI is fixed. */
static void test_segment_override(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x64, 0xf3, 0xa4,                 /* rep movsb [rdi], fs:[rsi] */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	fx->c->s.seg[SEG_FS].base = 0x1000;
	fill_pattern(fx, 0x41000, 16, 3);
	g[RSI] = 0x40000;
	g[RDI] = 0x50000;
	g[RCX] = 16;
	fx_run_to_hlt(fx, 3);
	assert_pattern(fx, 0x50000, 16, 3);
	fx_free(fx);

	fx = fx_new_ok(FX_REAL);
	FX_CODE(fx,
		0x26, 0xac,                               /* lodsb al, es:[si] */
		0x2e, 0xa4,                               /* movsb es:[di], cs:[si] */
		0xf4);
	g = fx->c->s.gpr;
	struct vcpu_state *s = &fx->c->s;
	s->seg[SEG_ES].selector = 0x3000;
	s->seg[SEG_ES].base = 0x30000;
	s->seg[SEG_DS].selector = 0x5000;
	s->seg[SEG_DS].base = 0x50000;
	fx_poke(fx, 0x30010, "\x11", 1);   /* ES:0x10 */
	fx_poke(fx, 0x50010, "\x22", 1);   /* DS:0x10 */
	fx_poke(fx, 0x20011, "\x33", 1);   /* CS:0x11 */
	g[RSI] = 0x10;
	g[RDI] = 0x40;
	fx_run_to_hlt(fx, 3);
	assert_int_equal(g[RAX] & 0xff, 0x11);
	assert_int_equal(fx_peek(fx, 0x30040, 1), 0x33);
	assert_int_equal(g[RSI], 0x12);
	assert_int_equal(g[RDI], 0x41);
	fx_free(fx);
}

/* 16-bit addressing wraps SI/DI/CX at 64 KiB and keeps their upper
 * halves; 67 in 64-bit mode uses ESI/EDI/ECX and zero-extends them. */
static void test_address_sizes(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx, 0xf3, 0xa4,                       /* rep movsb */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	fx->c->s.seg[SEG_ES].base = 0x30000;
	fx->c->s.seg[SEG_ES].selector = 0x3000;
	fx->c->s.seg[SEG_DS].base = 0x50000;
	fx->c->s.seg[SEG_DS].selector = 0x5000;
	fx_poke(fx, 0x5ffff, "\xa1", 1);
	fx_poke(fx, 0x50000, "\xa2", 1);
	g[RSI] = 0x1230ffff;
	g[RDI] = 0x4560fffe;
	g[RCX] = 0x78900002;
	fx_run_to_hlt(fx, 3);
	assert_int_equal(g[RSI], 0x12300001);
	assert_int_equal(g[RDI], 0x45600000);
	assert_int_equal(g[RCX], 0x78900000);
	assert_int_equal(fx_peek(fx, 0x3fffe, 2), 0xa2a1);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x67, 0xf3, 0xa4,                 /* addr32 rep movsb */
		0xf4);
	g = fx->c->s.gpr;
	fill_pattern(fx, 0x40000, 4, 5);
	g[RSI] = 0x500040000ull;
	g[RDI] = 0x700041000ull;
	g[RCX] = 0x900000004ull;
	fx_run_to_hlt(fx, 3);
	assert_pattern(fx, 0x41000, 4, 5);
	assert_int_equal(g[RSI], 0x40004);
	assert_int_equal(g[RDI], 0x41004);
	assert_int_equal(g[RCX], 0);
	fx_free(fx);
}

/* F2 on MOVS/STOS repeats as F3 does (no ZF test). */
static void test_repne_movs(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xf2, 0xa4,                       /* repne movsb */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	fill_pattern(fx, 0x40000, 8, 0);
	fx->c->s.rflags |= RFLAGS_ZF;
	g[RSI] = 0x40000;
	g[RDI] = 0x41000;
	g[RCX] = 8;
	fx_run_to_hlt(fx, 3);
	assert_int_equal(g[RCX], 0);
	assert_pattern(fx, 0x41000, 8, 0);
	fx_free(fx);
}

/* A count far above what one dispatch runs completes, with RIP staying at
 * the instruction in between and every element written once. */
static void test_long_count(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xf3, 0xaa,                       /* rep stosb */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0x5a;
	g[RDI] = 0x100000;
	g[RCX] = 100000;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	if (g[RCX] != 0) {
		assert_int_equal(fx->c->s.rip, FX_CODE_ADDR);
		assert_int_equal(g[RDI], 0x100000 + 100000 - g[RCX]);
	}
	fx_run_to_hlt(fx, 1000);
	assert_int_equal(g[RCX], 0);
	assert_int_equal(g[RDI], 0x100000 + 100000);
	for (uint64_t a = 0x100000; a < 0x100000 + 100000; a += 997)
		assert_int_equal(fx_peek(fx, a, 1), 0x5a);
	assert_int_equal(fx_peek(fx, 0x100000 + 100000 - 1, 1), 0x5a);
	assert_int_equal(fx_peek(fx, 0x100000 + 100000, 1), 0);
	fx_free(fx);
}

/* With TF set a repeated instruction traps after every iteration, the
 * #DB return address being the instruction itself until the count ends. */
static void test_rep_single_step(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xf3, 0xaa,                       /* rep stosb */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	fx->c->s.rflags |= RFLAGS_TF;
	g[RAX] = 0x77;
	g[RDI] = 0x41000;
	g[RCX] = 3;
	fx_run(fx, 1);
	assert_int_equal(fx->c->last_event.vector, EXC_DB);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	assert_int_equal(g[RCX], 2);
	assert_int_equal(g[RDI], 0x41001);
	assert_int_equal(fx_peek(fx, 0x41001, 1), 0);
	fx_free(fx);
}

/* Map 0x200000-0x3fffff with 4 KiB pages; page 0x201000 not present. */
static void map_hole(struct sw_fx *fx)
{
	fx_map_4k(fx, 1, 0, 7);
}

/* Return from the exception stub by hand: back to the faulting RIP with
 * the stack as before the fault, the hole now mapped. */
static void fill_hole_and_resume(struct sw_fx *fx)
{
	fx_poke64(fx, FX_FREE_ADDR + 8, 0x201000 | 7);
	fx->c->s.rip = fx->c->last_event.rip;
	fx->c->s.gpr[RSP] = FX_STACK_TOP;
	fx_sync(fx);
	fx_resume(fx);
}

static void test_rep_movs_page_fault_write(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	map_hole(fx);
	FX_CODE(fx, 0xf3, 0xa4,                       /* rep movsb */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	fill_pattern(fx, 0x40000, 0x200, 11);
	g[RSI] = 0x40000;
	g[RDI] = 0x200f00;
	g[RCX] = 0x200;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_PF, PFEC_W);
	assert_int_equal(fx->c->s.cr2, 0x201000);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	assert_int_equal(g[RCX], 0x100);
	assert_int_equal(g[RSI], 0x40100);
	assert_int_equal(g[RDI], 0x201000);
	assert_pattern(fx, 0x200f00, 0x100, 11);
	/* The return address and RSP in the exception frame. */
	assert_int_equal(fx_peek(fx, FX_STACK_TOP - 40, 8), FX_CODE_ADDR);

	fill_hole_and_resume(fx);
	fx_run_to_hlt(fx, 10);
	assert_int_equal(g[RCX], 0);
	assert_int_equal(g[RSI], 0x40200);
	assert_int_equal(g[RDI], 0x201100);
	assert_pattern(fx, 0x200f00, 0x200, 11);
	fx_free(fx);
}

static void test_rep_movs_page_fault_read(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	map_hole(fx);
	FX_CODE(fx, 0xf3, 0x48, 0xa5,                 /* rep movsq */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	fill_pattern(fx, 0x200ff0, 16, 21);
	g[RSI] = 0x200ff0;
	g[RDI] = 0x41000;
	g[RCX] = 4;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_PF, 0);
	assert_int_equal(fx->c->s.cr2, 0x201000);
	assert_int_equal(g[RCX], 2);
	assert_int_equal(g[RSI], 0x201000);
	assert_int_equal(g[RDI], 0x41010);
	assert_pattern(fx, 0x41000, 16, 21);

	fill_hole_and_resume(fx);
	fill_pattern(fx, 0x201000, 16, 37);
	fx_run_to_hlt(fx, 10);
	assert_int_equal(g[RCX], 0);
	assert_pattern(fx, 0x41010, 16, 37);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rep_movs_forward),
		cmocka_unit_test(test_rep_movs_backward),
		cmocka_unit_test(test_rep_count_zero),
		cmocka_unit_test(test_movs_overlap),
		cmocka_unit_test(test_stos_lods),
		cmocka_unit_test(test_cmps_scas),
		cmocka_unit_test(test_segment_override),
		cmocka_unit_test(test_address_sizes),
		cmocka_unit_test(test_repne_movs),
		cmocka_unit_test(test_long_count),
		cmocka_unit_test(test_rep_single_step),
		cmocka_unit_test(test_rep_movs_page_fault_write),
		cmocka_unit_test(test_rep_movs_page_fault_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
