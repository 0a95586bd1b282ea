/* Debug exceptions in the interpreter: single-step traps around MOV SS /
 * POP SS and SYSCALL, and the DR0-DR3 breakpoints armed by DR7. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

#define DR6_BS (1ull << 14)

/* MOV SS with TF set: no trap after it; the one after the next
 * instruction reports BS (SDM Vol. 3, 6.8.3). */
static void test_movss_holds_single_step(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x8e, 0xd0, 0x90, 0x90);         /* mov ss, eax; nop; nop */
	fx->c->s.gpr[RAX] = FX_SEL_DATA;
	fx->c->s.rflags |= RFLAGS_TF;
	fx_run(fx, 3);                               /* mov ss, nop, #DB */
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 3);
	assert_true(fx->c->s.dr[6] & DR6_BS);
	fx_free(fx);

	/* POP SS alike. */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x17, 0x90, 0x90);               /* pop ss; nop; nop */
	fx->c->s.gpr[RSP] -= 4;
	fx_poke32(fx, fx->c->s.gpr[RSP], FX_SEL_DATA);
	fx->c->s.rflags |= RFLAGS_TF;
	fx_run(fx, 3);
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR + 2);
	fx_free(fx);

	/* STI's shadow holds interrupts only: the trap follows STI. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xfb, 0x90, 0x90);               /* sti; nop; nop */
	fx->c->s.rflags |= RFLAGS_TF;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 1);
	fx_free(fx);
}

/* SYSCALL's single-step trap follows TF as SFMASK leaves it: masked, the
 * kernel's first instruction runs untraced; not masked, #DB comes at the
 * entry point (TF stays set). Both vendors. */
static void test_syscall_single_step(void **state)
{
	(void)state;
	const uint64_t entry = FX_CODE_ADDR + 0x100;
	for (unsigned amd = 0; amd < 2; amd++) {
		for (unsigned masked = 0; masked < 2; masked++) {
			struct sw_fx *fx = fx_new_ok(FX_LONG64);
			struct vcpu_state *s = &fx->c->s;
			fx->c->vendor_amd = amd;
			s->efer |= EFER_SCE;
			s->msr.star = FX_STAR;
			s->msr.lstar = entry;
			s->msr.sfmask = RFLAGS_IF | (masked ? RFLAGS_TF : 0);
			const uint8_t nops[] = { 0x90, 0x90, 0xf4 };
			fx_poke(fx, entry, nops, sizeof(nops));
			FX_CODE(fx, 0x0f, 0x05);             /* syscall */
			fx_to_user(fx);
			s->rflags |= RFLAGS_TF;
			fx_run(fx, 2);
			if (masked) {
				fx_assert_no_exc(fx);
				assert_int_equal(s->rip, entry + 1);
			} else {
				fx_assert_exc(fx, EXC_DB, FX_NOERR);
				assert_int_equal(fx_stack(fx, 0, 8), entry);
				assert_true(s->dr[6] & DR6_BS);
			}
			fx_free(fx);
		}
	}
}

/* DR7 for breakpoint n: L bit, R/W and LEN fields. */
static uint64_t dr7_bp(unsigned n, unsigned rw, unsigned len)
{
	return (1ull << (2 * n)) | ((uint64_t)rw << (16 + 4 * n)) |
	       ((uint64_t)len << (18 + 4 * n));
}

/* The guest arms DR7 from RCX with its first instruction (mov dr7, rcx),
 * then runs the rest of the code. */
#define MOV_DR7_RCX 0x0f, 0x23, 0xf9

/* An instruction breakpoint is a fault at the instruction, reported in
 * DR6 B0-B3; with RF set the instruction runs. */
static void test_instruction_breakpoint(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, MOV_DR7_RCX, 0x90, 0x90, 0xf4);  /* at +3, +4, +5 */
	fx->c->s.dr[2] = FX_CODE_ADDR + 4;
	fx->c->s.gpr[RCX] = dr7_bp(2, 0, 0);
	fx_run(fx, 3);                               /* mov dr7, nop, #DB */
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 4);
	assert_true(fx->c->s.dr[6] & (1u << 2));
	assert_false(fx->c->s.dr[6] & DR6_BS);
	assert_false(fx_stack(fx, 2, 8) & RFLAGS_RF);
	fx_free(fx);

	/* RF set: the instruction at the breakpoint runs, RF clears. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, MOV_DR7_RCX, 0x90, 0x90, 0xf4);
	fx->c->s.dr[0] = FX_CODE_ADDR + 3;
	fx->c->s.gpr[RCX] = dr7_bp(0, 0, 0);
	fx_run(fx, 1);
	fx->c->s.rflags |= RFLAGS_RF;
	fx_run(fx, 2);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 5);
	assert_false(fx->c->s.rflags & RFLAGS_RF);
	fx_free(fx);
}

/* Data breakpoints: traps after the access, on the aligned LEN bytes;
 * R/W 01 only for writes, 11 for reads too. */
