/* Virtual-8086 mode (Intel SDM Vol. 3, chapter 20; AMD APM Vol. 2): what the instruction handlers and event delivery do
 * differently there (swvmm/vm86.c). Addressing, segment loads, paging at
 * CPL 3 and the I/O bitmap follow from the mode itself (swvmm/mem.c,
 * swvmm/segment.c, swvmm/io.c).
 *
 * The virtual-8086 mode extensions (CR4.VME: VIF/VIP for CLI, STI, PUSHF,
 * POPF and IRET, the interrupt redirection bitmap for INT n) are not
 * modelled, as the CPUID model does not offer VME (core/cpuid.c): a guest
 * that sets CR4.VME anyway and reaches one of those instructions in
 * virtual-8086 mode stops the VM with a report. */
#ifndef HVMM_SWVMM_VM86_H
#define HVMM_SWVMM_VM86_H

#include <stdint.h>

#include "swvmm/cpu.h"

/* CLI, STI, PUSHF, POPF and IRET: in virtual-8086 mode #GP(0) below
 * IOPL 3, so that the ring-0 monitor emulates them. Nothing elsewhere. */
void sw_vm86_sensitive(struct sw_cpu *c);
/* INT n: the same (INT3, INTO and INT1 are not IOPL-sensitive). */
void sw_vm86_int_n(struct sw_cpu *c);

/* IRET at CPL 0 whose 32-bit EFLAGS image has VM set: the frame goes on
 * with ESP, SS, ES, DS, FS and GS above EIP, CS and EFLAGS; all of it is
 * read before anything changes. */
void sw_vm86_enter(struct sw_cpu *c, uint64_t eip, uint16_t cs, uint64_t eflags);

/* An event from virtual-8086 mode goes to a non-conforming DPL-0 handler
 * only: #GP(sel | ext) for any other gate target (new_cpl: the CPL the
 * target would run at). */
void sw_vm86_check_handler(struct sw_cpu *c, uint16_t sel, unsigned new_cpl, int ext);
/* The selectors such an event pushes above SS:ESP, in push order (GS,
 * FS, DS, ES), and after the pushes: DS, ES, FS and GS made null. */
void sw_vm86_frame_segs(const struct sw_cpu *c, uint64_t out[4]);
void sw_vm86_null_segs(struct sw_cpu *c);

#endif
