/* Descriptor-table instructions: LGDT/SGDT and LIDT/SIDT round trips in
 * real, protected and long mode (24-bit base with a 16-bit operand size,
 * 8-byte base and canonical check in 64-bit mode), LTR (busy bit set in
 * the GDT; busy, wrong type, not present, LDT selectors refused), LLDT and
 * a load through the new LDT, SLDT/STR sizes, and LAR/LSL/VERR/VERW/ARPL
 * on good and bad selectors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "swvmm/flags.h"
#include "tests/unit/sw_fixture.h"

#define SEL_FREE0 FX_GDT_FREE            /* 0x58 */
#define SEL_FREE1 (FX_GDT_FREE + 0x08)   /* 0x60 */
#define SEL_FREE2 (FX_GDT_FREE + 0x10)   /* 0x68 */
#define SEL_FREE3 (FX_GDT_FREE + 0x18)   /* 0x70 */
#define NEW_TSS   0xb0000ull
#define NEW_LDT   0xb1000ull

/* A system descriptor (S = 0): LDT (2), TSS (9/11, 1/3), gates. */
static uint64_t sys_desc(uint32_t base, uint32_t limit, unsigned type, unsigned dpl, bool p)
{
	return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)type << 40) |
	       ((uint64_t)dpl << 45) | ((uint64_t)p << 47) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)(base >> 24) << 56);
}

static bool zf(struct sw_fx *fx)
{
	return sw_flags_get(fx->c) & RFLAGS_ZF;
}

static void run_ok(struct sw_fx *fx, uint64_t steps)
{
	fx_run(fx, steps);
	fx_assert_no_exc(fx);
}

static void test_gdt_idt_real(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx,
		0x0f, 0x01, 0x17,                        /* lgdtw [bx] */
		0x0f, 0x01, 0x47, 0x08,                  /* sgdtw [bx+8] */
		0x66, 0x0f, 0x01, 0x17,                  /* lgdtd [bx] */
		0x0f, 0x01, 0x4f, 0x10,                  /* sidtw [bx+16] */
		0x0f, 0x01, 0x1c,                        /* lidtw [si] */
		0xf4);
	uint64_t ds = FX_CODE_ADDR;   /* DS = CS = 0x2000 */
	fx_poke16(fx, ds + 0x1000, 0x1234);
	fx_poke32(fx, ds + 0x1002, 0x12345678);
	fx_poke16(fx, ds + 0x1100, 0x03ff);
	fx_poke32(fx, ds + 0x1102, 0x0);
	fx->c->s.gpr[RBX] = 0x1000;
	fx->c->s.gpr[RSI] = 0x1100;

	run_ok(fx, 1);
	assert_int_equal(fx->c->s.gdtr.limit, 0x1234);
	assert_int_equal(fx->c->s.gdtr.base, 0x345678);          /* 24 bits */
	run_ok(fx, 1);
	assert_int_equal(fx_peek(fx, ds + 0x1008, 2), 0x1234);
	assert_int_equal(fx_peek(fx, ds + 0x100a, 4), 0x345678);
	run_ok(fx, 1);
	assert_int_equal(fx->c->s.gdtr.base, 0x12345678);        /* 32 bits */
	run_ok(fx, 10);
	assert_int_equal(fx_peek(fx, ds + 0x1010, 2), 0x3ff);
	assert_int_equal(fx_peek(fx, ds + 0x1012, 4), 0);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);
	fx_free(fx);
}

