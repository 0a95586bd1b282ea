/* Lockstep without KVM: the judge, the recorded deviations, the memory
 * shadow and the device log, and the whole loop with a second
 * interpreter standing in for KVM, one that can be made to go wrong at
 * a chosen instruction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/io_log.h"
#include "core/vm.h"
#include "policy/dispatch.h"
#include "policy/lockstep.h"
#include "swvmm/sw_engine.h"

#define CODE 0x1000
#define DATA 0x2000

/* ---- the judge ---- */

/* A step's three states (all flat 32-bit at CODE to begin with), the
 * report and the deviation the judge names. */
struct jt {
	struct vcpu_state b, sw, hw;
	char out[2048];
	unsigned dev;
	struct ls_step st;
};

static void jt_init(struct jt *j)
{
	memset(j, 0, sizeof(*j));
	vcpu_state_set_flat32(&j->b, CODE);
	j->sw = j->hw = j->b;
	j->dev = 99;
}

/* The step of j's states with this instruction. */
static struct ls_step *step_of(struct jt *j, const char *disasm)
{
	j->st = (struct ls_step){ .n = 7, .before = &j->b, .sw = &j->sw, .hw = &j->hw,
	                          .sw_exception = -1, .hw_reached = true };
	snprintf(j->st.insn.disasm, sizeof(j->st.insn.disasm), "%s", disasm);
	snprintf(j->st.insn.hex, sizeof(j->st.insn.hex), "01c8");
	return &j->st;
}

static enum ls_verdict judge(struct jt *j)
{
	FILE *f = fmemopen(j->out, sizeof(j->out), "w");
	assert_non_null(f);
	enum ls_verdict v = ls_judge(&j->st, &j->dev, f);
	fclose(f);
	return v;
}

static void test_same_and_tsc_ignored(void **state)
{
	(void)state;
	struct jt j;
	jt_init(&j);
	j.hw.tsc += 12345;   /* read at another moment: never compared */
	j.hw.ev.interrupt.vector = 0x80;   /* KVM's last, none injected */
	j.hw.ev.exception.vector = 14;
	step_of(&j, "add eax, ecx");
	assert_int_equal(judge(&j), LS_SAME);
	assert_string_equal(j.out, "");
	j.hw.ev.interrupt.injected = true;
	assert_int_equal(judge(&j), LS_DIVERGED);
}

/* A register that differs is a divergence, reported with the
 * instruction, the field and both values. */
static void test_divergence_reported(void **state)
{
	(void)state;
	struct jt j;
	jt_init(&j);
	j.sw.gpr[RAX] = 3;
	j.hw.gpr[RAX] = 4;
	struct ls_step *st = step_of(&j, "add eax, ecx");
	assert_int_equal(judge(&j), LS_DIVERGED);
	assert_non_null(strstr(j.out, "differ at step 7, rip 0x1000"));
	assert_non_null(strstr(j.out, "instruction: 01c8  add eax, ecx"));
	assert_non_null(strstr(j.out, "  rax: sw 0x3, hw 0x4\n"));
	assert_string_equal(st->fields, "rax");
}

/* RDTSC's registers are skipped by name; anything else on it is not. */
static void test_tsc_deviation(void **state)
{
	(void)state;
	struct jt j;
	jt_init(&j);
	j.hw.gpr[RAX] = 0x1234;
	j.hw.gpr[RDX] = 0x5;
	step_of(&j, "rdtsc");
	assert_int_equal(judge(&j), LS_SKIPPED);
	assert_string_equal(ls_deviation(j.dev)->name, "tsc");
	j.hw.gpr[RBX] = 1;
	step_of(&j, "rdtsc");
	assert_int_equal(judge(&j), LS_DIVERGED);
}

/* Flags the SDM leaves undefined are skipped; defined ones are not. */
static void test_undefined_flags(void **state)
{
	(void)state;
	struct jt j;
	jt_init(&j);
	j.hw.rflags |= RFLAGS_AF | RFLAGS_SF;
	step_of(&j, "mul ecx");
	assert_int_equal(judge(&j), LS_SKIPPED);
	assert_string_equal(ls_deviation(j.dev)->name, "undefined-flags");
	j.hw.rflags |= RFLAGS_CF;
	step_of(&j, "mul ecx");
	assert_int_equal(judge(&j), LS_DIVERGED);
	assert_non_null(strstr(j.out, "rflags: sw 0x2, hw 0x"));
}

