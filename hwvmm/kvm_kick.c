/* Getting out of KVM_RUN on time. Without an in-kernel APIC, KVM runs the
 * guest until it exits by itself; a timer interrupt due in the monitor, or
 * a policy's deadline, needs a kick: a timer that ends KVM_RUN
 * (kvm_timer.h) with HW_KICK_SIGNAL. A stop asked for by another thread
 * (vm_stop_async: a signal, --timeout) sends the same signal to the
 * vCPU's thread. After each -EINTR the signal is taken off. No handler
 * state is needed. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "core/clock.h"
#include "core/vm.h"
#include "hwvmm/hw_ctx.h"
#include "hwvmm/hw_syscalls.h"

/* On another thread (vm_stop_async): blocked in the vCPU's thread but
 * inside KVM_RUN, the signal ends a KVM_RUN under way or the next one at
 * once, so the run loop sees the stop. */
static void kick_now(void *opaque)
{
	struct hw_ctx *c = opaque;
	pthread_kill(c->kick_thread, HW_KICK_SIGNAL);
}

int hw_kick_init(struct hw_ctx *c)
{
	const char *what = "";
	int r = kvm_timer_init(&c->kick, c->vcpu_fd, HW_KICK_SIGNAL, &what);
	if (r)
		return vm_fail(c->vm, r, "%s (kick signal SIGUSR2): %s", what, strerror(-r));
	c->kick_armed_ns = 0;
	c->kick_thread = pthread_self();
	vm_set_kick(c->vm, kick_now, c);
	return 0;
}

void hw_kick_fini(struct hw_ctx *c)
{
	vm_set_kick(c->vm, NULL, c);
	kvm_timer_fini(&c->kick);
}

/* Arm the kick for VM-clock time at_ns (0: none). Re-arms only when the
 * time changes, to keep a system call off most KVM_RUNs. */
int hw_kick_arm(struct hw_ctx *c, uint64_t at_ns)
{
	if (at_ns == c->kick_armed_ns)
		return 0;
	uint64_t ns = 0;
	if (at_ns) {
		uint64_t now = vclock_now_ns(&c->vm->clock);
		ns = at_ns > now ? at_ns - now : 1;
	}
	int r = kvm_timer_arm(&c->kick, ns);
	if (r)
		return vm_fail(c->vm, r, "timer_settime: %s", strerror(-r));
	c->kick_armed_ns = at_ns;
	return 0;
}

/* After KVM_RUN ended with -EINTR: take the kick off, so that the next
 * KVM_RUN does not end at once. */
void hw_kick_taken(struct hw_ctx *c)
{
	kvm_timer_drain(&c->kick);
	/* A one-shot timer that fired is no longer armed. */
	if (c->kick_armed_ns && vclock_now_ns(&c->vm->clock) >= c->kick_armed_ns)
		c->kick_armed_ns = 0;
}
