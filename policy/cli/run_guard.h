/* What ends `hvmm run` from outside the guest: SIGINT, SIGTERM and SIGHUP,
 * and --timeout. The signals are blocked in every thread (before the
 * first is made) and read from a signalfd by a thread of their own, which
 * also keeps the time limit; it asks the VM to stop (vm_stop_async), so
 * that the run ends the ordinary way: the report, the statistics, the
 * audit flushed and closed. No handler runs, so nothing is global. A
 * signal a second or more after the first ends the process at once, as
 * the signal does by default; sooner, it is the same request.
 * A signal the process was started with ignored (nohup, a shell's
 * background job) stays ignored. */
#ifndef HVMM_CLI_RUN_GUARD_H
#define HVMM_CLI_RUN_GUARD_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

struct run_guard {
	sigset_t sigs;          /* the signals it takes */
	sigset_t old_mask;      /* the thread's mask before */
	int sfd, efd;           /* signalfd; eventfd that says the run is over */
	struct vm *vm;
	uint64_t timeout_ns;    /* 0: none */
	char timeout_text[32];  /* as given, for the report */
	pthread_t thread;
	bool started;
};

/* Block the signals in the calling thread, so that every thread made
 * after it has them blocked too. 0 or -errno. */
int run_guard_block(struct run_guard *g);

/* Watch for the signals and the time limit (timeout_ns from now, 0:
 * none) over vm. 0 or -errno. */
int run_guard_start(struct run_guard *g, struct vm *vm, uint64_t timeout_ns,
                    const char *timeout_text);

/* End the watch. The signals stay blocked: one that comes while the
 * report is printed does not cut it short. */
void run_guard_stop(struct run_guard *g);

#endif
