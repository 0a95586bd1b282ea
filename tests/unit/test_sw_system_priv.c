/* Privileged system instructions at CPL 3 raise #GP(0) and change
 * nothing, in 32-bit protected mode and in 64-bit mode; the same bytes at
 * CPL 0 run. Also the CPL-independent #UD cases (RDTSCP without the CPUID
 * bit, AMD's LOCK MOV CR8 without AltMovCr8, SLDT/LAR in real mode). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

struct priv_case {
	const char *name;
	uint8_t code[4];
	unsigned len;
	bool only64;
	uint64_t cr4;     /* CR4 bits to set first (TSD) */
};

static const struct priv_case cases[] = {
	{ "lgdt",   { 0x0f, 0x01, 0x10 }, 3, false, 0 },        /* lgdt [rax] */
	{ "lidt",   { 0x0f, 0x01, 0x18 }, 3, false, 0 },        /* lidt [rax] */
	{ "lldt",   { 0x0f, 0x00, 0xd0 }, 3, false, 0 },        /* lldt ax */
	{ "ltr",    { 0x0f, 0x00, 0xd8 }, 3, false, 0 },        /* ltr ax */
	{ "movcr0", { 0x0f, 0x22, 0xc0 }, 3, false, 0 },        /* mov cr0, rax */
	{ "movcr3", { 0x0f, 0x22, 0xd8 }, 3, false, 0 },        /* mov cr3, rax */
	{ "movcr4", { 0x0f, 0x22, 0xe0 }, 3, false, 0 },        /* mov cr4, rax */
	{ "rdcr0",  { 0x0f, 0x20, 0xc0 }, 3, false, 0 },        /* mov rax, cr0 */
	{ "rdcr2",  { 0x0f, 0x20, 0xd0 }, 3, false, 0 },        /* mov rax, cr2 */
	{ "movdr0", { 0x0f, 0x23, 0xc0 }, 3, false, 0 },        /* mov dr0, rax */
	{ "rddr7",  { 0x0f, 0x21, 0xf8 }, 3, false, 0 },        /* mov rax, dr7 */
	{ "lmsw",   { 0x0f, 0x01, 0xf0 }, 3, false, 0 },        /* lmsw ax */
	{ "clts",   { 0x0f, 0x06 }, 2, false, 0 },              /* clts */
	{ "rdmsr",  { 0x0f, 0x32 }, 2, false, 0 },              /* rdmsr */
	{ "wrmsr",  { 0x0f, 0x30 }, 2, false, 0 },              /* wrmsr */
	{ "invlpg", { 0x0f, 0x01, 0x38 }, 3, false, 0 },        /* invlpg [rax] */
	{ "wbinvd", { 0x0f, 0x09 }, 2, false, 0 },              /* wbinvd */
	{ "invd",   { 0x0f, 0x08 }, 2, false, 0 },              /* invd */
	{ "hlt",    { 0xf4 }, 1, false, 0 },                    /* hlt */
	{ "rdpmc",  { 0x0f, 0x33 }, 2, false, 0 },              /* rdpmc */
	{ "rdtsc",  { 0x0f, 0x31 }, 2, false, CR4_TSD },        /* rdtsc with TSD */
	{ "cli",    { 0xfa }, 1, false, 0 },                    /* cli, IOPL 0 */
	{ "sti",    { 0xfb }, 1, false, 0 },                    /* sti, IOPL 0 */
	{ "in",     { 0xe4, 0x80 }, 2, false, 0 },              /* in al, 0x80 */
	{ "out",    { 0xe6, 0x80 }, 2, false, 0 },              /* out 0x80, al */
	{ "indx",   { 0xec }, 1, false, 0 },                    /* in al, dx */
	{ "outdx",  { 0xee }, 1, false, 0 },                    /* out dx, al */
	{ "insb",   { 0x6c }, 1, false, 0 },                    /* insb */
	{ "outsb",  { 0x6e }, 1, false, 0 },                    /* outsb */
	{ "swapgs", { 0x0f, 0x01, 0xf8 }, 3, true, 0 },         /* swapgs */
	{ "movcr8", { 0x44, 0x0f, 0x22, 0xc0 }, 4, true, 0 },   /* mov cr8, rax */
	{ "rdcr8",  { 0x44, 0x0f, 0x20, 0xc0 }, 4, true, 0 },   /* mov rax, cr8 */
	{ "sgdt",   { 0x0f, 0x01, 0x00 }, 3, false, CR4_UMIP },  /* sgdt [rax], UMIP */
	{ "sidt",   { 0x0f, 0x01, 0x08 }, 3, false, CR4_UMIP },  /* sidt [rax], UMIP */
	{ "sldt",   { 0x0f, 0x00, 0x00 }, 3, false, CR4_UMIP },  /* sldt [rax], UMIP */
	{ "str",    { 0x0f, 0x00, 0x08 }, 3, false, CR4_UMIP },  /* str [rax], UMIP */
	{ "smsw",   { 0x0f, 0x01, 0x20 }, 3, false, CR4_UMIP },  /* smsw [rax], UMIP */
};

