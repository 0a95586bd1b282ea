/* The dispatcher driven by a scripted KVM engine, without KVM: what it
 * does with a host whose KVM cannot run every state natively, with a
 * kernel entry the host could not make (replayed in the interpreter), with
 * the instruction limit, a stop from another thread, and a triple fault
 * on KVM (found again in the interpreter). The interpreter is the real
 * one. */
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

#include "core/vm.h"
#include "policy/dispatch.h"

#define CODE 0x1000

/* The scripted engine: holds the state it is given, answers the native
 * questions as set, and returns the scripted exit from each run. */
struct fake {
	struct vm *vm;
	struct vcpu_state s;
	bool native, all;
	struct run_exit exit;        /* what every run returns */
	bool shutdown;               /* ... or every run triple-faults */
	struct vcpu_state entry;     /* the state the last run began with */
	unsigned runs;
	struct run_limits last_lim;
};

static int fake_create(struct vm *vm, void **ctx)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->vm = vm;
	f->native = f->all = true;
	*ctx = f;
	return 0;
}

/* A host like PVM: runs the test's state natively, not everything. */
static int limited_create(struct vm *vm, void **ctx)
{
	int r = fake_create(vm, ctx);
	((struct fake *)*ctx)->all = false;
	return r;
}

static void fake_destroy(void *ctx)
{
	free(ctx);
}

static int fake_load(void *ctx, const struct vcpu_state *s)
{
	((struct fake *)ctx)->s = *s;
	return 0;
}

static int fake_store(void *ctx, struct vcpu_state *s)
{
	*s = ((struct fake *)ctx)->s;
	return 0;
}

static int fake_run(void *ctx, const struct run_limits *lim, struct run_exit *out)
{
	struct fake *f = ctx;
	f->last_lim = *lim;
	f->entry = f->s;
	if (f->shutdown) {
		f->runs++;
		f->s.rip = 0xfff0;
		vm_fail(f->vm, -EIO, "triple fault (KVM_EXIT_SHUTDOWN)");
		vm_request_stop(f->vm, VM_STOP_SHUTDOWN, VM_EXIT_TRIPLE_FAULT);
		out->reason = RUN_EXIT_STOPPED;
		return 0;
	}
	if (++f->runs > 3) {
		/* A loop that never leaves this engine: end it. */
		vm_request_stop(f->vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
		out->reason = RUN_EXIT_STOPPED;
		return 0;
	}
	*out = f->exit;
	return 0;
}

static bool fake_runs_natively(void *ctx, const struct vcpu_state *s)
{
	(void)s;
	return ((struct fake *)ctx)->native;
}

static bool fake_runs_all(void *ctx, char *why, size_t len)
{
	if (why)
		snprintf(why, len, "the fake KVM runs only 64-bit mode, CPL 3 natively");
	return ((struct fake *)ctx)->all;
}

/* A KVM whose every run triple-faults and, as on AMD, leaves the vCPU at
 * the reset vector; it entered the guest with the state it was given. */
static int shutdown_create(struct vm *vm, void **ctx)
{
	int r = fake_create(vm, ctx);
	((struct fake *)*ctx)->shutdown = true;
	return r;
}

static int fake_entry_state(void *ctx, struct vcpu_state *s)
{
	*s = ((struct fake *)ctx)->entry;
	return 0;
}

/* The scripted engine with its create function. */
#define FAKE_OPS(create_fn) {                                                  \
	.name = "fake-hw", .create = create_fn, .destroy = fake_destroy,        \
	.load_state = fake_load, .store_state = fake_store, .run = fake_run,    \
	.peek_state = fake_store, .runs_natively = fake_runs_natively,          \
	.runs_all = fake_runs_all, .entry_state = fake_entry_state,             \
}
/* A host without KVM: every try fails as the real engine does, and is
 * counted. */
static unsigned absent_tries;
static int absent_create(struct vm *vm, void **ctx)
{
	(void)ctx;
	absent_tries++;
	return vm_fail(vm, -ENODEV, "KVM unavailable: /dev/kvm: No such file or directory");
}

static const struct engine_ops fake_ops = FAKE_OPS(fake_create);
static const struct engine_ops absent_ops = FAKE_OPS(absent_create);
static const struct engine_ops limited_ops = FAKE_OPS(limited_create);
static const struct engine_ops shutdown_ops = FAKE_OPS(shutdown_create);

