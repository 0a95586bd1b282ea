/* Built-in policies and rule files as the dispatcher sees them: which
 * engine, which run limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/dispatch.h"
#include "policy/policy.h"
#include "vm_fixture.h"

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
	assert_string_equal(p.ops->name, "theorem3");
	assert_int_equal(policy_from_name(&p, "chaos:0x10", err, sizeof(err)), 0);
	assert_string_equal(p.ops->name, "chaos");
	assert_int_equal(p.seed, 16);
	assert_int_equal(policy_from_name(&p, "chaos:", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad chaos seed"));
	assert_int_equal(policy_from_name(&p, "chaos:-1", err, sizeof(err)), -EINVAL);
	assert_int_equal(policy_from_name(&p, "fast", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown policy 'fast'"));
}

/* Every built-in is found by its name, as policy_from_name and as
 * policy_from_spec, and is the table's entry. */
static void test_builtin_table(void **state)
{
	(void)state;
	struct policy p;
	char err[300], spec[64];
	unsigned n = 0;

	for (const struct policy_ops *o; (o = policy_builtin(n)); n++) {
		snprintf(spec, sizeof(spec), "%s%s", o->name, o->arg ? ":7" : "");
		assert_int_equal(policy_from_name(&p, spec, err, sizeof(err)), 0);
		assert_ptr_equal(p.ops, o);
		assert_string_equal(p.name, spec);
		policy_free(&p);
		assert_int_equal(policy_from_spec(&p, spec, err, sizeof(err)), 0);
		assert_ptr_equal(p.ops, o);
		policy_free(&p);
	}
	assert_int_equal(n, 6);
	assert_string_equal(policy_builtin(0)->name, "sw");
	assert_string_equal(policy_builtin(1)->name, "hw");
	assert_string_equal(policy_builtin(2)->name, "theorem3");
	assert_string_equal(policy_builtin(3)->name, "chaos");
	assert_string_equal(policy_builtin(3)->arg, "SEED");
	assert_string_equal(policy_builtin(4)->name, "adaptive");
	assert_string_equal(policy_builtin(5)->name, "lockstep");
	assert_string_equal(policy_builtin(5)->arg, "STEPS");
	assert_true(policy_builtin(5)->arg_optional);
	assert_null(policy_builtin(6));
}

/* lockstep alone compares every step, lockstep:N the first N; it runs
 * everything on KVM and has a loop of its own. */
static void test_lockstep_steps(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "0", "x", "-3", "5x" };
	struct policy p;
	char err[300], spec[64];

	assert_int_equal(policy_from_name(&p, "lockstep", err, sizeof(err)), 0);
	assert_int_equal(p.steps, 0);
	assert_true(policy_needs_native(&p));
	assert_true(policy_uses(&p, ENGINE_HW) && policy_uses(&p, ENGINE_SW));
	assert_non_null(p.ops->loop);
	assert_int_equal(policy_from_spec(&p, "lockstep:2500", err, sizeof(err)), 0);
	assert_int_equal(p.steps, 2500);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(spec, sizeof(spec), "lockstep:%s", bad[i]);
		assert_int_equal(policy_from_name(&p, spec, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "bad lockstep step count"));
	}
}

