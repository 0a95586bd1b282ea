/* Control and debug registers: the way into long mode (CR4.PAE, CR3,
 * EFER.LME, CR0.PG sets EFER.LMA) and out of it, reserved bits and invalid
 * combinations (#GP(0)), TLB flushes on CR3 (global pages kept), CR4.PGE
 * and INVLPG, CR8, DR4/DR5 aliases and DR7.GD, LMSW, SMSW, CLTS. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

#define PT_PML4 0xa0000ull
#define PT_PDPT 0xa1000ull
#define PT_PD   0xa2000ull

/* Identity map of the first GiB with 2 MiB pages at PT_PML4. */
static void build_identity(struct sw_fx *fx)
{
	fx_poke64(fx, PT_PML4, PT_PDPT | 3);
	fx_poke64(fx, PT_PDPT, PT_PD | 3);
	for (uint64_t i = 0; i < 512; i++)
		fx_poke64(fx, PT_PD + 8 * i, (i << 21) | 0x83);
}

/* A guest page-table write that the interpreter is not told about, as
 * the guest's own store without INVLPG would be. */
static void raw_poke64(struct sw_fx *fx, uint64_t gpa, uint64_t v)
{
	assert_int_equal(gmem_load(&fx->vm.mem, gpa, &v, 8), 0);
}

/* Run one instruction (plus HLT) with RAX = rax and expect #GP(0). */
static void expect_gp(struct sw_fx *fx, const uint8_t *code, size_t n, uint64_t rax)
{
	uint8_t buf[16];
	memcpy(buf, code, n);
	buf[n] = 0xf4;
	fx_code_at(fx, FX_CODE_ADDR, buf, n + 1);
	fx->c->s.gpr[RAX] = rax;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);
}

static const uint8_t mov_cr0_rax[] = { 0x0f, 0x22, 0xc0 };    /* mov cr0, rax */
static const uint8_t mov_cr3_rax[] = { 0x0f, 0x22, 0xd8 };    /* mov cr3, rax */
static const uint8_t mov_cr4_rax[] = { 0x0f, 0x22, 0xe0 };    /* mov cr4, rax */
static const uint8_t mov_cr8_rax[] = { 0x44, 0x0f, 0x22, 0xc0 }; /* mov cr8, rax */
static const uint8_t wrmsr[] = { 0x0f, 0x30 };                /* wrmsr */

static void test_enter_long_mode(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	build_identity(fx);
	FX_CODE(fx,
		0x0f, 0x20, 0xe0,                        /* mov eax, cr4 */
		0x83, 0xc8, 0x20,                        /* or eax, 0x20 (PAE) */
		0x0f, 0x22, 0xe0,                        /* mov cr4, eax */
		0xb8, 0x00, 0x00, 0x0a, 0x00,            /* mov eax, 0xa0000 */
		0x0f, 0x22, 0xd8,                        /* mov cr3, eax */
		0xb9, 0x80, 0x00, 0x00, 0xc0,            /* mov ecx, 0xc0000080 */
		0x0f, 0x32,                              /* rdmsr */
		0x0d, 0x00, 0x01, 0x00, 0x00,            /* or eax, 0x100 (LME) */
		0x0f, 0x30,                              /* wrmsr */
		0x0f, 0x20, 0xc0,                        /* mov eax, cr0 */
		0x0d, 0x00, 0x00, 0x00, 0x80,            /* or eax, 0x80000000 */
		0x0f, 0x22, 0xc0,                        /* mov cr0, eax */
		0xf4);                                   /* hlt */
	struct sw_cpu *c = fx->c;

	fx_run(fx, 9);
	fx_assert_no_exc(fx);
	assert_int_equal(c->s.efer, EFER_LME);            /* not active yet */
	assert_int_equal(c->mode, MODE_PROT32);
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);
	assert_true(c->s.efer & EFER_LMA);
	assert_true(c->s.cr0 & CR0_PG);
	assert_int_equal(c->s.cr3, PT_PML4);
	/* A 32-bit CS: compatibility mode until a far jump to a 64-bit CS. */
	assert_int_equal(c->mode, MODE_COMPAT32);
	fx_free(fx);
}

