/* Helpers shared by the far-transfer handlers (swvmm/exec_branch*.c). */
#ifndef HVMM_SWVMM_FAR_H
#define HVMM_SWVMM_FAR_H

#include <stdbool.h>
#include <stdint.h>

#include "swvmm/cpu.h"

/* Byte-granular limit of a raw descriptor. */
uint32_t sw_desc_limit(uint64_t d);
/* #GP(0) unless rip is a valid entry into the code segment raw0: inside
 * its limit, or canonical for a 64-bit segment in long mode. */
void sw_far_check_rip(struct sw_cpu *c, uint64_t raw0, uint64_t rip);
/* Read the stack at RSP + sp_off (wrapped to the stack size). */
uint64_t sw_far_stack_read(struct sw_cpu *c, uint64_t sp_off, unsigned size);
/* Write RSP with ssize (2, 4, 8) bytes of sp. */
void sw_far_set_rsp(struct sw_cpu *c, uint64_t sp, unsigned ssize);

#endif