static void test_chaos_seed_errors(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "x1", "1x", "-1", "0x", "99999999999999999999" };
	struct policy p;
	char err[300], spec[64], want[80];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(spec, sizeof(spec), "chaos:%s", bad[i]);
		snprintf(want, sizeof(want), "--policy: bad chaos seed '%s' (expected a number", bad[i]);
		err[0] = '\0';
		assert_int_equal(policy_from_name(&p, spec, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, want));
		err[0] = '\0';
		assert_int_equal(policy_from_spec(&p, spec, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, want));
	}
	assert_int_equal(policy_from_name(&p, "chaos:18446744073709551615", err, sizeof(err)), 0);
	assert_true(p.seed == UINT64_MAX);
	assert_int_equal(policy_from_name(&p, "chaos:012", err, sizeof(err)), 0);
	assert_int_equal(p.seed, 10);   /* strtoull base 0, as before */
	/* The name alone, or with another separator, is no built-in. */
	assert_int_equal(policy_from_name(&p, "chaos", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown policy 'chaos'"));
	assert_int_equal(policy_from_name(&p, "chaos=1", err, sizeof(err)), -EINVAL);
	assert_int_equal(policy_from_name(&p, "sw:1", err, sizeof(err)), -EINVAL);
	assert_int_equal(policy_from_name(&p, "SW", err, sizeof(err)), -EINVAL);
}

/* The messages for an unknown name list every built-in, as written on
 * the command line. */
static void test_unknown_lists_builtins(void **state)
{
	(void)state;
	struct policy p;
	char err[300];

	assert_int_equal(policy_from_name(&p, "fast", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--policy: unknown policy 'fast' (expected sw, hw, theorem3, "
			    "chaos:SEED, adaptive, lockstep[:STEPS] or a file)");
	assert_int_equal(policy_from_spec(&p, "/nonexistent/fast", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--policy: '/nonexistent/fast' is neither a built-in policy "
			    "(sw, hw, theorem3, chaos:SEED, adaptive, lockstep[:STEPS]) nor a file");
	for (unsigned i = 0; policy_builtin(i); i++) {
		char word[64];
		const struct policy_ops *o = policy_builtin(i);
		snprintf(word, sizeof(word), "%s%s%s%s", o->name,
			 o->arg ? (o->arg_optional ? "[:" : ":") : "", o->arg ? o->arg : "",
			 o->arg_optional ? "]" : "");
		assert_non_null(strstr(err, word));
	}
}

/* A policy file holding text, at path (a mkstemp template). */
static void write_policy(char *path, const char *text)
{
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

/* policy_from_spec: a name that is no built-in but a file is a policy
 * file; a file's errors are its own. */
static void test_spec_file(void **state)
{
	(void)state;
	struct policy p;
	char err[300], path[] = "/tmp/hvmm-test-spec-XXXXXX";
	write_policy(path, "-> sw\n");
	assert_int_equal(policy_from_spec(&p, path, err, sizeof(err)), 0);
	assert_string_equal(p.ops->name, "file");
	assert_int_equal(pol_rules_count(p.rules), 1);
	policy_free(&p);
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "cpl 4 -> sw\n", 12), 12);
	close(fd);
	assert_int_equal(policy_from_spec(&p, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":1:5: CPL 4 is out of range 0..3"));
	policy_free(&p);
	unlink(path);
}

static void test_uses_and_native(void **state)
{
	(void)state;
	static const struct {
		const char *spec;
		bool hw, sw, native;
	} want[] = {
		{ "sw", false, true, false },
		{ "hw", true, false, true },
		{ "theorem3", true, true, false },
		{ "chaos:3", true, true, false },
		{ "adaptive", true, true, false },
	};
	struct policy p;
	char err[300], path[] = "/tmp/hvmm-test-uses-XXXXXX";

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(policy_from_spec(&p, want[i].spec, err, sizeof(err)), 0);
		assert_int_equal(policy_uses(&p, ENGINE_HW), want[i].hw);
		assert_int_equal(policy_uses(&p, ENGINE_SW), want[i].sw);
		assert_int_equal(policy_needs_native(&p), want[i].native);
		policy_free(&p);
	}
	/* A policy file makes no engine up front, even one that names hw. */
	write_policy(path, "-> hw\n");
	assert_int_equal(policy_from_spec(&p, path, err, sizeof(err)), 0);
	unlink(path);
	assert_false(policy_uses(&p, ENGINE_HW));
	assert_false(policy_uses(&p, ENGINE_SW));
	assert_false(policy_needs_native(&p));
	policy_free(&p);
}

/* dispatch_init makes the engines policy_uses names: the interpreter
 * alone for sw; for a policy file none that needs KVM. */
static void test_dispatch_engines(void **state)
{
	struct vm *vm = *state;
	struct dispatcher d;
	struct policy p;
	char err[300], path[] = "/tmp/hvmm-test-init-XXXXXX";

	assert_int_equal(policy_from_spec(&p, "sw", err, sizeof(err)), 0);
	assert_int_equal(dispatch_init(&d, vm, &p), 0);
	assert_non_null(d.ctx[ENGINE_SW]);
	assert_null(d.ctx[ENGINE_HW]);
	dispatch_fini(&d);
	policy_free(&p);

	write_policy(path, "-> hw\n");
	assert_int_equal(policy_from_spec(&p, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(dispatch_init(&d, vm, &p), 0);
	assert_null(d.ctx[ENGINE_SW]);
	/* KVM's engine only where there is a KVM (its probe and clock count
	 * from the first instruction); none needed. */
	if (access("/dev/kvm", R_OK | W_OK))
		assert_null(d.ctx[ENGINE_HW]);
	dispatch_fini(&d);
	policy_free(&p);
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
	assert_true(d.lim.stop_on_cpl_change);
	assert_true(policy_wants_sw_at_entry(&p, &s, RUN_EV_SYSCALL, 1));
}

/* A chaos decision's limits: a budget in instructions in the
 * interpreter, in guest-made exits on KVM; never a time. */
static void check_chaos_limits(const struct decision *d, unsigned cpl)
{
	assert_int_equal(d->why, MIG_CHAOS);
	assert_int_equal(d->lim.deadline_ns, 0);
	if (d->engine == ENGINE_SW) {
		assert_true(d->lim.max_instructions >= 1 && d->lim.max_instructions <= 1 << 14);
		assert_int_equal(d->lim.max_io_exits, 0);
	} else {
		assert_true(d->lim.max_io_exits >= 1 && d->lim.max_io_exits <= 1 << 6);
		assert_false(d->lim.stop_on_io);
		assert_true(!d->lim.stop_on_cpl_change || cpl == 3);
	}
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
		check_chaos_limits(&da, 0);
	}
	assert_true(differ > 100);
	assert_true(sw > 50 && sw < 150);   /* both engines, often */
}

/* One query of a scripted run: states at every CPL, both engines
 * holding the vCPU, every kind of event. */
static void chaos_query(unsigned i, struct vcpu_state *s, enum engine_id *cur,
                        enum run_event *ev)
{
	at_cpl(s, (i * 7) % 4);
	s->rip = 0x1000 + 16 * i;
	*cur = i % 3 ? ENGINE_HW : ENGINE_SW;
	*ev = (enum run_event)(i % NR_RUN_EVENTS);
}

/* Chaos decides from the seed and the queries alone: two runs asked the
 * same (state, event) sequence at different VM-clock times get the same
 * decisions, none of which stops at a time. */
static void test_chaos_ignores_time(void **state)
{
	(void)state;
	struct policy a, b;
	struct decision da, db;
	struct vcpu_state s;
	enum engine_id cur;
	enum run_event ev;
	char err[200];
	unsigned entries = 0;

	assert_int_equal(policy_from_name(&a, "chaos:11", err, sizeof(err)), 0);
	assert_int_equal(policy_from_name(&b, "chaos:11", err, sizeof(err)), 0);
	for (unsigned i = 0; i < 400; i++) {
		chaos_query(i, &s, &cur, &ev);
		policy_decide(&a, &s, cur, ev, i, 1000, &da);
		policy_decide(&b, &s, cur, ev, i, 5000000000ull + 7919ull * i * i, &db);
		assert_memory_equal(&da, &db, sizeof(da));
		check_chaos_limits(&da, vcpu_cpl(&s));
		entries += da.engine == ENGINE_HW && da.lim.stop_on_cpl_change;
	}
	assert_true(entries > 10);   /* KVM stops at kernel entries too */
}

static void test_rule_file(void **state)
{
	(void)state;
	struct policy p;
	struct decision d;
	struct vcpu_state s;
	char err[300], path[] = "/tmp/hvmm-test-policy-XXXXXX";
	write_policy(path, "event port 0x70 -> stop\n"
	                   "event syscall 60 -> hw\n"
	                   "cpl 3 rip 0x1000..0x1fff -> sw\n"
	                   "cpl 0 -> audit 2\n");
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
	assert_true(d.lim.stop_on_cpl_change);
	policy_decide(&p, &s, ENGINE_SW, RUN_EV_PORT, 0x70, 0, &d);
	assert_true(d.stop);
	at_cpl(&s, 0);
	policy_decide(&p, &s, ENGINE_HW, RUN_EV_SYSCALL, 60, 0, &d);
	assert_int_equal(d.engine, ENGINE_HW);
	/* An audit rule sets the level and does not decide: no rule after
	 * it holds, so theorem3's choice stands (the kernel in the
	 * interpreter, not left on KVM where it was). */
	policy_decide(&p, &s, ENGINE_HW, RUN_EV_NONE, 0, 0, &d);
	assert_int_equal(d.engine, ENGINE_SW);
	assert_true(d.audit);
	assert_int_equal(d.audit_level, 2);
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
		cmocka_unit_test(test_builtin_table),
		cmocka_unit_test(test_chaos_seed_errors),
		cmocka_unit_test(test_unknown_lists_builtins),
		cmocka_unit_test(test_lockstep_steps),
		cmocka_unit_test(test_spec_file),
		cmocka_unit_test(test_uses_and_native),
		cmocka_unit_test_setup_teardown(test_dispatch_engines, setup_vm, teardown_vm),
		cmocka_unit_test(test_theorem3),
		cmocka_unit_test(test_chaos_is_seeded),
		cmocka_unit_test(test_chaos_ignores_time),
		cmocka_unit_test(test_rule_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