static const struct engine_ops *const ops[NR_ENGINES] = { [ENGINE_HW] = &fake_ops };
static const struct engine_ops *const limited[NR_ENGINES] = { [ENGINE_HW] = &limited_ops };
static const struct engine_ops *const absent[NR_ENGINES] = { [ENGINE_HW] = &absent_ops };
static const struct engine_ops *const shutdown[NR_ENGINES] = { [ENGINE_HW] = &shutdown_ops };

struct t {
	struct vm vm;
	struct policy pol;
	struct dispatcher d;
};

/* 32-bit flat protected mode at CPL 3 with IOPL 3, on OUT 0xf4, AL (the
 * debug-exit port: the VM ends with status 1). */
static int setup(void **state)
{
	struct t *t = test_calloc(1, sizeof(*t));
	struct vm_config cfg = { .ram_size = 1 << 20, .serial_out_fd = -1, .serial_in_fd = -1 };
	if (vm_init(&t->vm, &cfg))
		return -1;
	struct vcpu_state *s = &t->vm.vcpu;
	vcpu_state_set_flat32(s, CODE);
	for (int i = 0; i < NR_SREGS; i++) {
		s->seg[i].dpl = 3;
		s->seg[i].selector |= 3;
	}
	s->rflags |= RFLAGS_IOPL;
	s->gpr[RAX] = 0;
	uint8_t code[] = { 0xe6, 0xf4 };
	assert_int_equal(gmem_load(&t->vm.mem, CODE, code, sizeof(code)), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	dispatch_fini(&t->d);
	policy_free(&t->pol);
	vm_destroy(&t->vm);
	test_free(t);
	return 0;
}

static struct fake *start_on(struct t *t, const char *policy,
                             const struct engine_ops *const with[NR_ENGINES])
{
	char err[200];
	assert_int_equal(policy_from_name(&t->pol, policy, err, sizeof(err)), 0);
	assert_int_equal(dispatch_init_ops(&t->d, &t->vm, &t->pol, with), 0);
	return t->d.ctx[ENGINE_HW];
}

static struct fake *start(struct t *t, const char *policy)
{
	return start_on(t, policy, ops);
}

static void ends_on_debug_exit(struct t *t)
{
	assert_int_equal(dispatch_loop(&t->d), 0);
	assert_int_equal(t->vm.stop, VM_STOP_DEBUG_EXIT);
	assert_int_equal(t->vm.exit_status, 1);
}

/* theorem3 picks KVM at CPL 3; a host that would only emulate this state
 * gets nothing: the interpreter runs it, and it is counted. */
static void test_not_native_stays_in_interpreter(void **state)
{
	struct t *t = *state;
	struct fake *f = start(t, "theorem3");
	f->native = f->all = false;
	ends_on_debug_exit(t);
	assert_int_equal(f->runs, 0);
	assert_true(t->vm.stats.hw_not_native >= 1);
	assert_int_equal(t->vm.stats.sw_instructions, 1);
}

/* ... and where the host runs it, KVM does. */
static void test_native_goes_to_kvm(void **state)
{
	struct t *t = *state;
	struct fake *f = start(t, "theorem3");
	f->exit = (struct run_exit){ .reason = RUN_EXIT_BUDGET };
	assert_int_equal(dispatch_loop(&t->d), 0);
	assert_true(f->runs > 0);
	assert_int_equal(t->vm.stats.hw_not_native, 0);
}

/* On a limited host every run on KVM stops at kernel entries, whatever
 * the policy asked: the host cannot run the kernel. */
static void test_limited_host_stops_on_entries(void **state)
{
	struct t *t = *state;
	uint8_t loop[] = { 0xeb, 0xfe };       /* jmp $: chaos moves it back and forth */
	assert_int_equal(gmem_load(&t->vm.mem, CODE, loop, sizeof(loop)), 0);
	struct fake *f = start_on(t, "chaos:3", limited);
	f->exit = (struct run_exit){ .reason = RUN_EXIT_BUDGET };
	assert_int_equal(dispatch_loop(&t->d), 0);
	assert_int_equal(f->runs, 4);
	assert_true(f->last_lim.stop_on_cpl_change);
}

/* A kernel entry KVM could not make comes back at CPL 3 on the entering
 * instruction: the interpreter executes exactly that one, here the OUT. */
static void test_replay_runs_one_instruction(void **state)
{
	struct t *t = *state;
	struct fake *f = start(t, "theorem3");
	f->exit = (struct run_exit){ .reason = RUN_EXIT_CPL_CHANGE, .entry = true, .replay = true,
	                             .event = RUN_EV_SYSCALL };
	ends_on_debug_exit(t);
	assert_int_equal(f->runs, 1);
	assert_int_equal(t->vm.stats.sw_instructions, 1);
	assert_int_equal(t->vm.stats.mig[MIG_HW_TO_SW][MIG_KERNEL_ENTRY].count, 1);
}

/* theorem3 in the interpreter at CPL 3 with a timer due within a round
 * trip: the move to KVM is put off and the interpreter runs the user
 * code (here the OUT that ends the VM); with the timer further off than
 * a round trip, KVM runs it. */
static void timer_in(struct t *t, struct fake **f, uint64_t timer_ns, uint64_t round_trip_ns)
{
	*f = start(t, "theorem3");
	(*f)->exit = (struct run_exit){ .reason = RUN_EXIT_BUDGET };
	assert_int_equal(dispatch_migrate(&t->d, ENGINE_SW, MIG_OTHER), 0);
	t->vm.stats.hw_run_ns = round_trip_ns;
	t->vm.pit.deadline_ns = vclock_now_ns(&t->vm.clock) + timer_ns;
	assert_int_equal(dispatch_loop(&t->d), 0);
}

static void test_user_move_put_off_for_timer(void **state)
{
	struct t *t = *state;
	struct fake *f;
	timer_in(t, &f, 1000000000ull, 10000000000ull);
	assert_int_equal(t->vm.stop, VM_STOP_DEBUG_EXIT);
	assert_int_equal(f->runs, 0);
	assert_int_equal(t->vm.stats.mig_deferred, 1);
	assert_int_equal(t->vm.stats.sw_instructions, 1);
}

static void test_user_move_with_timer_far(void **state)
{
	struct t *t = *state;
	struct fake *f;
	timer_in(t, &f, 100000000000ull, 10000000000ull);
	assert_true(f->runs > 0);
	assert_int_equal(t->vm.stats.mig_deferred, 0);
}

/* --policy=hw on a limited host: refused before the guest runs, the
 * host's limit named. */
static void test_hw_policy_refused(void **state)
{
	struct t *t = *state;
	char err[200];
	assert_int_equal(policy_from_name(&t->pol, "hw", err, sizeof(err)), 0);
	assert_int_equal(dispatch_init_ops(&t->d, &t->vm, &t->pol, limited), -EOPNOTSUPP);
	assert_non_null(strstr(t->vm.err, "--policy=hw: the fake KVM runs only 64-bit mode"));
	assert_null(t->d.ctx[ENGINE_HW]);
	/* theorem3 on the same host is fine. */
	policy_free(&t->pol);
	assert_non_null(start_on(t, "theorem3", limited));
}

/* Before the sandbox: the interpreter, which a KVM policy falls back
 * to, is made up front; nothing is left to create once the filter is in
 * place. */
static void test_prepare_makes_interpreter(void **state)
{
	struct t *t = *state;
	start(t, "hw");
	assert_null(t->d.ctx[ENGINE_SW]);
	assert_int_equal(dispatch_prepare(&t->d), 0);
	assert_non_null(t->d.ctx[ENGINE_SW]);
	assert_non_null(t->d.ctx[ENGINE_HW]);
}

/* A policy file on a host without KVM: KVM is tried once, before the
 * guest runs; a rule that chooses it later gets the same failure without
 * a second try (which would open /dev/kvm inside the sandbox). */
static void test_kvm_tried_once(void **state)
{
	struct t *t = *state;
	char path[] = "/tmp/hvmm-test-dispatch-XXXXXX", err[200];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char rules[] = "cpl 0..2 -> sw\ncpl 3 -> hw\n";
	assert_int_equal(write(fd, rules, sizeof(rules) - 1), (ssize_t)sizeof(rules) - 1);
	close(fd);
	int r = policy_from_file(&t->pol, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(r, 0);
	absent_tries = 0;
	assert_int_equal(dispatch_init_ops(&t->d, &t->vm, &t->pol, absent), 0);
	assert_int_equal(absent_tries, 1);
	assert_int_equal(dispatch_prepare(&t->d), 0);
	assert_int_equal(dispatch_loop(&t->d), -ENODEV);
	assert_int_equal(absent_tries, 1);
	assert_string_equal(t->vm.err, "KVM unavailable: /dev/kvm: No such file or directory");
}

/* cfg.max_instructions: the interpreter stops exactly there, whatever
 * budget the policy gave its runs. */
static void test_instruction_limit(void **state)
{
	struct t *t = *state;
	uint8_t loop[] = { 0xeb, 0xfe };       /* jmp $ */
	assert_int_equal(gmem_load(&t->vm.mem, CODE, loop, sizeof(loop)), 0);
	t->vm.cfg.max_instructions = 100000;
	start(t, "sw");
	assert_int_equal(dispatch_loop(&t->d), 0);
	assert_int_equal(t->vm.stop, VM_STOP_LIMIT);
	assert_int_equal(t->vm.exit_status, VM_EXIT_LIMIT);
	assert_int_equal(t->vm.stats.sw_instructions, 100000);
	assert_int_equal(t->vm.vcpu.rip, CODE);
	assert_string_equal(t->vm.engine, "sw");
}

/* A stop asked for by another thread ends the loop before the next run. */
static void test_async_stop_ends_loop(void **state)
{
	struct t *t = *state;
	struct fake *f = start(t, "hw");
	f->exit = (struct run_exit){ .reason = RUN_EXIT_BUDGET };
	vm_stop_async(&t->vm, VM_STOP_SIGNAL, VM_EXIT_SIGNAL, "SIGTERM");
	assert_int_equal(dispatch_loop(&t->d), 0);
	assert_int_equal(f->runs, 0);
	assert_int_equal(t->vm.stop, VM_STOP_SIGNAL);
	assert_string_equal(t->vm.err, "SIGTERM");
}

/* A triple fault on KVM, which left the vCPU reset: the interpreter runs
 * the guest again from KVM's last entry, reaching no device, and the
 * report is its fault, where KVM's state said 0xfff0. The replay is not
 * counted. */
static void test_shutdown_replayed(void **state)
{
	struct t *t = *state;
	uint8_t ud2[] = { 0x0f, 0x0b };
	assert_int_equal(gmem_load(&t->vm.mem, CODE, ud2, sizeof(ud2)), 0);
	t->vm.vcpu.idtr.limit = 0;             /* nothing deliverable */
	start_on(t, "hw", shutdown);
	assert_int_equal(dispatch_loop(&t->d), 0);
	assert_int_equal(t->vm.vcpu.rip, 0xfff0);
	dispatch_explain_shutdown(&t->d);
	assert_int_equal(t->vm.stop, VM_STOP_SHUTDOWN);
	assert_int_equal(t->vm.exit_status, VM_EXIT_TRIPLE_FAULT);
	assert_int_equal(t->vm.vcpu.rip, CODE);
	assert_non_null(strstr(t->vm.err, "triple fault at rip 0x1000 (vector 13 while delivering "
	                       "#DF) on KVM, found by running its last entry again in the "
	                       "interpreter"));
	assert_int_equal(t->vm.stats.sw_instructions, 0);
	assert_string_equal(t->vm.engine, "fake-hw");
}

/* A replay that goes another way than KVM did (it reaches a device after
 * its first instruction: KVM's run made no exit) gives the state KVM
 * last entered the guest with; the device is never reached (here the
 * debug-exit port, which would end the VM with status 1). */
static void test_shutdown_replay_diverges(void **state)
{
	struct t *t = *state;
	uint8_t code[] = { 0x90, 0xe6, 0xf4 };   /* nop; out 0xf4, al */
	assert_int_equal(gmem_load(&t->vm.mem, CODE, code, sizeof(code)), 0);
	start_on(t, "hw", shutdown);
	assert_int_equal(dispatch_loop(&t->d), 0);
	dispatch_explain_shutdown(&t->d);
	assert_int_equal(t->vm.stop, VM_STOP_SHUTDOWN);
	assert_int_equal(t->vm.exit_status, VM_EXIT_TRIPLE_FAULT);
	assert_int_equal(t->vm.vcpu.rip, CODE);
	assert_string_equal(t->vm.err, "triple fault (KVM_EXIT_SHUTDOWN) after KVM last entered "
	                    "the guest at rip 0x1000 (run again from there, the interpreter "
	                    "reached a device)");
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_not_native_stays_in_interpreter), T(test_native_goes_to_kvm),
		T(test_limited_host_stops_on_entries), T(test_replay_runs_one_instruction),
		T(test_hw_policy_refused), T(test_user_move_put_off_for_timer),
		T(test_user_move_with_timer_far), T(test_prepare_makes_interpreter),
		T(test_kvm_tried_once), T(test_instruction_limit), T(test_async_stop_ends_loop),
		T(test_shutdown_replayed), T(test_shutdown_replay_diverges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
