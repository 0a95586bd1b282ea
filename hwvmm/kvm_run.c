/* The KVM run loop: KVM_RUN, then one switch over the exit reason.
 *
 * KVM cannot count instructions: of the run limits this engine honours
 * deadline_ns (a timer kick, see kvm_kick.c), stop_on_io, max_io_exits
 * (counted here), stop_on_cpl_change for kernel entries from CPL 3 (trap
 * bytes on the entry points, kvm_entry.c) and stop_at_linear (a trap byte
 * and single-stepping, kvm_step.c). Before each KVM_RUN the monitor's timers are brought up
 * to date and a waiting external interrupt is injected through the
 * sync-regs events (no extra ioctl), or an interrupt window is requested
 * when the guest cannot take it yet. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/clock.h"
#include "core/intr.h"
#include "core/vm.h"
#include "hwvmm/hw_ctx.h"

/* What handling an exit asks of the loop. */
enum exit_action { EXIT_CONTINUE, EXIT_RETURN };

static const char *sync_part_name(uint64_t dirty)
{
	if (dirty & KVM_SYNC_X86_REGS)
		return "regs";
	if (dirty & KVM_SYNC_X86_SREGS)
		return "sregs";
	return "events";
}

/* One KVM_RUN. 0, -EINTR (a signal or immediate_exit), or -errno with
 * vm->err set. */
static int kvm_run_once(struct hw_ctx *c)
{
	struct vm *vm = c->vm;

	if (c->sync_valid && hw_sync_cpl(&c->run->s.regs) != 3 && !c->run->immediate_exit) {
		vm->stats.hw_runs_cpl0++;
		c->ran_kernel = true;
	}
	/* 520 bytes a run, for the report of a shutdown (hw_entry_state);
	 * an immediate exit only completes an access. */
	if (!c->run->immediate_exit) {
		c->at_entry = c->run->s.regs;
		c->entered = true;
	}
	vm->stats.hw_runs++;
	vm->stats.hw_ioctls++;
	uint64_t t0 = vclock_now_ns(&vm->clock);
	int r = ioctl(c->vcpu_fd, KVM_RUN, 0);
	int err = errno;
	vm->stats.ns_hw += vclock_now_ns(&vm->clock) - t0;
	vm_intr_set_cr8(vm, c->run->cr8);
	/* Guest code at CPL 0-2 may have changed MSRs and the like (see
	 * hw_store_state); the trap HLT that ended a CPL-3 stretch did not. */
	if ((r == 0 || err == EINTR) && hw_sync_cpl(&c->run->s.regs) != 3 &&
	    !(r == 0 && c->run->exit_reason == KVM_EXIT_HLT))
		c->ran_kernel = true;
	if (r == 0) {
		/* KVM handles WRMSR to IA32_APIC_BASE itself: the APIC follows
		 * the value it reports at every exit. */
		vm_intr_set_apic_base(vm, c->run->s.regs.sregs.apic_base);
		c->sync_valid = true;
		c->last_exit = c->run->exit_reason;
		if (c->last_exit < STATS_MAX_EXIT_REASONS)
			vm->stats.hw_exits[c->last_exit]++;
		return 0;
	}
	if (err == EINTR) {
		hw_kick_taken(c);
		c->sync_valid = true;
		c->last_exit = KVM_EXIT_INTR;
		vm->stats.hw_exits[KVM_EXIT_INTR]++;
		return -EINTR;
	}
	/* KVM applies the sync regs first and clears each dirty bit once
	 * applied: one still set names the part KVM refused. */
	uint64_t dirty = c->run->kvm_dirty_regs & HW_SYNC_ALL;
	if (dirty)
		return vm_fail(vm, -err, "KVM_RUN (putting sync %s): %s",
		               sync_part_name(dirty), strerror(err));
	return vm_fail(vm, -err, "KVM_RUN: %s", strerror(err));
}

