/* Interpreter exceptions and event delivery: the real-mode IVT, 32-bit
 * and 64-bit IDT gates with their frames, stack switches through the TSS
 * (ESP0, RSP0, IST), error codes, fault versus trap return addresses, RF
 * in the pushed flags, #DF, triple fault, HLT, events carried in the
 * state. Task gates: tests/unit/test_sw_task.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tests/unit/sw_fixture.h"

/* Mark an IDT gate not present. */
static void gate_absent(struct sw_fx *fx, unsigned vector)
{
	uint64_t at = FX_IDT + (fx->mode == FX_LONG64 ? 16 : 8) * vector;
	fx_poke64(fx, at, fx_peek(fx, at, 8) & ~(1ull << 47));
}

static void test_real_mode_ivt(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx, 0xcd, 0x21);                        /* int 0x21 */
	fx->c->s.rflags |= RFLAGS_IF | RFLAGS_CF;
	fx_run(fx, 1);
	assert_int_equal(fx_rip_lin(fx), FX_STUB(0x21));
	assert_int_equal(fx->c->s.seg[SEG_CS].selector, 0);
	assert_int_equal(fx->c->s.gpr[RSP], 0xfff0 - 6);
	assert_int_equal(fx_stack(fx, 0, 2), 2);        /* IP after INT */
	assert_int_equal(fx_stack(fx, 1, 2), 0x2000);   /* CS */
	assert_int_equal(fx_stack(fx, 2, 2), RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF);
	assert_false(fx->c->s.rflags & RFLAGS_IF);
	assert_true(fx->c->last_event.soft);

	/* A fault returns to the faulting instruction: DIV by zero. */
	fx_free(fx);
	fx = fx_new_ok(FX_REAL);
	FX_CODE(fx, 0x90, 0xf6, 0xf3);                  /* nop; div bl */
	fx->c->s.gpr[RBX] = 0;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_DE, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 2), 1);
	/* IRET returns to it. */
	fx_poke(fx, FX_STUB(EXC_DE), (const uint8_t[]){ 0xcf }, 1);
	fx->c->s.gpr[RBX] = 1;
	fx_run(fx, 2);
	assert_int_equal(fx->c->s.rip, 3);
	assert_int_equal(fx->c->s.gpr[RSP], 0xfff0);
	fx_free(fx);
}

/* #UD in 32-bit protected mode: frame without error code, RF=1 pushed. */
static void test_prot32_fault_frame(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x0f, 0x0b);                        /* ud2 */
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP - 12);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR);
	assert_int_equal(fx_stack(fx, 1, 4), FX_SEL_CODE32);
	assert_int_equal(fx_stack(fx, 2, 4), RFLAGS_FIXED | RFLAGS_RF);
	assert_false(fx->c->s.rflags & RFLAGS_RF);
	fx_free(fx);
}

/* CPL 3 INT 0x80 through a DPL-0 gate: #GP(0x80*8+2) delivered to CPL 0
 * on the TSS stack (SS0:ESP0), with SS:ESP of the user in the frame. */
