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
#define DR7_FIXED1   0x00000400ull
#define DR7_WRITABLE 0xffff2bffull
#define DR7_GD       (1ull << 13)

#endif