/* Clearing CR0.PG in compatibility mode leaves long mode. */
static void test_leave_long_mode(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	fx_load_segs(fx, FX_SEL_CODE32, FX_SEL_DATA);
	assert_int_equal(fx->c->mode, MODE_COMPAT32);
	FX_CODE(fx,
		0x0f, 0x20, 0xc0,                        /* mov eax, cr0 */
		0x25, 0xff, 0xff, 0xff, 0x7f,            /* and eax, 0x7fffffff */
		0x0f, 0x22, 0xc0,                        /* mov cr0, eax */
		0xf4);                                   /* hlt */
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_false(fx->c->s.efer & EFER_LMA);
	assert_true(fx->c->s.efer & EFER_LME);
	assert_int_equal(fx->c->mode, MODE_PROT32);
	fx_free(fx);
}

static void test_cr0_faults(void **state)
{
	(void)state;
	/* PG without PE. */
	expect_gp(fx_new_ok(FX_PROT32), mov_cr0_rax, 3, CR0_PG | CR0_ET);
	/* NW without CD. */
	expect_gp(fx_new_ok(FX_PROT32), mov_cr0_rax, 3, CR0_PE | CR0_NW);
	/* Paging with LME but without PAE. */
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	fx->c->s.efer = EFER_LME;
	fx->c->s.cr3 = PT_PML4;
	expect_gp(fx, mov_cr0_rax, 3, CR0_PE | CR0_ET | CR0_PG);
	/* Bits 63:32 in 64-bit mode. */
	fx = fx_new_ok(FX_LONG64);
	expect_gp(fx, mov_cr0_rax, 3, fx->c->s.cr0 | (1ull << 32));
	/* Clearing PG in 64-bit mode. */
	fx = fx_new_ok(FX_LONG64);
	expect_gp(fx, mov_cr0_rax, 3, fx->c->s.cr0 & ~CR0_PG);
}

/* Reserved CR0 bits 31:0 are ignored and ET reads 1. */
static void test_cr0_reserved_ignored(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x0f, 0x22, 0xc0, 0xf4);             /* mov cr0, eax; hlt */
	fx->c->s.gpr[RAX] = CR0_PE | (1u << 7) | (1u << 20);
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.cr0, CR0_PE | CR0_ET);
	fx_free(fx);
}

static void test_cr4_faults(void **state)
{
	(void)state;
	/* Features the CPUID model lacks: PCIDE, VMXE, FSGSBASE, LA57, PKE. */
	static const uint64_t bad[] = { CR4_PCIDE, 1ull << 13, CR4_FSGSBASE, 1ull << 12,
	                                1ull << 22 };
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct sw_fx *fx = fx_new_ok(FX_PROT32);
		expect_gp(fx, mov_cr4_rax, 3, bad[k]);
	}
	/* PAE cannot be cleared in long mode. */
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	expect_gp(fx, mov_cr4_rax, 3, 0);
	/* Bits the model supports are accepted. */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x0f, 0x22, 0xe0, 0xf4);             /* mov cr4, eax; hlt */
	uint64_t ok = CR4_PSE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_TSD | CR4_DE |
	              CR4_OSXSAVE |                      /* the model offers XSAVE, */
	              CR4_UMIP | CR4_SMEP | CR4_SMAP;    /* UMIP, SMEP and SMAP */
	fx->c->s.gpr[RAX] = ok;
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.cr4, ok);
	fx_free(fx);
}

static void test_cr3_cr8_efer_faults(void **state)
{
	(void)state;
	/* CR3 beyond the physical-address width in long mode. */
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	expect_gp(fx, mov_cr3_rax, 3, FX_PML4 | (1ull << 62));
	/* CR8 bits 63:4. */
	expect_gp(fx_new_ok(FX_LONG64), mov_cr8_rax, 4, 0x10);
	/* EFER: SVME (not in the model) and LME changed while paging. */
	fx = fx_new_ok(FX_LONG64);
	fx->c->s.gpr[RCX] = 0xc0000080;
	fx->c->s.gpr[RDX] = 0;
	expect_gp(fx, wrmsr, 2, EFER_LME | EFER_LMA | EFER_NXE | (1ull << 12));
	fx = fx_new_ok(FX_LONG64);
	fx->c->s.gpr[RCX] = 0xc0000080;
	fx->c->s.gpr[RDX] = 0;
	expect_gp(fx, wrmsr, 2, EFER_NXE);
	/* Setting LME while 32-bit paging is on. */
	fx = fx_new_ok(FX_PROT32);
	build_identity(fx);
	fx->c->s.cr3 = PT_PD;   /* entry 0 maps 0-4 MiB as a PSE page */
	fx->c->s.cr4 |= CR4_PSE;
	fx->c->s.cr0 |= CR0_PG;
	fx_sync(fx);
	fx->c->s.gpr[RCX] = 0xc0000080;
	fx->c->s.gpr[RDX] = 0;
	expect_gp(fx, wrmsr, 2, EFER_LME);
}

