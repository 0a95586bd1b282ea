/* The KVM engine's context, shared by the files of hwvmm/ (not a public
 * interface: the dispatcher only sees hw_engine_ops). */
#ifndef HVMM_HW_CTX_H
#define HVMM_HW_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <time.h>

#include "core/audit.h"
#include "core/engine.h"
#include "core/memory.h"
#include "core/vcpu_state.h"
#include "hwvmm/entry_fixup.h"
#include "hwvmm/entry_traps.h"
#include "hwvmm/kvm_convert.h"
#include "hwvmm/kvm_host.h"
#include "hwvmm/kvm_timer.h"

struct vm;

/* State put into KVM by ioctl. load_state marks what it put, store_state
 * what it read; a later refinement can skip the ioctls for parts neither
 * side changed by clearing bits here. */
#define HW_PART_MSRS  (1u << 0)
#define HW_PART_FPU   (1u << 1)
#define HW_PART_DREGS (1u << 2)
#define HW_PART_XCRS  (1u << 3)
#define HW_PARTS_ALL  (HW_PART_MSRS | HW_PART_FPU | HW_PART_DREGS | HW_PART_XCRS)

/* kvm_run's sync-regs fields this engine always uses. */
#define HW_SYNC_ALL (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

struct hw_ctx {
	struct vm *vm;
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;          /* the vCPU's shared page(s) */
	size_t run_size;

	struct kvm_conv_caps caps;
	bool has_xcrs;                /* KVM_CAP_XCRS */
	bool has_xsave;               /* KVM_CAP_XSAVE: FPU moves as an XSAVE image */
	bool has_readonly_mem;        /* KVM_CAP_READONLY_MEM */
	bool has_sregs2;              /* KVM_CAP_SREGS2: PDPTE registers move as they are */

	bool sync_valid;   /* run->s.regs holds the vCPU's regs/sregs/events */
	bool io_pending;   /* an I/O or MMIO exit that the next KVM_RUN completes */
	bool halted;       /* HLT done: the vCPU waits for an event */
	unsigned dirty;    /* HW_PART_*: parts to put on the next load_state */

	/* The last state handed in or out: supplies the fields that KVM does
	 * not carry (mxcsr_mask, reserved FXSAVE bytes) on store_state. */
	struct vcpu_state shadow;

	uint32_t last_exit;           /* KVM exit reason of the last KVM_RUN */
	bool ran_kernel;              /* guest code at CPL 0-2 ran since load_state:
	                                 MSRs, debug registers and XCR0 may differ */
	bool entry_db;                /* a #DB entry was handed off: the CPU's
	                                 entry wrote DR6 (BS, B0-B3) */

	/* Guest TSC = host TSC + tsc_offset, set through KVM_VCPU_TSC_OFFSET
	 * where KVM has it (has_tsc_offset); else the TSC moves as an MSR. */
	bool has_tsc_offset;
	uint64_t tsc_offset;
	uint64_t paused_seen;         /* vm->clock.paused when tsc_offset was set */

	bool stepping;                /* kvm_step.c: KVM single-steps the guest */
	bool step_planted;            /* ... and the trap byte is on step_site */
	struct entry_site step_site;

	struct kvm_timer kick;        /* kvm_kick.c */
	uint64_t kick_armed_ns;       /* VM-clock time armed, 0: none */
	pthread_t kick_thread;        /* the vCPU's: where a stop's kick goes */

	/* The registers, segments and events of the last KVM_RUN's entry:
	 * after a shutdown, which leaves the vCPU reset on AMD, the state
	 * before the fault is known from here (hw_entry_state). */
	struct kvm_sync_regs at_entry;
	bool entered;                 /* at_entry holds one */

	/* What this host's KVM runs natively (kvm_probe.c), and the entry
	 * fix-ups that follow from it. */
	struct kvm_host_info host;
	struct entry_fixups fixups;

	/* kvm_entry.c: the trap bytes on the kernel entry points while
	 * CPL-3 code runs, and the state that stretch began with. */
	struct entry_traps traps;
	struct vcpu_state user;

	/* kvm_dirty.c: per RAM slot, one bit a page. */
	bool dirty_manual;            /* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 on */
	bool arm_pending;             /* to_arm has bits */
	uint64_t *watched[GMEM_MAX_REGIONS]; /* pages whose writes are logged for the caller */
	uint64_t *to_arm[GMEM_MAX_REGIONS];  /* pages to watch from the next run */
	uint64_t *dirty_bitmap, *clear_bitmap; /* scratch, the largest slot's size */
};

/* kvm_vm.c: /dev/kvm, the VM, its memslots. */
int hw_vm_open(struct hw_ctx *c);
void hw_vm_close(struct hw_ctx *c);

