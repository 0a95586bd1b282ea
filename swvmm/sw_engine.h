/* The interpreter engine: runs the vCPU instruction by instruction in
 * software. The context create() returns is the struct sw_cpu itself
 * (swvmm/cpu.h), which tests may inspect. */
#ifndef HVMM_SW_ENGINE_H
#define HVMM_SW_ENGINE_H

#include "core/engine.h"

/* name "sw". run honours every run_limits field: the budget counts
 * retired instructions and delivered events; stop_at_rip is checked
 * before each instruction except the first of a call, so a caller can
 * resume from the address it stopped at; a CPL change is reported after
 * the instruction or event delivery that made it. */
extern const struct engine_ops sw_engine_ops;

#endif
