/* What the host's KVM runs natively, found by running it.
 *
 * VMX and SVM hosts run every CPU mode natively. Other KVM backends (PVM,
 * kvm_pvm) run only 64-bit CPL-3 code natively and send the rest through
 * KVM's instruction emulator, which fails on SSE and the like. A policy
 * that moves the vCPU between the engines needs to know which: the probe
 * runs a few bytes of such code in each kind of guest state on a scratch
 * VM and records what happened. */
#ifndef HVMM_KVM_HOST_H
#define HVMM_KVM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpuid.h"
#include "core/vcpu_state.h"

enum kvm_backend { KVM_BACKEND_UNKNOWN, KVM_BACKEND_INTEL, KVM_BACKEND_AMD, KVM_BACKEND_PVM };

/* The kinds of guest state the probe runs, one row each (X-macro: enum + names from one list). */
#define KVM_HOST_MODES(X) \
	X(REAL,        "real mode") \
	X(PROT16,      "16-bit protected mode, CPL 0") \
	X(PROT32,      "32-bit protected mode, CPL 0") \
	X(PROT_USER,   "16/32-bit protected mode, CPL 3") \
	X(COMPAT_USER, "compatibility mode, CPL 3") \
	X(LONG_KERNEL, "64-bit mode, CPL 0") \
	X(LONG_USER,   "64-bit mode, CPL 3")

enum kvm_host_mode {
#define KVM_HOST_MODE_ENUM(id, name) HM_##id,
	KVM_HOST_MODES(KVM_HOST_MODE_ENUM)
#undef KVM_HOST_MODE_ENUM
	NR_HOST_MODES
};

/* Kernel entries from 64-bit CPL 3. */
#define KVM_HOST_ENTRIES(X) \
	X(INT_N,    "INT n from CPL 3") \
	X(SYSCALL,  "SYSCALL from CPL 3") \
	X(SYSENTER, "SYSENTER from CPL 3")

enum kvm_host_entry {
#define KVM_HOST_ENTRY_ENUM(id, name) HE_##id,
	KVM_HOST_ENTRIES(KVM_HOST_ENTRY_ENUM)
#undef KVM_HOST_ENTRY_ENUM
	NR_HOST_ENTRIES
};

enum probe_result {
	PROBE_NATIVE,     /* ran as hardware runs it */
	PROBE_EMULATED,   /* went through KVM's instruction emulator (internal error, or #UD injected) */
	PROBE_REFUSED,    /* KVM refused the state (shutdown, entry failure, KVM_RUN error) */
	PROBE_FAILED,     /* anything else (unexpected exit) */
};

/* No exception vector: entry_vector when nothing arrived. */
#define KVM_HOST_NO_VECTOR 0xff

struct kvm_host_info {
	enum kvm_backend backend;
	uint8_t mode[NR_HOST_MODES];          /* enum probe_result */
	/* Reached its kernel target at CPL 0 as hardware does. SYSENTER in
	 * 64-bit mode raises #UD on AMD CPUs: with an AMD-vendor CPUID that
	 * #UD is what hardware does, so it counts as native (and entry_vector
	 * still says 6). */
	bool entry_native[NR_HOST_ENTRIES];
	uint8_t entry_vector[NR_HOST_ENTRIES];/* when not native: the exception vector that arrived instead (6, 13, 14...), 0xff if none */
	bool tsc_offset;      /* a TSC offset / TSC write is honoured by the guest's RDTSC */
	bool guest_debug;     /* single-step at CPL 3 exits with KVM_EXIT_DEBUG */
	bool iopl_kept;       /* RFLAGS.IOPL reads back after a native CPL-3 run */
	uint32_t run_ns;      /* median KVM_RUN round trip from 64-bit CPL 3 (an MMIO exit) */
	uint32_t ioctl_ns;    /* median cost of one vCPU ioctl (KVM_GET_REGS) */
	struct cpuid_model cpuid; /* the CPUID model hvmm presents here (core/cpuid.h) */
};

/* Pure functions, no KVM needed. */

/* VM86 and PROT16/32 at CPL 3 -> PROT_USER; COMPAT16/32 at CPL 3 ->
 * COMPAT_USER, at CPL 0-2 -> LONG_KERNEL; CPL 1-2 count as kernel. */
enum kvm_host_mode kvm_host_mode_of(const struct vcpu_state *s);
/* The mode row of s is PROBE_NATIVE. */
bool kvm_host_runs(const struct kvm_host_info *h, const struct vcpu_state *s);
/* Every mode row native and every entry native. */
bool kvm_host_runs_all(const struct kvm_host_info *h);
/* One line naming the backend and what it cannot run natively. Returns 0,
 * or -EINVAL if the host runs everything (buf then says so). */
int kvm_host_limits(const struct kvm_host_info *h, char *buf, size_t len);

/* The same, short enough for one error line: where some mode is not
 * native, only what runs natively, and a pointer to hvmm kvm-info. */
int kvm_host_limit_brief(const struct kvm_host_info *h, char *buf, size_t len);

const char *kvm_backend_name(enum kvm_backend b);  /* "kvm_intel", "kvm_amd", "kvm_pvm", "unknown" */
const char *kvm_host_mode_name(enum kvm_host_mode m);
const char *kvm_host_entry_name(enum kvm_host_entry e);
const char *probe_result_name(enum probe_result r); /* "native", "emulated", "refused", "failed" */
/* "#UD", "#GP", ... for an exception vector; "vector" for others. */
const char *kvm_vector_name(uint8_t vector);

/* The backend from a sysfs module folder (normally "/sys/module"):
 * kvm_intel, kvm_amd, kvm_pvm (only when neither other is there), else
 * unknown. */
enum kvm_backend kvm_backend_from_sysfs(const char *module_dir);

/* KVM needed: opens /dev/kvm itself, makes a scratch VM and vCPU, runs the
 * probes, closes everything. 0, or -ENODEV with err "KVM unavailable:
 * /dev/kvm: <reason>", or -errno with err naming the ioctl that failed. */
int kvm_host_probe(struct kvm_host_info *out, char *err, size_t errlen);

#endif
