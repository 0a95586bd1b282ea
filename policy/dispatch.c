#include <errno.h>
#include <string.h>

#include "core/vm.h"
#include "hwvmm/hw_engine.h"
#include "policy/dispatch.h"
#include "swvmm/sw_engine.h"

static const struct engine_ops *const engines[] = {
	&hw_engine_ops,
	&sw_engine_ops,
};

const struct engine_ops *engine_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(engines) / sizeof(engines[0]); i++)
		if (!strcmp(engines[i]->name, name))
			return engines[i];
	return NULL;
}

/* HLT with interrupts enabled waits for an interrupt. No device can raise
 * one yet (the interrupt controllers arrive with the hybrid), so such a
 * wait would never end: stop instead of hanging, and say why. */
static void halt_with_no_wakeup(struct vm *vm)
{
	vm_log(vm, LOG_WARN, "guest halted with interrupts enabled at rip 0x%llx; "
	       "no interrupt source can wake it, stopping",
	       (unsigned long long)vm->vcpu.rip);
	vm_request_stop(vm, VM_STOP_HALT, VM_EXIT_OK);
}

int dispatch_run(struct vm *vm, const struct engine_ops *eng)
{
	void *ctx = NULL;
	int ret = eng->create(vm, &ctx);
	if (ret)
		return ret;
	ret = eng->load_state(ctx, &vm->vcpu);
	while (!ret && vm->stop == VM_RUNNING) {
		struct run_limits lim = { 0 };
		struct run_exit ex = { 0 };
		ret = eng->run(ctx, &lim, &ex);
		if (ret)
			break;
		switch (ex.reason) {
		case RUN_EXIT_STOPPED:
			break;
		case RUN_EXIT_HALT:
			ret = eng->store_state(ctx, &vm->vcpu);
			if (!ret)
				halt_with_no_wakeup(vm);
			break;
		case RUN_EXIT_BUDGET:
		case RUN_EXIT_CPL_CHANGE:
		case RUN_EXIT_RIP:
		case RUN_EXIT_EVENT:
			/* Single engine: nothing to switch to; run on. */
			break;
		}
	}
	/* The canonical state reflects where the guest stopped, for reports. */
	if (!ret)
		ret = eng->store_state(ctx, &vm->vcpu);
	/* A failure once the engine ran is the VM's end, not a usage error. */
	if (ret)
		vm_request_stop(vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
	eng->destroy(ctx);
	return ret;
}
