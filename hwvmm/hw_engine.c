/* The engine object the dispatcher drives: creation and teardown of the
 * KVM VM and vCPU, and the table of operations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "hwvmm/hw_ctx.h"
#include "hwvmm/hw_engine.h"
#include "hwvmm/hw_syscalls.h"

static void hw_destroy(void *ctx)
{
	struct hw_ctx *c = ctx;
	if (!c)
		return;
	hw_entry_disarm(c);
	hw_kick_fini(c);
	hw_dirty_fini(c);
	hw_vcpu_destroy(c);
	hw_vm_close(c);
	free(c);
}

/* What the host's KVM runs natively decides what this engine is given
 * (runs_natively) and how it mends what the host does differently. */
static int host_probe(struct hw_ctx *c)
{
	struct vm *vm = c->vm;
	char err[sizeof(vm->err)];
	int r = kvm_host_probe(&c->host, err, sizeof(err));
	if (r)
		return vm_fail(vm, r, "%s", err);
	bool user64 = c->host.mode[HM_LONG_USER] == PROBE_NATIVE;
	c->fixups = (struct entry_fixups){
		.int_n = user64 && !c->host.entry_native[HE_INT_N],
		.syscall = user64 && !c->host.entry_native[HE_SYSCALL],
		.sysenter = user64 && !c->host.entry_native[HE_SYSENTER],
		.iopl = !c->host.iopl_kept,
	};
	/* What a round trip costs here, for policies that weigh it. */
	vm->stats.hw_run_ns = c->host.run_ns;
	/* One clock in both engines where KVM ignores the TSC offset. */
	if (!c->host.tsc_offset)
		vm->clock.tsc_is_host = true;
	return 0;
}

static bool hw_runs_natively(void *ctx, const struct vcpu_state *s)
{
	const struct hw_ctx *c = ctx;
	return kvm_host_runs(&c->host, s);
}

static bool hw_runs_all(void *ctx, char *why, size_t len)
{
	const struct hw_ctx *c = ctx;
	if (kvm_host_runs_all(&c->host))
		return true;
	if (why && len)
		kvm_host_limit_brief(&c->host, why, len);
	return false;
}

static int hw_create(struct vm *vm, void **ctx)
{
	*ctx = NULL;
	struct hw_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return vm_fail(vm, -ENOMEM, "KVM engine: out of memory");
	c->vm = vm;
	c->kvm_fd = c->vm_fd = c->vcpu_fd = -1;
	int r = host_probe(c);
	if (!r)
		r = hw_vm_open(c);
	if (!r)
		r = hw_vcpu_create(c);
	if (!r) {
		hw_tsc_probe(c);
		r = hw_dirty_init(c);
	}
	if (!r)
		r = hw_kick_init(c);
	if (r) {
		hw_destroy(c);
		return r;
	}
	*ctx = c;
	return 0;
}

void hw_engine_fds(const void *ctx, int fds[NR_HW_FDS])
{
	const struct hw_ctx *c = ctx;
	fds[HW_FD_KVM] = c ? c->kvm_fd : -1;
	fds[HW_FD_VM] = c ? c->vm_fd : -1;
	fds[HW_FD_VCPU] = c ? c->vcpu_fd : -1;
}

const struct engine_ops hw_engine_ops = {
	.name = "hw",
	.create = hw_create,
	.destroy = hw_destroy,
	.load_state = hw_load_state,
	.store_state = hw_store_state,
	.run = hw_run,
	.peek_state = hw_peek_state,
	.entry_state = hw_entry_state,
	.runs_natively = hw_runs_natively,
	.runs_all = hw_runs_all,
	.watch = hw_watch,
	.written = hw_written,
};
