/* The hvmm command: the only place that prints and exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/loader.h"
#include "core/vm.h"
#include "policy/cli/audit_run.h"
#include "policy/cli/audit_summary_cmd.h"
#include "policy/cli/bench.h"
#include "policy/cli/kvm_info.h"
#include "policy/cli/options.h"
#include "policy/cli/run_guard.h"
#include "policy/cli/sandbox.h"
#include "policy/cli/stats.h"
#include "policy/dispatch.h"

static const char main_usage[] =
	"Usage: hvmm COMMAND [options]\n"
	"\n"
	"Commands:\n"
	"  run [options] GUEST   run a guest (see hvmm run --help)\n"
	"  diff [options] GUEST  run a guest in both engines, instruction by instruction,\n"
	"                        and stop at the first difference: run --policy=lockstep\n"
	"  kvm-info [--json]     what the host's KVM runs natively (see hvmm kvm-info --help)\n"
	"  audit-summary FILE [--json]\n"
	"                        summarize an audit file of run --audit (see hvmm\n"
	"                        audit-summary --help)\n"
	"  bench [options]       compare policies on benchmark workloads (see hvmm\n"
	"                        bench --help)\n"
	"  help                  show this help\n";

static void print_log(void *opaque, enum log_level lvl, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	(void)opaque;
	fprintf(stderr, "hvmm: %s: %s\n", names[lvl], msg);
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "hvmm: %s\n", msg);
	return VM_EXIT_USAGE;
}

/* Opened only after the guest loaded, so that a bad invocation never
 * truncates a file the user already has. */
static int open_serial(const char *dest, char *err, size_t errlen)
{
	if (!strcmp(dest, "stdio"))
		return STDOUT_FILENO;
	if (!strcmp(dest, "none"))
		return -1;
	int fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "--serial: %s: %s", dest, strerror(errno));
		return -2;
	}
	return fd;
}

static int load_guest(struct vm *vm, const struct run_options *o)
{
	uint8_t *data;
	size_t size;
	int ret = load_file(vm, o->guest, &data, &size);
	if (ret)
		return ret;
	if (o->flat)
		ret = load_flat(vm, o->guest, data, size, o->flat_addr);
	else if (bzimage_detect(data, size))
		ret = load_bzimage(vm, o->guest, data, size, &o->load);
	else
		ret = load_multiboot(vm, o->guest, data, size, &o->load);
	free(data);
	return ret;
}

/* Where the guest was, for a run that ended before the guest did: one
 * line, so that a stuck guest can be found without a debugger. */
static void report_where(const struct vm *vm)
{
	const struct vcpu_state *v = &vm->vcpu;
	fprintf(stderr, "hvmm: guest stopped: %s: %s; the vCPU was at %04x:%016llx (%s mode, CPL "
	        "%u%s) on engine %s, after %llu instructions in the interpreter and %llu KVM runs\n",
	        vm_stop_name(vm->stop), vm->err, v->seg[SEG_CS].selector,
	        (unsigned long long)v->rip, cpu_mode_name(vcpu_mode(v)), vcpu_cpl(v),
	        v->rflags & RFLAGS_IF ? "" : ", interrupts off", vm->engine ? vm->engine : "none",
	        (unsigned long long)vm->stats.sw_instructions,
	        (unsigned long long)vm->stats.hw_runs);
}

static void report_stop(const struct vm *vm, int verbose)
{
	switch (vm->stop) {
	case VM_STOP_SHUTDOWN:
	case VM_STOP_SIGNAL:
	case VM_STOP_TIMEOUT:
	case VM_STOP_LIMIT:
		report_where(vm);
		if (verbose)
			vcpu_state_dump(&vm->vcpu, stderr);
		break;
	case VM_STOP_ERROR:
	case VM_STOP_UNSUPPORTED:
		fprintf(stderr, "hvmm: guest stopped: %s: %s\n", vm_stop_name(vm->stop), vm->err);
		if (verbose)
			vcpu_state_dump(&vm->vcpu, stderr);
		break;
	default:
		if (verbose)
			fprintf(stderr, "hvmm: guest stopped: %s, exit status %d\n",
			        vm_stop_name(vm->stop), vm->exit_status);
		break;
	}
	if (verbose > 1) {
		fprintf(stderr, "hvmm: KVM_RUN calls %llu, port I/O %llu, MMIO %llu\n",
		        (unsigned long long)vm->stats.hw_runs,
		        (unsigned long long)vm->stats.pio_accesses,
		        (unsigned long long)vm->stats.mmio_accesses);
	}
}

/* dispatch_run, confined by the sandbox from the moment every engine is
 * made (the KVM engine opens /dev/kvm, its VM and vCPU and maps guest
 * memory into KVM) to the end of the process. */
static int run_vm(struct vm *vm, struct policy *pol, bool sandbox, const struct sandbox_fds *fds)
{
	struct dispatcher d;
	int r = dispatch_init(&d, vm, pol);
	if (r)
		return r;
	if (sandbox && !(r = dispatch_prepare(&d)))
		r = sandbox_enter(&d, fds);
	if (!r) {
		sandbox_selftest(&d);
		r = dispatch_go(&d);
	}
	dispatch_fini(&d);
	return r;
}