static void test_gdt_idt_prot32(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x0f, 0x01, 0x03,                        /* sgdt [ebx] */
		0x0f, 0x01, 0x10,                        /* lgdt [eax] */
		0x0f, 0x01, 0x01,                        /* sgdt [ecx] */
		0x66, 0x0f, 0x01, 0x12,                  /* lgdtw [edx] */
		0x0f, 0x01, 0x06,                        /* sgdt [esi] */
		0x0f, 0x01, 0x0f,                        /* sidt [edi] */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = FX_DATA_ADDR;
	g[RBX] = FX_DATA_ADDR + 0x10;
	g[RCX] = FX_DATA_ADDR + 0x20;
	g[RDX] = FX_DATA_ADDR + 0x30;
	g[RSI] = FX_DATA_ADDR + 0x40;
	g[RDI] = FX_DATA_ADDR + 0x50;
	fx_poke16(fx, FX_DATA_ADDR, 0x77);
	fx_poke32(fx, FX_DATA_ADDR + 2, FX_GDT);
	fx_poke16(fx, FX_DATA_ADDR + 0x30, 0x7f);
	fx_poke32(fx, FX_DATA_ADDR + 0x32, 0xff000000u | FX_GDT);
	run_ok(fx, 10);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x10, 2), 0x7f);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x12, 4), FX_GDT);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x20, 2), 0x77);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x22, 4), FX_GDT);
	assert_int_equal(fx->c->s.gdtr.base, FX_GDT);              /* 0xff dropped */
	assert_int_equal(fx->c->s.gdtr.limit, 0x7f);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x40, 2), 0x7f);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x50, 2), 256 * 8 - 1);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x52, 4), FX_IDT);
	fx_free(fx);
}

static void test_gdt_idt_long64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x0f, 0x01, 0x03,                        /* sgdt [rbx] */
		0x0f, 0x01, 0x10,                        /* lgdt [rax] */
		0x0f, 0x01, 0x01,                        /* sgdt [rcx] */
		0x0f, 0x01, 0x0f,                        /* sidt [rdi] */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = FX_DATA_ADDR;
	g[RBX] = FX_DATA_ADDR + 0x10;
	g[RCX] = FX_DATA_ADDR + 0x20;
	g[RDI] = FX_DATA_ADDR + 0x30;
	fx_poke16(fx, FX_DATA_ADDR, 0x7f);
	fx_poke64(fx, FX_DATA_ADDR + 2, FX_GDT);
	fx_poke64(fx, FX_DATA_ADDR + 0x18, ~0ull);
	run_ok(fx, 10);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x10, 2), 0x7f);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x12, 8), FX_GDT);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x20, 2), 0x7f);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x22, 8), FX_GDT);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x30, 2), 256 * 16 - 1);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 0x32, 8), FX_IDT);
	fx_free(fx);

	/* A non-canonical base is #GP(0) and GDTR keeps its value. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x0f, 0x01, 0x10, 0xf4);             /* lgdt [rax] */
	fx->c->s.gpr[RAX] = FX_DATA_ADDR;
	fx_poke16(fx, FX_DATA_ADDR, 0x7f);
	fx_poke64(fx, FX_DATA_ADDR + 2, 0x0000800000000000ull);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->s.gdtr.base, FX_GDT);
	fx_free(fx);
}

/* LTR marks the TSS busy in the GDT and loads TR from it. */
static void test_ltr(void **state)
{
	(void)state;
	for (int m = 0; m < 2; m++) {
		enum fx_mode mode = m ? FX_LONG64 : FX_PROT32;
		struct sw_fx *fx = fx_new_ok(mode);
		fx_set_gdt(fx, SEL_FREE0, sys_desc(NEW_TSS, 0x67, 0x9, 0, true));
		fx_set_gdt(fx, SEL_FREE1, 0);
		FX_CODE(fx,
			0x0f, 0x00, 0xd8,                /* ltr ax */
			0x0f, 0x00, 0xc9,                /* str ecx */
			0x66, 0x0f, 0x00, 0xca,          /* str dx */
			0x0f, 0x00, 0x0b,                /* str [rbx] */
			0xf4);
		uint64_t *g = fx->c->s.gpr;
		g[RAX] = SEL_FREE0;
		g[RBX] = FX_DATA_ADDR;
		g[RCX] = ~0ull;
		g[RDX] = ~0ull;
		fx_poke32(fx, FX_DATA_ADDR, 0xeeeeeeee);
		run_ok(fx, 10);
		struct seg_cache *tr = &fx->c->s.tr;
		assert_int_equal(tr->selector, SEL_FREE0);
		assert_int_equal(tr->base, NEW_TSS);
		assert_int_equal(tr->limit, 0x67);
		assert_int_equal(tr->type, 0xb);
		assert_int_equal((fx_peek(fx, FX_GDT + SEL_FREE0, 8) >> 40) & 0xf, 0xb);
		assert_int_equal(g[RCX], SEL_FREE0);                      /* zero-extended */
		assert_int_equal(g[RDX], 0xffffffffffff0000ull | SEL_FREE0);
		assert_int_equal(fx_peek(fx, FX_DATA_ADDR, 4), 0xeeee0000u | SEL_FREE0);
		fx_free(fx);
	}
}