/* A device failure other than "nobody there" ends the VM. */
static void device_result(struct vm *vm, int r, const char *space, uint64_t addr)
{
	if (r >= 0 || r == -ENOENT)
		return;
	if (vm->stop == VM_RUNNING) {
		vm_fail(vm, r, "%s access at 0x%llx: %s", space, (unsigned long long)addr,
		        strerror(-r));
		vm_request_stop(vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
	}
}

static enum exit_action stopped(struct run_exit *out)
{
	out->reason = RUN_EXIT_STOPPED;
	return EXIT_RETURN;
}

/* Port I/O, string forms included: count items of size bytes each. */
static enum exit_action exit_io(struct hw_ctx *c, struct run_exit *out)
{
	struct vm *vm = c->vm;
	const struct kvm_run *run = c->run;
	unsigned size = run->io.size, count = run->io.count;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	c->io_pending = true;
	if ((size != 1 && size != 2 && size != 4) ||
	    run->io.data_offset + (uint64_t)size * count > c->run_size) {
		vm_fail(vm, -EINVAL, "KVM_EXIT_IO: bad access (port 0x%x size %u count %u)",
		        run->io.port, size, count);
		vm_request_stop(vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
		return stopped(out);
	}
	uint8_t *data = (uint8_t *)c->run + run->io.data_offset;
	for (unsigned i = 0; i < count; i++) {
		vm->stats.pio_accesses++;
		int r = bus_access(&vm->bus, BUS_PIO, run->io.port, data + i * size, size, is_write);
		device_result(vm, r, "port", run->io.port);
		hw_audit_access(c, AUDIT_PIO, is_write, run->io.port, size, data + i * size);
		if (vm->stop != VM_RUNNING)
			return stopped(out);
	}
	return EXIT_CONTINUE;
}

static enum exit_action exit_mmio(struct hw_ctx *c, struct run_exit *out)
{
	struct vm *vm = c->vm;
	struct kvm_run *run = c->run;
	uint64_t addr = run->mmio.phys_addr;
	unsigned len = run->mmio.len;

	c->io_pending = true;
	if (len == 0 || len > sizeof(run->mmio.data)) {
		vm_fail(vm, -EINVAL, "KVM_EXIT_MMIO: bad length %u at 0x%llx", len,
		        (unsigned long long)addr);
		vm_request_stop(vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
		return stopped(out);
	}
	/* A write to a read-only memslot (ROM) exits here: ROM ignores it. */
	const struct gmem_region *rg = gmem_find(&vm->mem, addr, len);
	if (run->mmio.is_write && rg && rg->kind == GMEM_ROM)
		return EXIT_CONTINUE;
	vm->stats.mmio_accesses++;
	int r = bus_access(&vm->bus, BUS_MMIO, addr, run->mmio.data, len, run->mmio.is_write);
	device_result(vm, r, "MMIO", addr);
	hw_audit_access(c, AUDIT_MMIO, run->mmio.is_write, addr, len, run->mmio.data);
	if (vm->stop != VM_RUNNING)
		return stopped(out);
	return EXIT_CONTINUE;
}

/* An event that ends a HLT: the vCPU then runs on from after the HLT. */
static bool wake_event_pending(const struct kvm_vcpu_events *e)
{
	return e->nmi.pending || e->nmi.injected || e->interrupt.injected ||
	       e->exception.pending || e->exception.injected;
}

/* HLT with IF clear and nothing pending can never end: the VM is over. */
static enum exit_action halted(struct hw_ctx *c, struct run_exit *out)
{
	const struct kvm_sync_regs *sr = &c->run->s.regs;

	if (!(sr->regs.rflags & RFLAGS_IF) && !wake_event_pending(&sr->events)) {
		vm_request_stop(c->vm, VM_STOP_HALT, VM_EXIT_OK);
		return stopped(out);
	}
	out->reason = RUN_EXIT_HALT;
	return EXIT_RETURN;
}

static void fail_stop(struct vm *vm, enum vm_stop why)
{
	vm_request_stop(vm, why, VM_EXIT_FAILURE);
}

static void internal_error(struct hw_ctx *c)
{
	const struct kvm_run *run = c->run;
	struct vm *vm = c->vm;
	char data[160] = "";
	size_t used = 0;
	unsigned n = run->internal.ndata;

	if (n > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
		n = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
	for (unsigned i = 0; i < n && used < sizeof(data); i++) {
		int w = snprintf(data + used, sizeof(data) - used, " 0x%llx",
		                 (unsigned long long)run->internal.data[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	vm_fail(vm, -EIO, "KVM_EXIT_INTERNAL_ERROR: suberror %u (%s) at rip 0x%llx, data:%s",
	        run->internal.suberror, kvm_internal_error_name(run->internal.suberror),
	        (unsigned long long)run->s.regs.regs.rip, n ? data : " none");
	fail_stop(vm, VM_STOP_ERROR);
}

/* The one place every exit reason is decided. */
static enum exit_action handle_exit(struct hw_ctx *c, struct run_exit *out)
{
	struct vm *vm = c->vm;
	struct kvm_run *run = c->run;
	unsigned long long rip = run->s.regs.regs.rip;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return exit_io(c, out);
	case KVM_EXIT_MMIO:
		return exit_mmio(c, out);
	case KVM_EXIT_HLT:
		/* RIP is already past the HLT. */
		c->halted = true;
		return halted(c, out);
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	/* Without an in-kernel APIC, a MOV to CR8 that lowers the priority
	 * exits; kvm_run_once has taken run->cr8 into the APIC already. */
	case KVM_EXIT_SET_TPR:
		/* The next pass injects what waits (inject_pending). */
		return EXIT_CONTINUE;
	case KVM_EXIT_DEBUG:
		/* The dispatcher owns breakpoints: the one of stop_at_linear
		 * (kvm_step.c) ends a step. */
		out->reason = c->stepping ? RUN_EXIT_RIP : RUN_EXIT_EVENT;
		return EXIT_RETURN;
	case KVM_EXIT_SHUTDOWN:
		/* On AMD KVM hands back the vCPU reset (RIP 0xfff0): the
		 * dispatcher finds the fault from hw_entry_state. */
		vm_fail(vm, -EIO, "triple fault (KVM_EXIT_SHUTDOWN); the vCPU as KVM left it: "
		        "rip 0x%llx", rip);
		vm_request_stop(vm, VM_STOP_SHUTDOWN, VM_EXIT_TRIPLE_FAULT);
		return stopped(out);
	case KVM_EXIT_FAIL_ENTRY:
		vm_fail(vm, -EIO, "KVM_EXIT_FAIL_ENTRY: hardware entry failure reason 0x%llx "
		        "at rip 0x%llx (the guest state was refused)",
		        (unsigned long long)run->fail_entry.hardware_entry_failure_reason, rip);
		fail_stop(vm, VM_STOP_ERROR);
		return stopped(out);
	case KVM_EXIT_INTERNAL_ERROR:
		internal_error(c);
		return stopped(out);
	default:
		vm_fail(vm, -EIO, "unexpected KVM exit reason %u (%s) at rip 0x%llx",
		        run->exit_reason, kvm_exit_name(run->exit_reason), rip);
		fail_stop(vm, VM_STOP_ERROR);
		return stopped(out);
	}
}

int hw_complete_io(struct hw_ctx *c)
{
	/* A string instruction may need more I/O before it completes: each
	 * such exit is handled like any other, then KVM is asked again. */
	while (c->io_pending) {
		c->io_pending = false;
		c->run->immediate_exit = 1;
		int r = kvm_run_once(c);
		c->run->immediate_exit = 0;
		if (r == -EINTR)
			return 0;
		if (r < 0)
			return r;
		struct run_exit ignored;
		handle_exit(c, &ignored);
	}
	return 0;
}

/* Can the state KVM holds take an external interrupt now? */
static bool can_take_interrupt(const struct kvm_sync_regs *sr)
{
	const struct kvm_vcpu_events *e = &sr->events;
	return (sr->regs.rflags & RFLAGS_IF) && !e->interrupt.shadow &&
	       !e->interrupt.injected && !e->nmi.injected && !e->exception.injected &&
	       !e->exception.pending;
}

/* Hand a waiting external interrupt to KVM as an injected event in the
 * sync-regs area, or ask KVM to exit once the guest can take one. */
static void inject_pending(struct hw_ctx *c)
{
	struct vm *vm = c->vm;
	struct kvm_sync_regs *sr = &c->run->s.regs;

	c->run->request_interrupt_window = 0;
	if (vm_intr_take_nmi(vm)) {
		/* KVM delivers it when NMI blocking and the shadow allow. */
		sr->events.nmi.pending = 1;
		sr->events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING;
		c->run->kvm_dirty_regs |= KVM_SYNC_X86_EVENTS;
	}
	if (!vm_intr_pending(vm))
		return;
	if (!can_take_interrupt(sr)) {
		c->run->request_interrupt_window = 1;
		return;
	}
	int v = vm_intr_ack(vm);
	if (v < 0)
		return;
	sr->events.interrupt.injected = 1;
	sr->events.interrupt.nr = (uint8_t)v;
	sr->events.interrupt.soft = 0;
	c->run->kvm_dirty_regs |= KVM_SYNC_X86_EVENTS;
	vm->stats.interrupts_hw++;
}

/* Timers, interrupt, CR8 and kick for the next KVM_RUN. */
static int before_run(struct hw_ctx *c, const struct run_limits *lim)
{
	struct vm *vm = c->vm;

	int r = hw_dirty_arm(c);
	if (!r)
		r = hw_tsc_follow_pause(c);
	if (r)
		return r;
	vm_timers_update(vm);
	inject_pending(c);
	c->run->cr8 = vm_intr_get_cr8(vm);
	uint64_t at = vm_timers_deadline(vm);
	if (lim->deadline_ns && lim->deadline_ns < at)
		at = lim->deadline_ns;
	return hw_kick_arm(c, at == UINT64_MAX ? 0 : at);
}

static bool deadline_passed(struct hw_ctx *c, const struct run_limits *lim)
{
	return lim->deadline_ns && vclock_now_ns(&c->vm->clock) >= lim->deadline_ns;
}

/* With stop_on_cpl_change: a kernel entry handed off at a trap returns;
 * a CPL change seen at any other exit (the CPL is seen at exits only)
 * returns too, once the exit itself is handled, before the guest runs on
 * at the new CPL. 1: return to the caller with out filled, 0: go on, or
 * -errno. */
static int after_exit_cpl(struct hw_ctx *c, const struct run_limits *lim, unsigned cpl_before,
                          int run_r, struct run_exit *out)
{
	if (!lim->stop_on_cpl_change)
		return 0;
	int h = hw_entry_check(c, run_r == 0 && c->last_exit == KVM_EXIT_HLT, out);
	if (h < 0 || h == HW_ENTRY_HANDED_OFF)
		return h < 0 ? h : 1;
	if (h == HW_ENTRY_NONE && hw_sync_cpl(&c->run->s.regs) == cpl_before)
		return 0;
	if (run_r == 0 && handle_exit(c, out) == EXIT_RETURN)
		return 1;
	out->reason = RUN_EXIT_CPL_CHANGE;
	return 1;
}

/* max_io_exits: whether the exit just handled is the run's last port or
 * MMIO exit. Only exits the guest makes count, never a kick (KVM_EXIT_INTR)
 * or an interrupt window, so the run ends on the same instruction
 * whatever the host's timing. */
static bool io_budget_spent(const struct hw_ctx *c, const struct run_limits *lim,
                            unsigned *io_exits)
{
	if (!lim->max_io_exits || (c->last_exit != KVM_EXIT_IO && c->last_exit != KVM_EXIT_MMIO))
		return false;
	return ++*io_exits >= lim->max_io_exits;
}

static int run_until(struct hw_ctx *c, const struct run_limits *lim, struct run_exit *out)
{
	struct vm *vm = c->vm;
	unsigned io_exits = 0;

	for (;;) {
		if (vm_poll_stop(vm))
			return 0;
		if (deadline_passed(c, lim)) {
			out->reason = RUN_EXIT_BUDGET;
			return 0;
		}
		int r = hw_entry_prepare(c, lim);
		if (!r)
			r = before_run(c, lim);
		if (r)
			return r;
		if (c->halted) {
			if (!wake_event_pending(&c->run->s.regs.events)) {
				halted(c, out);
				return 0;
			}
			c->halted = false;
		}
		unsigned cpl_before = hw_sync_cpl(&c->run->s.regs);
		r = kvm_run_once(c);
		if (r < 0 && r != -EINTR)
			return r;
		if (r == 0 && hw_step_trapped(c)) {
			out->reason = RUN_EXIT_RIP;
			return 0;
		}
		int e = after_exit_cpl(c, lim, cpl_before, r, out);
		if (e)
			return e < 0 ? e : 0;
		if (r == -EINTR)
			continue;
		if (handle_exit(c, out) == EXIT_RETURN)
			return 0;
		if (lim->stop_on_io && (c->last_exit == KVM_EXIT_IO || c->last_exit == KVM_EXIT_MMIO)) {
			out->reason = RUN_EXIT_EVENT;
			if (c->last_exit == KVM_EXIT_IO) {
				out->event = RUN_EV_PORT;
				out->num = c->run->io.port;
			}
			return 0;
		}
		if (io_budget_spent(c, lim, &io_exits)) {
			out->reason = RUN_EXIT_BUDGET;
			return 0;
		}
	}
}

int hw_run(void *ctx, const struct run_limits *lim, struct run_exit *out)
{
	struct hw_ctx *c = ctx;

	*out = (struct run_exit){ .reason = RUN_EXIT_STOPPED };
	int r = hw_step_arm(c, lim);
	if (!r)
		r = run_until(c, lim, out);
	hw_step_unplant(c);
	return r;
}
