/* The decoded-instruction cache: stores to cached code (the next
 * instruction in the same block, code run before, a store through another
 * virtual alias of the page, a string store), memory changed behind the
 * interpreter's back and announced with sw_mem_invalidate, the decode mode
 * in the key, and the soft TLB keeping pages a power of two apart. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "swvmm/icache.h"
#include "tests/unit/sw_fixture.h"

#define PML4E1  (FX_PML4 + 8)    /* maps 0x8000000000 */
#define PDPT2   0xa0000ull
#define PD2     0xa1000ull
#define PT2     0xa2000ull
#define ALIAS   0x8000000000ull  /* PT2[0]: the code page seen a second time */

static struct sw_fx *long_fx(void)
{
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	fx_poke64(fx, PML4E1, PDPT2 | 7);
	fx_poke64(fx, PDPT2, PD2 | 7);
	fx_poke64(fx, PD2, PT2 | 7);
	fx_poke64(fx, PT2, FX_CODE_ADDR | 7);
	fx_sync(fx);
	return fx;
}

/* A store into the very next instruction of the executing block: the
 * block was decoded before the store, so it must be decoded again. */
static void test_store_to_next_instruction(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx();
	FX_CODE(fx,
		0xc6, 0x05, 0x01, 0x00, 0x00, 0x00, 0x22,  /* mov byte [rip+1], 0x22 */
		0xb8, 0x11, 0x00, 0x00, 0x00,              /* mov eax, 0x11 */
		0xf4);
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx->c->s.gpr[RAX], 0x22);
	assert_true(fx->c->ic->smc > 0);
	fx_free(fx);
}

/* A function runs (and is cached), is patched, runs again. */
static void test_store_to_code_run_before(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx();
	FX_CODE(fx,
		0xe8, 0xfb, 0x00, 0x00, 0x00,              /* call 0x20100 */
		0x89, 0xc3,                                /* mov ebx, eax */
		0xc6, 0x04, 0x25, 0x01, 0x01, 0x02, 0x00, 0x33, /* mov byte [0x20101], 0x33 */
		0xe8, 0xec, 0x00, 0x00, 0x00,              /* call 0x20100 */
		0xf4);
	const uint8_t fn[] = { 0xb8, 0x11, 0x00, 0x00, 0x00, 0xc3 };  /* mov eax, 0x11; ret */
	fx_poke(fx, FX_CODE_ADDR + 0x100, fn, sizeof(fn));
	fx_run_to_hlt(fx, 20);
	assert_int_equal(fx->c->s.gpr[RBX], 0x11);
	assert_int_equal(fx->c->s.gpr[RAX], 0x33);
	fx_free(fx);
}

/* The store goes through a second linear mapping of the code's page. */
static void test_store_through_alias(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx();
	FX_CODE(fx,
		0xe8, 0xfb, 0x00, 0x00, 0x00,              /* call 0x20100 */
		0x89, 0xc3,                                /* mov ebx, eax */
		0x48, 0xb9, 0x01, 0x01, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, /* mov rcx, ALIAS+0x101 */
		0xc6, 0x01, 0x44,                          /* mov byte [rcx], 0x44 */
		0xe8, 0xe7, 0x00, 0x00, 0x00,              /* call 0x20100 */
		0xf4);
	const uint8_t fn[] = { 0xb8, 0x11, 0x00, 0x00, 0x00, 0xc3 };
	fx_poke(fx, FX_CODE_ADDR + 0x100, fn, sizeof(fn));
	fx_run_to_hlt(fx, 20);
	assert_int_equal(fx->c->s.gpr[RBX], 0x11);
	assert_int_equal(fx->c->s.gpr[RAX], 0x44);
	fx_free(fx);
}

/* Code executed through the alias, patched through the identity map. */
static void test_execute_through_alias(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx();
	FX_CODE(fx,
		0x48, 0xb9, 0x00, 0x01, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, /* mov rcx, ALIAS+0x100 */
		0xff, 0xd1,                                /* call rcx */
		0x89, 0xc3,                                /* mov ebx, eax */
		0xc6, 0x04, 0x25, 0x01, 0x01, 0x02, 0x00, 0x55, /* mov byte [0x20101], 0x55 */
		0xff, 0xd1,                                /* call rcx */
		0xf4);
	const uint8_t fn[] = { 0xb8, 0x11, 0x00, 0x00, 0x00, 0xc3 };
	fx_poke(fx, FX_CODE_ADDR + 0x100, fn, sizeof(fn));
	fx_run_to_hlt(fx, 20);
	assert_int_equal(fx->c->s.gpr[RBX], 0x11);
	assert_int_equal(fx->c->s.gpr[RAX], 0x55);
	fx_free(fx);
}

