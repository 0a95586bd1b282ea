/* Kernel entry points made to exit KVM: how the KVM engine honours
 * stop_on_cpl_change for CPL-3 code. KVM has no exit on a CPL change, so
 * while CPL-3 code runs on KVM every way into the kernel (each present
 * IDT gate's target, and the SYSCALL/SYSENTER targets) starts with a HLT
 * (0xF4), which exits to the monitor after the CPU entered ring 0 and
 * pushed its frame, before the first kernel instruction. The original
 * bytes come back before anything else looks at memory. Internal to
 * hwvmm (kvm_entry.c drives it). */
#ifndef HVMM_ENTRY_TRAPS_H
#define HVMM_ENTRY_TRAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/vcpu_state.h"

struct vm;

#define ENTRY_TRAP_BYTE 0xf4   /* HLT: exits KVM with no in-kernel APIC */
#define MAX_ENTRY_SITES 260    /* 256 gates, LSTAR, CSTAR, SYSENTER, legacy STAR */

enum entry_kind { ENTRY_GATE, ENTRY_LSTAR, ENTRY_CSTAR, ENTRY_SYSENTER, ENTRY_STAR };

/* The exception gates whose frames a host fix-up reads (entry_fixup.h),
 * and #DB, whose delivery writes DR6: several gates may share one
 * handler, so a site keeps them all. */
#define ENTRY_VIA_UD (1u << 0)   /* #UD, vector 6 */
#define ENTRY_VIA_GP (1u << 1)   /* #GP, vector 13 */
#define ENTRY_VIA_PF (1u << 2)   /* #PF, vector 14 */
#define ENTRY_VIA_DB (1u << 3)   /* #DB, vector 1 */

struct entry_site {
	uint64_t lin;            /* linear address of the first instruction */
	uint64_t gpa;            /* where it lies in guest memory */
	uint8_t orig;            /* the guest's byte there */
	uint8_t kind;            /* enum entry_kind */
	uint8_t vector;          /* ENTRY_GATE: the lowest vector with this target */
	uint8_t via;             /* ENTRY_VIA_*: #UD, #GP, #PF, #DB gates with this target */
};

struct entry_traps {
	struct entry_site site[MAX_ENTRY_SITES];
	unsigned n;
	bool armed;
};

/* Find the entry points of state s and put the trap byte on each.
 * Returns how many were armed (0 if none could be found). */
int entry_traps_arm(struct entry_traps *t, struct vm *vm, const struct vcpu_state *s);

/* Put the guest's bytes back. A site whose trap byte the guest itself
 * overwrote while it ran keeps the guest's new byte. */
void entry_traps_disarm(struct entry_traps *t, struct vm *vm);

/* The armed site at linear address lin (a trap HLT's own address, or
 * RIP at an exit that came before the HLT ran), or NULL. */
const struct entry_site *entry_traps_find(const struct entry_traps *t, uint64_t lin);

/* The run event of a kernel entry through site e, with state s as it is
 * at the entry (RAX holds a system call's number). */
enum run_event entry_event(const struct entry_site *e, const struct vcpu_state *s,
                           uint64_t *num);
/* The same for an entry through the IDT gate of vector: INT 0x80 is a
 * system call, vectors 0-31 exceptions, the rest interrupts. */
enum run_event entry_gate_event(unsigned vector, const struct vcpu_state *s, uint64_t *num);

#endif
