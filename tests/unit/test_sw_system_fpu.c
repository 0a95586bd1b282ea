/* The x87/SSE boundary: FXSAVE/FXRSTOR round trips (64-bit and 32-bit
 * layouts), 16-byte alignment #GP, #NM with CR0.TS/EM, MXCSR reserved
 * bits; LDMXCSR/STMXCSR; the x87 control instructions; and the exception
 * each class of unexecuted x87/MMX/SSE/VEX instruction gets from CR0, CR4
 * and the CPUID model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

static void fill_fx(struct fxsave_area *fx)
{
	uint8_t *b = (uint8_t *)fx;
	for (unsigned k = 0; k < sizeof(*fx); k++)
		b[k] = (uint8_t)(k * 7 + 3);
	fx->mxcsr = 0x1fa0;
	fx->mxcsr_mask = 0xffff;
}

static void test_fxsave_fxrstor_64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x0f, 0xae, 0x00,                        /* fxsave [rax] */
		0x48, 0x0f, 0xae, 0x08,                  /* fxrstor64 [rax] */
		0xf4);
	struct fxsave_area want;
	fill_fx(&want);
	fx->c->s.fx = want;
	fx->c->s.gpr[RAX] = FX_DATA_ADDR;
	uint8_t pre[512];
	memset(pre, 0xcc, sizeof(pre));
	fx_poke(fx, FX_DATA_ADDR, pre, sizeof(pre));

	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	uint8_t mem[512];
	assert_int_equal(gmem_read(&fx->vm.mem, FX_DATA_ADDR, mem, sizeof(mem)), 0);
	assert_memory_equal(mem, &want, 416);             /* through XMM15 */
	for (unsigned k = 416; k < 512; k++)
		assert_int_equal(mem[k], 0xcc);                 /* reserved: not written */

	/* Change the image; FXRSTOR loads it (but not MXCSR_MASK). */
	struct fxsave_area img = want;
	img.fcw = 0x37f;
	img.mxcsr = 0x1f80;
	img.mxcsr_mask = 0x1234;
	memset(img.xmm[15], 0x5a, 16);
	memset(img.st[7], 0xa5, 16);
	fx_poke(fx, FX_DATA_ADDR, &img, 416);
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	struct fxsave_area *s = &fx->c->s.fx;
	assert_int_equal(s->fcw, 0x37f);
	assert_int_equal(s->mxcsr, 0x1f80);
	assert_int_equal(s->mxcsr_mask, 0xffff);
	assert_memory_equal(s->xmm[15], img.xmm[15], 16);
	assert_memory_equal(s->st[7], img.st[7], 16);
	assert_int_equal(s->fip, img.fip);
	fx_free(fx);
}

/* Outside 64-bit mode XMM8-15 are neither saved nor restored. */
static void test_fxsave_fxrstor_32(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx,
		0x0f, 0xae, 0x00,                        /* fxsave [eax] */
		0x0f, 0xae, 0x0b,                        /* fxrstor [ebx] */
		0xf4);
	struct fxsave_area want;
	fill_fx(&want);
	fx->c->s.fx = want;
	fx->c->s.gpr[RAX] = FX_DATA_ADDR;
	fx->c->s.gpr[RBX] = FX_DATA_ADDR + 0x200;
	uint8_t pre[512];
	memset(pre, 0xcc, sizeof(pre));
	fx_poke(fx, FX_DATA_ADDR, pre, sizeof(pre));
	struct fxsave_area img;
	memset(&img, 0x11, sizeof(img));
	img.mxcsr = 0x1f80;
	fx_poke(fx, FX_DATA_ADDR + 0x200, &img, sizeof(img));

	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	uint8_t mem[512];
	assert_int_equal(gmem_read(&fx->vm.mem, FX_DATA_ADDR, mem, sizeof(mem)), 0);
	assert_memory_equal(mem, &want, 288);
	for (unsigned k = 288; k < 512; k++)
		assert_int_equal(mem[k], 0xcc);
	struct fxsave_area *s = &fx->c->s.fx;
	assert_memory_equal(s->xmm[7], img.xmm[7], 16);
	assert_memory_equal(s->xmm[8], want.xmm[8], 16);     /* kept */
	assert_int_equal(s->mxcsr, 0x1f80);
	fx_free(fx);
}

