/* The KVM engine: runs the vCPU natively through /dev/kvm. */
#ifndef HVMM_HW_ENGINE_H
#define HVMM_HW_ENGINE_H

#include "core/engine.h"

/* name "hw". create fails with -ENODEV and vm->err
 * "KVM unavailable: /dev/kvm: <reason>" where KVM cannot be used. run
 * ignores the instruction budget, CPL and address limits (KVM cannot stop
 * on them) and returns on HLT, debug and interrupt-window exits, or when
 * vm->stop is set. */
extern const struct engine_ops hw_engine_ops;

#endif