static void ltr_fault(enum fx_mode mode, uint64_t desc, uint16_t sel, unsigned vec, int err)
{
	struct sw_fx *fx = fx_new_ok(mode);
	fx_set_gdt(fx, SEL_FREE0, desc);
	fx_set_gdt(fx, SEL_FREE1, 0);
	FX_CODE(fx, 0x0f, 0x00, 0xd8, 0xf4);             /* ltr ax */
	fx->c->s.gpr[RAX] = sel;
	fx_run(fx, 1);
	fx_assert_exc(fx, vec, err);
	assert_int_equal(fx->c->s.tr.selector, FX_SEL_TSS);
	fx_free(fx);
}

static void test_ltr_faults(void **state)
{
	(void)state;
	/* Busy already (the fixture's TSS). */
	ltr_fault(FX_PROT32, 0, FX_SEL_TSS, EXC_GP, FX_SEL_TSS);
	/* Null selector, and a TI=1 selector. */
	ltr_fault(FX_PROT32, 0, 0, EXC_GP, 0);
	ltr_fault(FX_PROT32, sys_desc(NEW_TSS, 0x67, 0x9, 0, true), SEL_FREE0 | 4, EXC_GP,
	          SEL_FREE0 | 4);
	/* An LDT descriptor, a data segment. */
	ltr_fault(FX_PROT32, sys_desc(NEW_TSS, 0x67, 0x2, 0, true), SEL_FREE0, EXC_GP, SEL_FREE0);
	ltr_fault(FX_PROT32, fx_desc(0, 0xfffff, 0x3, 0, FX_G), SEL_FREE0, EXC_GP, SEL_FREE0);
	/* Not present. */
	ltr_fault(FX_PROT32, sys_desc(NEW_TSS, 0x67, 0x9, 0, false), SEL_FREE0, EXC_NP, SEL_FREE0);
	/* Beyond the GDT limit. */
	ltr_fault(FX_PROT32, 0, 0x80, EXC_GP, 0x80);
	/* A 16-bit TSS is fine in protected mode, not in long mode. */
	ltr_fault(FX_LONG64, sys_desc(NEW_TSS, 0x67, 0x1, 0, true), SEL_FREE0, EXC_GP, SEL_FREE0);
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	fx_set_gdt(fx, SEL_FREE0, sys_desc(NEW_TSS, 0x2b, 0x1, 0, true));
	FX_CODE(fx, 0x0f, 0x00, 0xd8, 0xf4);             /* ltr ax */
	fx->c->s.gpr[RAX] = SEL_FREE0;
	run_ok(fx, 1);
	assert_int_equal(fx->c->s.tr.type, 0x3);
	fx_free(fx);
	/* Long mode: the upper half's base must make a canonical address. */
	fx = fx_new_ok(FX_LONG64);
	fx_set_gdt(fx, SEL_FREE0, sys_desc(NEW_TSS, 0x67, 0x9, 0, true));
	fx_set_gdt(fx, SEL_FREE1, 0x00008000);
	FX_CODE(fx, 0x0f, 0x00, 0xd8, 0xf4);
	fx->c->s.gpr[RAX] = SEL_FREE0;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, SEL_FREE0);
	fx_free(fx);
}

/* LLDT, then a data segment loaded from the LDT (TI = 1); a null LLDT
 * makes LDTR unusable. */
