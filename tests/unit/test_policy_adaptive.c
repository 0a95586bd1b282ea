/* The adaptive policy against counters the test sets: its costs, its
 * choice for short and long user stretches, what it learns per address
 * space, its budgets, and theorem3's split for supervisor code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "policy/adaptive.h"
#include "policy/policy.h"

/* 50 ns an interpreted instruction; a round trip of 40 us (KVM_RUN) and
 * 5 us each way (migrations): 50 us, the cost of 1000 instructions. */
#define EVEN 1000

struct fix {
	struct policy p;
	struct vm_stats st;
	struct vcpu_state s;
	uint64_t now;
};

static void costs(struct vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->sw_instructions = 100000;
	st->ns_sw = 5000000;
	st->hw_run_ns = 40000;
	st->mig[MIG_SW_TO_HW][MIG_TO_USER] = (struct mig_stats){ .count = 2, .ns_total = 8000 };
	st->mig[MIG_SW_TO_HW][MIG_OTHER] = (struct mig_stats){ .count = 2, .ns_total = 12000 };
	st->mig[MIG_HW_TO_SW][MIG_KERNEL_ENTRY] = (struct mig_stats){ .count = 4, .ns_total = 20000 };
}

static void at_cpl(struct vcpu_state *s, unsigned cpl, uint64_t cr3)
{
	vcpu_state_reset(s);
	s->cr0 |= CR0_PE;
	s->cr3 = cr3;
	s->seg[SEG_CS].dpl = (uint8_t)cpl;
	s->seg[SEG_CS].selector = (uint16_t)(0x08 | cpl);
}

static int setup(void **state)
{
	static struct fix f;
	char err[200];
	memset(&f, 0, sizeof(f));
	if (policy_from_name(&f.p, "adaptive", err, sizeof(err)))
		return -1;
	costs(&f.st);
	f.p.stats = &f.st;
	f.now = 1000000;
	*state = &f;
	return 0;
}

static void decide(struct fix *f, unsigned cpl, uint64_t cr3, enum engine_id cur,
                   struct decision *d)
{
	at_cpl(&f->s, cpl, cr3);
	policy_decide(&f->p, &f->s, cur, RUN_EV_NONE, 0, f->now, d);
}

/* The interpreter runs n instructions at ns each. */
static void interpret(struct fix *f, uint64_t n, uint64_t ns)
{
	f->st.sw_instructions += n;
	f->st.ns_sw += n * ns;
	f->now += n * ns;
}

/* One user stretch of n interpreter instructions on cr3, from the drop
 * to CPL 3 to the kernel entry; returns the engine it started on. */
static enum engine_id short_stretch(struct fix *f, uint64_t cr3, uint64_t n)
{
	struct decision d;
	decide(f, 3, cr3, ENGINE_SW, &d);
	enum engine_id e = d.engine;
	if (e == ENGINE_SW) {
		assert_true(n < d.lim.max_instructions);
		interpret(f, n, 50);
	} else {
		f->now += 45000 + n;   /* migration and KVM_RUN, then n ns of user code */
	}
	decide(f, 0, cr3, e, &d);
	assert_int_equal(d.engine, ENGINE_SW);
	return e;
}

/* The interpreter uses up the budget of decision d. */
static void use_budget(struct fix *f, const struct decision *d)
{
	assert_true(d->lim.max_instructions > 0);
	interpret(f, d->lim.max_instructions, 50);
}

/* A stretch that runs past its interpreter budgets and on KVM for ns. */
static void long_stretch(struct fix *f, uint64_t cr3, uint64_t ns)
{
	struct decision d;
	decide(f, 3, cr3, ENGINE_SW, &d);
	for (int i = 0; d.engine == ENGINE_SW; i++) {
		assert_true(i < 2);   /* a free chunk at most, then a measured budget */
		use_budget(f, &d);
		decide(f, 3, cr3, ENGINE_SW, &d);
	}
	assert_int_equal(d.engine, ENGINE_HW);
	assert_true(d.lim.stop_on_cpl_change);
	f->now += ns;
	decide(f, 0, cr3, ENGINE_HW, &d);
	assert_int_equal(d.engine, ENGINE_SW);
}

