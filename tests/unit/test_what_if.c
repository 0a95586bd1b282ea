/* The what-if model (policy/what_if.c, docs/benchmarks.md) on counters
 * fixed here, with the figures worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/kvm.h>
#include <string.h>

#include "policy/what_if.h"

/* A theorem3 run: 2 s interpreting 40 M instructions (30 M of them
 * supervisor), 1 s in 10000 KVM_RUN calls of 50 us round trip each (so
 * 0.5 s native), 9000 of them ending at a kernel entry; 0.3 s of
 * migrations. */
static void run(struct vm_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->sw_instructions = 40000000;
	s->sw_instructions_cpl0 = 30000000;
	s->ns_sw = 2000000000;
	s->ns_hw = 1000000000;
	s->hw_runs = 10000;
	s->kernel_entries = 9000;
	s->pio_accesses = 3000;
	s->mmio_accesses = 500;
	s->hw_exits[KVM_EXIT_IO] = 800;
	s->hw_exits[KVM_EXIT_MMIO] = 200;
	s->interrupts_sw = 100;
	s->mig[MIG_SW_TO_HW][MIG_TO_USER] = (struct mig_stats){ .count = 10000, .ns_total = 200000000 };
	s->mig[MIG_HW_TO_SW][MIG_KERNEL_ENTRY] = (struct mig_stats){ .count = 10000, .ns_total = 100000000 };
}

static const struct what_if_params params = { .hw_ns_per_insn = 0.5, .run_ns = 50000 };

static void test_figures(void **state)
{
	(void)state;
	struct vm_stats s;
	struct what_if w;
	run(&s);
	assert_true(what_if_applies(&s));
	what_if_compute(&s, &params, &w);
	assert_int_equal(w.mig_ns, 300000000);
	assert_int_equal(w.measured_ns, 3300000000ull);
	assert_int_equal(w.native_ns, 500000000);
	/* 0.5 s native at 0.5 ns an instruction, interpreted at 50 ns. */
	assert_int_equal(w.user_hw_insns, 1000000000);
	assert_int_equal(w.sw_ns, 2000000000ull + 50000000000ull);
	/* 1000 runs not ended by an entry, 2500 device accesses and 100
	 * interrupts of the interpreter; 40 M instructions native. */
	assert_int_equal(w.hw_exits, 3600);
	assert_int_equal(w.hw_ns, 500000000 + 3600ull * 50000 + 20000000);
}

/* Only a run that split the guest by CPL has these figures. */
static void test_applies(void **state)
{
	(void)state;
	struct vm_stats s;
	run(&s);
	s.hw_runs_cpl0 = 1;
	assert_false(what_if_applies(&s));
	run(&s);
	s.hw_runs = 0;
	assert_false(what_if_applies(&s));
	run(&s);
	s.sw_instructions_cpl0 = 0;
	assert_false(what_if_applies(&s));
}

/* Unknown native speed: no user instructions are inferred; KVM time
 * below its round trips leaves no native time. */
static void test_edges(void **state)
{
	(void)state;
	struct vm_stats s;
	struct what_if w;
	struct what_if_params p = { .hw_ns_per_insn = 0, .run_ns = 50000 };
	run(&s);
	what_if_compute(&s, &p, &w);
	assert_int_equal(w.user_hw_insns, 0);
	assert_int_equal(w.sw_ns, s.ns_sw);
	assert_int_equal(w.hw_ns, 500000000 + 3600ull * 50000);
	s.ns_hw = 100000;
	what_if_compute(&s, &params, &w);
	assert_int_equal(w.native_ns, 0);
	assert_int_equal(w.sw_ns, s.ns_sw);
	assert_true(what_if_ns_per_insn(2000000) == 0.5);
	assert_true(what_if_ns_per_insn(0) == 0.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_applies),
		cmocka_unit_test(test_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
