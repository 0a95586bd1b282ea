/* Kernel entries that a host's KVM does not deliver as hardware does.
 * On PVM (docs/hosts.md) 64-bit CPL-3 code runs natively, but INT n
 * (n other than 3 and 4) arrives as #UD at the CD nn bytes, SYSENTER as
 * #UD, and SYSCALL jumps to LSTAR without leaving CPL 3, so that the trap
 * byte there faults (#GP, or #PF when the page is supervisor-only). With
 * the entry traps armed, each shows as an entry through the #UD, #GP or
 * #PF gate. entry_fixup recognises them from the frame and gives back the
 * user state just before the instruction, for the interpreter to execute
 * it: the guest sees the entry it asked for and nothing else (the frame
 * KVM pushed lies below the kernel stack pointer, where the real entry
 * pushes its own). Pure: guest memory and states in, a state out. */
#ifndef HVMM_ENTRY_FIXUP_H
#define HVMM_ENTRY_FIXUP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/memory.h"
#include "core/vcpu_state.h"
#include "hwvmm/entry_traps.h"

/* What the host gets wrong, from the probe (kvm_host.h). */
struct entry_fixups {
	bool int_n;      /* INT n from CPL 3 arrives as #UD at the CD nn bytes */
	bool syscall;    /* SYSCALL runs its target at CPL 3 */
	bool sysenter;   /* SYSENTER from CPL 3 arrives as #UD */
	bool iopl;       /* a native run loses RFLAGS.IOPL: the user state's is put back */
};

/* The entry through site e, with k the state at the handler's first
 * instruction (CPL 0, RIP on the site, the frame at RSP) and user the
 * CPL-3 state the stretch on KVM began with (its CS and SS caches, IOPL
 * and CR2 cannot have changed since without an entry). Returns true and
 * *out, the CPL-3 state on the INT n, SYSENTER or SYSCALL instruction,
 * with ev and num the run event it makes; false for a genuine entry. */
bool entry_fixup(const struct guest_mem *m, const struct entry_fixups *fx,
                 const struct entry_site *e, const struct vcpu_state *k,
                 const struct vcpu_state *user, struct vcpu_state *out,
                 enum run_event *ev, uint64_t *num);

/* RFLAGS as a native CPL-3 run on such a host left it, with the IOPL of
 * the state it started from put back. */
uint64_t entry_fix_iopl(const struct entry_fixups *fx, uint64_t rflags, uint64_t user_rflags);

#endif