static void test_costs(void **state)
{
	(void)state;
	struct vm_stats st;
	costs(&st);
	assert_int_equal(adaptive_sw_ps(&st), 50000);
	assert_int_equal(adaptive_mig_ns(&st, MIG_SW_TO_HW), 5000);
	assert_int_equal(adaptive_mig_ns(&st, MIG_HW_TO_SW), 5000);
	assert_int_equal(adaptive_round_trip_ns(&st), 50000);
	assert_int_equal(adaptive_break_even(&st, adaptive_sw_ps(&st)), EVEN);
	assert_int_equal(adaptive_break_even(&st, 5000), 10 * EVEN);
	/* Nothing interpreted yet: no break-even length. */
	memset(&st, 0, sizeof(st));
	st.hw_run_ns = 40000;
	assert_int_equal(adaptive_sw_ps(&st), 0);
	assert_int_equal(adaptive_mig_ns(&st, MIG_HW_TO_SW), 0);
	assert_int_equal(adaptive_break_even(&st, adaptive_sw_ps(&st)), 0);
}

/* A new address space starts in the interpreter, budgeted to the
 * break-even length; short stretches keep it there. */
static void test_short_stays_sw(void **state)
{
	struct fix *f = *state;
	struct decision d;
	decide(f, 3, 0x5000, ENGINE_SW, &d);
	assert_int_equal(d.engine, ENGINE_SW);
	assert_int_equal(d.lim.max_instructions, EVEN);
	assert_true(d.lim.stop_on_cpl_change);
	f->st.sw_instructions += 20;
	decide(f, 0, 0x5000, ENGINE_SW, &d);
	for (int i = 0; i < 50; i++)
		assert_int_equal(short_stretch(f, 0x5000, 20), ENGINE_SW);
	assert_int_equal(f->p.adaptive.slot[f->p.adaptive.at].len, 20);
}

/* After a short measured stretch the next one on a short address space
 * starts a free chunk: no stop at CPL changes, eight break-even lengths;
 * the stretch after it is measured again. */
static void test_free_chunks(void **state)
{
	struct fix *f = *state;
	struct decision d;
	assert_int_equal(short_stretch(f, 0x5000, 20), ENGINE_SW);
	decide(f, 3, 0x5000, ENGINE_SW, &d);
	assert_int_equal(d.engine, ENGINE_SW);
	assert_false(d.lim.stop_on_cpl_change);
	assert_int_equal(d.lim.max_instructions, 8 * EVEN);
	/* It ends in the kernel: theorem3's limits there. */
	use_budget(f, &d);
	decide(f, 0, 0x5000, ENGINE_SW, &d);
	assert_int_equal(d.engine, ENGINE_SW);
	assert_true(d.lim.stop_on_cpl_change);
	assert_int_equal(d.lim.max_instructions, 0);
	decide(f, 3, 0x5000, ENGINE_SW, &d);
	assert_true(d.lim.stop_on_cpl_change);
	assert_int_equal(d.lim.max_instructions, EVEN);
	f->st.sw_instructions += 20;
	decide(f, 0, 0x5000, ENGINE_SW, &d);
	/* A chunk that ends in a long address space's user code hands it
	 * to KVM. */
	long_stretch(f, 0x7000, 10000000);
	assert_int_equal(short_stretch(f, 0x5000, 20), ENGINE_SW);
	decide(f, 3, 0x5000, ENGINE_SW, &d);
	assert_false(d.lim.stop_on_cpl_change);
	use_budget(f, &d);
	decide(f, 3, 0x7000, ENGINE_SW, &d);
	assert_int_equal(d.engine, ENGINE_HW);
}

/* The break-even length follows the interpreter's speed on user code
 * once enough of it is measured, not its mean over the run (which cold
 * kernel code can slow): here 500 ns an instruction over the run, 50 on
 * user stretches. */
static void test_user_speed(void **state)
{
	struct fix *f = *state;
	struct decision d;
	f->st.ns_sw *= 10;
	assert_int_equal(adaptive_user_ps(&f->p.adaptive, &f->st), 500000);
	uint64_t budget = 0;
	for (int i = 0; i < 400 && budget != EVEN; i++) {
		decide(f, 3, 0x5000, ENGINE_SW, &d);
		assert_int_equal(d.engine, ENGINE_SW);
		if (d.lim.stop_on_cpl_change) {
			budget = d.lim.max_instructions;
			interpret(f, 90, 50);
		} else {
			interpret(f, d.lim.max_instructions, 50);
		}
		decide(f, 0, 0x5000, ENGINE_SW, &d);
	}
	assert_int_equal(budget, EVEN);
	assert_int_equal(adaptive_user_ps(&f->p.adaptive, &f->st), 50000);
	assert_true(f->p.adaptive.user_insns >= ADAPTIVE_USER_SAMPLE);
}

/* A stretch that outruns its budget moves to KVM at once, and the next
 * one on that address space starts there. */
