/* The lockstep loop (policy/lockstep.h): one step is one instruction or
 * one event delivery. The interpreter runs it first from the canonical
 * state, with the devices recording; its memory writes are taken back;
 * KVM runs it from the same state, single-stepped and stopped at the
 * interpreter's next instruction at the latest (hwvmm/kvm_step.c),
 * replaying the devices; then both results are judged. KVM's result goes on, or the
 * interpreter's where a recorded deviation (the manuals' result there)
 * was skipped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/intr.h"
#include "core/pagewalk.h"
#include "core/vm.h"
#include "policy/dispatch.h"
#include "policy/lockstep.h"

/* How long KVM may run past a step that never reaches the interpreter's
 * next instruction, in VM-clock time. */
#define STEP_DEADLINE_NS 500000000ull
/* ... and how many more times it may try when the deadline passed. */
#define STEP_RETRIES 2

struct lockstep {
	struct dispatcher *d;
	struct vm *vm;
	uint64_t limit, steps, compared;
	uint64_t mended;              /* traces of KVM's stepping mended (mend_tf) */
	uint64_t skips[LS_MAX_DEVIATIONS];
	struct io_log log;
	struct ls_mem mem;
	struct audit_fmt fmt;
	FILE *out;                    /* the report, into pol->report */
	char *out_buf;
	size_t out_len;
	struct vcpu_state before, sw, hw;
};

static const struct engine_ops *ops(struct lockstep *ls, enum engine_id e)
{
	return ls->d->ops[e];
}

static void *ctx(struct lockstep *ls, enum engine_id e)
{
	return ls->d->ctx[e];
}

/* The instruction at the state's RIP, for the report and the
 * deviations' mnemonics. */
static void disassemble(struct lockstep *ls, struct ls_step *st)
{
	const struct vcpu_state *s = st->before;
	uint64_t lin = s->seg[SEG_CS].base + s->rip;
	if (vcpu_mode(s) != MODE_LONG64)
		lin &= 0xffffffffull;
	uint8_t b[15];
	unsigned len = sizeof(b);
	if (0x1000 - (lin & 0xfff) < len &&
	    guest_read_lin(&ls->vm->mem, s, lin, b, sizeof(b)))
		len = (unsigned)(0x1000 - (lin & 0xfff));
	if (guest_read_lin(&ls->vm->mem, s, lin, b, len))
		len = 0;
	st->insn = *audit_fmt_insn(&ls->fmt, vcpu_mode(s), s->rip, b, len);
}

/* Guest-physical address of the interpreter's stack top, or -1. */
static uint64_t stack_top(const struct lockstep *ls, const struct vcpu_state *s)
{
	uint64_t lin = s->seg[SEG_SS].base + s->gpr[RSP], gpa;
	if (vcpu_mode(s) != MODE_LONG64)
		lin = s->seg[SEG_SS].db ? lin & 0xffffffffull
		                        : (s->seg[SEG_SS].base + (s->gpr[RSP] & 0xffff)) & 0xffffffffull;
	return guest_lin_to_phys(&ls->vm->mem, s, lin, &gpa) ? ~0ull : gpa;
}

static void invalidate_sw(void *opaque, uint64_t gpa)
{
	struct lockstep *ls = opaque;
	ops(ls, ENGINE_SW)->invalidate(ctx(ls, ENGINE_SW), gpa);
}

static int collect(struct lockstep *ls, enum engine_id e, struct ls_pages *p)
{
	int r = ops(ls, e)->written(ctx(ls, e), ls_pages_add, p);
	if (!r && p->lost)
		r = vm_fail(ls->vm, -ENOMEM, "lockstep: out of memory for the written pages");
	return r;
}

/* The end of either engine's half: devices back to normal, its state
 * out and the pages it wrote noted. */
static int half_done(struct lockstep *ls, enum engine_id e, struct vcpu_state *s,
                     struct ls_pages *p)
{
	ls->log.mode = IO_LOG_OFF;
	int r = s ? ops(ls, e)->store_state(ctx(ls, e), s) : 0;
	return r ? r : collect(ls, e, p);
}

/* KVM's whole state costs ioctls (MSRs, the FPU, debug registers, XCR0,
 * the PDPTE registers); the registers a step changes most come without
 * (peek_state). The
 * whole state is read after a step that may change the rest, after each
 * event delivery, and every FULL_EVERY steps, which catches a change the
 * list misses a few steps late. */
#define FULL_EVERY 64