static void test_lldt(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	fx_set_gdt(fx, SEL_FREE2, sys_desc(NEW_LDT, 0x17, 0x2, 0, true));
	fx_poke64(fx, NEW_LDT + 8, fx_desc(FX_DATA_ADDR, 0xfff, 0x3, 0, FX_DB));
	fx_poke32(fx, FX_DATA_ADDR, 0xcafe);
	FX_CODE(fx,
		0x0f, 0x00, 0xd0,                        /* lldt ax */
		0x0f, 0x00, 0xc6,                        /* sldt esi */
		0x8e, 0xdb,                              /* mov ds, bx */
		0xa1, 0x00, 0x00, 0x00, 0x00,            /* mov eax, [0] */
		0x0f, 0x00, 0xd1,                        /* lldt cx */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = SEL_FREE2;
	g[RBX] = 0x8 | 4;      /* LDT entry 1 */
	g[RCX] = 0;
	g[RSI] = ~0ull;
	run_ok(fx, 3);
	assert_int_equal(fx->c->s.ldtr.base, NEW_LDT);
	assert_int_equal(fx->c->s.ldtr.limit, 0x17);
	assert_int_equal(g[RSI], SEL_FREE2);
	assert_int_equal(fx->c->s.seg[SEG_DS].base, FX_DATA_ADDR);
	run_ok(fx, 10);
	assert_int_equal(g[RAX], 0xcafe);
	assert_true(fx->c->s.ldtr.unusable);
	fx_free(fx);

	/* A TSS is not an LDT. */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x0f, 0x00, 0xd0, 0xf4);             /* lldt ax */
	fx->c->s.gpr[RAX] = FX_SEL_TSS;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, FX_SEL_TSS);
	fx_free(fx);
}

/* LAR/LSL on good selectors: rights and limit, ZF = 1. */
static void test_lar_lsl_good(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x0f, 0x02, 0xc3,                        /* lar eax, ebx */
		0x0f, 0x03, 0xcb,                        /* lsl ecx, ebx */
		0x0f, 0x02, 0xd6,                        /* lar edx, esi */
		0x0f, 0x03, 0xfe,                        /* lsl edi, esi */
		0x66, 0x0f, 0x02, 0xeb,                  /* lar bp, bx */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RBX] = FX_SEL_CODE32;
	g[RSI] = FX_SEL_TSS;
	g[RBP] = 0xffff1111;
	run_ok(fx, 1);
	assert_true(zf(fx));
	assert_int_equal(g[RAX], 0x00cf9b00);
	fx->c->s.rflags &= ~RFLAGS_ZF;
	run_ok(fx, 1);
	assert_true(zf(fx));
	assert_int_equal(g[RCX], 0xffffffff);
	run_ok(fx, 10);
	assert_int_equal(g[RDX], 0x00008b00);     /* busy 32-bit TSS, byte granular */
	assert_int_equal(g[RDI], 0x67);
	assert_int_equal(g[RBP], 0xffff9b00);
	fx_free(fx);

	/* 64-bit mode: REX.W zero-extends; a 64-bit TSS is valid. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x48, 0x0f, 0x02, 0xc3,                  /* lar rax, rbx */
		0x48, 0x0f, 0x03, 0xce,                  /* lsl rcx, rsi */
		0xf4);
	g = fx->c->s.gpr;
	g[RAX] = ~0ull;
	g[RCX] = ~0ull;
	g[RBX] = FX_SEL_UCODE64;
	g[RSI] = FX_SEL_TSS;
	run_ok(fx, 10);
	assert_int_equal(g[RAX], 0x00affb00);
	assert_int_equal(g[RCX], 0x67);
	fx_free(fx);
}

