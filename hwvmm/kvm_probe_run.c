/* One bounded probe run on the scratch vCPU: put a state, KVM_RUN a few
 * times at most, say how it ended.
 *
 * A guard timer (kvm_timer.h) ends a KVM_RUN that runs on (guest code
 * that loops without exits). The previous handler and mask come back in
 * prb_guard_fini. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hwvmm/kvm_probe.h"

/* A probe's code exits in one KVM_RUN; a few more absorb stray signals. */
#define PRB_MAX_RUNS 4
/* Far beyond a probe's time even under software emulation. */
#define PRB_GUARD_NS 500000000ull

static int guard_signal(void)
{
	/* Not SIGUSR2: the KVM engine's kick may share this thread. */
	return SIGRTMIN + 1;
}

int prb_fail(struct prb_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return err;
}

int prb_ioctl(struct prb_ctx *c, int fd, unsigned long req, void *arg, const char *name)
{
	int r = ioctl(fd, req, arg);
	if (r < 0) {
		int err = errno;
		return prb_fail(c, -err, "%s: %s", name, strerror(err));
	}
	return r;
}

int prb_guard_init(struct prb_ctx *c)
{
	const char *what = "";
	int r = kvm_timer_init(&c->guard, c->vcpu_fd, guard_signal(), &what);
	return r ? prb_fail(c, r, "%s: %s", what, strerror(-r)) : 0;
}

void prb_guard_fini(struct prb_ctx *c)
{
	kvm_timer_fini(&c->guard);
}

static enum prb_exit classify_io(const struct prb_ctx *c, struct prb_outcome *out)
{
	const struct kvm_run *run = c->run;

	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 1 || run->io.count != 1 ||
	    run->io.data_offset >= c->run_size)
		return PRB_OTHER;
	out->value = ((const uint8_t *)run)[run->io.data_offset];
	switch (run->io.port) {
	case PRB_PORT_DONE:
		return PRB_DONE_IO;
	case PRB_PORT_VECTOR:
		return PRB_VECTOR;
	case PRB_PORT_ENTRY:
		return PRB_ENTRY;
	}
	return PRB_OTHER;
}

static enum prb_exit classify(const struct prb_ctx *c, struct prb_outcome *out)
{
	const struct kvm_run *run = c->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return classify_io(c, out);
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write || run->mmio.phys_addr != PRB_MMIO_ADDR ||
		    run->mmio.len > sizeof(out->value))
			return PRB_OTHER;
		out->value = 0;
		memcpy(&out->value, run->mmio.data, run->mmio.len);
		return PRB_DONE_MMIO;
	case KVM_EXIT_DEBUG:
		out->value = run->debug.arch.exception;
		return PRB_DEBUG;
	case KVM_EXIT_INTERNAL_ERROR:
		out->value = run->internal.suberror;
		return PRB_INTERNAL;
	case KVM_EXIT_SHUTDOWN:
	case KVM_EXIT_FAIL_ENTRY:
		return PRB_REFUSED;
	}
	out->value = run->exit_reason;
	return PRB_OTHER;
}

/* One KVM_RUN under the guard: 0 after an exit, -ETIME when the guard
 * ended it, -EINTR for another signal, or -errno (KVM refused to run). */
static int run_once(struct prb_ctx *c)
{
	if (ioctl(c->vcpu_fd, KVM_RUN, 0) == 0)
		return 0;
	int err = errno;
	if (err != EINTR)
		return -err;
	struct itimerspec left;
	if (kvm_timer_drain(&c->guard) || (timer_gettime(c->guard.timer, &left) == 0 &&
	                      !left.it_value.tv_sec && !left.it_value.tv_nsec))
		return -ETIME;
	return -EINTR;
}

/* Let KVM finish the I/O instruction that exited, without running on, so
 * that the next KVM_RUN does not complete it over a new state. */
static void settle(struct prb_ctx *c)
{
	c->run->immediate_exit = 1;
	ioctl(c->vcpu_fd, KVM_RUN, 0);
	c->run->immediate_exit = 0;
}

int prb_put(struct prb_ctx *c, const struct kvm_sregs *sr_in, const struct kvm_regs *r)
{
	/* VMX's entry checks want a busy TSS in TR; elsewhere it stays as
	 * the descriptor would load, which some emulated CPUs need to take
	 * an exception from CPL 3 (the engine does the same). */
	struct kvm_sregs sr = *sr_in;
	if (!c->tr_busy)
		sr.tr.type &= ~2;
	/* A state KVM will not take is refused as surely as one it will not run. */
	if (ioctl(c->vcpu_fd, KVM_SET_SREGS, &sr) < 0) {
		if (errno != EINVAL)
			return prb_fail(c, -errno, "KVM_SET_SREGS: %s", strerror(errno));
		return 1;
	}
	int ret = PRB_IOCTL(c, c->vcpu_fd, KVM_SET_REGS, (void *)r);
	if (ret < 0)
		return ret;
	/* Nothing left in flight from the previous probe. */
	struct kvm_vcpu_events ev;
	memset(&ev, 0, sizeof(ev));
	ret = PRB_IOCTL(c, c->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev);
	return ret < 0 ? ret : 0;
}

void prb_go(struct prb_ctx *c, struct prb_outcome *out)
{
	*out = (struct prb_outcome){ .exit = PRB_OTHER };
	kvm_timer_arm(&c->guard, PRB_GUARD_NS);
	int rr = -EINTR;
	for (int i = 0; i < PRB_MAX_RUNS && rr == -EINTR; i++)
		rr = run_once(c);
	kvm_timer_arm(&c->guard, 0);
	kvm_timer_drain(&c->guard);
	if (rr == 0) {
		out->exit = classify(c, out);
		if (c->run->exit_reason == KVM_EXIT_IO || c->run->exit_reason == KVM_EXIT_MMIO)
			settle(c);
	} else if (rr != -EINTR && rr != -ETIME) {
		out->exit = PRB_REFUSED;
		out->value = (uint64_t)-rr;
	}
}

int prb_run(struct prb_ctx *c, const struct kvm_sregs *sr, const struct kvm_regs *r,
            struct prb_outcome *out)
{
	int ret = prb_put(c, sr, r);
	if (ret < 0)
		return ret;
	if (ret > 0) {
		*out = (struct prb_outcome){ .exit = PRB_REFUSED, .value = EINVAL };
		return 0;
	}
	prb_go(c, out);
	return 0;
}

int prb_time_runs(struct prb_ctx *c, uint32_t *ns, int n)
{
	int got = 0;

	kvm_timer_arm(&c->guard, PRB_GUARD_NS);
	for (int i = 0; i < n; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int r = ioctl(c->vcpu_fd, KVM_RUN, 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (r < 0 || c->run->exit_reason != KVM_EXIT_MMIO ||
		    c->run->mmio.phys_addr != PRB_MMIO_ADDR)
			break;
		ns[got++] = (uint32_t)((t1.tv_sec - t0.tv_sec) * 1000000000l +
		                       (t1.tv_nsec - t0.tv_nsec));
	}
	kvm_timer_arm(&c->guard, 0);
	kvm_timer_drain(&c->guard);
	if (c->run->exit_reason == KVM_EXIT_IO || c->run->exit_reason == KVM_EXIT_MMIO)
		settle(c);
	return got;
}
