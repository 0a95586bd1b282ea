/* A timer that ends KVM_RUN: a POSIX timer sends a signal to this thread;
 * the signal is blocked in the thread except while KVM_RUN runs
 * (KVM_SET_SIGNAL_MASK), so it can only end a KVM_RUN (-EINTR) or wait,
 * pending, to end the next one at once; it is taken off with
 * sigtimedwait. Used by the engine's kick (kvm_kick.c) and the host
 * probe's guard (kvm_probe_run.c). */
#ifndef HVMM_KVM_TIMER_H
#define HVMM_KVM_TIMER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct kvm_timer {
	int sig;
	bool action_set, mask_set, timer_ok;   /* what fini undoes */
	struct sigaction old_action;
	sigset_t old_mask;
	timer_t timer;
};

/* Set up signal sig for the vCPU vcpu_fd. 0, or -errno with *what naming
 * the call that failed; fini undoes what was done either way. */
int kvm_timer_init(struct kvm_timer *t, int vcpu_fd, int sig, const char **what);
/* Delete the timer, drop a pending signal, put the thread's mask and the
 * signal's handler back. */
void kvm_timer_fini(struct kvm_timer *t);
/* Fire in ns nanoseconds (0: disarm). 0 or -errno. */
int kvm_timer_arm(struct kvm_timer *t, uint64_t ns);
/* Take delivered signals off; whether there was one. */
bool kvm_timer_drain(const struct kvm_timer *t);

#endif