static void test_cr8(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x44, 0x0f, 0x22, 0xc0,                  /* mov cr8, rax */
		0x44, 0x0f, 0x20, 0xc3,                  /* mov rbx, cr8 */
		0xf4);
	fx->c->s.gpr[RAX] = 9;
	fx->c->s.gpr[RBX] = ~0ull;
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.cr8, 9);
	assert_int_equal(fx->c->s.gpr[RBX], 9);
	fx_free(fx);
}

/* A page mapped at 0xc800000 (PD entry 100) to physical 2 MiB, remapped
 * behind the TLB's back to 4 MiB: the stale translation stays until a
 * flush. */
static void remap_setup(struct sw_fx *fx, bool global)
{
	uint64_t g = global ? 0x100 : 0;
	fx_poke64(fx, 0x200000, 0xaaaa);
	fx_poke64(fx, 0x400000, 0xbbbb);
	fx_poke64(fx, FX_PD + 8 * 100, 0x200000 | 0x83 | g);
	fx->c->s.gpr[RBX] = 100ull << 21;
}

static void test_cr3_flush_keeps_global(void **state)
{
	(void)state;
	for (int global = 0; global < 2; global++) {
		struct sw_fx *fx = fx_new_ok(FX_LONG64);
		FX_CODE(fx,
			0x48, 0x8b, 0x03,                /* mov rax, [rbx] */
			0x48, 0x8b, 0x0b,                /* mov rcx, [rbx] */
			0x0f, 0x20, 0xd8,                /* mov rax, cr3 */
			0x0f, 0x22, 0xd8,                /* mov cr3, rax */
			0x48, 0x8b, 0x13,                /* mov rdx, [rbx] */
			0x0f, 0x20, 0xe0,                /* mov rax, cr4 */
			0x34, 0x80,                      /* xor al, 0x80 (PGE) */
			0x0f, 0x22, 0xe0,                /* mov cr4, rax */
			0x48, 0x8b, 0x33,                /* mov rsi, [rbx] */
			0xf4);
		fx->c->s.cr4 |= CR4_PGE;
		fx_sync(fx);
		remap_setup(fx, global);
		fx_run(fx, 1);
		assert_int_equal(fx->c->s.gpr[RAX], 0xaaaa);
		raw_poke64(fx, FX_PD + 8 * 100, 0x400000 | 0x83 | (global ? 0x100 : 0));
		fx_run(fx, 1);
		assert_int_equal(fx->c->s.gpr[RCX], 0xaaaa);     /* stale */
		fx_run(fx, 3);
		assert_int_equal(fx->c->s.gpr[RDX], global ? 0xaaaa : 0xbbbb);
		fx_run(fx, 10);
		fx_assert_no_exc(fx);
		assert_false(fx->c->s.cr4 & CR4_PGE);
		assert_int_equal(fx->c->s.gpr[RSI], 0xbbbb);     /* PGE change flushed all */
		fx_free(fx);
	}
}

static void test_invlpg(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x48, 0x8b, 0x03,                        /* mov rax, [rbx] */
		0x0f, 0x01, 0x3b,                        /* invlpg [rbx] */
		0x48, 0x8b, 0x0b,                        /* mov rcx, [rbx] */
		0xf4);
	remap_setup(fx, true);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.gpr[RAX], 0xaaaa);
	raw_poke64(fx, FX_PD + 8 * 100, 0x400000 | 0x183);
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.gpr[RCX], 0xbbbb);
	fx_free(fx);
}

