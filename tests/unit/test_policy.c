/* Built-in policies and rule files as the dispatcher sees them: which
 * engine, which run limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"

static void at_cpl(struct vcpu_state *s, unsigned cpl)
{
	vcpu_state_reset(s);
	s->cr0 |= CR0_PE;
	s->seg[SEG_CS].dpl = (uint8_t)cpl;
	s->seg[SEG_CS].selector = (uint16_t)(0x08 | cpl);
}

static void test_names(void **state)
{
	(void)state;
	struct policy p;
	char err[200];
	assert_int_equal(policy_from_name(&p, "theorem3", err, sizeof(err)), 0);
	assert_int_equal(p.kind, POLICY_THEOREM3);
	assert_int_equal(policy_from_name(&p, "chaos:0x10", err, sizeof(err)), 0);
	assert_int_equal(p.kind, POLICY_CHAOS);
	assert_int_equal(p.seed, 16);
	assert_int_equal(policy_from_name(&p, "chaos:", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad chaos seed"));
	assert_int_equal(policy_from_name(&p, "chaos:-1", err, sizeof(err)), -EINVAL);
	assert_int_equal(policy_from_name(&p, "fast", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown policy 'fast'"));
}

static void test_theorem3(void **state)
{
	(void)state;
	struct policy p;
	struct decision d;
	struct vcpu_state s;
	char err[200];

	assert_int_equal(policy_from_name(&p, "theorem3", err, sizeof(err)), 0);
	vcpu_state_reset(&s);                       /* real mode: CPL 0 */
	policy_decide(&p, &s, NR_ENGINES, RUN_EV_NONE, 0, 0, &d);
	assert_int_equal(d.engine, ENGINE_SW);
	assert_true(d.lim.stop_on_cpl_change);
	for (unsigned cpl = 0; cpl < 3; cpl++) {
		at_cpl(&s, cpl);
		policy_decide(&p, &s, ENGINE_HW, RUN_EV_NONE, 0, 0, &d);
		assert_int_equal(d.engine, ENGINE_SW);
		assert_int_equal(d.why, MIG_KERNEL_ENTRY);
	}
	at_cpl(&s, 3);
	policy_decide(&p, &s, ENGINE_SW, RUN_EV_NONE, 0, 0, &d);
	assert_int_equal(d.engine, ENGINE_HW);
	assert_int_equal(d.why, MIG_TO_USER);
	assert_true(d.trap_entries);
	assert_true(d.lim.report_hlt);
	assert_true(policy_wants_sw_at_entry(&p, &s, RUN_EV_SYSCALL, 1));
}

/* The same seed gives the same decisions; another seed others. */
static void test_chaos_is_seeded(void **state)
{
	(void)state;
	struct policy a, b, c;
	struct decision da, db, dc;
	struct vcpu_state s;
	char err[200];
	unsigned differ = 0, sw = 0;

	assert_int_equal(policy_from_name(&a, "chaos:7", err, sizeof(err)), 0);
	assert_int_equal(policy_from_name(&b, "chaos:7", err, sizeof(err)), 0);
	assert_int_equal(policy_from_name(&c, "chaos:8", err, sizeof(err)), 0);
	at_cpl(&s, 0);
	for (int i = 0; i < 200; i++) {
		policy_decide(&a, &s, ENGINE_SW, RUN_EV_NONE, 0, 1000, &da);
		policy_decide(&b, &s, ENGINE_SW, RUN_EV_NONE, 0, 1000, &db);
		policy_decide(&c, &s, ENGINE_SW, RUN_EV_NONE, 0, 1000, &dc);
		assert_memory_equal(&da, &db, sizeof(da));
		differ += memcmp(&da, &dc, sizeof(da)) != 0;
		sw += da.engine == ENGINE_SW;
		assert_int_equal(da.why, MIG_CHAOS);
		if (da.engine == ENGINE_SW) {
			assert_true(da.lim.max_instructions >= 1 && da.lim.max_instructions <= 1 << 14);
		} else {
			assert_true(da.lim.deadline_ns > 1000 && da.lim.deadline_ns <= 1000 + 200000);
			assert_true(da.lim.stop_on_io);
		}
	}
	assert_true(differ > 100);
	assert_true(sw > 50 && sw < 150);   /* both engines, often */
}

static void test_rule_file(void **state)
{
	(void)state;
	struct policy p;
	struct decision d;
	struct vcpu_state s;
	char err[300], path[] = "/tmp/hvmm-test-policy-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char text[] = "event port 0x70 -> stop\n"
	                    "event syscall 60 -> hw\n"
	                    "cpl 3 rip 0x1000..0x1fff -> sw\n"
	                    "cpl 0 -> audit 2\n";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(policy_from_file(&p, path, err, sizeof(err)), 0);
	unlink(path);

	at_cpl(&s, 3);
	s.rip = 0x1800;
	policy_decide(&p, &s, ENGINE_HW, RUN_EV_NONE, 0, 0, &d);
	assert_int_equal(d.engine, ENGINE_SW);
	assert_int_equal(d.why, MIG_RULE);
	assert_true(d.lim.events & (1u << RUN_EV_PORT));
	assert_true(d.lim.events & (1u << RUN_EV_SYSCALL));
	s.rip = 0x2800;                             /* no rule: theorem3's choice */
	policy_decide(&p, &s, ENGINE_SW, RUN_EV_NONE, 0, 0, &d);
	assert_int_equal(d.engine, ENGINE_HW);
	assert_true(d.trap_entries);
	policy_decide(&p, &s, ENGINE_SW, RUN_EV_PORT, 0x70, 0, &d);
	assert_true(d.stop);
	at_cpl(&s, 0);
	policy_decide(&p, &s, ENGINE_HW, RUN_EV_SYSCALL, 60, 0, &d);
	assert_int_equal(d.engine, ENGINE_HW);
	/* An audit rule sets the level and leaves the vCPU where it is. */
	policy_decide(&p, &s, ENGINE_HW, RUN_EV_NONE, 0, 0, &d);
	assert_int_equal(d.engine, ENGINE_HW);
	assert_int_equal(p.audit_level, 2);
	/* At a kernel entry: system call 60 stays on KVM, others go to sw. */
	at_cpl(&s, 3);
	assert_false(policy_wants_sw_at_entry(&p, &s, RUN_EV_SYSCALL, 60));
	policy_free(&p);

	assert_int_equal(policy_from_file(&p, "/nonexistent/x.pol", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.pol"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_theorem3),
		cmocka_unit_test(test_chaos_is_seeded),
		cmocka_unit_test(test_rule_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
