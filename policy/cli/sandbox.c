/* The sandbox of `hvmm run` (policy/cli/sandbox.h): what the run owns,
 * for the filter (sandbox_filter.c). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/vm.h"
#include "hwvmm/hw_engine.h"
#include "hwvmm/hw_syscalls.h"
#include "policy/cli/sandbox.h"
#include "policy/cli/sandbox_filter.h"
#include "policy/dispatch.h"

/* The KVM engine's descriptors, all -1 where d holds none. */
static void kvm_fds(const struct dispatcher *d, int fds[NR_HW_FDS])
{
	bool kvm = d->ctx[ENGINE_HW] && d->ops[ENGINE_HW] == &hw_engine_ops;
	hw_engine_fds(kvm ? d->ctx[ENGINE_HW] : NULL, fds);
}

int sandbox_enter(const struct dispatcher *d, const struct sandbox_fds *fds)
{
	/* The command's stdout and stderr, the serial output, the audit
	 * file, the run guard's event; the serial input and the guard's
	 * signals. */
	struct sandbox_plan p = {
		.write_fds = { STDOUT_FILENO, STDERR_FILENO },
		.nr_write = 2,
		.read_fds = { fds->serial_in, fds->guard_signals },
		.exit_status = VM_EXIT_SANDBOX,
	};
	const int more[] = { fds->serial_out, fds->audit, fds->guard_event };
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		if (more[i] > STDERR_FILENO)
			p.write_fds[p.nr_write++] = more[i];
	kvm_fds(d, p.kvm_fds);
	const char *what;
	int r = sandbox_filter_load(&p, &what);
	if (r)
		return vm_fail(d->vm, r, "sandbox: %s: %s (--sandbox=off runs without it)", what,
		               strerror(-r));
	return 0;
}

void sandbox_selftest(const struct dispatcher *d)
{
	const char *what = getenv("HVMM_SANDBOX_SELFTEST");
	if (!what)
		return;
	if (!strcmp(what, "socket")) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0)
			close(s);
	} else if (!strcmp(what, "kvm")) {
		int fds[NR_HW_FDS];
		kvm_fds(d, fds);
		int vm = fds[HW_FD_KVM] < 0 ? -1 : ioctl(fds[HW_FD_KVM], KVM_CREATE_VM, 0);
		if (vm >= 0)
			close(vm);
	}
}