static void fx_fault(uint64_t cr0_set, uint64_t addr, uint32_t mxcsr, const uint8_t *code,
                     unsigned vec, int err)
{
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	uint8_t buf[8];
	memcpy(buf, code, 3);
	buf[3] = 0xf4;
	fx_code_at(fx, FX_CODE_ADDR, buf, 4);
	fx->c->s.cr0 |= cr0_set;
	fx->c->s.gpr[RAX] = addr;
	struct fxsave_area img;
	memset(&img, 0, sizeof(img));
	img.mxcsr = mxcsr;
	img.fcw = 0x1111;
	fx_poke(fx, FX_DATA_ADDR, &img, sizeof(img));
	struct fxsave_area before = fx->c->s.fx;
	fx_run(fx, 1);
	fx_assert_exc(fx, vec, err);
	assert_memory_equal(&fx->c->s.fx, &before, sizeof(before));
	fx_free(fx);
}

static void test_fx_faults(void **state)
{
	(void)state;
	static const uint8_t fxsave[] = { 0x0f, 0xae, 0x00 };    /* fxsave [rax] */
	static const uint8_t fxrstor[] = { 0x0f, 0xae, 0x08 };   /* fxrstor [rax] */
	fx_fault(0, FX_DATA_ADDR + 8, 0x1f80, fxsave, EXC_GP, 0);
	fx_fault(0, FX_DATA_ADDR + 4, 0x1f80, fxrstor, EXC_GP, 0);
	fx_fault(CR0_TS, FX_DATA_ADDR, 0x1f80, fxsave, EXC_NM, FX_NOERR);
	fx_fault(CR0_EM, FX_DATA_ADDR, 0x1f80, fxrstor, EXC_NM, FX_NOERR);
	fx_fault(0, FX_DATA_ADDR, 0x11f80, fxrstor, EXC_GP, 0);   /* MXCSR bit 16 */
}

static void test_mxcsr(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x0f, 0xae, 0x13,                        /* ldmxcsr [rbx] */
		0x0f, 0xae, 0x19,                        /* stmxcsr [rcx] */
		0x0f, 0xae, 0x16,                        /* ldmxcsr [rsi] */
		0xf4);
	fx->c->s.cr4 |= CR4_OSFXSR;
	uint64_t *g = fx->c->s.gpr;
	g[RBX] = FX_DATA_ADDR;
	g[RCX] = FX_DATA_ADDR + 4;
	g[RSI] = FX_DATA_ADDR + 8;
	fx_poke32(fx, FX_DATA_ADDR, 0x9fc0);
	fx_poke32(fx, FX_DATA_ADDR + 8, 0x20000);
	fx_run(fx, 2);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.fx.mxcsr, 0x9fc0);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR + 4, 4), 0x9fc0);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->s.fx.mxcsr, 0x9fc0);
	fx_free(fx);

	/* Without CR4.OSFXSR: #UD, even with CR0.TS. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x0f, 0xae, 0x13, 0xf4);
	fx->c->s.cr0 |= CR0_TS;
	fx->c->s.gpr[RBX] = FX_DATA_ADDR;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	fx_free(fx);
}

static void test_x87_control(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0xdb, 0xe3,                              /* fninit */
		0xdf, 0xe0,                              /* fnstsw ax */
		0xd9, 0x3b,                              /* fnstcw [rbx] */
		0xd9, 0x29,                              /* fldcw [rcx] */
		0xdb, 0xe2,                              /* fnclex */
		0x9b,                                    /* fwait */
		0x0f, 0x77,                              /* emms */
		0xf4);
	struct fxsave_area *s = &fx->c->s.fx;
	s->fcw = 0;
	s->fsw = 0xffff;
	s->ftw = 0xff;
	fx->c->s.gpr[RAX] = 0x12345678;
	fx->c->s.gpr[RBX] = FX_DATA_ADDR;
	fx->c->s.gpr[RCX] = FX_DATA_ADDR + 2;
	fx_poke16(fx, FX_DATA_ADDR + 2, 0x027f);
	fx_run(fx, 4);
	fx_assert_no_exc(fx);
	assert_int_equal(s->fsw, 0);
	assert_int_equal(s->ftw, 0);
	assert_int_equal(fx->c->s.gpr[RAX], 0x12340000);
	assert_int_equal(fx_peek(fx, FX_DATA_ADDR, 2), 0x37f);
	assert_int_equal(s->fcw, 0x27f);
	s->fsw = 0x80ff | 0x3800;
	s->ftw = 0x0f;
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	assert_int_equal(s->fsw, 0);     /* EMMS sets TOS to 0 (SDM Vol. 1, Table 9-2) */
	assert_int_equal(s->ftw, 0);
	fx_free(fx);
}