static void test_data_breakpoint(void **state)
{
	(void)state;
	static const struct {
		unsigned rw, len;
		uint8_t op;          /* mov [rbx], eax (89) or mov eax, [rbx] (8b) */
		uint64_t at;         /* RBX, from FX_DATA_ADDR */
		bool hit;
	} cases[] = {
		{ 1, 3, 0x89, 6, true },      /* 4 bytes at +4: write to +6 */
		{ 1, 3, 0x89, 8, false },     /* just past it */
		{ 1, 3, 0x89, 1, true },      /* 4-byte write to +1 reaches +4 */
		{ 1, 3, 0x8b, 4, false },     /* a read of a write breakpoint */
		{ 3, 3, 0x8b, 4, true },      /* read/write breakpoint */
		{ 3, 0, 0x8b, 5, false },     /* 1 byte at +4 */
		{ 3, 2, 0x8b, 0, true },      /* 8 bytes at +0 (+4 aligned down) */
	};
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct sw_fx *fx = fx_new_ok(FX_LONG64);
		FX_CODE(fx, MOV_DR7_RCX, cases[k].op, 0x03, 0x90, 0xf4);
		fx->c->s.dr[1] = FX_DATA_ADDR + 4;
		fx->c->s.gpr[RCX] = dr7_bp(1, cases[k].rw, cases[k].len);
		fx->c->s.gpr[RBX] = FX_DATA_ADDR + cases[k].at;
		fx_run(fx, 3);                       /* mov dr7, mov, #DB or nop */
		if (cases[k].hit) {
			fx_assert_exc(fx, EXC_DB, FX_NOERR);
			assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 5);
			assert_true(fx->c->s.dr[6] & (1u << 1));
		} else {
			fx_assert_no_exc(fx);
			assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 6);
		}
		fx_free(fx);
	}

	/* A push hits a watched stack slot, also where the page is in the
	 * TLB already (the inline 64-bit path); disarming DR7 ends it. */
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x50, MOV_DR7_RCX, 0x50, 0x90, 0xf4); /* push rax */
	fx->c->s.dr[0] = FX_STACK_TOP - 16;
	fx->c->s.gpr[RCX] = dr7_bp(0, 1, 2);
	fx_run(fx, 4);
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 5);
	assert_true(fx->c->s.dr[6] & 1u);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, MOV_DR7_RCX, 0x50, 0x90, 0xf4);
	fx->c->s.dr[0] = FX_STACK_TOP - 8;
	fx->c->s.dr[7] = dr7_bp(0, 1, 2);
	fx->c->s.gpr[RCX] = 0;
	fx_run(fx, 3);
	fx_assert_no_exc(fx);
	fx_free(fx);
}

/* A data breakpoint hit by POP SS is held, with the single-step trap,
 * until after the next instruction. */
static void test_movss_holds_data_breakpoint(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, MOV_DR7_RCX, 0x17, 0x90, 0x90); /* pop ss at +3 */
	fx->c->s.gpr[RSP] -= 4;
	fx_poke32(fx, fx->c->s.gpr[RSP], FX_SEL_DATA);
	fx->c->s.dr[3] = fx->c->s.gpr[RSP];
	fx->c->s.gpr[RCX] = dr7_bp(3, 3, 3);
	fx_run(fx, 4);                               /* mov dr7, pop ss, nop, #DB */
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR + 5);
	assert_true(fx->c->s.dr[6] & (1u << 3));
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_movss_holds_single_step),
		cmocka_unit_test(test_syscall_single_step),
		cmocka_unit_test(test_instruction_breakpoint),
		cmocka_unit_test(test_data_breakpoint),
		cmocka_unit_test(test_movss_holds_data_breakpoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