static void test_prot32_privilege_change(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0xcd, 0x80);
	fx_to_user(fx);
	fx->c->s.rflags |= RFLAGS_IF;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0x80 * 8 + 2);
	assert_int_equal(fx->c->cpl, 0);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, FX_SEL_DATA);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK0_TOP - 24);
	assert_int_equal(fx_stack(fx, 0, 4), 0x80 * 8 + 2);
	assert_int_equal(fx_stack(fx, 1, 4), FX_CODE_ADDR);
	assert_int_equal(fx_stack(fx, 2, 4), FX_SEL_UCODE32);
	assert_int_equal(fx_stack(fx, 3, 4), RFLAGS_FIXED | RFLAGS_IF | RFLAGS_RF);
	assert_int_equal(fx_stack(fx, 4, 4), FX_STACK_TOP);
	assert_int_equal(fx_stack(fx, 5, 4), FX_SEL_UDATA);
	assert_false(fx->c->s.rflags & RFLAGS_IF);      /* interrupt gate */

	/* With a DPL-3 trap gate the INT goes through: IF stays set, no RF. */
	fx_free(fx);
	fx = fx_new_ok(FX_PROT32);
	fx_set_gate(fx, 0x80, FX_SEL_CODE32, FX_STUB(0x80), 0xf, 3, 0);
	FX_CODE(fx, 0xcd, 0x80);
	fx_to_user(fx);
	fx->c->s.rflags |= RFLAGS_IF;
	fx_run(fx, 1);
	assert_int_equal(fx_rip_lin(fx), FX_STUB(0x80));
	assert_true(fx->c->s.rflags & RFLAGS_IF);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR + 2);
	assert_int_equal(fx_stack(fx, 2, 4), RFLAGS_FIXED | RFLAGS_IF);
	fx_free(fx);
}

/* 16-bit interrupt gate in 32-bit mode: 16-bit frame slots. */
static void test_prot32_gate16(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	fx_set_gate(fx, 0x40, FX_SEL_CODE16, FX_STUB(0x40), 0x6, 0, 0);
	FX_CODE(fx, 0xcd, 0x40);
	fx->c->s.gpr[RSP] = 0x8000;
	fx->c->s.rip = 0x100;                          /* within 16 bits */
	fx_poke(fx, 0x100, (const uint8_t[]){ 0xcd, 0x40 }, 2);
	fx_run(fx, 1);
	assert_int_equal(fx->c->mode, MODE_PROT16);
	assert_int_equal(fx->c->s.gpr[RSP], 0x8000 - 6);
	assert_int_equal(fx_stack(fx, 0, 2), 0x102);
	assert_int_equal(fx_stack(fx, 1, 2), FX_SEL_CODE32);
	fx_free(fx);
}

/* 64-bit: user #PF to CPL 0 through RSP0, aligned to 16, SS null. */
static void test_long64_rsp0_and_alignment(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x48, 0x8b, 0x03);                  /* mov rax, [rbx] */
	fx->c->s.gpr[RBX] = 0x7000000000ull;            /* not mapped */
	fx_poke64(fx, FX_TSS + 4, FX_STACK0_TOP - 8);   /* unaligned RSP0 */
	fx_to_user(fx);
	fx->c->s.gpr[RSP] = 0x7fff8;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_PF, PFEC_U);
	assert_int_equal(fx->c->s.cr2, 0x7000000000ull);
	assert_int_equal(fx->c->cpl, 0);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK0_TOP - 16 - 48);
	assert_int_equal(fx_stack(fx, 0, 8), PFEC_U);
	assert_int_equal(fx_stack(fx, 1, 8), FX_CODE_ADDR);
	assert_int_equal(fx_stack(fx, 2, 8), FX_SEL_UCODE64);
	assert_int_equal(fx_stack(fx, 3, 8), RFLAGS_FIXED | RFLAGS_RF);
	assert_int_equal(fx_stack(fx, 4, 8), 0x7fff8);
	assert_int_equal(fx_stack(fx, 5, 8), FX_SEL_UDATA);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, 0);
	assert_true(fx->c->s.seg[SEG_SS].unusable);
	fx_free(fx);
}

/* 64-bit IST: the stack comes from the TSS even without a CPL change. */
static void test_long64_ist(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	fx_set_gate(fx, EXC_UD, FX_SEL_CODE64, FX_STUB(EXC_UD), 0xe, 0, 2);
	fx_poke64(fx, FX_TSS + 0x24 + 8, 0xa8000);      /* IST2 */
	FX_CODE(fx, 0x0f, 0x0b);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	assert_int_equal(fx->c->s.gpr[RSP], 0xa8000 - 40);
	assert_int_equal(fx_stack(fx, 3, 8), FX_STACK_TOP);
	assert_int_equal(fx_stack(fx, 4, 8), FX_SEL_DATA);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, FX_SEL_DATA);
	fx_free(fx);
}