static bool read_all(const struct ls_step *st)
{
	static const char *const words[] = {
		"wrmsr", "swapgs", "wrfsbase", "wrgsbase", "xsetbv", "xrstor", "xsave", "ljmp",
		"lcall", "iret", "int", "sys", "mov dr", "mov cr", "clts", "lmsw",
	};
	if (st->n % FULL_EVERY == 0 || st->sw_exception >= 0 || st->sw_event ||
	    ls_fpu_insn(st) || strstr(st->insn.disasm, ", dr"))
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strncmp(st->insn.disasm, words[i], strlen(words[i])))
			return true;
	return false;
}

/* A REP string instruction: the interpreter may run it in pieces (its
 * RIP stays on it), KVM's single-stepping stops after each iteration. */
static bool rep_string(const struct ls_step *st)
{
	return !strncmp(st->insn.disasm, "rep", 3);
}

/* The interpreter's half: one step from ls->before, devices recorded; a
 * REP string instruction runs on, piece by piece, to its end (or an
 * exception, or until an interrupt waits). */
static int run_sw(struct lockstep *ls, const struct ls_step *st, bool record,
                  struct run_exit *ex)
{
	const struct engine_ops *sw = ops(ls, ENGINE_SW);
	void *c = ctx(ls, ENGINE_SW);
	struct run_limits lim = {
		.max_instructions = 1,
		.events = (1u << RUN_EV_EXCEPTION) | (1u << RUN_EV_INTERRUPT),
	};
	int r = sw->load_state(c, &ls->before);
	if (r)
		return r;
	io_log_start(&ls->log, record ? IO_LOG_RECORD : IO_LOG_OFF);
	for (unsigned n = 0; !r; n++) {
		r = sw->run(c, &lim, ex);
		if (r || !st || !rep_string(st) || ex->event != RUN_EV_NONE || n >= (1u << 20) ||
		    ls->vm->stop != VM_RUNNING || vm_intr_pending(ls->vm))
			break;
		if ((r = sw->peek_state(c, &ls->sw)) || ls->sw.rip != ls->before.rip)
			break;
	}
	return r ? r : half_done(ls, ENGINE_SW, &ls->sw, &ls->mem.sw);
}

/* KVM's half, up to the interpreter's next instruction, devices
 * replayed: single-stepped, but a REP string instruction the
 * interpreter finished runs whole, and one it left in the middle is
 * stepped iteration by iteration to the interpreter's count. */
static int run_hw(struct lockstep *ls, const struct ls_step *st, struct run_exit *ex,
                  bool *reached)
{
	struct vm *vm = ls->vm;
	const struct engine_ops *hw = ops(ls, ENGINE_HW);
	void *c = ctx(ls, ENGINE_HW);
	uint64_t lin = ls->sw.seg[SEG_CS].base + ls->sw.rip;
	bool rep = rep_string(st), whole = rep && ls->sw.rip != ls->before.rip;
	struct run_limits lim = {
		.max_instructions = whole ? 0 : 1,
		.stop_at_linear = true,
		.linear = vcpu_mode(&ls->sw) == MODE_LONG64 ? lin : lin & 0xffffffffull,
		.deadline_ns = vclock_now_ns(&vm->clock) + STEP_DEADLINE_NS,
	};
	io_log_replay(&ls->log);
	int r = 0;
	for (unsigned late = 0;;) {
		if ((r = hw->run(c, &lim, ex)) || (r = hw->peek_state(c, &ls->hw)))
			break;
		/* The deadline passed before KVM ran the step (a host busy
		 * elsewhere): once more, with a new one. */
		if (ex->reason == RUN_EXIT_BUDGET && late++ < STEP_RETRIES) {
			lim.deadline_ns = vclock_now_ns(&vm->clock) + STEP_DEADLINE_NS;
			continue;
		}
		if (!rep || whole || ex->reason != RUN_EXIT_RIP || ls->hw.rip != ls->before.rip ||
		    ls->hw.gpr[RCX] == ls->sw.gpr[RCX] || vm->stop != VM_RUNNING)
			break;
	}
	io_log_finish(&ls->log);
	/* ls->hw holds the peeked registers; the rest when read_all says. */
	if (!r)
		r = half_done(ls, ENGINE_HW, read_all(st) ? &ls->hw : NULL, &ls->mem.hw);
	*reached = ex->reason == RUN_EXIT_RIP || (ex->reason == RUN_EXIT_HALT && ls->sw.ev.halted);
	return r;
}

static void count_skip(struct lockstep *ls, const char *name)
{
	int i = ls_deviation_index(name);
	if (i >= 0)
		ls->skips[i]++;
}

/* A step KVM cannot take part in: the interpreter alone runs it (its
 * devices act), and KVM is given its result. */
static int sw_alone(struct lockstep *ls, const char *why)
{
	struct run_exit ex;
	int r = run_sw(ls, NULL, false, &ex);
	if (r)
		return r;
	count_skip(ls, why);
	ls_mem_commit(&ls->mem, false, invalidate_sw, ls);
	ls->vm->vcpu = ls->sw;
	if (ls->vm->stop != VM_RUNNING)
		return 0;
	return ops(ls, ENGINE_HW)->load_state(ctx(ls, ENGINE_HW), &ls->sw);
}

