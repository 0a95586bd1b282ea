/* The dispatcher: the run loop that owns the vCPU, routes what the engine
 * reports and decides where the vCPU runs next. With one engine (this
 * issue) it runs that engine until the VM stops; the policy engine and
 * migration plug in here. */
#ifndef HVMM_DISPATCH_H
#define HVMM_DISPATCH_H

#include "core/engine.h"

struct vm;

/* The engines this build offers, by name ("hw", "sw"). NULL if unknown. */
const struct engine_ops *engine_by_name(const char *name);

/* Run the VM from vm->vcpu until it stops. Returns 0 when the VM stopped
 * (vm->stop, vm->exit_status say how) or -errno with vm->err set when the
 * monitor itself failed (e.g. the engine could not be created). */
int dispatch_run(struct vm *vm, const struct engine_ops *eng);

#endif