/* Traps return after the instruction: INT3, INTO, single-step #DB. */
static void test_traps(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0xcc);                              /* int3 */
	fx_run(fx, 1);
	assert_int_equal(fx->c->last_event.vector, EXC_BP);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR + 1);
	assert_false(fx_stack(fx, 2, 4) & RFLAGS_RF);
	fx_free(fx);

	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0xce, 0xce);                        /* into; into */
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	fx->c->s.rflags |= RFLAGS_OF;
	fx_run(fx, 1);
	assert_int_equal(fx->c->last_event.vector, EXC_OF);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR + 2);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x90, 0x90);
	fx->c->s.rflags |= RFLAGS_TF;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 1);
	assert_true(fx->c->s.dr[6] & (1u << 14));
	assert_false(fx->c->s.rflags & RFLAGS_TF);
	fx_free(fx);
}

/* A soft INT through a gate that is not present: #NP(vector*8+2), serial
 * (not #DF: INT n is not an exception). */
static void test_np_gate(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	gate_absent(fx, 0x30);
	FX_CODE(fx, 0xcd, 0x30);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_NP, 0x30 * 8 + 2);
	assert_int_equal(fx_stack(fx, 1, 8), FX_CODE_ADDR);
	fx_free(fx);

	/* A descriptor that is no gate at all: #GP(vector*8+2). */
	fx = fx_new_ok(FX_LONG64);
	fx_poke64(fx, FX_IDT + 16 * 0x30, 0);
	FX_CODE(fx, 0xcd, 0x30);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0x30 * 8 + 2);
	fx_free(fx);
}

/* #GP whose gate is missing: #NP while delivering #GP -> #DF(0). */
static void test_double_fault(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	gate_absent(fx, EXC_GP);
	FX_CODE(fx, 0xcd, 0x80);
	fx_to_user(fx);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_DF, 0);
	assert_int_equal(fx_stack(fx, 0, 8), 0);
	assert_int_equal(fx_stack(fx, 1, 8), FX_CODE_ADDR);
	assert_int_equal(fx->c->cpl, 0);
	fx_free(fx);

	/* #PF while delivering #PF (the kernel stack is not mapped). */
	fx = fx_new_ok(FX_LONG64);
	fx_poke64(fx, FX_TSS + 4, 0x7000000000ull);     /* RSP0 unmapped */
	fx_set_gate(fx, EXC_DF, FX_SEL_CODE64, FX_STUB(EXC_DF), 0xe, 0, 1);
	fx_poke64(fx, FX_TSS + 0x24, 0xa8000);          /* IST1 */
	FX_CODE(fx, 0x48, 0x8b, 0x03);
	fx->c->s.gpr[RBX] = 0x6000000000ull;
	fx_to_user(fx);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_DF, 0);
	assert_int_equal(fx->c->s.cr2, 0x7000000000ull - 8);
	assert_int_equal(fx->c->s.gpr[RSP], 0xa8000 - 48);
	fx_free(fx);

	/* #UD (benign) then #NP: handled serially, no #DF. */
	fx = fx_new_ok(FX_PROT32);
	gate_absent(fx, EXC_UD);
	FX_CODE(fx, 0x0f, 0x0b);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_NP, EXC_UD * 8 + 2 + 1);
	fx_free(fx);
}

static void test_triple_fault(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	fx->c->s.idtr.limit = 0;                        /* nothing deliverable */
	FX_CODE(fx, 0x0f, 0x0b);
	fx_run(fx, 3);
	assert_int_equal(fx->vm.stop, VM_STOP_SHUTDOWN);
	assert_int_equal(fx->vm.exit_status, VM_EXIT_TRIPLE_FAULT);
	assert_non_null(strstr(fx->vm.err, "triple fault at rip 0x20000"));
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR);
	fx_free(fx);
}