/* A TCG deviation of the suite: #GP in the interpreter, none on KVM,
 * outside 64-bit mode; the same in 64-bit mode is a divergence. */
static void test_segment_check_deviation(void **state)
{
	(void)state;
	struct jt j;
	jt_init(&j);
	j.sw.rip = 0x5000;
	j.hw.rip = 0x1007;
	struct ls_step *st = step_of(&j, "mov eax, dword ptr es:[0]");
	st->sw_exception = 13;
	st->hw_reached = false;
	assert_int_equal(judge(&j), LS_SKIPPED);
	assert_string_equal(ls_deviation(j.dev)->name, "tcg-segment-checks");
	struct vcpu_state b64 = j.b;
	vcpu_state_set_long64(&b64, CODE, 0x3000, 8, 16);
	st->before = &b64;
	assert_int_equal(judge(&j), LS_DIVERGED);
	assert_non_null(strstr(j.out, "KVM did not stop at the interpreter's next instruction"));
}

/* A null selector's hidden attributes become KVM's in the interpreter's
 * result; a usable register's, or a null one's base, do not. */
static void test_null_selector(void **state)
{
	(void)state;
	struct jt j;
	jt_init(&j);
	j.sw.seg[SEG_SS].selector = j.hw.seg[SEG_SS].selector = 0;
	j.sw.seg[SEG_SS].unusable = j.hw.seg[SEG_SS].unusable = 1;
	j.hw.seg[SEG_SS].db = 0;
	j.hw.ldtr.present = 0;
	j.hw.rflags |= RFLAGS_AF;
	assert_true(ls_null_selectors(&j.sw, &j.hw));
	assert_true(seg_cache_equal(&j.sw.seg[SEG_SS], &j.hw.seg[SEG_SS]));
	assert_true(seg_cache_equal(&j.sw.ldtr, &j.hw.ldtr));
	/* What is left is judged on its own: AF after SAR is undefined. */
	step_of(&j, "sar rsi, 4");
	assert_int_equal(judge(&j), LS_SKIPPED);
	assert_string_equal(ls_deviation(j.dev)->name, "undefined-flags");
	j.hw.seg[SEG_DS].selector = j.sw.seg[SEG_DS].selector = 0;
	j.hw.seg[SEG_DS].base = 0x1000;
	j.hw.seg[SEG_FS].limit = 0;
	assert_false(ls_null_selectors(&j.sw, &j.hw));
	assert_int_not_equal(j.sw.seg[SEG_DS].base, 0x1000);
	assert_int_not_equal(j.sw.seg[SEG_FS].limit, 0);
}

/* Device accesses that differ are never excused. */
static void test_device_mismatch(void **state)
{
	(void)state;
	struct jt j;
	jt_init(&j);
	j.hw.gpr[RAX] = 1;
	struct ls_step *st = step_of(&j, "rdtsc");
	st->io_why = "port write at 0x3f8: the interpreter wrote 0x41, KVM 0x42";
	assert_int_equal(judge(&j), LS_DIVERGED);
	assert_non_null(strstr(j.out, "devices: port write at 0x3f8"));
}

static void test_summary(void **state)
{
	(void)state;
	uint64_t skips[LS_MAX_DEVIATIONS] = { 0 };
	char out[256] = "";
	FILE *f = fmemopen(out, sizeof(out), "w");
	ls_summary(10, skips, f);
	fclose(f);
	assert_string_equal(out, "lockstep: 10 steps compared, 0 skipped\n");
	skips[ls_deviation_index("tsc")] = 2;
	skips[ls_deviation_index("vm-stop")] = 1;
	f = fmemopen(out, sizeof(out), "w");
	ls_summary(10, skips, f);
	fclose(f);
	assert_string_equal(out, "lockstep: 10 steps compared, 3 skipped (vm-stop: 1, tsc: 2)\n");
}

