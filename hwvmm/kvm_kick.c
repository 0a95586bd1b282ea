/* Getting out of KVM_RUN on time. Without an in-kernel APIC, KVM runs the
 * guest until it exits by itself; a timer interrupt due in the monitor, or
 * a policy's deadline, needs a kick. A POSIX timer sends HW_KICK_SIGNAL to
 * this thread. The signal is blocked in the thread except while KVM_RUN
 * runs (KVM_SET_SIGNAL_MASK), so it can only end a KVM_RUN (-EINTR) or
 * wait, pending, to end the next one at once; after each -EINTR it is
 * taken off with sigtimedwait. No handler state is needed. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/vm.h"
#include "hwvmm/hw_ctx.h"

#define HW_KICK_SIGNAL SIGUSR2

/* Must not be SIG_IGN or SIG_DFL (which would end the process), but is
 * never run: the signal is only unblocked inside KVM_RUN. */
static void kick_handler(int sig)
{
	(void)sig;
}

int hw_kick_init(struct hw_ctx *c)
{
	struct vm *vm = c->vm;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(HW_KICK_SIGNAL, &sa, NULL) < 0)
		return vm_fail(vm, -errno, "sigaction(SIGUSR2): %s", strerror(errno));

	sigset_t block, during;
	sigemptyset(&block);
	sigaddset(&block, HW_KICK_SIGNAL);
	int r = pthread_sigmask(SIG_BLOCK, &block, &during);
	if (r)
		return vm_fail(vm, -r, "pthread_sigmask: %s", strerror(r));
	sigdelset(&during, HW_KICK_SIGNAL);

	/* KVM takes the kernel's 8-byte sigset, not glibc's 128-byte one. */
	struct kvm_signal_mask *m = calloc(1, sizeof(*m) + 8);
	if (!m)
		return vm_fail(vm, -ENOMEM, "KVM engine: out of memory");
	m->len = 8;
	memcpy(m->sigset, &during, 8);
	r = HW_VCPU_IOCTL(c, KVM_SET_SIGNAL_MASK, m);
	free(m);
	if (r < 0)
		return r;

	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = HW_KICK_SIGNAL;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &c->kick_timer) < 0)
		return vm_fail(vm, -errno, "timer_create: %s", strerror(errno));
	c->kick_timer_ok = true;
	c->kick_armed_ns = 0;
	return 0;
}

void hw_kick_fini(struct hw_ctx *c)
{
	if (c->kick_timer_ok)
		timer_delete(c->kick_timer);
	c->kick_timer_ok = false;
}

/* Arm the kick for VM-clock time at_ns (0: none). Re-arms only when the
 * time changes, to keep a system call off most KVM_RUNs. */
int hw_kick_arm(struct hw_ctx *c, uint64_t at_ns)
{
	if (at_ns == c->kick_armed_ns)
		return 0;
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (at_ns) {
		uint64_t now = vclock_now_ns(&c->vm->clock);
		uint64_t delta = at_ns > now ? at_ns - now : 1;
		its.it_value.tv_sec = (time_t)(delta / 1000000000ull);
		its.it_value.tv_nsec = (long)(delta % 1000000000ull);
	}
	if (timer_settime(c->kick_timer, 0, &its, NULL) < 0)
		return vm_fail(c->vm, -errno, "timer_settime: %s", strerror(errno));
	c->kick_armed_ns = at_ns;
	return 0;
}

/* After KVM_RUN ended with -EINTR: take the kick off, so that the next
 * KVM_RUN does not end at once. */
void hw_kick_taken(struct hw_ctx *c)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, HW_KICK_SIGNAL);
	while (sigtimedwait(&set, NULL, &zero) == HW_KICK_SIGNAL)
		;
	/* A one-shot timer that fired is no longer armed. */
	if (c->kick_armed_ns && vclock_now_ns(&c->vm->clock) >= c->kick_armed_ns)
		c->kick_armed_ns = 0;
}
