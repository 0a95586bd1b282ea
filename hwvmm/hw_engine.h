/* The KVM engine: runs the vCPU natively through /dev/kvm. */
#ifndef HVMM_HW_ENGINE_H
#define HVMM_HW_ENGINE_H

#include "core/engine.h"

#include <stdint.h>

/* name "hw". create fails with -ENODEV and vm->err
 * "KVM unavailable: /dev/kvm: <reason>" where KVM cannot be used. run
 * ignores the instruction budget, CPL and address limits (KVM cannot stop
 * on them) and returns on HLT (with IF set, or always with report_hlt),
 * debug exits, each port/MMIO exit with stop_on_io, at deadline_ns, or
 * when vm->stop is set. */
extern const struct engine_ops hw_engine_ops;

/* "IO", "HLT", ... for a KVM exit reason (the statistics' keys). */
const char *kvm_exit_name(uint32_t reason);

#endif
