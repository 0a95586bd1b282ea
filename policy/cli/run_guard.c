/* The watch over `hvmm run` (policy/cli/run_guard.h). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "core/vm.h"
#include "policy/cli/run_guard.h"

static const int guarded[] = { SIGINT, SIGTERM, SIGHUP };

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGINT:  return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP:  return "SIGHUP";
	}
	return "a signal";
}

int run_guard_block(struct run_guard *g)
{
	memset(g, 0, sizeof(*g));
	g->sfd = g->efd = -1;
	sigemptyset(&g->sigs);
	for (unsigned i = 0; i < sizeof(guarded) / sizeof(guarded[0]); i++) {
		struct sigaction sa;
		if (sigaction(guarded[i], NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			continue;
		sigaddset(&g->sigs, guarded[i]);
	}
	return -pthread_sigmask(SIG_BLOCK, &g->sigs, &g->old_mask);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A signal a second or more after the first: the run did not stop at
 * the first (a write the monitor is blocked in, say), so end as the
 * signal ends a process by default. */
#define REPEAT_NS 1000000000ull

static void die_by(int sig)
{
	sigset_t one;
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(128 + sig);
}

static void *guard_main(void *opaque)
{
	struct run_guard *g = opaque;
	struct pollfd p[2] = { { .fd = g->sfd, .events = POLLIN }, { .fd = g->efd, .events = POLLIN } };
	uint64_t deadline = g->timeout_ns ? now_ns() + g->timeout_ns : 0;
	unsigned signals = 0;
	uint64_t first_ns = 0;
	char why[96];

	for (;;) {
		int ms = -1;
		if (deadline) {
			uint64_t now = now_ns();
			if (now >= deadline) {
				snprintf(why, sizeof(why), "--timeout=%s passed", g->timeout_text);
				vm_stop_async(g->vm, VM_STOP_TIMEOUT, VM_EXIT_TIMEOUT, why);
				deadline = 0;
				continue;
			}
			uint64_t left = (deadline - now + 999999) / 1000000;
			ms = left > INT_MAX ? INT_MAX : (int)left;
		}
		if (poll(p, 2, ms) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		struct signalfd_siginfo si;
		if (!(p[0].revents & POLLIN) || read(g->sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		/* Repeats within a second are the same request (timeout(1)
		 * sends its signal to the process and to its group). */
		if (signals++) {
			if (now_ns() - first_ns >= REPEAT_NS)
				die_by((int)si.ssi_signo);
			continue;
		}
		first_ns = now_ns();
		snprintf(why, sizeof(why), "%s", sig_name((int)si.ssi_signo));
		vm_stop_async(g->vm, VM_STOP_SIGNAL, VM_EXIT_SIGNAL, why);
	}
	return NULL;
}

int run_guard_start(struct run_guard *g, struct vm *vm, uint64_t timeout_ns,
                    const char *timeout_text)
{
	g->vm = vm;
	g->timeout_ns = timeout_ns;
	snprintf(g->timeout_text, sizeof(g->timeout_text), "%s", timeout_text ? timeout_text : "");
	g->sfd = signalfd(-1, &g->sigs, SFD_CLOEXEC);
	g->efd = eventfd(0, EFD_CLOEXEC);
	int r = g->sfd < 0 || g->efd < 0 ? -errno : -pthread_create(&g->thread, NULL, guard_main, g);
	if (r) {
		run_guard_stop(g);
		return r;
	}
	g->started = true;
	return 0;
}

void run_guard_stop(struct run_guard *g)
{
	if (g->started) {
		uint64_t one = 1;
		if (write(g->efd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(g->thread);
		pthread_join(g->thread, NULL);
		g->started = false;
	}
	if (g->sfd >= 0)
		close(g->sfd);
	if (g->efd >= 0)
		close(g->efd);
	g->sfd = g->efd = -1;
}
