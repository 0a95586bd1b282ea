/* The sandbox of `hvmm run` (docs/sandbox.md): once the VM is set up, a
 * seccomp allow-list of the system calls the run loop makes, on the
 * descriptors it owns; any other call ends the process with one line on
 * stderr naming it and exit status VM_EXIT_SANDBOX. */
#ifndef HVMM_CLI_SANDBOX_H
#define HVMM_CLI_SANDBOX_H

struct dispatcher;

/* The descriptors of the run besides the engines'; -1 where there is
 * none. */
struct sandbox_fds {
	int serial_in;    /* read by the UART */
	int serial_out;   /* written by the UART */
	int audit;        /* written by the audit's writer thread */
	int guard_signals; /* the run guard's signalfd, read */
	int guard_event;   /* its eventfd, written when the run is over */
};

/* Install the filter over every thread of the process, for the run of d
 * (dispatch_prepare done: the engines d holds are all it will use).
 * 0, or -errno with d->vm->err set. */
int sandbox_enter(const struct dispatcher *d, const struct sandbox_fds *fds);

/* The test of the sandbox (tests/cli/sandbox.sh): with
 * HVMM_SANDBOX_SELFTEST=socket, a socket(2) call; with =kvm, an ioctl on
 * /dev/kvm's descriptor that no run makes (KVM_CREATE_VM), where d holds
 * KVM. Either must end the process. Nothing without the variable. */
void sandbox_selftest(const struct dispatcher *d);

#endif