static void test_field_lists(void **state)
{
	(void)state;
	assert_true(ls_field_in("fx.st0", "rax,fx."));
	assert_true(ls_field_in("rax", "rax,fx."));
	assert_false(ls_field_in("rax", "ra,fx"));
	assert_false(ls_field_in("rflags", "rax,rdx"));
}

/* ---- memory and devices ---- */

struct mem_t {
	struct guest_mem gm;
	struct ls_mem m;
};

static uint8_t *page(struct mem_t *t, uint64_t gpa)
{
	return gmem_ptr(&t->gm, gpa, 4096);
}

/* The interpreter's bytes are taken back before KVM runs; a page KVM
 * wrote differently is caught, and the first byte named. */
static void test_memory_compare(void **state)
{
	(void)state;
	struct mem_t t;
	assert_int_equal(gmem_init(&t.gm, 1 << 20), 0);
	page(&t, DATA)[0] = 0x11;
	assert_int_equal(ls_mem_init(&t.m, &t.gm), 0);
	/* The interpreter writes 0x22 at DATA+5. */
	page(&t, DATA)[5] = 0x22;
	ls_pages_add(&t.m.sw, DATA + 5);
	assert_int_equal(ls_mem_take_sw(&t.m), 0);
	assert_int_equal(page(&t, DATA)[5], 0);
	assert_int_equal(page(&t, DATA)[0], 0x11);
	/* KVM writes 0x23 there. */
	page(&t, DATA)[5] = 0x23;
	ls_pages_add(&t.m.hw, DATA);
	char buf[200];
	bool top;
	ls_mem_compare(&t.m, DATA + 4, buf, sizeof(buf), &top);
	assert_non_null(strstr(buf, "memory at 0x2005"));
	assert_non_null(strstr(buf, "sw 22"));
	assert_non_null(strstr(buf, "hw 23"));
	assert_true(top);
	ls_mem_compare(&t.m, DATA + 0x100, buf, sizeof(buf), &top);
	assert_false(top);
	/* The same bytes: nothing to report. */
	page(&t, DATA)[5] = 0x22;
	ls_mem_compare(&t.m, DATA, buf, sizeof(buf), &top);
	assert_string_equal(buf, "");
	ls_mem_fini(&t.m);
	gmem_destroy(&t.gm);
}

static void count_page(void *opaque, uint64_t gpa)
{
	(void)gpa;
	(*(unsigned *)opaque)++;
}

/* KVM's single-step TF in a saved RFLAGS image (an odd byte, bit 0) is
 * mended; the same bit in an even byte (an error code's EXT) is not. */
static void test_mend_tf(void **state)
{
	(void)state;
	struct mem_t t;
	assert_int_equal(gmem_init(&t.gm, 1 << 20), 0);
	assert_int_equal(ls_mem_init(&t.m, &t.gm), 0);
	page(&t, DATA)[0x11] = 0x01;   /* RFLAGS image byte 1 with TF */
	page(&t, DATA)[0x10] = 0x01;   /* an error code with EXT */
	ls_pages_add(&t.m.hw, DATA);
	assert_int_equal(ls_mem_mend_tf(&t.m, DATA + 8), 1);
	assert_int_equal(page(&t, DATA)[0x11], 0);
	assert_int_equal(page(&t, DATA)[0x10], 0x01);
	unsigned n = 0;
	ls_mem_commit(&t.m, false, count_page, &n);
	assert_int_equal(n, 1);
	ls_mem_fini(&t.m);
	gmem_destroy(&t.gm);
}

/* A fault's frame with RF only in the interpreter's RFLAGS image is TCG's
 * (tcg-fault-rf); RF elsewhere, another bit, or a register that differs
 * too is a divergence. */