static void run_case(enum fx_mode mode, const struct priv_case *pc)
{
	struct sw_fx *fx = fx_new(mode);
	assert_non_null(fx);
	uint8_t code[8];
	memcpy(code, pc->code, pc->len);
	code[pc->len] = 0xf4;
	fx_code_at(fx, FX_CODE_ADDR, code, pc->len + 1);
	fx->c->s.cr4 |= pc->cr4;
	fx_to_user(fx);
	struct vcpu_state *s = &fx->c->s;
	s->gpr[RAX] = FX_DATA_ADDR;
	s->gpr[RSI] = FX_DATA_ADDR;
	s->gpr[RDI] = FX_DATA_ADDR;
	s->gpr[RDX] = 0x80;
	s->gpr[RCX] = 0x10;   /* an MSR that exists */
	struct vcpu_state before = *s;

	fx_run(fx, 1);
	if (fx->c->last_event.count != 1 || fx->c->last_event.vector != EXC_GP)
		fail_msg("%s in %s: no #GP (events %llu, vector %u)", pc->name,
		         mode == FX_LONG64 ? "long mode" : "protected mode",
		         (unsigned long long)fx->c->last_event.count, fx->c->last_event.vector);
	fx_assert_exc(fx, EXC_GP, 0);
	/* Nothing the instruction could have changed did. */
	assert_memory_equal(&s->gdtr, &before.gdtr, sizeof(s->gdtr));
	assert_memory_equal(&s->idtr, &before.idtr, sizeof(s->idtr));
	assert_int_equal(s->cr0, before.cr0);
	assert_int_equal(s->cr3, before.cr3);
	assert_int_equal(s->cr4, before.cr4);
	assert_int_equal(s->gpr[RDX], before.gpr[RDX]);
	assert_int_equal(s->gpr[RDI], before.gpr[RDI]);
	assert_int_equal(s->seg[SEG_GS].base, before.seg[SEG_GS].base);
	assert_int_equal(s->tr.selector, before.tr.selector);
	assert_int_equal(fx->c->last_event.rip, FX_CODE_ADDR);
	fx_free(fx);
}

static void test_cpl3_gp_prot32(void **state)
{
	(void)state;
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		if (!cases[k].only64)
			run_case(FX_PROT32, &cases[k]);
}

static void test_cpl3_gp_long64(void **state)
{
	(void)state;
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		run_case(FX_LONG64, &cases[k]);
}

/* The same instructions at CPL 0 do not fault (those that are harmless to
 * run on the fixture's state). */