static void test_debug_registers(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x0f, 0x23, 0xc0,                        /* mov dr0, rax */
		0x0f, 0x21, 0xc3,                        /* mov rbx, dr0 */
		0x0f, 0x23, 0xf1,                        /* mov dr6, rcx */
		0x0f, 0x21, 0xe2,                        /* mov rdx, dr4 (DR6) */
		0x0f, 0x23, 0xef,                        /* mov dr5, rdi (DR7) */
		0x0f, 0x21, 0xfe,                        /* mov rsi, dr7 */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0xffff800000001234ull;
	g[RCX] = 0x0000000000000003ull;
	g[RDI] = 0x00000000000f0003ull | (1ull << 12);   /* bit 12 reads 0 */
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(g[RBX], 0xffff800000001234ull);
	assert_int_equal(g[RDX], 0xffff0ff3ull);
	assert_int_equal(g[RSI], 0x000f0403ull);
	fx_free(fx);

	/* With CR4.DE, DR4 is #UD. */
	fx = fx_new_ok(FX_LONG64);
	fx->c->s.cr4 |= CR4_DE;
	FX_CODE(fx, 0x0f, 0x21, 0xe0, 0xf4);             /* mov rax, dr4 */
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	fx_free(fx);

	/* DR7 bits 63:32 are #GP in 64-bit mode. */
	static const uint8_t mov_dr7_rax[] = { 0x0f, 0x23, 0xf8 };
	expect_gp(fx_new_ok(FX_LONG64), mov_dr7_rax, 3, 1ull << 32);

	/* DR7.GD: the next MOV DR is a #DB fault with DR6.BD, GD cleared. */
	fx = fx_new_ok(FX_LONG64);
	fx->c->s.dr[7] = 0x400 | (1ull << 13);
	FX_CODE(fx, 0x0f, 0x21, 0xc3, 0xf4);             /* mov rbx, dr0 */
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	assert_true(fx->c->s.dr[6] & (1ull << 13));
	assert_false(fx->c->s.dr[7] & (1ull << 13));
	fx_free(fx);
}

static void test_lmsw_smsw_clts(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x0f, 0x01, 0xf0,                        /* lmsw ax */
		0x0f, 0x01, 0xe1,                        /* smsw ecx */
		0x0f, 0x01, 0x23,                        /* smsw [ebx] */
		0x66, 0x0f, 0x01, 0xe2,                  /* smsw dx */
		0x0f, 0x06,                              /* clts */
		0xf4);
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0xfff8 | CR0_TS | CR0_MP;   /* PE clear: cannot clear PE */
	g[RBX] = FX_DATA_ADDR;
	g[RCX] = ~0ull;
	g[RDX] = 0xdddd0000ull;
	fx_poke32(fx, FX_DATA_ADDR, 0x55555555);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.cr0, CR0_PE | CR0_ET | CR0_NE | CR0_TS | CR0_MP);
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	uint64_t cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_TS | CR0_MP;
	assert_int_equal(g[RCX], cr0);                          /* zero-extended */
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR, 4), 0x55550000u | cr0);
	assert_int_equal(g[RDX], 0xdddd0000ull | cr0);
	assert_int_equal(fx->c->s.cr0, cr0 & ~CR0_TS);
	fx_free(fx);

	/* LMSW sets PE from real mode. */
	fx = fx_new_ok(FX_REAL);
	FX_CODE(fx, 0x0f, 0x01, 0xf0, 0xf4);             /* lmsw ax */
	fx->c->s.gpr[RAX] = 1;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_true(fx->c->s.cr0 & CR0_PE);
	assert_int_equal(fx->c->mode, MODE_PROT16);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enter_long_mode),
		cmocka_unit_test(test_leave_long_mode),
		cmocka_unit_test(test_cr0_faults),
		cmocka_unit_test(test_cr0_reserved_ignored),
		cmocka_unit_test(test_cr4_faults),
		cmocka_unit_test(test_cr3_cr8_efer_faults),
		cmocka_unit_test(test_cr8),
		cmocka_unit_test(test_cr3_flush_keeps_global),
		cmocka_unit_test(test_invlpg),
		cmocka_unit_test(test_debug_registers),
		cmocka_unit_test(test_lmsw_smsw_clts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
