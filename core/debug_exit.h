/* isa-debug-exit at port 0xf4: a write of v ends the VM with exit status
 * (v << 1) | 1, as QEMU's device does. */
#ifndef HVMM_DEBUG_EXIT_H
#define HVMM_DEBUG_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_EXIT_PORT 0xf4

struct vm;

int debug_exit_io(void *opaque /* struct vm * */, uint64_t offset, void *data,
                  unsigned len, bool is_write);

#endif
