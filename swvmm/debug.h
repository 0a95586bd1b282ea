/* Debug registers: the DR6 and DR7 bits the interpreter uses, and the
 * breakpoints DR0-DR3 armed by DR7 (swvmm/debug.c; Intel SDM Vol. 3,
 * 17.2-17.3). */
#ifndef HVMM_SWVMM_DEBUG_H
#define HVMM_SWVMM_DEBUG_H

#include "swvmm/cpu.h"

#define DR6_FIXED1   0xffff0ff0ull
#define DR6_WRITABLE 0x0000e00full
#define DR6_BD       (1ull << 13)
#define DR6_BS       (1ull << 14)
#define DR6_BT       (1ull << 15)
#define DR7_FIXED1   0x00000400ull
#define DR7_WRITABLE 0xffff2bffull
#define DR7_GD       (1ull << 13)

/* Recompute which breakpoints DR7 arms (c->dbg_exec, c->dbg_data); then
 * sw_update_mode, which keeps data accesses off the inline fast paths
 * while a data breakpoint is armed. */
void sw_dbg_arm(struct sw_cpu *c);
/* An instruction breakpoint at the linear address lin of the instruction
 * about to run: sets DR6 B0-B3 and raises the #DB fault. */
void sw_dbg_exec(struct sw_cpu *c, uint64_t lin);
/* A data access to [lin, lin+size): the data breakpoints it hits go into
 * c->db_trap, reported by the trap after the instruction. */
void sw_dbg_data(struct sw_cpu *c, uint64_t lin, unsigned size, bool write);

#endif