/* The VM stopped in a step: memory as it is, and the state as the
 * interpreter left it, for the report. */
static int end_vm(struct lockstep *ls)
{
	count_skip(ls, "vm-stop");
	ls_mem_commit(&ls->mem, false, invalidate_sw, ls);
	ls->vm->vcpu = ls->sw;
	return 0;
}

/* What KVM's way of stepping (hwvmm/kvm_step.c) leaves in its result:
 * its TF where the CPU saved RFLAGS (SYSCALL's R11, images on the
 * stack: the guest's own TF was clear, or the interpreter alone ran the
 * step, so a set TF there is KVM's), and a MOV SS shadow used up. */
static int mend_tf(struct lockstep *ls, struct ls_step *st, uint64_t top)
{
	unsigned n = top == ~0ull ? 0 : ls_mem_mend_tf(&ls->mem, top);
	uint64_t sw11 = ls->sw.gpr[R11], hw11 = ls->hw.gpr[R11];
	bool reload = false;
	if (!strncmp(st->insn.disasm, "syscall", 7) && !(sw11 & RFLAGS_TF) &&
	    hw11 == (sw11 | RFLAGS_TF)) {
		ls->hw.gpr[R11] = sw11;
		reload = true;
	}
	/* MOV SS and POP SS hold the single-step trap back one more
	 * instruction, the trap byte's HLT, which ran in their interrupt
	 * shadow: KVM stopped there, with the shadow still to come. */
	if ((!strncmp(st->insn.disasm, "mov ss,", 7) || !strcmp(st->insn.disasm, "pop ss")) &&
	    ls->sw.ev.shadow == SHADOW_MOVSS && !ls->hw.ev.shadow) {
		ls->hw.ev.shadow = SHADOW_MOVSS;
		reload = true;
	}
	ls->mended += n + reload;
	return reload ? ops(ls, ENGINE_HW)->load_state(ctx(ls, ENGINE_HW), &ls->hw) : 0;
}

