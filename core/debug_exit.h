/* isa-debug-exit at port 0xf4: a write of v ends the VM with exit status
 * (v << 1) | 1, as QEMU's device does. */
#ifndef HVMM_DEBUG_EXIT_H
#define HVMM_DEBUG_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_EXIT_PORT 0xf4
/* Ports claimed: four, as QEMU is usually configured (iosize=4), so that
 * outb, outw and outl to 0xf4 all reach the device. */
#define DEBUG_EXIT_NR_PORTS 4

struct vm;

/* Any write (len 1, 2 or 4) stops the VM; reads return all-ones. */
int debug_exit_io(void *opaque /* struct vm * */, uint64_t offset, void *data,
                  unsigned len, bool is_write);

#endif