/* kvm_vcpu.c: the vCPU, its kvm_run mapping and CPUID. */
int hw_vcpu_create(struct hw_ctx *c);
void hw_vcpu_destroy(struct hw_ctx *c);
/* One vCPU ioctl, counted in the stats. Returns the ioctl's result, or
 * -errno with vm->err "<name>: <strerror>". */
int hw_vcpu_ioctl(struct hw_ctx *c, unsigned long req, void *arg, const char *name);
#define HW_VCPU_IOCTL(c, req, arg) hw_vcpu_ioctl((c), (req), (arg), #req)

/* kvm_state.c */
int hw_load_state(void *ctx, const struct vcpu_state *s);
int hw_store_state(void *ctx, struct vcpu_state *s);
int hw_peek_state(void *ctx, struct vcpu_state *s);
/* engine_ops.entry_state: the state the last KVM_RUN entered the guest
 * with (at_entry over the last state handed in or out). */
int hw_entry_state(void *ctx, struct vcpu_state *s);
/* Guest time paused since the TSC offset was set (vclock_pause): take
 * it out of KVM's TSC too. Without KVM_VCPU_TSC_OFFSET the TSC on KVM
 * keeps it. 0 or -EIO. */
int hw_tsc_follow_pause(struct hw_ctx *c);
/* Whether KVM offers KVM_VCPU_TSC_OFFSET (sets has_tsc_offset). */
void hw_tsc_probe(struct hw_ctx *c);

/* kvm_run.c */
int hw_run(void *ctx, const struct run_limits *lim, struct run_exit *out);
/* Let KVM finish an I/O or MMIO instruction whose exit was handled, so
 * the state is at an instruction boundary, without running further. */
int hw_complete_io(struct hw_ctx *c);

/* The CPL of the state in the sync-regs area: the RPL of CS in protected
 * mode, as the CPU keeps them equal. */
static inline unsigned hw_sync_cpl(const struct kvm_sync_regs *sr)
{
	if (!(sr->sregs.cr0 & CR0_PE))
		return 0;
	if (sr->regs.rflags & RFLAGS_VM)
		return 3;
	return sr->sregs.cs.selector & 3;
}

/* kvm_entry.c: the kernel-entry hand-off. prepare arms the traps before
 * a run at CPL 3 that is to stop on a CPL change, and disarms them
 * otherwise. check, after an exit (hlt: a KVM_EXIT_HLT): HW_ENTRY_NONE
 * (still CPL 3, or nothing armed), HW_ENTRY_MISSED (CPL 0-2 away from any
 * entry point: counted), HW_ENTRY_HANDED_OFF (out filled), or -errno. */
enum { HW_ENTRY_NONE, HW_ENTRY_MISSED, HW_ENTRY_HANDED_OFF };
int hw_entry_prepare(struct hw_ctx *c, const struct run_limits *lim);
void hw_entry_disarm(struct hw_ctx *c);
int hw_entry_check(struct hw_ctx *c, bool hlt, struct run_exit *out);

/* kvm_audit.c: the audit's records of an I/O or MMIO exit (after the
 * device answered: data holds the value) and of a kernel entry through
 * site e handed off with the handler's state k. Nothing without an
 * audit. */
void hw_audit_access(struct hw_ctx *c, enum audit_kind kind, bool write, uint64_t addr,
                     unsigned size, const void *data);
void hw_audit_entry(struct hw_ctx *c, const struct vcpu_state *k, const struct entry_site *e,
                    enum run_event ev);

/* kvm_kick.c: ending KVM_RUN at a VM-clock time. */
int hw_kick_init(struct hw_ctx *c);
void hw_kick_fini(struct hw_ctx *c);
int hw_kick_arm(struct hw_ctx *c, uint64_t at_ns);
void hw_kick_taken(struct hw_ctx *c);

/* kvm_dirty.c: pages the guest wrote in KVM (engine_ops.written). */
int hw_dirty_enable(struct hw_ctx *c);
int hw_dirty_init(struct hw_ctx *c);
void hw_dirty_fini(struct hw_ctx *c);
int hw_dirty_arm(struct hw_ctx *c);
int hw_watch(void *ctx, uint64_t gpa);
int hw_written(void *ctx, bool (*fn)(void *opaque, uint64_t gpa), void *opaque);

/* kvm_step.c: single-stepping and the trap byte of
 * run_limits.stop_at_linear, set (or taken away) for a run call. 0 or
 * -errno. trapped: after an exit, whether it was the trap byte's HLT (RIP
 * is then put back on it). unplant: the guest's byte back, at the end of
 * every run call. */
int hw_step_arm(struct hw_ctx *c, const struct run_limits *lim);
bool hw_step_trapped(struct hw_ctx *c);
void hw_step_unplant(struct hw_ctx *c);

/* kvm_names.c */
const char *kvm_exit_name(uint32_t reason);
const char *kvm_internal_error_name(uint32_t suberror);

#endif