static void test_hlt(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xf4, 0x90);
	fx->c->s.rflags |= RFLAGS_IF;
	assert_int_equal(fx_run(fx, 5), RUN_EXIT_HALT);
	assert_int_equal(fx->vm.stop, VM_RUNNING);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 1);
	/* An event wakes it: delivered with the return address after HLT. */
	fx->c->s.ev.interrupt.injected = true;
	fx->c->s.ev.interrupt.vector = 0x41;
	fx_run(fx, 1);
	assert_int_equal(fx_rip_lin(fx), FX_STUB(0x41));
	assert_false(fx->c->s.ev.halted);
	assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 1);
	/* The stub's HLT with IF clear ends the VM. */
	assert_int_equal(fx_run(fx, 5), RUN_EXIT_STOPPED);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);
	fx_free(fx);
}

/* An exception pending in the canonical state (from the other engine) is
 * delivered before the next instruction. */
static void test_pending_exception(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x90);
	struct vcpu_state s;
	sw_engine_ops.store_state(fx->c, &s);
	s.ev.exception.pending = true;
	s.ev.exception.vector = EXC_GP;
	s.ev.exception.has_error_code = true;
	s.ev.exception.error_code = 0x18;
	sw_engine_ops.load_state(fx->c, &s);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0x18);
	assert_int_equal(fx_stack(fx, 0, 8), 0x18);
	assert_int_equal(fx_stack(fx, 1, 8), FX_CODE_ADDR);
	assert_false(fx->c->s.ev.exception.pending);
	fx_free(fx);
}

/* Budget, CPL-change and address stop conditions. */
static void test_run_limits(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x90, 0x90, 0x90, 0xcd, 0x80);
	fx_set_gate(fx, 0x80, FX_SEL_CODE64, FX_STUB(0x80), 0xe, 3, 0);
	assert_int_equal(fx_run(fx, 2), RUN_EXIT_BUDGET);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 2);

	struct run_limits lim = { .stop_at_rip = true, .rip = FX_CODE_ADDR + 2 };
	struct run_exit ex;
	/* Already there when the call begins: it runs on (to the stub's HLT). */
	sw_engine_ops.run(fx->c, &lim, &ex);
	assert_int_equal(ex.reason, RUN_EXIT_STOPPED);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x90, 0x90, 0x90, 0xcd, 0x80);
	fx_set_gate(fx, 0x80, FX_SEL_CODE64, FX_STUB(0x80), 0xe, 3, 0);
	fx_to_user(fx);
	lim = (struct run_limits){ .stop_at_rip = true, .rip = FX_CODE_ADDR + 2 };
	sw_engine_ops.run(fx->c, &lim, &ex);
	assert_int_equal(ex.reason, RUN_EXIT_RIP);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 2);
	lim = (struct run_limits){ .stop_on_cpl_change = true };
	sw_engine_ops.run(fx->c, &lim, &ex);
	assert_int_equal(ex.reason, RUN_EXIT_CPL_CHANGE);
	assert_int_equal(fx_rip_lin(fx), FX_STUB(0x80));   /* before its first insn */
	assert_int_equal(fx->c->cpl, 0);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_mode_ivt),
		cmocka_unit_test(test_prot32_fault_frame),
		cmocka_unit_test(test_prot32_privilege_change),
		cmocka_unit_test(test_prot32_gate16),
		cmocka_unit_test(test_long64_rsp0_and_alignment),
		cmocka_unit_test(test_long64_ist),
		cmocka_unit_test(test_traps),
		cmocka_unit_test(test_np_gate),
		cmocka_unit_test(test_double_fault),
		cmocka_unit_test(test_triple_fault),
		cmocka_unit_test(test_hlt),
		cmocka_unit_test(test_pending_exception),
		cmocka_unit_test(test_run_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