static int cmd_run(int argc, char **argv)
{
	struct run_options o;
	char err[512];
	if (parse_run_options(argc, argv, &o, err, sizeof(err)))
		return usage_error(err);
	if (o.help) {
		fputs(run_usage, stdout);
		return 0;
	}
	struct policy pol;
	if (policy_from_spec(&pol, o.policy, err, sizeof(err)))
		return usage_error(err);
	if (o.max_instructions && !policy_uses(&pol, ENGINE_SW) && policy_uses(&pol, ENGINE_HW)) {
		snprintf(err, sizeof(err), "--max-instructions: --policy=%s runs no instruction in the "
		         "interpreter and KVM cannot count them (--timeout bounds any policy)", pol.name);
		policy_free(&pol);
		return usage_error(err);
	}
	/* Before any thread is made, so that none takes them. */
	struct run_guard guard;
	if (run_guard_block(&guard)) {
		policy_free(&pol);
		return usage_error("cannot block SIGINT and SIGTERM");
	}

	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		policy_free(&pol);
		return usage_error("out of memory");
	}
	struct vm_config cfg = {
		.ram_size = o.mem,
		.serial_out_fd = -1,
		.serial_in_fd = STDIN_FILENO,
		.verbosity = LOG_WARN + o.verbose,
		.log_fn = print_log,
		.max_instructions = o.max_instructions,
	};
	int status;
	if (vm_init(vm, &cfg)) {
		status = usage_error(vm->err);
		free(vm);
		policy_free(&pol);
		return status;
	}
	/* From here a signal stops the guest, at its first instruction if
	 * it comes before the run. */
	int r = run_guard_start(&guard, vm, o.timeout_ns, o.timeout);
	if (r) {
		snprintf(err, sizeof(err), "cannot watch for signals and --timeout: %s", strerror(-r));
		status = usage_error(err);
		goto out;
	}
	if (load_guest(vm, &o)) {
		status = usage_error(vm->err);
		goto out;
	}
	int fd = open_serial(o.serial, err, sizeof(err));
	if (fd == -2) {
		status = usage_error(err);
		goto out;
	}
	vm->com1.out_fd = fd;
	struct audit_run ar;
	if (audit_run_open(&ar, vm, &o, err, sizeof(err))) {
		status = usage_error(err);
		goto out_fd;
	}

	struct sandbox_fds fds = {
		.serial_in = vm->com1.in_fd,
		.serial_out = fd,
		.audit = ar.file.fd,
		.guard_signals = guard.sfd,
		.guard_event = guard.efd,
	};
	int ran = run_vm(vm, &pol, o.sandbox, &fds);
	run_guard_stop(&guard);
	if (audit_run_close(&ar, vm, &o, err, sizeof(err))) {
		audit_run_free(&ar);
		status = usage_error(err);
		goto out_fd;
	}
	if (ran) {
		/* The monitor could not run the guest at all (e.g. no KVM):
		 * an environment problem, reported like bad input. */
		if (vm->stop == VM_RUNNING) {
			audit_run_free(&ar);
			status = usage_error(vm->err);
			goto out_fd;
		}
	}
	if (pol.report)
		fputs(pol.report, stderr);
	report_stop(vm, o.verbose);
	if (o.stats)
		print_stats(stderr, vm, pol.name, o.stats == STATS_JSON);
	status = vm->exit_status;
	if (o.audit_summary && audit_summary_print(&ar.summary, stderr, o.audit_summary - 1)) {
		fprintf(stderr, "hvmm: --audit-summary: cannot print the summary\n");
		status = VM_EXIT_FAILURE;
	}
	audit_run_free(&ar);
out_fd:
	if (fd > STDERR_FILENO)
		close(fd);
out:
	run_guard_stop(&guard);
	vm_destroy(vm);
	free(vm);
	policy_free(&pol);
	return status;
}

/* hvmm diff ARGS: hvmm run --policy=lockstep ARGS (a later --policy wins,
 * e.g. --policy=lockstep:STEPS). */
static int cmd_diff(int argc, char **argv)
{
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args)
		return usage_error("out of memory");
	char policy[] = "--policy=lockstep";
	args[0] = argv[0];
	args[1] = policy;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	int r = cmd_run(argc + 1, args);
	free(args);
	return r;
}

int main(int argc, char **argv)
{
	/* A closed serial pipe must not kill the monitor mid-run: the UART
	 * records the failed write and the guest goes on. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return usage_error("no command given (see hvmm help)");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "diff"))
		return cmd_diff(argc - 1, argv + 1);
	if (!strcmp(cmd, "kvm-info"))
		return cmd_kvm_info(argc - 1, argv + 1);
	if (!strcmp(cmd, "audit-summary"))
		return cmd_audit_summary(argc - 1, argv + 1);
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(main_usage, stdout);
		return 0;
	}
	fprintf(stderr, "hvmm: unknown command '%s' (see hvmm help)\n", cmd);
	return VM_EXIT_USAGE;
}