static void test_fault_rf(void **state)
{
	(void)state;
	struct mem_t t;
	assert_int_equal(gmem_init(&t.gm, 1 << 20), 0);
	assert_int_equal(ls_mem_init(&t.m, &t.gm), 0);
	/* The interpreter's frame at DATA+0x100: error code, RIP, CS, RFLAGS
	 * (0x10002: RF) ... */
	page(&t, DATA)[0x118] = 0x02;
	page(&t, DATA)[0x11a] = 0x01;
	ls_pages_add(&t.m.sw, DATA + 0x118);
	assert_int_equal(ls_mem_take_sw(&t.m), 0);
	/* ... KVM's without RF. */
	page(&t, DATA)[0x118] = 0x02;
	ls_pages_add(&t.m.hw, DATA);
	assert_true(ls_mem_only_rf(&t.m, DATA + 0x100));
	assert_false(ls_mem_only_rf(&t.m, DATA + 0x101));   /* not byte 2 of a slot */
	page(&t, DATA)[0x119] = 0x01;                       /* TF differs too */
	assert_false(ls_mem_only_rf(&t.m, DATA + 0x100));
	page(&t, DATA)[0x119] = 0;

	struct jt j;
	jt_init(&j);
	struct ls_step *st = step_of(&j, "mov dword ptr [esi], ecx");
	st->sw_exception = 14;
	snprintf(st->mem, sizeof(st->mem), "memory at 0x211a");
	st->mem_only_rf = true;
	assert_int_equal(judge(&j), LS_SKIPPED);
	assert_string_equal(ls_deviation(j.dev)->name, "tcg-fault-rf");
	st->sw_exception = 3;                               /* a trap: no RF */
	assert_int_equal(judge(&j), LS_DIVERGED);

	/* SYSCALL in 64-bit mode: KVM's RFLAGS without the arithmetic flags. */
	jt_init(&j);
	vcpu_state_set_long64(&j.b, CODE, 0x3000, 8, 16);
	j.sw = j.hw = j.b;
	j.sw.rflags = 0x93;
	j.hw.rflags = 0x2;
	st = step_of(&j, "syscall");
	assert_int_equal(judge(&j), LS_SKIPPED);
	assert_string_equal(ls_deviation(j.dev)->name, "tcg-syscall-flags");
	j.hw.rflags = 0x3;                                  /* CF kept, AF and SF lost */
	assert_int_equal(judge(&j), LS_DIVERGED);
	ls_mem_fini(&t.m);
	gmem_destroy(&t.gm);
}

static int device(void *opaque, uint64_t off, void *data, unsigned len, bool is_write)
{
	unsigned *device_calls = opaque;
	(void)off;
	(*device_calls)++;
	if (!is_write)
		memset(data, 0x5a, len);
	return 0;
}

/* Recorded once, replayed without reaching the device; a write of
 * another value, another port and an access left over are mismatches. */
static void test_io_log(void **state)
{
	(void)state;
	struct io_bus bus;
	struct io_log log = { 0 };
	uint8_t v = 0x41, r = 0;
	unsigned device_calls = 0;
	bus_init(&bus);
	assert_int_equal(bus_register(&bus, BUS_PIO, 0x3f8, 8, device, &device_calls, "uart"), 0);
	bus.log = &log;
	io_log_start(&log, IO_LOG_RECORD);
	bus_access(&bus, BUS_PIO, 0x3f8, &v, 1, true);
	bus_access(&bus, BUS_PIO, 0x3fd, &r, 1, false);
	assert_int_equal(device_calls, 2);
	io_log_replay(&log);
	r = 0;
	bus_access(&bus, BUS_PIO, 0x3f8, &v, 1, true);
	bus_access(&bus, BUS_PIO, 0x3fd, &r, 1, false);
	io_log_finish(&log);
	assert_int_equal(device_calls, 2);
	assert_int_equal(r, 0x5a);
	assert_false(log.diverged);
	io_log_replay(&log);
	v = 0x42;
	bus_access(&bus, BUS_PIO, 0x3f8, &v, 1, true);
	assert_true(log.diverged);
	assert_non_null(strstr(log.why, "the interpreter wrote 0x41, KVM 0x42"));
	io_log_replay(&log);
	bus_access(&bus, BUS_PIO, 0x3f9, &v, 1, true);
	assert_true(log.diverged);
	io_log_replay(&log);
	v = 0x41;
	bus_access(&bus, BUS_PIO, 0x3f8, &v, 1, true);
	io_log_finish(&log);
	assert_true(log.diverged);
	assert_non_null(strstr(log.why, "that KVM did not"));
	io_log_free(&log);
}