struct ext_case {
	const char *name;
	uint8_t code[6];
	unsigned len;
	uint64_t cr0, cr4;
	unsigned vec;                /* EXC_NONE: runs to the HLT after it */
	uint32_t mxcsr;              /* 0: the reset value */
	uint16_t fsw;
};
#define EXC_NONE 255

/* Which exception CR0, CR4, CPUID, MXCSR and a pending x87 exception
 * give, before or instead of execution. */
static void test_exception_classes(void **state)
{
	(void)state;
	static const struct ext_case cases[] = {
		/* x87: TS or EM is #NM; otherwise it runs. */
		{ "fld1 TS", { 0xd9, 0xe8 }, 2, CR0_TS, 0, EXC_NM, 0, 0 },
		{ "fninit EM", { 0xdb, 0xe3 }, 2, CR0_EM, 0, EXC_NM, 0, 0 },
		{ "fld1", { 0xd9, 0xe8 }, 2, 0, 0, EXC_NONE, 0, 0 },
		/* A pending unmasked x87 exception: #MF at a waiting instruction
		 * (and at MMX), not at FNINIT. */
		{ "fld1 pending", { 0xd9, 0xe8 }, 2, CR0_NE, 0, EXC_MF, 0, 0x8084 },
		{ "paddb pending", { 0x0f, 0xfc, 0xc1 }, 3, CR0_NE, 0, EXC_MF, 0, 0x8084 },
		{ "fninit pending", { 0xdb, 0xe3 }, 2, CR0_NE, 0, EXC_NONE, 0, 0x8084 },
		/* WAIT: #NM only with MP and TS. */
		{ "wait MP TS", { 0x9b }, 1, CR0_MP | CR0_TS, 0, EXC_NM, 0, 0 },
		/* SSE: EM or no OSFXSR is #UD before TS's #NM. */
		{ "addps TS", { 0x0f, 0x58, 0xc1 }, 3, CR0_TS, CR4_OSFXSR, EXC_NM, 0, 0 },
		{ "addps no OSFXSR", { 0x0f, 0x58, 0xc1 }, 3, CR0_TS, 0, EXC_UD, 0, 0 },
		{ "addps EM", { 0x0f, 0x58, 0xc1 }, 3, CR0_EM | CR0_TS, CR4_OSFXSR, EXC_UD, 0, 0 },
		{ "addps", { 0x0f, 0x58, 0xc1 }, 3, 0, CR4_OSFXSR, EXC_NONE, 0, 0 },
		/* An unmasked SIMD exception (0/0: invalid): #XM, or #UD without
		 * OSXMMEXCPT. */
		{ "divps #XM", { 0x0f, 0x5e, 0xc1 }, 3, 0, CR4_OSFXSR | CR4_OSXMMEXCPT, EXC_XM,
		  0x1f80 & ~0x80u, 0 },
		{ "divps #UD", { 0x0f, 0x5e, 0xc1 }, 3, 0, CR4_OSFXSR, EXC_UD, 0x1f80 & ~0x80u, 0 },
		/* MMX: no OSFXSR needed; EM is #UD, TS #NM. */
		{ "paddb TS", { 0x0f, 0xfc, 0xc1 }, 3, CR0_TS, 0, EXC_NM, 0, 0 },
		{ "paddb EM", { 0x0f, 0xfc, 0xc1 }, 3, CR0_EM | CR0_TS, 0, EXC_UD, 0, 0 },
		{ "emms TS", { 0x0f, 0x77 }, 2, CR0_TS, 0, EXC_NM, 0, 0 },
		/* What the model does not offer: #UD whatever TS says. */
		{ "pclmulqdq", { 0x66, 0x0f, 0x3a, 0x44, 0xc1, 0x00 }, 6, CR0_TS, CR4_OSFXSR, EXC_UD, 0, 0 },
		{ "vaddps", { 0xc5, 0xf4, 0x58, 0xc2 }, 4, CR0_TS, CR4_OSFXSR, EXC_UD, 0, 0 },
		{ "femms", { 0x0f, 0x0e }, 2, CR0_TS, 0, EXC_UD, 0, 0 },
		{ "xsave no OSXSAVE", { 0x0f, 0xae, 0x20 }, 3, CR0_TS, 0, EXC_UD, 0, 0 },
		{ "vmlaunch", { 0x0f, 0x01, 0xc2 }, 3, 0, 0, EXC_UD, 0, 0 },
		{ "vmrun", { 0x0f, 0x01, 0xd8 }, 3, 0, 0, EXC_UD, 0, 0 },
		{ "xgetbv no OSXSAVE", { 0x0f, 0x01, 0xd0 }, 3, 0, 0, EXC_UD, 0, 0 },
		{ "monitor", { 0x0f, 0x01, 0xc8 }, 3, 0, 0, EXC_UD, 0, 0 },
		{ "rdrand", { 0x0f, 0xc7, 0xf0 }, 3, 0, 0, EXC_UD, 0, 0 },
		{ "rdfsbase", { 0xf3, 0x48, 0x0f, 0xae, 0xc0 }, 5, 0, 0, EXC_UD, 0, 0 },
	};
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct ext_case *ec = &cases[k];
		struct sw_fx *fx = fx_new_ok(FX_LONG64);
		uint8_t buf[8];
		memcpy(buf, ec->code, ec->len);
		buf[ec->len] = 0xf4;
		fx_code_at(fx, FX_CODE_ADDR, buf, ec->len + 1);
		fx->c->s.cr0 |= ec->cr0;
		fx->c->s.cr4 |= ec->cr4;
		fx->c->s.gpr[RAX] = FX_DATA_ADDR;
		if (ec->mxcsr)
			fx->c->s.fx.mxcsr = ec->mxcsr;
		if (ec->fsw) {
			fx->c->s.fx.fsw = ec->fsw;
			fx->c->s.fx.fcw = 0x37b;             /* ZE unmasked */
		}
		fx_run(fx, 1);
		if (ec->vec == EXC_NONE) {
			if (fx->c->last_event.count || fx->c->s.rip != FX_CODE_ADDR + ec->len)
				fail_msg("%s: vector %u (%llu events), expected none", ec->name,
				         fx->c->last_event.vector,
				         (unsigned long long)fx->c->last_event.count);
		} else {
			if (fx->c->last_event.count != 1 || fx->c->last_event.vector != ec->vec)
				fail_msg("%s: vector %u (%llu events), expected %u", ec->name,
				         fx->c->last_event.vector,
				         (unsigned long long)fx->c->last_event.count, ec->vec);
			fx_assert_exc(fx, ec->vec, FX_NOERR);
		}
		fx_free(fx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fxsave_fxrstor_64),
		cmocka_unit_test(test_fxsave_fxrstor_32),
		cmocka_unit_test(test_fx_faults),
		cmocka_unit_test(test_mxcsr),
		cmocka_unit_test(test_x87_control),
		cmocka_unit_test(test_exception_classes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
