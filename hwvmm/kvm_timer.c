#include "hwvmm/kvm_timer.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Must not be SIG_IGN or SIG_DFL (which would end the process), but is
 * never run: the signal is only unblocked inside KVM_RUN. */
static void timer_handler(int sig)
{
	(void)sig;
}

static int fail(const char **what, const char *name, int err)
{
	*what = name;
	return -err;
}

/* KVM takes the kernel's 8-byte sigset, not glibc's 128-byte one. */
static int set_run_mask(int vcpu_fd, const sigset_t *during)
{
	struct kvm_signal_mask *m = calloc(1, sizeof(*m) + 8);
	if (!m)
		return -ENOMEM;
	m->len = 8;
	memcpy(m->sigset, during, 8);
	int r = ioctl(vcpu_fd, KVM_SET_SIGNAL_MASK, m);
	int err = errno;
	free(m);
	return r < 0 ? -err : 0;
}

int kvm_timer_init(struct kvm_timer *t, int vcpu_fd, int sig, const char **what)
{
	memset(t, 0, sizeof(*t));
	t->sig = sig;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = timer_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &t->old_action) < 0)
		return fail(what, "sigaction", errno);
	t->action_set = true;

	sigset_t block, during;
	sigemptyset(&block);
	sigaddset(&block, sig);
	int r = pthread_sigmask(SIG_BLOCK, &block, &t->old_mask);
	if (r)
		return fail(what, "pthread_sigmask", r);
	t->mask_set = true;
	during = t->old_mask;
	sigdelset(&during, sig);
	if ((r = set_run_mask(vcpu_fd, &during)))
		return fail(what, "KVM_SET_SIGNAL_MASK", -r);

	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = sig;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &t->timer) < 0)
		return fail(what, "timer_create", errno);
	t->timer_ok = true;
	return 0;
}

void kvm_timer_fini(struct kvm_timer *t)
{
	if (t->timer_ok) {
		timer_delete(t->timer);
		kvm_timer_drain(t);
	}
	if (t->mask_set)
		pthread_sigmask(SIG_SETMASK, &t->old_mask, NULL);
	if (t->action_set)
		sigaction(t->sig, &t->old_action, NULL);
	t->timer_ok = t->mask_set = t->action_set = false;
}

int kvm_timer_arm(struct kvm_timer *t, uint64_t ns)
{
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(ns / 1000000000ull);
	its.it_value.tv_nsec = (long)(ns % 1000000000ull);
	return timer_settime(t->timer, 0, &its, NULL) < 0 ? -errno : 0;
}

bool kvm_timer_drain(const struct kvm_timer *t)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };
	bool any = false;

	sigemptyset(&set);
	sigaddset(&set, t->sig);
	while (sigtimedwait(&set, NULL, &zero) == t->sig)
		any = true;
	return any;
}