/* The judge's verdict acted on. */
static int settle(struct lockstep *ls, struct ls_step *st)
{
	struct vm *vm = ls->vm;
	unsigned dev = 0;
	enum ls_verdict v = ls_judge(st, &dev, ls->out);
	if (v == LS_SAME) {
		ls->compared++;
		ls_mem_commit(&ls->mem, false, invalidate_sw, ls);
		vm->vcpu = ls->hw;
		return 0;
	}
	if (v == LS_SKIPPED) {
		/* The interpreter's result (the manuals') goes on. */
		ls->skips[dev]++;
		ls_mem_commit(&ls->mem, true, invalidate_sw, ls);
		vm->vcpu = ls->sw;
		return ops(ls, ENGINE_HW)->load_state(ctx(ls, ENGINE_HW), &ls->sw);
	}
	ls_mem_commit(&ls->mem, false, invalidate_sw, ls);
	vm->vcpu = ls->hw;
	fprintf(ls->out, "  reproduce: the same command with --policy=lockstep:%llu "
	        "(compares up to this step)\n", (unsigned long long)st->n);
	vm_fail(vm, -EIO, "lockstep: the engines differ at step %llu (report above)",
	        (unsigned long long)st->n);
	vm_request_stop(vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
	return 0;
}

static int step(struct lockstep *ls)
{
	struct vm *vm = ls->vm;
	struct run_exit sx, hx;
	bool reached;
	char hw_err[sizeof(vm->err) + 32];

	ls->before = vm->vcpu;
	struct ls_step st = { .n = ++ls->steps, .before = &ls->before, .sw = &ls->sw,
	                      .hw = &ls->hw, .sw_exception = -1 };
	int dbg = ls_deviation_index("guest-debug");
	if (ls_deviation(dbg)->applies(&st))
		return sw_alone(ls, "guest-debug");
	disassemble(ls, &st);
	int r = run_sw(ls, &st, true, &sx);
	if (r)
		return r;
	/* Its devices acted: the VM is over (or the interpreter failed). */
	if (vm->stop != VM_RUNNING)
		return end_vm(ls);
	if (sx.event == RUN_EV_EXCEPTION)
		st.sw_exception = (int)sx.num;
	st.sw_event = sx.event != RUN_EV_NONE;
	if ((r = ls_mem_take_sw(&ls->mem)))
		return vm_fail(vm, r, "lockstep: out of memory for the interpreter's pages");
	if ((r = run_hw(ls, &st, &hx, &reached)))
		return r;
	/* A signal or --timeout ends the VM whatever KVM did. */
	if (vm_stopped_async(vm))
		return end_vm(ls);
	/* KVM ending the VM where the interpreter did not (a triple fault
	 * after running off) is the judge's to weigh. */
	if (vm->stop != VM_RUNNING) {
		snprintf(hw_err, sizeof(hw_err), "%s: %s", vm_stop_name(vm->stop), vm->err);
		st.hw_stopped = hw_err;
		vm->stop = VM_RUNNING;
	}
	st.hw_reached = reached;
	st.io_why = ls->log.diverged ? ls->log.why : NULL;
	uint64_t top = stack_top(ls, &ls->sw);
	if ((r = mend_tf(ls, &st, top)))
		return r;
	ls_mem_compare(&ls->mem, top, st.mem, sizeof(st.mem), &st.mem_at_stack_top);
	st.mem_only_rf = st.mem[0] && ls_mem_only_rf(&ls->mem, top);
	if (ls_null_selectors(&ls->sw, &ls->hw))
		count_skip(ls, "null-selector");
	return settle(ls, &st);
}

/* A halted vCPU: wait as the dispatcher does, then the step delivers
 * the interrupt that woke it. */
static int loop(struct lockstep *ls)
{
	struct vm *vm = ls->vm;
	int r = 0;
	while (!r && !vm_poll_stop(vm) && !dispatch_limit_reached(ls->d, NULL) &&
	       (!ls->limit || ls->steps < ls->limit)) {
		if (vm->vcpu.ev.halted) {
			ls->d->peek = vm->vcpu;
			dispatch_wait(ls->d);
			if (vm->stop != VM_RUNNING)
				break;
		}
		r = step(ls);
	}
	return r;
}

static bool watch_page(void *opaque, uint64_t gpa)
{
	struct lockstep *ls = opaque;
	ops(ls, ENGINE_HW)->watch(ctx(ls, ENGINE_HW), gpa);
	return true;
}

/* Both engines log every page they write from now on. */
static int watch_all(struct lockstep *ls)
{
	const struct guest_mem *m = &ls->vm->mem;
	for (int i = 0; i < m->nr; i++)
		if (m->region[i].kind == GMEM_RAM)
			for (uint64_t off = 0; off < m->region[i].size; off += 4096)
				watch_page(ls, m->region[i].gpa + off);
	return ops(ls, ENGINE_SW)->watch(ctx(ls, ENGINE_SW), 0);
}

static int setup(struct lockstep *ls, struct dispatcher *d)
{
	memset(ls, 0, sizeof(*ls));
	ls->d = d;
	ls->vm = d->vm;
	ls->limit = d->pol->steps;
	ls->out = open_memstream(&ls->out_buf, &ls->out_len);
	if (!ls->out)
		return vm_fail(ls->vm, -ENOMEM, "lockstep: out of memory");
	if (audit_fmt_init(&ls->fmt, AUDIT_FMT_TEXT))
		return vm_fail(ls->vm, -ENOMEM, "lockstep: cannot open Capstone");
	int r = ls_mem_init(&ls->mem, &ls->vm->mem);
	if (r)
		return vm_fail(ls->vm, r, "lockstep: no memory for the shadow of guest RAM");
	if ((r = dispatch_migrate(d, ENGINE_HW, MIG_OTHER)) || (r = watch_all(ls)))
		return r;
	ls->vm->bus.log = &ls->log;
	return 0;
}

static void teardown(struct lockstep *ls)
{
	ls->vm->bus.log = NULL;
	io_log_free(&ls->log);
	ls_mem_fini(&ls->mem);
	audit_fmt_fini(&ls->fmt);
}

int lockstep_loop(struct dispatcher *d)
{
	struct lockstep *ls = calloc(1, sizeof(*ls));
	if (!ls)
		return vm_fail(d->vm, -ENOMEM, "lockstep: out of memory");
	int r = setup(ls, d);
	if (!r)
		r = loop(ls);
	if (ls->out) {
		if (ls->mended)
			fprintf(ls->out, "lockstep: %llu traces of KVM's single-stepping mended (TF "
			        "in saved RFLAGS, MOV SS shadows)\n", (unsigned long long)ls->mended);
		ls_summary(ls->compared, ls->skips, ls->out);
		fclose(ls->out);
		free(d->pol->report);
		d->pol->report = ls->out_buf;
	}
	teardown(ls);
	struct vm *vm = d->vm;
	vm->stats.lockstep_steps = ls->compared;
	for (unsigned i = 0; i < LS_MAX_DEVIATIONS; i++)
		vm->stats.lockstep_skipped += ls->skips[i];
	free(ls);
	/* Past the steps to compare, KVM runs on alone (policy hw). */
	if (!r && vm->stop == VM_RUNNING)
		r = dispatch_loop(d);
	return r;
}
