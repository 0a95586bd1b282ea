/* The seccomp filter of `hvmm run` (policy/cli/sandbox_filter.h,
 * docs/sandbox.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "policy/cli/sandbox_filter.h"

/* System calls the run loop makes with any arguments, and why. */
#define SANDBOX_CALLS(X)                                                       \
	X(exit)              /* the audit writer thread ends */                \
	X(exit_group)        /* the process ends */                            \
	X(rt_sigreturn)      /* back from the kick, SIGFPE and SIGSYS handlers */ \
	X(rt_sigprocmask)    /* the kick's mask put back at teardown */        \
	X(rt_sigtimedwait)   /* the kick drained after KVM_RUN */              \
	X(timer_settime)     /* the kick armed for the next deadline */        \
	X(timer_delete)      /* ... and removed at teardown */                 \
	X(clock_gettime)     /* the VM clock, where the vDSO cannot answer */  \
	X(nanosleep)         /* HLT waits for the next timer */                \
	X(clock_nanosleep)                                                     \
	X(poll)              /* the UART: input ready, output writable; the  */ \
	                     /* run guard: signals, the time limit */         \
	X(futex)             /* the audit writer hand-over, stdio locks */     \
	X(brk)               /* memory allocation */                           \
	X(munmap)                                                              \
	X(mremap)                                                              \
	X(madvise)                                                             \
	X(close)             /* teardown */                                    \
	X(getpid)            /* the SIGFPE handler reads its own memory */    \
	X(sysinfo)           /* glibc's qsort sizes its buffer by the RAM */  \
	X(rseq)              /* the start of the audit writer thread, where */ \
	X(set_robust_list)   /* it had not run yet when the filter came */

/* Names of the system calls up to this number, for the report. */
#define SANDBOX_MAX_NR 512
#define SANDBOX_NAME_LEN 24

/* The one piece of process state of the command: what the SIGSYS
 * handler prints and the status it ends the process with. A signal
 * handler reaches nothing else, and it must not allocate, so this is
 * written before the filter is installed; after that it is only read. */
static struct {
	char names[SANDBOX_MAX_NR][SANDBOX_NAME_LEN];
	int exit_status;
} report;

/* Async-signal-safe formatting: s + the decimal or hex digits of v. */
static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_num(char *p, unsigned long v, unsigned base)
{
	char d[24];
	int n = 0;
	do {
		d[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		*p++ = d[--n];
	return p;
}

/* A forbidden call: one line naming it (for ioctl, its descriptor and
 * request too), then the end of the process. */
static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	(void)sig;
	const ucontext_t *uc = uc_;
	char line[160], *p = line;
	int nr = si->si_syscall;
	const char *name = nr >= 0 && nr < SANDBOX_MAX_NR && si->si_arch == SCMP_ARCH_X86_64 ?
	                   report.names[nr] : "";
	p = put_str(p, "hvmm: sandbox: forbidden system call ");
	p = put_str(p, *name ? name : "(unknown)");
	p = put_str(p, " (number ");
	p = put_num(p, (unsigned long)nr, 10);
	p = put_str(p, ")");
	if (si->si_arch == SCMP_ARCH_X86_64 && nr == SCMP_SYS(ioctl)) {
		p = put_str(p, " on fd ");
		p = put_num(p, (unsigned long)uc->uc_mcontext.gregs[REG_RDI], 10);
		p = put_str(p, ", request 0x");
		p = put_num(p, (unsigned long)uc->uc_mcontext.gregs[REG_RSI], 16);
	}
	if (si->si_arch != SCMP_ARCH_X86_64)
		p = put_str(p, " of another architecture");
	*p++ = '\n';
	ssize_t n = write(STDERR_FILENO, line, (size_t)(p - line));
	(void)n;
	_exit(report.exit_status);
}

/* The report's names and status, then the handler. */
static int catch_sigsys(int exit_status)
{
	for (int nr = 0; nr < SANDBOX_MAX_NR; nr++) {
		char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		if (s)
			snprintf(report.names[nr], SANDBOX_NAME_LEN, "%s", s);
		free(s);
	}
	report.exit_status = exit_status;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -errno;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	return -pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* Writes and reads on the run's own descriptors only. */
static int allow_fds(scmp_filter_ctx f, const struct sandbox_plan *p)
{
	int r = 0;
	for (int i = 0; i < p->nr_write && !r; i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
		                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)p->write_fds[i]));
	for (int i = 0; i < 2 && !r; i++)
		if (p->read_fds[i] >= 0)
			r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(read), 1,
			                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)p->read_fds[i]));
	return r;
}

/* KVM's ioctls of hw_syscalls.h, each on its own descriptor only. */
static int allow_kvm(scmp_filter_ctx f, const struct sandbox_plan *p)
{
	const int *fds = p->kvm_fds;
	if (fds[HW_FD_VCPU] < 0)
		return 0;
	static const struct { enum hw_fd fd; unsigned long req; } ioctls[] = {
#define IOCTL(fd, req) { fd, req },
		HW_RUN_IOCTLS(IOCTL)
#undef IOCTL
	};
	int r = 0;
	for (size_t i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]) && !r; i++)
		if (fds[ioctls[i].fd] >= 0)
			r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 2,
			                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fds[ioctls[i].fd]),
			                     SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ioctls[i].req));
	/* The kick's handler is put back at teardown. */
	if (!r)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
		                     SCMP_A0(SCMP_CMP_EQ, HW_KICK_SIGNAL));
	return r;
}

/* What needs its arguments checked: no new executable memory (the
 * interpreter's FPU snippets are mapped at its creation), and the
 * interpreter's SIGFPE handler, which reads its own process's memory and
 * may put the default action back. */
static int allow_checked(scmp_filter_ctx f)
{
	int r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	                         SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!r)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
		                     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!r)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(process_vm_readv), 1,
		                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (!r)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
		                     SCMP_A0(SCMP_CMP_EQ, SIGFPE));
	/* The run guard (run_guard.c) kicks the vCPU out of KVM_RUN when a
	 * stop is asked for, and a second signal ends the process by that
	 * signal: only within the process, only those signals' actions. */
	if (!r)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
		                     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < 3 && !r; i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigaction), 1,
		                     SCMP_A0(SCMP_CMP_EQ, stop_signals[i]));
	return r;
}

static int build(scmp_filter_ctx f, const struct sandbox_plan *p)
{
	/* A 32-bit call (int 0x80) is trapped and reported too, and every
	 * thread (the audit writer's) gets the filter. */
	int r = seccomp_attr_set(f, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	if (!r)
		r = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
	static const int calls[] = {
#define CALL(name) SCMP_SYS(name),
		SANDBOX_CALLS(CALL)
#undef CALL
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]) && !r; i++)
		r = seccomp_rule_add(f, SCMP_ACT_ALLOW, calls[i], 0);
	if (!r)
		r = allow_fds(f, p);
	if (!r)
		r = allow_kvm(f, p);
	if (!r)
		r = allow_checked(f);
	return r;
}

int sandbox_filter_load(const struct sandbox_plan *p, const char **what)
{
	*what = "SIGSYS handler";
	int r = catch_sigsys(p->exit_status);
	if (r)
		return r;
	*what = "seccomp_init";
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_TRAP);
	if (!f)
		return -ENOMEM;
	*what = "building the filter";
	r = build(f, p);
	if (!r) {
		*what = "loading the filter";
		r = seccomp_load(f);
	}
	seccomp_release(f);
	return r;
}