/* ---- the loop, with a second interpreter as KVM ---- */

/* What the stand-in for KVM does wrong, after the instruction at `at`. */
enum bug { BUG_NONE, BUG_RAX, BUG_MEM, BUG_AF, BUG_LATE };

struct fake {
	void *sw;                   /* the interpreter that does its work */
	struct vm *vm;
	enum bug bug;
	uint64_t at;
	unsigned runs;
};

static int fake_create(struct vm *vm, void **ctx)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->vm = vm;
	assert_int_equal(sw_engine_ops.create(vm, &f->sw), 0);
	*ctx = f;
	return 0;
}

static void fake_destroy(void *ctx)
{
	struct fake *f = ctx;
	sw_engine_ops.destroy(f->sw);
	free(f);
}

static int fake_load(void *ctx, const struct vcpu_state *s)
{
	return sw_engine_ops.load_state(((struct fake *)ctx)->sw, s);
}

static int fake_store(void *ctx, struct vcpu_state *s)
{
	return sw_engine_ops.store_state(((struct fake *)ctx)->sw, s);
}

static void go_wrong(struct fake *f)
{
	struct vcpu_state s;
	sw_engine_ops.store_state(f->sw, &s);
	if (f->bug == BUG_RAX)
		s.gpr[RAX]++;
	if (f->bug == BUG_AF)
		s.rflags ^= RFLAGS_AF;
	if (f->bug == BUG_MEM)
		((uint8_t *)gmem_ptr(&f->vm->mem, DATA, 1))[0] ^= 0x80;
	sw_engine_ops.load_state(f->sw, &s);
}

/* One instruction, as KVM's single step. */
static int fake_run(void *ctx, const struct run_limits *lim, struct run_exit *out)
{
	struct fake *f = ctx;
	struct vcpu_state s;
	struct run_limits one = { .max_instructions = 1 };
	sw_engine_ops.store_state(f->sw, &s);
	f->runs++;
	/* A host too busy to run the step before the deadline, once. */
	if (f->bug == BUG_LATE && s.rip == f->at) {
		f->bug = BUG_NONE;
		out->reason = RUN_EXIT_BUDGET;
		return 0;
	}
	int r = sw_engine_ops.run(f->sw, lim->stop_at_linear ? &one : lim, out);
	if (!r && lim->stop_at_linear && out->reason == RUN_EXIT_BUDGET)
		out->reason = RUN_EXIT_RIP;
	if (!r && s.rip == f->at && f->bug != BUG_NONE)
		go_wrong(f);
	return r;
}

static int fake_watch(void *ctx, uint64_t gpa)
{
	return sw_engine_ops.watch(((struct fake *)ctx)->sw, gpa);
}

static int fake_written(void *ctx, bool (*fn)(void *opaque, uint64_t gpa), void *opaque)
{
	struct fake *f = ctx;
	/* Like KVM's dirty log: a page its bug wrote behind the CPU too. */
	if (f->bug == BUG_MEM)
		fn(opaque, DATA);
	return sw_engine_ops.written(f->sw, fn, opaque);
}

static const struct engine_ops fake_ops = {
	.name = "fake-hw", .create = fake_create, .destroy = fake_destroy,
	.load_state = fake_load, .store_state = fake_store, .run = fake_run,
	.peek_state = fake_store, .watch = fake_watch, .written = fake_written,
};
static const struct engine_ops *const ops[NR_ENGINES] = { [ENGINE_HW] = &fake_ops };

/* A host like PVM, which runs only part of the states natively. */
static bool limited_runs_all(void *ctx, char *why, size_t len)
{
	(void)ctx;
	if (why)
		snprintf(why, len, "the fake KVM runs only 64-bit mode, CPL 3 natively");
	return false;
}

static const struct engine_ops limited_ops = {
	.name = "fake-pvm", .create = fake_create, .destroy = fake_destroy,
	.load_state = fake_load, .store_state = fake_store, .run = fake_run,
	.peek_state = fake_store, .runs_all = limited_runs_all,
};

struct t {
	struct vm vm;
	struct policy pol;
	struct dispatcher d;
	FILE *serial;
};