/* Bad selectors: ZF = 0 and the destination unchanged, no fault. */
static void test_lar_lsl_bad(void **state)
{
	(void)state;
	static const struct {
		uint16_t sel;
		bool user;   /* run at CPL 3 */
		uint64_t desc;
	} bad[] = {
		{ 0, false, 0 },                          /* null */
		{ 0x80, false, 0 },                       /* beyond the GDT limit */
		{ SEL_FREE0 | 4, false, 0 },              /* no LDT */
		{ FX_SEL_DATA, true, 0 },                 /* DPL 0 from CPL 3 */
		{ FX_SEL_DATA | 3, false, 0 },            /* RPL 3 above DPL 0 */
		{ SEL_FREE0, false, 1 },                  /* an interrupt gate */
	};
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct sw_fx *fx = fx_new_ok(FX_PROT32);
		uint16_t sel = bad[k].sel;
		if (bad[k].desc)
			fx_set_gdt(fx, SEL_FREE0, sys_desc(0x1000, 0x10, 0xe, 0, true));
		FX_CODE(fx,
			0x0f, 0x02, 0xc3,                /* lar eax, ebx */
			0x0f, 0x03, 0xcb,                /* lsl ecx, ebx */
			0xf4);
		if (bad[k].user)
			fx_to_user(fx);
		fx->c->s.ldtr.unusable = 1;
		uint64_t *g = fx->c->s.gpr;
		g[RAX] = 0x1111;
		g[RCX] = 0x2222;
		g[RBX] = sel;
		fx->c->s.rflags |= RFLAGS_ZF;
		fx_run(fx, 1);
		fx_assert_no_exc(fx);
		assert_false(zf(fx));
		fx->c->s.rflags |= RFLAGS_ZF;
		fx_run(fx, 1);
		fx_assert_no_exc(fx);
		assert_false(zf(fx));
		assert_int_equal(g[RAX], 0x1111);
		assert_int_equal(g[RCX], 0x2222);
		fx_free(fx);
	}
}

static void test_verr_verw_arpl(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x0f, 0x00, 0xe3,                        /* verr bx (code, readable) */
		0x0f, 0x00, 0xeb,                        /* verw bx (code: no) */
		0x0f, 0x00, 0xee,                        /* verw si (data: yes) */
		0x63, 0xd8,                              /* arpl ax, bx */
		0x63, 0xd8,                              /* arpl ax, bx */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RBX] = FX_SEL_CODE32;   /* RPL 0 */
	g[RSI] = FX_SEL_DATA;
	g[RAX] = 0x5555aaa8;
	run_ok(fx, 1);
	assert_true(zf(fx));
	run_ok(fx, 1);
	assert_false(zf(fx));
	run_ok(fx, 1);
	assert_true(zf(fx));
	g[RBX] = 2;
	run_ok(fx, 1);
	assert_true(zf(fx));
	assert_int_equal(g[RAX], 0x5555aaaa);
	run_ok(fx, 1);
	assert_false(zf(fx));
	assert_int_equal(g[RAX], 0x5555aaaa);
	fx_free(fx);

	/* At CPL 3: the kernel data segment is neither readable nor
	 * writable, the user one both. */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x0f, 0x00, 0xe3,                        /* verr bx */
		0x0f, 0x00, 0xeb,                        /* verw bx */
		0x0f, 0x00, 0xee,                        /* verw si */
		0xf4);
	fx_to_user(fx);
	g = fx->c->s.gpr;
	g[RBX] = FX_SEL_DATA;
	g[RSI] = FX_SEL_UDATA;
	fx->c->s.rflags |= RFLAGS_ZF;
	fx_run(fx, 1);
	assert_false(zf(fx));
	fx->c->s.rflags |= RFLAGS_ZF;
	fx_run(fx, 1);
	assert_false(zf(fx));
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_true(zf(fx));
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gdt_idt_real),
		cmocka_unit_test(test_gdt_idt_prot32),
		cmocka_unit_test(test_gdt_idt_long64),
		cmocka_unit_test(test_ltr),
		cmocka_unit_test(test_ltr_faults),
		cmocka_unit_test(test_lldt),
		cmocka_unit_test(test_lar_lsl_good),
		cmocka_unit_test(test_lar_lsl_bad),
		cmocka_unit_test(test_verr_verw_arpl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
