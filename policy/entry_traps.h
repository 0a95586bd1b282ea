/* Kernel entry points made to exit KVM. KVM has no exit on a CPL change,
 * so while CPL-3 code runs on KVM every way into the kernel (each present
 * IDT gate's target, and the SYSCALL/SYSENTER targets) starts with a HLT
 * (0xF4), which exits to the monitor after the CPU entered ring 0 and
 * pushed its frame, before the first kernel instruction. The original
 * bytes come back before anything else looks at memory. */
#ifndef HVMM_ENTRY_TRAPS_H
#define HVMM_ENTRY_TRAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/run_events.h"
#include "core/vcpu_state.h"

struct vm;

#define ENTRY_TRAP_BYTE 0xf4   /* HLT: exits KVM with no in-kernel APIC */
#define MAX_ENTRY_SITES 260    /* 256 gates, LSTAR, CSTAR, SYSENTER, legacy STAR */

enum entry_kind { ENTRY_GATE, ENTRY_LSTAR, ENTRY_CSTAR, ENTRY_SYSENTER, ENTRY_STAR };

struct entry_site {
	uint64_t lin;            /* linear address of the first instruction */
	uint64_t gpa;            /* where it lies in guest memory */
	uint8_t orig;            /* the guest's byte there */
	uint8_t kind;            /* enum entry_kind */
	uint8_t vector;          /* ENTRY_GATE: the lowest vector with this target */
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

/* The armed site whose trap a HLT exit at linear address lin came from
 * (lin is the HLT's own address), or NULL. */
const struct entry_site *entry_traps_find(const struct entry_traps *t, uint64_t lin);

/* The policy event of a kernel entry through site e, with state s as it
 * is at the entry (RAX holds a system call's number). */
enum run_event entry_event(const struct entry_site *e, const struct vcpu_state *s,
                           uint64_t *num);

#endif
