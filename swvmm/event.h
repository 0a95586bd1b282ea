/* Event delivery internals shared by the run loop, exceptions and the
 * INT/IRET handlers (swvmm/exception.c, swvmm/deliver.c). */
#ifndef HVMM_SWVMM_EVENT_H
#define HVMM_SWVMM_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "swvmm/cpu.h"

/* longjmp values into the run loop. */
#define SW_JMP_EXCEPTION 1   /* c->exc holds an exception to deliver */
#define SW_JMP_STOP      2   /* the VM stopped (sw_unsupported) */

/* What kind of event is delivered. */
#define SW_EV_EXCEPTION 0x1  /* processor exception (RF rules, #DF pairing) */
#define SW_EV_TRAP      0x2  /* ... of the trap class */
#define SW_EV_SOFT      0x4  /* INT n, INT3, INTO: gate DPL checked, EXT=0 */
#define SW_EV_EXTERNAL  0x8  /* external interrupt or NMI */
#define SW_EV_ICEBP     0x10 /* INT1: no DPL check, EXT=0 */

/* Deliver through the IVT/IDT. rip_after is the return address pushed.
 * Faults raise; state changes only once every check passed. */
void sw_deliver_event(struct sw_cpu *c, unsigned vector, int errcode, unsigned kind,
                      uint64_t rip_after);

/* The run loop's landing after sw_raise: deliver c->exc (as #DF where the
 * pairing rules say so). false: triple fault, the VM is stopped. May
 * longjmp again when the delivery itself faults. */
bool sw_exception_arrived(struct sw_cpu *c);

#endif