static void test_long_goes_hw(void **state)
{
	struct fix *f = *state;
	struct decision d;
	long_stretch(f, 0x7000, 10000000);
	decide(f, 3, 0x7000, ENGINE_SW, &d);
	assert_int_equal(d.engine, ENGINE_HW);
	assert_int_equal(d.why, MIG_TO_USER);
	assert_int_equal(d.lim.max_instructions, 0);
	assert_true(d.lim.stop_on_cpl_change);
	/* A run call that returns at CPL 3 keeps the stretch on KVM. */
	f->now += 1000;
	decide(f, 3, 0x7000, ENGINE_HW, &d);
	assert_int_equal(d.engine, ENGINE_HW);
}

/* Each address space has its own mean; PCID bits do not split one. */
static void test_per_cr3(void **state)
{
	struct fix *f = *state;
	struct decision d;
	long_stretch(f, 0x7000, 10000000);
	for (int i = 0; i < 5; i++)
		assert_int_equal(short_stretch(f, 0x9000, 30), ENGINE_SW);
	decide(f, 3, 0x7000 | 0x5, ENGINE_SW, &d);
	assert_int_equal(d.engine, ENGINE_HW);
	f->now += 10000000;
	decide(f, 0, 0x7000, ENGINE_HW, &d);
	decide(f, 3, 0x9000, ENGINE_SW, &d);
	assert_int_equal(d.engine, ENGINE_SW);
}

/* An address space whose stretches turn short on KVM is brought back
 * to the interpreter, and one whose stretches turn long goes to KVM. */
static void test_estimate_follows(void **state)
{
	struct fix *f = *state;
	long_stretch(f, 0x7000, 10000000);
	int n = 0;
	while (short_stretch(f, 0x7000, 200) == ENGINE_HW)
		assert_true(++n < 40);
	assert_true(n > 2);   /* a mean, not the last stretch alone */
	long_stretch(f, 0x7000, 10000000);
	assert_int_equal(short_stretch(f, 0x7000, 200), ENGINE_HW);
}

/* Whatever it learned, supervisor code (CPL 0-2, real mode) is never
 * sent to KVM: the decision there is theorem3's. */
static void test_never_hw_in_supervisor(void **state)
{
	struct fix *f = *state;
	struct policy t3;
	struct decision d, want;
	char err[200];
	assert_int_equal(policy_from_name(&t3, "theorem3", err, sizeof(err)), 0);
	long_stretch(f, 0x7000, 10000000);
	for (unsigned cpl = 0; cpl < 3; cpl++)
		for (int cur = 0; cur <= NR_ENGINES; cur++) {
			for (int open = 0; open < 2; open++) {
				if (open) {   /* a long stretch under way on KVM */
					decide(f, 3, 0x7000, ENGINE_SW, &d);
					assert_int_equal(d.engine, ENGINE_HW);
					f->now += 10000000;
				}
				decide(f, cpl, 0x7000, (enum engine_id)cur, &d);
				policy_decide(&t3, &f->s, (enum engine_id)cur, RUN_EV_NONE, 0, 0, &want);
				assert_int_equal(d.engine, ENGINE_SW);
				assert_memory_equal(&d, &want, sizeof(d));
			}
		}
	vcpu_state_reset(&f->s);   /* real mode */
	policy_decide(&f->p, &f->s, ENGINE_HW, RUN_EV_NONE, 0, f->now, &d);
	assert_int_equal(d.engine, ENGINE_SW);
	at_cpl(&f->s, 3, 0x7000);
	assert_true(policy_wants_sw_at_entry(&f->p, &f->s, RUN_EV_SYSCALL, 1));
}

/* Without counters (no dispatcher) or before any cost is known it is
 * theorem3. */
static void test_unknown_costs(void **state)
{
	struct fix *f = *state;
	struct decision d;
	f->p.stats = NULL;
	decide(f, 3, 0x5000, ENGINE_SW, &d);
	assert_int_equal(d.engine, ENGINE_HW);
	memset(&f->st, 0, sizeof(f->st));
	f->p.stats = &f->st;
	decide(f, 3, 0x5000, ENGINE_SW, &d);
	assert_int_equal(d.engine, ENGINE_HW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_costs),
		cmocka_unit_test_setup(test_short_stays_sw, setup),
		cmocka_unit_test_setup(test_free_chunks, setup),
		cmocka_unit_test_setup(test_user_speed, setup),
		cmocka_unit_test_setup(test_long_goes_hw, setup),
		cmocka_unit_test_setup(test_per_cr3, setup),
		cmocka_unit_test_setup(test_estimate_follows, setup),
		cmocka_unit_test_setup(test_never_hw_in_supervisor, setup),
		cmocka_unit_test_setup(test_unknown_costs, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
