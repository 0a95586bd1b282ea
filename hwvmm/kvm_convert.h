/* Conversion between the canonical vCPU state and KVM's structures.
 * Pure data mapping: no ioctls, no file descriptors, so it is testable on
 * machines without /dev/kvm. A *_to_state function writes only the fields
 * the KVM structure carries and leaves every other field of the state as
 * it was, so state -> kvm -> state is the identity for what KVM holds. */
#ifndef HVMM_KVM_CONVERT_H
#define HVMM_KVM_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "core/vcpu_state.h"

/* IA32_TSC: transferred with the MSRs, held in vcpu_state.tsc. */
#define KVM_MSR_TSC 0x00000010u

/* One slot per MSR of VCPU_MSR_LIST, then one per MSR of each run of
 * VCPU_MSR_RUN_LIST, then IA32_TSC. */
enum kvm_msr_slot {
#define KVM_MSR_SLOT(name, index) KVM_MSR_SLOT_##name,
	VCPU_MSR_LIST(KVM_MSR_SLOT)
#undef KVM_MSR_SLOT
#define KVM_MSR_RUN_SLOT(name, index, n) \
	KVM_MSR_SLOT_##name, KVM_MSR_SLOT_##name##_last = KVM_MSR_SLOT_##name + (n) - 1,
	VCPU_MSR_RUN_LIST(KVM_MSR_RUN_SLOT)
#undef KVM_MSR_RUN_SLOT
	KVM_MSR_SLOT_tsc,
	KVM_NR_MSRS
};

/* struct kvm_msrs with room for every MSR the state carries. */
struct kvm_msr_block {
	struct kvm_msrs hdr;
	struct kvm_msr_entry entry[KVM_NR_MSRS];
};

/* Optional KVM behaviours the event conversion follows. */
struct kvm_conv_caps {
	/* KVM_CAP_EXCEPTION_PAYLOAD is enabled: KVM keeps "pending" and
	 * "injected" exceptions apart. Without it KVM only knows injected
	 * ones, so a pending exception is handed over as injected (KVM then
	 * delivers it on entry, which is what pending means). */
	bool exception_payload;
	/* The host runs KVM on VMX, whose VM entry wants TR busy. On SVM
	 * hosts TR goes in as the TSS type "available": AMD's VMRUN takes
	 * either, and the emulated SVM of the test harness (QEMU TCG) aborts
	 * on a busy TR when a 32-bit guest changes privilege level (see
	 * docs/migration.md). */
	bool tr_busy;
};

void kvm_regs_from_state(const struct vcpu_state *s, struct kvm_regs *r);
void kvm_regs_to_state(const struct kvm_regs *r, struct vcpu_state *s);

void kvm_segment_from_cache(const struct seg_cache *c, struct kvm_segment *k);
void kvm_segment_to_cache(const struct kvm_segment *k, struct seg_cache *c);

/* apic_base comes from and goes to s->msr.apic_base; the interrupt
 * bitmap is always zero (no interrupt is queued through sregs). */
void kvm_sregs_from_state(const struct vcpu_state *s, struct kvm_sregs *sr);
void kvm_sregs_to_state(const struct kvm_sregs *sr, struct vcpu_state *s);

void kvm_events_from_state(const struct vcpu_state *s, const struct kvm_conv_caps *caps,
                           struct kvm_vcpu_events *e);
void kvm_events_to_state(const struct kvm_vcpu_events *e, struct vcpu_state *s);

/* KVM_SET_MSRS input with every MSR of the state (nmsrs = KVM_NR_MSRS). */
void kvm_msrs_from_state(const struct vcpu_state *s, struct kvm_msr_block *m);
/* Index list only (values zero), as input to KVM_GET_MSRS. */
void kvm_msrs_indices(struct kvm_msr_block *m);
/* Store n entries; -ENOENT if an entry's index is not one the state holds. */
int kvm_msrs_to_state(const struct kvm_msr_entry *e, unsigned n, struct vcpu_state *s);
/* Short name of an MSR the state holds ("lstar", "tsc"; a run's name,
 * "mc_bank", for each MSR of the run), or NULL. */
const char *kvm_msr_name(uint32_t index);

/* kvm_fpu carries all of the FXSAVE image except mxcsr_mask and the
 * reserved bytes. */
void kvm_fpu_from_state(const struct vcpu_state *s, struct kvm_fpu *f);
void kvm_fpu_to_state(const struct kvm_fpu *f, struct vcpu_state *s);

/* The XSAVE image (standard format, 4096 bytes) with only the x87 and SSE
 * components: what the state holds. On hosts with XSAVE, KVM keeps the
 * guest FPU as an XSAVE image whose header says which components are
 * live; KVM_SET_FPU leaves that header alone, so values it writes can be
 * dropped in favour of the init state. KVM_SET_XSAVE with the x87 and SSE
 * bits set does not have that problem. */
#define KVM_XSAVE_HDR_OFFSET 512
#define KVM_XSTATE_FP_SSE    0x3ull
void kvm_xsave_from_state(const struct vcpu_state *s, struct kvm_xsave *x);
void kvm_xsave_to_state(const struct kvm_xsave *x, struct vcpu_state *s);

void kvm_debugregs_from_state(const struct vcpu_state *s, struct kvm_debugregs *d);
void kvm_debugregs_to_state(const struct kvm_debugregs *d, struct vcpu_state *s);

/* XCR0 only. to_state: -ENOENT if XCR0 is not in the list. */
void kvm_xcrs_from_state(const struct vcpu_state *s, struct kvm_xcrs *x);
int kvm_xcrs_to_state(const struct kvm_xcrs *x, struct vcpu_state *s);

/* KVM_MP_STATE_HALTED or KVM_MP_STATE_RUNNABLE. */
uint32_t kvm_mp_state_from_state(const struct vcpu_state *s);
void kvm_mp_state_to_state(uint32_t mp_state, struct vcpu_state *s);

/* Segment states VM entry refuses but the interpreter may hold (data or
 * code segment not accessed, TR not busy), fixed in KVM's copy only; and
 * the guest's view restored on the way back from a state that was loaded
 * as `loaded`. */
void kvm_sregs_fix_for_entry(struct kvm_sregs *sr);
/* On SVM hosts (caps.tr_busy clear): TR as "available" (see tr_busy). */
void kvm_sregs_tr_available(struct kvm_sregs *sr);
void kvm_sregs_unfix(const struct vcpu_state *loaded, struct vcpu_state *back);

/* The kvm_run sync-regs form: regs, sregs and events together. */
void kvm_sync_regs_from_state(const struct vcpu_state *s, const struct kvm_conv_caps *caps,
                              struct kvm_sync_regs *sync);
void kvm_sync_regs_to_state(const struct kvm_sync_regs *sync, struct vcpu_state *s);

#endif
