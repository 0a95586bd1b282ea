/* Interrupt sources as the engines see them: the 8259 pair, the 8254 and
 * the local APIC, all in core/ and shared by both engines. Whichever
 * engine runs the vCPU asks here at its instruction boundaries whether an
 * external interrupt waits at INTR, and performs the acknowledge cycle
 * when it delivers one. Time is the VM clock (core/clock.h), on the same
 * scale as the guest TSC. */
#ifndef HVMM_INTR_H
#define HVMM_INTR_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* Is a maskable external interrupt waiting for the CPU (RFLAGS.IF and the
 * interrupt shadow are the engine's to check)? Cheap enough to call at
 * every instruction block. Timers are not advanced here. */
bool vm_intr_pending(struct vm *vm);

/* The interrupt-acknowledge cycle: returns the vector to deliver and
 * moves the request in service, or -1 if nothing is pending any more.
 * The 8259 answers its spurious vector (IRQ 7/15) as real ones do. */
int vm_intr_ack(struct vm *vm);

/* Bring the timers (PIT channels, APIC timer, RTC) up to the present,
 * raising the interrupts that fell due. */
void vm_timers_update(struct vm *vm);

/* VM-clock time (ns) at which the next timer interrupt falls due, or
 * UINT64_MAX when no timer runs. */
uint64_t vm_timers_deadline(struct vm *vm);

/* An NMI waiting for the CPU (sent through the APIC's ICR): true once,
 * the engine then makes it pending in the vCPU (ev.nmi.pending), where
 * NMI blocking and the interrupt shadow decide when it is delivered. */
bool vm_intr_take_nmi(struct vm *vm);

/* IA32_APIC_BASE as the CPU holds it now: either engine reports it on a
 * state load and when the guest may have written it (core/lapic.h,
 * lapic_set_base). */
void vm_intr_set_apic_base(struct vm *vm, uint64_t apic_base);

/* The task-priority register as CR8 shows it (TPR bits 7:4): MOV CR8 in
 * either engine reads and writes the APIC's TPR through these. */
uint64_t vm_intr_get_cr8(struct vm *vm);
void vm_intr_set_cr8(struct vm *vm, uint64_t cr8);

#endif
