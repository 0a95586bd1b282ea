/* The interpreter takes timer interrupts on its own: a guest that
 * programs the 8254 and waits in a loop gets IRQ 0 through the 8259,
 * within one run call, without any budget or deadline from a caller.
 * Guards the VM-clock poll in run_loop (swvmm/sw_engine.c): without it a
 * timer programmed during a run never fires until the run ends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <unistd.h>

#include "core/intr.h"
#include "tests/unit/sw_fixture.h"

/* Real mode: unmask IRQ 0, the PIT at about 12 kHz, STI, and a loop. */
static void load_pit_loop(struct sw_fx *fx)
{
	FX_CODE(fx,
	        0xb0, 0xfe, 0xe6, 0x21,     /* mov al,0xfe; out 0x21,al: unmask IRQ 0 */
	        0xb0, 0x34, 0xe6, 0x43,     /* counter 0, lo/hi, mode 2 */
	        0xb0, 0x64, 0xe6, 0x40,     /* reload 100: about 84 us */
	        0xb0, 0x00, 0xe6, 0x40,
	        0xfb,                       /* sti */
	        0xeb, 0xfe);                /* jmp $ */
	fx_sync(fx);
}

static void test_pit_interrupt_within_one_run(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	load_pit_loop(fx);
	/* 50 M instructions are tens of milliseconds: hundreds of periods. */
	assert_int_equal(fx_run(fx, 50000000), RUN_EXIT_STOPPED);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);   /* the stub's HLT, IF clear */
	assert_int_equal(fx->c->last_event.vector, 8); /* the 8259's IRQ 0 vector at reset */
	assert_false(fx->c->last_event.soft);
	assert_int_equal(fx->vm.stats.interrupts_sw, 1);
	fx_free(fx);
}

/* A run call whose budget is spent returns before it takes an interrupt:
 * the acknowledge belongs to the run that delivers it (in either engine;
 * lockstep gives both the same interrupt at the same boundary). */
static void test_spent_budget_takes_no_interrupt(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx,
	        0xb0, 0xfe, 0xe6, 0x21,     /* mov al,0xfe; out 0x21,al: unmask IRQ 0 */
	        0xfb,                       /* sti */
	        0x90, 0x90);                /* nop; nop */
	fx_sync(fx);
	assert_int_equal(fx_run(fx, 3), RUN_EXIT_BUDGET);
	assert_int_equal(pic_set_irq(&fx->vm.pic, 0, true), 0);
	/* The NOP in STI's shadow, then the budget is spent. */
	assert_int_equal(fx_run(fx, 1), RUN_EXIT_BUDGET);
	assert_false(fx->c->s.ev.interrupt.injected);
	assert_true(vm_intr_pending(&fx->vm));
	assert_int_equal(fx->vm.stats.interrupts_sw, 0);
	/* The next run takes and delivers it as its one step. */
	assert_int_equal(fx_run(fx, 1), RUN_EXIT_BUDGET);
	assert_int_equal(fx->vm.stats.interrupts_sw, 1);
	assert_int_equal(fx->c->last_event.vector, 8);
	fx_free(fx);
}

/* Runs too short to reach the periodic clock read (a few instructions
 * each, as a user stretch between system calls under theorem3) still
 * bring the timers up to date: the tick comes. Without it the PIT's
 * deadline went stale, and the dispatcher kept putting off moves to KVM
 * for a timer long past. */
static void test_short_runs_take_timer(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	load_pit_loop(fx);
	assert_int_equal(fx_run(fx, 9), RUN_EXIT_BUDGET);
	for (int i = 0; i < 2000 && !fx->vm.stats.interrupts_sw; i++) {
		fx_run(fx, 2);
		usleep(20);
	}
	assert_int_equal(fx->vm.stats.interrupts_sw, 1);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pit_interrupt_within_one_run),
		cmocka_unit_test(test_spent_budget_takes_no_interrupt),
		cmocka_unit_test(test_short_runs_take_timer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