/* 32-bit flat protected mode: eax = 5, eax += 1, [DATA] = eax, 'A' to
 * COM1, eax = eax * ecx (flags AF..PF undefined), OUT 0xf4 with AL = 1:
 * the VM ends with status 3. */
static const uint8_t program[] = {
	0xb8, 0x05, 0x00, 0x00, 0x00,        /* 0x1000 mov eax, 5 */
	0x83, 0xc0, 0x01,                    /* 0x1005 add eax, 1 */
	0xa3, 0x00, 0x20, 0x00, 0x00,        /* 0x1008 mov [0x2000], eax */
	0x66, 0xba, 0xf8, 0x03,              /* 0x100d mov dx, 0x3f8 */
	0xb0, 0x41,                          /* 0x1011 mov al, 'A' */
	0xee,                                /* 0x1013 out dx, al */
	0xb9, 0x03, 0x00, 0x00, 0x00,        /* 0x1014 mov ecx, 3 */
	0xf7, 0xe1,                          /* 0x1019 mul ecx */
	0xb0, 0x01,                          /* 0x101b mov al, 1 */
	0xe6, 0xf4,                          /* 0x101d out 0xf4, al */
};
#define PROGRAM_STEPS 10

static int setup(void **state)
{
	struct t *t = test_calloc(1, sizeof(*t));
	t->serial = tmpfile();
	struct vm_config cfg = { .ram_size = 1 << 20, .serial_out_fd = fileno(t->serial),
	                         .serial_in_fd = -1 };
	if (!t->serial || vm_init(&t->vm, &cfg))
		return -1;
	vcpu_state_set_flat32(&t->vm.vcpu, CODE);
	assert_int_equal(gmem_load(&t->vm.mem, CODE, program, sizeof(program)), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	dispatch_fini(&t->d);
	policy_free(&t->pol);
	vm_destroy(&t->vm);
	fclose(t->serial);
	test_free(t);
	return 0;
}

static int run_lockstep(struct t *t, enum bug bug, uint64_t at)
{
	char err[200];
	assert_int_equal(policy_from_name(&t->pol, "lockstep", err, sizeof(err)), 0);
	assert_int_equal(dispatch_init_ops(&t->d, &t->vm, &t->pol, ops), 0);
	struct fake *f = t->d.ctx[ENGINE_HW];
	f->bug = bug;
	f->at = at;
	return lockstep_loop(&t->d);
}

static long serial_bytes(struct t *t)
{
	struct stat st;
	assert_int_equal(fstat(fileno(t->serial), &st), 0);
	return (long)st.st_size;
}

/* Both engines agree: every step compared, the COM1 byte written once,
 * the last step (the debug exit) counted as skipped. */
static void test_loop_agrees(void **state)
{
	struct t *t = *state;
	assert_int_equal(run_lockstep(t, BUG_NONE, 0), 0);
	assert_int_equal(t->vm.stop, VM_STOP_DEBUG_EXIT);
	assert_int_equal(t->vm.exit_status, 3);
	assert_int_equal(serial_bytes(t), 1);
	assert_int_equal(t->vm.stats.lockstep_steps, PROGRAM_STEPS - 1);
	assert_int_equal(t->vm.stats.lockstep_skipped, 1);
	assert_non_null(strstr(t->pol.report, "lockstep: 9 steps compared, 1 skipped "
	                                      "(vm-stop: 1)\n"));
	assert_int_equal(*(uint32_t *)gmem_ptr(&t->vm.mem, DATA, 4), 6);
}

/* A wrong register after the ADD stops the VM at that step. */
static void test_loop_catches_register(void **state)
{
	struct t *t = *state;
	assert_int_equal(run_lockstep(t, BUG_RAX, 0x1005), 0);
	assert_int_equal(t->vm.stop, VM_STOP_ERROR);
	assert_int_not_equal(t->vm.exit_status, 0);
	const char *rep = t->pol.report;
	assert_non_null(strstr(rep, "lockstep: the engines differ at step 2, rip 0x1005 "
	                            "(cs 0x8, CPL 0, prot32)\n"));
	assert_non_null(strstr(rep, "  instruction: 83c001  add eax, 1\n"));
	assert_non_null(strstr(rep, "  rax: sw 0x6, hw 0x7\n"));
	assert_non_null(strstr(rep, "--policy=lockstep:2"));
	assert_non_null(strstr(rep, "lockstep: 1 steps compared, 0 skipped\n"));
	assert_int_equal(serial_bytes(t), 0);
}

/* A wrong byte in memory after the store is caught too. */
static void test_loop_catches_memory(void **state)
{
	struct t *t = *state;
	assert_int_equal(run_lockstep(t, BUG_MEM, 0x1008), 0);
	assert_int_equal(t->vm.stop, VM_STOP_ERROR);
	assert_non_null(strstr(t->pol.report, "differ at step 3"));
	assert_non_null(strstr(t->pol.report, "memory at 0x2000 (16 bytes from there): sw 06"));
}

/* An undefined flag after MUL is skipped by name and counted, and the
 * run goes on to its end. */
static void test_loop_skips_deviation(void **state)
{
	struct t *t = *state;
	assert_int_equal(run_lockstep(t, BUG_AF, 0x1019), 0);
	assert_int_equal(t->vm.stop, VM_STOP_DEBUG_EXIT);
	assert_non_null(strstr(t->pol.report, "lockstep: 8 steps compared, 2 skipped "
	                                      "(vm-stop: 1, undefined-flags: 1)\n"));
	assert_int_equal(t->vm.stats.lockstep_skipped, 2);
}

/* KVM that did not get to run the step before its deadline runs it
 * again: no difference. */
static void test_loop_late_step(void **state)
{
	struct t *t = *state;
	assert_int_equal(run_lockstep(t, BUG_LATE, 0x1005), 0);
	assert_int_equal(t->vm.stop, VM_STOP_DEBUG_EXIT);
	assert_non_null(strstr(t->pol.report, "lockstep: 9 steps compared, 1 skipped "
	                                      "(vm-stop: 1)\n"));
}

/* lockstep:N compares N steps and lets KVM run the rest alone. */
static void test_loop_limit(void **state)
{
	struct t *t = *state;
	char err[200];
	assert_int_equal(policy_from_name(&t->pol, "lockstep:4", err, sizeof(err)), 0);
	assert_int_equal(dispatch_init_ops(&t->d, &t->vm, &t->pol, ops), 0);
	assert_int_equal(lockstep_loop(&t->d), 0);
	assert_int_equal(t->vm.stop, VM_STOP_DEBUG_EXIT);
	assert_int_equal(t->vm.exit_status, 3);
	assert_int_equal(serial_bytes(t), 1);
	assert_non_null(strstr(t->pol.report, "lockstep: 4 steps compared, 0 skipped\n"));
	assert_true(((struct fake *)t->d.ctx[ENGINE_HW])->runs > 4);
}

/* Such a host refuses lockstep before the guest runs, naming its limit. */
static void test_refused_on_limited_host(void **state)
{
	struct t *t = *state;
	const struct engine_ops *const limited[NR_ENGINES] = { [ENGINE_HW] = &limited_ops };
	char err[200];
	assert_int_equal(policy_from_name(&t->pol, "lockstep", err, sizeof(err)), 0);
	assert_int_equal(dispatch_init_ops(&t->d, &t->vm, &t->pol, limited), -EOPNOTSUPP);
	assert_non_null(strstr(t->vm.err, "--policy=lockstep: the fake KVM runs only"));
	assert_int_equal(t->vm.stop, VM_RUNNING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_and_tsc_ignored),
		cmocka_unit_test(test_divergence_reported),
		cmocka_unit_test(test_tsc_deviation),
		cmocka_unit_test(test_undefined_flags),
		cmocka_unit_test(test_segment_check_deviation),
		cmocka_unit_test(test_null_selector),
		cmocka_unit_test(test_device_mismatch),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_field_lists),
		cmocka_unit_test(test_memory_compare),
		cmocka_unit_test(test_mend_tf),
		cmocka_unit_test(test_fault_rf),
		cmocka_unit_test(test_io_log),
		cmocka_unit_test_setup_teardown(test_loop_agrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_catches_register, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_catches_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_skips_deviation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_late_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_on_limited_host, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
