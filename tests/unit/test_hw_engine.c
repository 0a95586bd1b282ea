/* The KVM engine on a real /dev/kvm: tiny guests exercising port I/O
 * (string forms too), MMIO, the budget in port/MMIO exits, HLT, triple
 * fault (and the state before it), a stop from another thread, and state
 * moved in and out by ioctl. Every test is skipped where /dev/kvm cannot be opened; run
 * them under tests/harness/kvm-run. */
#define _GNU_SOURCE /* pipe2 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "core/vm.h"
#include "hwvmm/hw_engine.h"

#define CODE16 0x10000u       /* real-mode code at 1000:0000 */
#define CODE32 0x100000u      /* flat 32-bit code */

struct hwt {
	struct vm vm;
	void *ctx;
	int serial[2];            /* guest serial output: read end, write end */
};

static bool kvm_usable(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int setup(void **state)
{
	struct hwt *t = calloc(1, sizeof(*t));
	if (!t || pipe2(t->serial, O_NONBLOCK | O_CLOEXEC))
		return -1;
	struct vm_config cfg = {
		.ram_size = 2 << 20, .serial_out_fd = t->serial[1], .serial_in_fd = -1,
	};
	if (vm_init(&t->vm, &cfg))
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct hwt *t = *state;
	if (t->ctx)
		hw_engine_ops.destroy(t->ctx);
	vm_destroy(&t->vm);
	close(t->serial[0]);
	close(t->serial[1]);
	free(t);
	return 0;
}

/* Create the engine over a guest whose code is at gpa; skips without KVM. */
static struct hwt *start(void **state, uint32_t gpa, const void *code, size_t len)
{
	struct hwt *t = *state;
	if (!kvm_usable())
		skip();
	assert_int_equal(gmem_load(&t->vm.mem, gpa, code, len), 0);
	int r = hw_engine_ops.create(&t->vm, &t->ctx);
	if (r)
		fail_msg("create: %s", t->vm.err);
	return t;
}

static void load(struct hwt *t)
{
	if (hw_engine_ops.load_state(t->ctx, &t->vm.vcpu))
		fail_msg("load_state: %s", t->vm.err);
}

static void store(struct hwt *t)
{
	if (hw_engine_ops.store_state(t->ctx, &t->vm.vcpu))
		fail_msg("store_state: %s", t->vm.err);
}

static enum run_exit_reason run_lim(struct hwt *t, const struct run_limits *lim)
{
	struct run_exit ex = { 0 };
	if (hw_engine_ops.run(t->ctx, lim, &ex))
		fail_msg("run: %s", t->vm.err);
	return ex.reason;
}

static enum run_exit_reason run(struct hwt *t)
{
	return run_lim(t, &(struct run_limits){ 0 });
}

static void assert_serial(struct hwt *t, const char *want)
{
	char buf[64] = "";
	ssize_t n = read(t->serial[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	assert_string_equal(buf, want);
}

static void test_out_and_halt(void **state)
{
	static const uint8_t code[] = {
		0xba, 0xf8, 0x03,       /* mov dx, 0x3f8 */
		0xb0, 'H', 0xee,        /* mov al, 'H'; out dx, al */
		0xb0, 'i', 0xee,        /* mov al, 'i'; out dx, al */
		0xf4,                   /* hlt (IF=0) */
	};
	struct hwt *t = start(state, CODE16, code, sizeof(code));
	vcpu_state_set_real_mode(&t->vm.vcpu, CODE16 >> 4, 0);
	load(t);
	assert_int_equal(run(t), RUN_EXIT_STOPPED);
	assert_int_equal(t->vm.stop, VM_STOP_HALT);
	assert_int_equal(t->vm.exit_status, VM_EXIT_OK);
	assert_serial(t, "Hi");
	store(t);
	assert_int_equal(t->vm.vcpu.rip, sizeof(code));
	assert_true(t->vm.vcpu.ev.halted);
	assert_int_equal(t->vm.stats.hw_exits[KVM_EXIT_IO], 2);
	assert_int_equal(t->vm.stats.hw_exits[KVM_EXIT_HLT], 1);
	assert_int_equal(t->vm.stats.pio_accesses, 2);
	assert_true(t->vm.stats.hw_ioctls >= t->vm.stats.hw_runs);
	assert_true(t->vm.stats.ns_hw > 0);
}

static void test_string_io(void **state)
{
	static const uint8_t code[] = {
		0xbe, 0x00, 0x01,       /* mov si, 0x100 */
		0xb9, 0x05, 0x00,       /* mov cx, 5 */
		0xba, 0xf8, 0x03,       /* mov dx, 0x3f8 */
		0xfc,                   /* cld */
		0xf3, 0x6e,             /* rep outsb */
		0xf4,                   /* hlt */
	};
	struct hwt *t = start(state, CODE16, code, sizeof(code));
	assert_int_equal(gmem_load(&t->vm.mem, CODE16 + 0x100, "hello", 5), 0);
	vcpu_state_set_real_mode(&t->vm.vcpu, CODE16 >> 4, 0);
	load(t);
	assert_int_equal(run(t), RUN_EXIT_STOPPED);
	assert_int_equal(t->vm.stop, VM_STOP_HALT);
	assert_serial(t, "hello");
	store(t);
	assert_int_equal(t->vm.vcpu.gpr[RCX] & 0xffff, 0);
	assert_int_equal(t->vm.vcpu.gpr[RSI] & 0xffff, 0x105);
}

/* A stop in the middle of an I/O exit: store_state must first let KVM
 * finish the instruction (IN's result in AL, RIP past the OUT). */
static void test_io_completion(void **state)
{
	static const uint8_t code[] = {
		0xba, 0x00, 0x03,       /* mov dx, 0x300 (nobody there) */
		0xec,                   /* in al, dx */
		0x88, 0xc3,             /* mov bl, al */
		0xb0, 0x03,             /* mov al, 3 */
		0xe6, 0xf4,             /* out 0xf4, al: debug exit */
		0xf4,                   /* hlt, never reached */
	};
	struct hwt *t = start(state, CODE16, code, sizeof(code));
	vcpu_state_set_real_mode(&t->vm.vcpu, CODE16 >> 4, 0);
	load(t);
	assert_int_equal(run(t), RUN_EXIT_STOPPED);
	assert_int_equal(t->vm.stop, VM_STOP_DEBUG_EXIT);
	assert_int_equal(t->vm.exit_status, 7);
	store(t);
	assert_int_equal(t->vm.vcpu.gpr[RBX] & 0xff, 0xff);
	assert_int_equal(t->vm.vcpu.rip, 10);
}

static void test_mmio_hole_reads_ones(void **state)
{
	static const uint8_t code[] = {
		0xa1, 0x00, 0x00, 0x00, 0xd0,   /* mov eax, [0xd0000000] */
		0xf4,                           /* hlt */
	};
	struct hwt *t = start(state, CODE32, code, sizeof(code));
	vcpu_state_set_flat32(&t->vm.vcpu, CODE32);
	load(t);
	assert_int_equal(run(t), RUN_EXIT_STOPPED);
	assert_int_equal(t->vm.stop, VM_STOP_HALT);
	store(t);
	assert_int_equal(t->vm.vcpu.gpr[RAX] & 0xffffffff, 0xffffffff);
	assert_int_equal(t->vm.stats.mmio_accesses, 1);
	assert_int_equal(t->vm.vcpu.rip, CODE32 + sizeof(code));
}

/* max_io_exits: the run ends at the Nth port or MMIO exit, MMIO counted
 * as port I/O is, with the instruction that made it complete. */
static void test_io_exit_budget(void **state)
{
	static const uint8_t code[] = {
		0xba, 0xf8, 0x03, 0x00, 0x00,   /* mov edx, 0x3f8 */
		0xb0, 'a', 0xee,                /* mov al, 'a'; out dx, al: exit 1 */
		0xa1, 0x00, 0x00, 0x00, 0xd0,   /* mov eax, [0xd0000000]: exit 2 */
		0xb0, 'b', 0xee,                /* mov al, 'b'; out dx, al: exit 3 */
		0xb0, 'c', 0xee,                /* mov al, 'c'; out dx, al */
		0xf4,                           /* hlt (IF=0) */
	};
	struct hwt *t = start(state, CODE32, code, sizeof(code));
	vcpu_state_set_flat32(&t->vm.vcpu, CODE32);
	load(t);
	assert_int_equal(run_lim(t, &(struct run_limits){ .max_io_exits = 3 }), RUN_EXIT_BUDGET);
	assert_serial(t, "ab");
	store(t);
	assert_int_equal(t->vm.vcpu.rip, CODE32 + 16);
	assert_int_equal(t->vm.stats.hw_exits[KVM_EXIT_IO], 2);
	assert_int_equal(t->vm.stats.hw_exits[KVM_EXIT_MMIO], 1);
	load(t);
	assert_int_equal(run(t), RUN_EXIT_STOPPED);
	assert_int_equal(t->vm.stop, VM_STOP_HALT);
	assert_serial(t, "c");
}

/* A port write, then int3 with an empty IDT. KVM's state after the
 * shutdown is the reset vector's on AMD; the engine's entry state is the
 * one the last KVM_RUN began with, after the port exit: on the OUT (whose
 * completion that run made) or past it, as KVM versions differ. */
static void test_triple_fault(void **state)
{
	static const uint8_t code[] = {
		0xb0, 0x41,             /* mov al, 'A' */
		0xba, 0xf8, 0x03,       /* mov dx, 0x3f8 */
		0xee,                   /* out dx, al */
		0xcd, 0x03,             /* int3 */
	};
	struct hwt *t = start(state, CODE16, code, sizeof(code));
	vcpu_state_set_real_mode(&t->vm.vcpu, CODE16 >> 4, 0);
	t->vm.vcpu.idtr.limit = 0;
	load(t);
	assert_int_equal(run(t), RUN_EXIT_STOPPED);
	assert_int_equal(t->vm.stop, VM_STOP_SHUTDOWN);
	assert_int_equal(t->vm.exit_status, VM_EXIT_TRIPLE_FAULT);
	assert_non_null(strstr(t->vm.err, "triple fault (KVM_EXIT_SHUTDOWN)"));
	struct vcpu_state s;
	assert_int_equal(hw_engine_ops.entry_state(t->ctx, &s), 0);
	assert_int_equal(s.seg[SEG_CS].selector, CODE16 >> 4);
	assert_true(s.rip == 5 || s.rip == 6);
	assert_int_equal(s.idtr.limit, 0);
	assert_int_equal(s.gpr[RAX] & 0xff, 0x41);
	assert_serial(t, "A");
}

static void *stop_later(void *opaque)
{
	struct vm *vm = opaque;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	vm_stop_async(vm, VM_STOP_SIGNAL, VM_EXIT_SIGNAL, "SIGTERM");
	return NULL;
}

/* A stop asked for by another thread (a signal, --timeout) ends a
 * KVM_RUN that would never exit by itself: the engine's kick. The guest
 * spins with IF set: nothing interrupts it, and Bochs's VMX (the VMX
 * harness) would never leave a guest spinning with IF clear, hanging the
 * whole harness (tests/suite/hw-deviations.md, WAITS_ON_KVM). The spin
 * with IF clear is run-cases.sh hw's hw-timeout and hw-sigterm. */
static void test_stop_from_thread(void **state)
{
	static const uint8_t code[] = { 0xfb, 0xeb, 0xfe };   /* sti; jmp $ */
	struct hwt *t = start(state, CODE16, code, sizeof(code));
	vcpu_state_set_real_mode(&t->vm.vcpu, CODE16 >> 4, 0);
	load(t);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, stop_later, &t->vm), 0);
	assert_int_equal(run(t), RUN_EXIT_STOPPED);
	pthread_join(th, NULL);
	assert_int_equal(t->vm.stop, VM_STOP_SIGNAL);
	assert_int_equal(t->vm.exit_status, VM_EXIT_SIGNAL);
	assert_string_equal(t->vm.err, "SIGTERM");
	store(t);
	assert_int_equal(t->vm.vcpu.rip, 1);
}

/* HLT with IF set waits: run returns HALT without entering KVM again
 * until the loaded state brings something that wakes the vCPU. */
static void test_halt_waits(void **state)
{
	static const uint8_t code[] = { 0xfb, 0xf4, 0xf4 };  /* sti; hlt; hlt */
	struct hwt *t = start(state, CODE16, code, sizeof(code));
	vcpu_state_set_real_mode(&t->vm.vcpu, CODE16 >> 4, 0);
	load(t);
	assert_int_equal(run(t), RUN_EXIT_HALT);
	uint64_t runs = t->vm.stats.hw_runs;
	assert_int_equal(run(t), RUN_EXIT_HALT);
	assert_int_equal(t->vm.stats.hw_runs, runs);
	store(t);
	assert_true(t->vm.vcpu.ev.halted);
	assert_int_equal(t->vm.vcpu.rip, 2);

	/* With IF cleared nothing can wake it: the VM is over. */
	t->vm.vcpu.rflags &= ~RFLAGS_IF;
	load(t);
	assert_int_equal(run(t), RUN_EXIT_STOPPED);
	assert_int_equal(t->vm.stop, VM_STOP_HALT);
}

/* What load_state puts, store_state reads back through KVM. */
static void test_state_through_kvm(void **state)
{
	static const uint8_t code[] = { 0xf4 };   /* hlt */
	struct hwt *t = start(state, CODE16, code, sizeof(code));
	struct vcpu_state *s = &t->vm.vcpu;
	vcpu_state_set_real_mode(s, CODE16 >> 4, 0);
	for (int i = 0; i < NR_GPRS; i++)
		s->gpr[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
	s->gpr[RSP] = 0xfff0;
	s->msr.lstar = 0xffffffff81e00000ull;
	s->msr.star = 0x0023001000000000ull;
	s->msr.cstar = 0xffffffff81e00100ull;
	s->msr.sfmask = 0x47700;
	s->msr.kernel_gs_base = 0x7f0000aa0000ull;
	s->msr.sysenter_cs = 0x10;
	s->msr.sysenter_esp = 0x8000;
	s->msr.sysenter_eip = 0x9000;
	s->dr[0] = 0x1000;
	s->dr[3] = 0x4000;
	s->dr[7] = 0x400 | (1u << 1);
	s->cr2 = 0xdead000;
	for (int b = 0; b < 16; b++)
		s->fx.xmm[5][b] = (uint8_t)(0x40 + b);
	s->fx.fcw = 0x27f;
	struct vcpu_state want = *s;

	load(t);
	assert_int_equal(run(t), RUN_EXIT_STOPPED);
	store(t);
	want.rip = 1;
	want.ev.halted = true;
	want.tsc = s->tsc;   /* the TSC ran on */
	assert_int_equal(vcpu_state_diff(&want, s, stderr), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_out_and_halt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_string_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_hole_reads_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_exit_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_triple_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_from_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_halt_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_through_kvm, setup, teardown),
	};
	return cmocka_run_group_tests_name("hw_engine", tests, NULL, NULL);
}