static void test_cpl0_runs(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	FX_CODE(fx,
		0x0f, 0x20, 0xc0,                        /* mov rax, cr0 */
		0x0f, 0x22, 0xc0,                        /* mov cr0, rax */
		0x0f, 0x06,                              /* clts */
		0x0f, 0x09,                              /* wbinvd */
		0x0f, 0x08,                              /* invd */
		0x0f, 0x01, 0x3b,                        /* invlpg [rbx] */
		0x0f, 0x01, 0xf8,                        /* swapgs */
		0x0f, 0x01, 0xf8,                        /* swapgs */
		0x0f, 0x21, 0xf9,                        /* mov rcx, dr7 */
		0x0f, 0x31,                              /* rdtsc */
		0xfa,                                    /* cli */
		0xf4);                                   /* hlt */
	fx->c->s.gpr[RBX] = FX_DATA_ADDR;
	fx_run(fx, 20);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);
	assert_int_equal(fx->c->s.gpr[RCX], 0x400);
	assert_int_equal(fx_rip_lin(fx), FX_CODE_ADDR + 28);
	fx_free(fx);
}

/* RDTSCP runs where the CPUID model offers it (ECX = TSC_AUX) and is #UD
 * where it does not (a model ANDed with a KVM that lacks it); LOCK MOV
 * CR0 (AMD's CR8 alias) is #UD without AltMovCr8. */
static void test_ud_by_cpuid(void **state)
{
	(void)state;
	uint32_t r[4];
	struct sw_fx *fx = fx_new(FX_PROT32);
	assert_non_null(fx);
	cpuid_model_query(&fx->vm.cpuid, 0x80000001u, 0, r);
	assert_true(r[3] & (1u << 27));
	assert_false(r[2] & (1u << 4));
	FX_CODE(fx, 0x0f, 0x01, 0xf9, 0xf4);             /* rdtscp */
	fx->c->s.msr.tsc_aux = 0x1234;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.gpr[RCX], 0x1234);
	fx_free(fx);

	fx = fx_new(FX_PROT32);
	assert_non_null(fx);
	struct cpuid_entry *e = (struct cpuid_entry *)cpuid_model_find(&fx->vm.cpuid, 0x80000001u, 0);
	e->edx &= ~(1u << 27);
	FX_CODE(fx, 0x0f, 0x01, 0xf9, 0xf4);             /* rdtscp */
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	fx_free(fx);

	fx = fx_new(FX_PROT32);
	assert_non_null(fx);
	FX_CODE(fx, 0xf0, 0x0f, 0x20, 0xc0, 0xf4);       /* lock mov eax, cr0 */
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	fx_free(fx);
}

/* Not recognised in real mode: SLDT, STR, LLDT, LTR, LAR, LSL, VERR, ARPL. */
static void test_ud_in_real_mode(void **state)
{
	(void)state;
	static const uint8_t codes[][3] = {
		{ 0x0f, 0x00, 0xc0 },   /* sldt ax */
		{ 0x0f, 0x00, 0xc8 },   /* str ax */
		{ 0x0f, 0x00, 0xd0 },   /* lldt ax */
		{ 0x0f, 0x00, 0xd8 },   /* ltr ax */
		{ 0x0f, 0x02, 0xc3 },   /* lar ax, bx */
		{ 0x0f, 0x03, 0xc3 },   /* lsl ax, bx */
		{ 0x0f, 0x00, 0xe0 },   /* verr ax */
		{ 0x63, 0xd8, 0x90 },   /* arpl ax, bx; nop */
	};
	for (unsigned k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
		struct sw_fx *fx = fx_new(FX_REAL);
		assert_non_null(fx);
		uint8_t code[4] = { codes[k][0], codes[k][1], codes[k][2], 0xf4 };
		fx_code_at(fx, FX_CODE_ADDR, code, 4);
		fx_run(fx, 1);
		fx_assert_exc(fx, EXC_UD, FX_NOERR);
		fx_free(fx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpl3_gp_prot32),
		cmocka_unit_test(test_cpl3_gp_long64),
		cmocka_unit_test(test_cpl0_runs),
		cmocka_unit_test(test_ud_by_cpuid),
		cmocka_unit_test(test_ud_in_real_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
