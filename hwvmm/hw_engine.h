/* The KVM engine: runs the vCPU natively through /dev/kvm. */
#ifndef HVMM_HW_ENGINE_H
#define HVMM_HW_ENGINE_H

#include "core/engine.h"

#include <stdint.h>

/* name "hw". create probes what the host's KVM runs natively
 * (kvm_host.h; runs_natively and runs_all report it) and fails with
 * -ENODEV and vm->err "KVM unavailable: /dev/kvm: <reason>" where KVM
 * cannot be used. run ignores the instruction budget and address limits
 * (KVM cannot stop on them) and returns on HLT with IF set, debug exits,
 * each port/MMIO exit with stop_on_io, the max_io_exits-th one without,
 * at deadline_ns, when vm->stop is set, and with stop_on_cpl_change at
 * every kernel entry from CPL 3 (RUN_EXIT_CPL_CHANGE with entry set,
 * kvm_entry.c) and at any exit that finds the CPL changed. */
extern const struct engine_ops hw_engine_ops;

/* "IO", "HLT", ... for a KVM exit reason (the statistics' keys). */
const char *kvm_exit_name(uint32_t reason);

#endif
