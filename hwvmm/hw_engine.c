/* The engine object the dispatcher drives: creation and teardown of the
 * KVM VM and vCPU, and the table of operations. */
#include <errno.h>
#include <stdlib.h>

#include "core/vm.h"
#include "hwvmm/hw_ctx.h"
#include "hwvmm/hw_engine.h"

static void hw_destroy(void *ctx)
{
	struct hw_ctx *c = ctx;
	if (!c)
		return;
	hw_kick_fini(c);
	hw_dirty_fini(c);
	hw_vcpu_destroy(c);
	hw_vm_close(c);
	free(c);
}

static int hw_create(struct vm *vm, void **ctx)
{
	*ctx = NULL;
	struct hw_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return vm_fail(vm, -ENOMEM, "KVM engine: out of memory");
	c->vm = vm;
	c->kvm_fd = c->vm_fd = c->vcpu_fd = -1;
	int r = hw_vm_open(c);
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

const struct engine_ops hw_engine_ops = {
	.name = "hw",
	.create = hw_create,
	.destroy = hw_destroy,
	.load_state = hw_load_state,
	.store_state = hw_store_state,
	.run = hw_run,
	.peek_state = hw_peek_state,
	.watch = hw_watch,
	.written = hw_written,
};