/* REP STOSB overwrites the instruction after it with NOPs. */
static void test_string_store_over_code(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx();
	FX_CODE(fx,
		0x48, 0x8d, 0x3d, 0x09, 0x00, 0x00, 0x00,  /* lea rdi, [rip+9] */
		0xb0, 0x90,                                /* mov al, 0x90 */
		0xb9, 0x05, 0x00, 0x00, 0x00,              /* mov ecx, 5 */
		0xf3, 0xaa,                                /* rep stosb */
		0xbb, 0x11, 0x00, 0x00, 0x00,              /* mov ebx, 0x11 (becomes 5 NOPs) */
		0xf4);
	fx->c->s.gpr[RBX] = 0x99;
	fx_run_to_hlt(fx, 20);
	assert_int_equal(fx->c->s.gpr[RBX], 0x99);
	fx_free(fx);
}

/* A data store into a page holding code, away from its 64-byte lines,
 * leaves the decoded code alone. */
static void test_data_store_beside_code(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx();
	FX_CODE(fx,
		0xc6, 0x04, 0x25, 0x00, 0x08, 0x02, 0x00, 0x77, /* mov byte [0x20800], 0x77 */
		0xf4);
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx_peek(fx, FX_CODE_ADDR + 0x800, 1), 0x77);
	assert_int_equal(fx->c->ic->smc, 0);
	fx_free(fx);
}

/* Memory written outside the interpreter (the other engine, a loader)
 * is seen only after sw_mem_invalidate: one range, then everything. */
static void test_mem_invalidate(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx();
	uint8_t imm = 0x66;

	FX_CODE(fx, 0xb8, 0x11, 0x00, 0x00, 0x00, 0xf4);   /* mov eax, 0x11; hlt */
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx->c->s.gpr[RAX], 0x11);

	assert_int_equal(gmem_load(&fx->vm.mem, FX_CODE_ADDR + 1, &imm, 1), 0);
	fx_resume(fx);
	fx->c->s.rip = FX_CODE_ADDR;
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx->c->s.gpr[RAX], 0x11);          /* still the cached code */

	sw_mem_invalidate(fx->c, FX_CODE_ADDR + 1, 1);
	fx_resume(fx);
	fx->c->s.rip = FX_CODE_ADDR;
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx->c->s.gpr[RAX], 0x66);

	imm = 0x77;
	assert_int_equal(gmem_load(&fx->vm.mem, FX_CODE_ADDR + 1, &imm, 1), 0);
	sw_mem_invalidate(fx->c, 0, ~0ull);
	fx_resume(fx);
	fx->c->s.rip = FX_CODE_ADDR;
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx->c->s.gpr[RAX], 0x77);
	fx_free(fx);
}

/* The same bytes decode differently in 64-bit and compatibility mode
 * (48 is REX.W, or DEC EAX): the mode is part of the key. */
static void test_decode_mode_in_key(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx();
	FX_CODE(fx, 0x48, 0xf4);                           /* hlt / dec eax; hlt */
	fx->c->s.gpr[RAX] = 5;
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx->c->s.gpr[RAX], 5);

	fx_resume(fx);
	fx_load_segs(fx, FX_SEL_CODE32, FX_SEL_DATA);      /* compatibility mode */
	fx->c->s.rip = FX_CODE_ADDR;
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx->c->s.gpr[RAX], 4);
	fx_free(fx);
}

/* Two pages 1 MiB apart (the same set of a direct-mapped 256-entry TLB)
 * are both kept: changed PTEs are not seen until INVLPG. */
static void test_tlb_power_of_two_apart(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx();
	struct sw_cpu *c = fx->c;
	volatile uint64_t a = 0, b = 0;

	fx_poke64(fx, PT2 + 256 * 8, 0x310000 | 7);        /* ALIAS + 1 MiB */
	FX_TRY(fx, a = sw_translate(c, ALIAS, ACC_READ); b = sw_translate(c, ALIAS + 0x100000, ACC_READ));
	fx_assert_not_raised(fx);
	assert_int_equal(a, FX_CODE_ADDR);
	assert_int_equal(b, 0x310000);
	fx_poke64(fx, PT2, 0x320000 | 7);
	fx_poke64(fx, PT2 + 256 * 8, 0x330000 | 7);
	FX_TRY(fx, a = sw_translate(c, ALIAS, ACC_READ); b = sw_translate(c, ALIAS + 0x100000, ACC_READ));
	assert_int_equal(a, FX_CODE_ADDR);                 /* both still cached */
	assert_int_equal(b, 0x310000);
	sw_tlb_flush_page(c, ALIAS + 0x100000);
	FX_TRY(fx, a = sw_translate(c, ALIAS, ACC_READ); b = sw_translate(c, ALIAS + 0x100000, ACC_READ));
	assert_int_equal(a, FX_CODE_ADDR);
	assert_int_equal(b, 0x330000);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_to_next_instruction),
		cmocka_unit_test(test_store_to_code_run_before),
		cmocka_unit_test(test_store_through_alias),
		cmocka_unit_test(test_execute_through_alias),
		cmocka_unit_test(test_string_store_over_code),
		cmocka_unit_test(test_data_store_beside_code),
		cmocka_unit_test(test_mem_invalidate),
		cmocka_unit_test(test_decode_mode_in_key),
		cmocka_unit_test(test_tlb_power_of_two_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
