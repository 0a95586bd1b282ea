/* A read-only walk of the guest's page tables, for the monitor's own look
 * at guest memory (kernel entry points, reports): no accessed or dirty
 * bit is set and no fault is raised, so the guest cannot tell. */
#ifndef HVMM_PAGEWALK_H
#define HVMM_PAGEWALK_H

#include <stdint.h>

#include "core/memory.h"
#include "core/vcpu_state.h"

/* The guest-physical address of linear address lin under the paging mode
 * of s (none, 32-bit, PAE or 4-level). 0, or -EFAULT when a level is not
 * present or a table lies outside guest RAM. */
int guest_lin_to_phys(const struct guest_mem *m, const struct vcpu_state *s,
                      uint64_t lin, uint64_t *gpa);

/* Copy len bytes at linear address lin out of guest memory, one walk per
 * page touched. 0, or -EFAULT when part of it is not mapped or not in
 * guest memory. */
int guest_read_lin(const struct guest_mem *m, const struct vcpu_state *s, uint64_t lin,
                   void *buf, unsigned len);

#endif
