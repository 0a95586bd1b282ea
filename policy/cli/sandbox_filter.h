/* The seccomp filter itself (docs/sandbox.md), from a plain description
 * of what the run owns: libseccomp's headers and the VM's cannot meet
 * in one file (both name AUDIT_SYSCALL). */
#ifndef HVMM_CLI_SANDBOX_FILTER_H
#define HVMM_CLI_SANDBOX_FILTER_H

#include "hwvmm/hw_syscalls.h"

struct sandbox_plan {
	int write_fds[5];          /* descriptors written */
	int nr_write;
	int read_fds[2];           /* descriptors read, -1: none */
	int kvm_fds[NR_HW_FDS];    /* the KVM engine's, -1: none */
	int exit_status;           /* the process's after a forbidden call */
};

/* Install the SIGSYS handler and the filter over every thread. 0, or
 * -errno with what failed in *what. */
int sandbox_filter_load(const struct sandbox_plan *p, const char **what);

#endif
