/* Executing instructions (swvmm/step.c): one at a time with every
 * per-instruction rule, or a cached block at full speed. */
#ifndef HVMM_SWVMM_STEP_H
#define HVMM_SWVMM_STEP_H

#include <stdint.h>

#include "swvmm/cpu.h"

/* One instruction at CS:RIP: fetch (through the decoded-instruction cache
 * when it can), decode, execute, commit, with the interrupt-shadow, RF
 * and single-step (TF) rules. Faults unwind to the run loop. */
void sw_step(struct sw_cpu *c);

/* Up to max (>= 1) instructions from cached blocks, block after block,
 * until an instruction that the run loop must see the effects of (events,
 * halt, stop requests: sw_block.stop), an instruction that calls
 * sw_block_break (code, mode or translations changed), c->run_stop_rip,
 * or an instruction the cache cannot hold. Only when TF and RF are clear
 * and no interrupt shadow is in force: those need sw_step's
 * per-instruction rules. Falls back to sw_step when the first instruction
 * cannot come from the cache. */
void sw_run_blocks(struct sw_cpu *c, uint64_t max);

/* After a fault or stop unwound a block: RIP and the instruction count
 * become those of the instruction that raised it. */
void sw_block_unwound(struct sw_cpu *c);

#endif
