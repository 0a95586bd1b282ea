/* The host probe's scratch VM, shared by kvm_probe*.c (not a public
 * interface: callers see kvm_host.h). */
#ifndef HVMM_KVM_PROBE_H
#define HVMM_KVM_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <time.h>

#include "hwvmm/kvm_host.h"
#include "hwvmm/kvm_timer.h"

/* Guest physical layout of the scratch VM. Everything a real-mode probe
 * touches lies below 64 KiB. */
#define PRB_MEM_SIZE    0x20000ull
#define PRB_IVT         0x0000ull   /* real-mode vectors -> the stubs */
#define PRB_GDT         0x1000ull
#define PRB_TSS64       0x1100ull
#define PRB_TSS32       0x1200ull
#define PRB_IDT64       0x2000ull   /* 256 x 16 bytes */
#define PRB_IDT32       0x3000ull   /* 256 x 8 bytes */
#define PRB_STUBS       0x4000ull   /* per vector: mov al, v; out 0xe1, al; hlt */
#define PRB_STUB_SIZE   8
#define PRB_SYSCALL_TGT 0x4800ull   /* LSTAR */
#define PRB_SYSENTER_TGT 0x4810ull  /* SYSENTER_EIP */
#define PRB_CODE_KERNEL 0x5000ull   /* SSE, POPCNT, out 0xe0 */
#define PRB_CODE_USER   0x5100ull   /* SSE, POPCNT, MMIO write */
#define PRB_CODE_MMIO   0x5200ull   /* MMIO write, in a loop */
#define PRB_CODE_INT80  0x5300ull
#define PRB_CODE_SYSCALL 0x5310ull
#define PRB_CODE_SYSENTER 0x5320ull
#define PRB_CODE_RDTSC  0x5330ull   /* the TSC through the MMIO address */
#define PRB_CODE_STEP   0x5340ull   /* a few NOPs to single-step */
#define PRB_PML4        0x8000ull
#define PRB_PDPT        0x9000ull
#define PRB_PD_LOW      0xa000ull
#define PRB_PD_HIGH     0xb000ull   /* 3 GiB - 4 GiB */
#define PRB_USER_STACK  0xd000ull
#define PRB_KERNEL_STACK 0xf000ull
/* Outside the memslot: a write there exits as MMIO at any CPL, with no
 * reliance on IOPL or an I/O bitmap. */
#define PRB_MMIO_ADDR   0xf0000000ull

/* Ports the guest code writes. */
#define PRB_PORT_DONE   0xe0        /* the kernel code ran to its end */
#define PRB_PORT_VECTOR 0xe1        /* an exception stub: the vector */
#define PRB_PORT_ENTRY  0xe2        /* a SYSCALL / SYSENTER target */
#define PRB_SYSCALL_MARK  0x05
#define PRB_SYSENTER_MARK 0x34

/* GDT selectors. */
#define PRB_SEL_KCODE64 0x08
#define PRB_SEL_KDATA   0x10
#define PRB_SEL_UCODE32 0x18
#define PRB_SEL_UDATA   0x20
#define PRB_SEL_UCODE64 0x28
#define PRB_SEL_KCODE32 0x30
#define PRB_SEL_TSS64   0x38        /* 16 bytes */
#define PRB_SEL_TSS32   0x48
#define PRB_SEL_KCODE16 0x50
#define PRB_SEL_KDATA16 0x58
#define PRB_GDT_LIMIT   0x5f

/* How one probe run ended. */
enum prb_exit {
	PRB_DONE_IO,     /* OUT to PRB_PORT_DONE */
	PRB_DONE_MMIO,   /* write to PRB_MMIO_ADDR */
	PRB_VECTOR,      /* an exception stub ran: value = vector */
	PRB_ENTRY,       /* a SYSCALL/SYSENTER target ran: value = its mark */
	PRB_DEBUG,       /* KVM_EXIT_DEBUG */
	PRB_INTERNAL,    /* KVM_EXIT_INTERNAL_ERROR */
	PRB_REFUSED,     /* KVM_EXIT_SHUTDOWN, KVM_EXIT_FAIL_ENTRY, KVM_RUN error */
	PRB_OTHER,       /* any other exit, or the run took too long */
};

struct prb_outcome {
	enum prb_exit exit;
	uint64_t value;      /* vector, mark, or the MMIO data */
};

struct prb_ctx {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	bool amd_cpuid;          /* the vCPU's CPUID vendor is AMD or Hygon */
	bool tr_busy;            /* Intel: TR holds a busy TSS (VMX entry checks) */
	bool has_tsc_offset;     /* KVM_VCPU_TSC_OFFSET */
	struct kvm_sregs sregs0; /* as created: apic_base and the like for every state */
	struct cpuid_model *model; /* NULL, or filled with the model on this host */

	/* The guard that ends a KVM_RUN that takes too long (kvm_probe_run.c). */
	struct kvm_timer guard;

	char *err;
	size_t errlen;
};

/* kvm_probe_vm.c: the scratch VM. Open: 0, -ENODEV with "KVM
 * unavailable: ..." in err, or -errno naming the ioctl. Close takes a
 * half-open one too (fds -1 where not open). */
int prb_scratch_open(struct prb_ctx *c);
void prb_scratch_close(struct prb_ctx *c);
/* KVM_SET_MSRS of n entries, each of which KVM must take. */
int prb_set_msrs(struct prb_ctx *c, const struct kvm_msr_entry *e, unsigned n);

/* kvm_probe_guest.c: the guest image and the register state per probe. */
void prb_build_image(uint8_t *mem);
enum prb_state { PRB_ST_REAL, PRB_ST_PROT16, PRB_ST_PROT32, PRB_ST_PROT_USER,
                 PRB_ST_COMPAT_USER, PRB_ST_LONG_KERNEL, PRB_ST_LONG_USER };
void prb_state(enum prb_state st, uint64_t rip, struct kvm_sregs *sr, struct kvm_regs *r);
/* The state of a mode row: its kind and its code. */
void prb_mode_state(enum kvm_host_mode m, struct kvm_sregs *sr, struct kvm_regs *r);

/* kvm_probe_run.c: the guard timer, one bounded run, an ioctl with its
 * name in the error. */
int prb_guard_init(struct prb_ctx *c);
void prb_guard_fini(struct prb_ctx *c);
int prb_ioctl(struct prb_ctx *c, int fd, unsigned long req, void *arg, const char *name);
#define PRB_IOCTL(c, fd, req, arg) prb_ioctl((c), (fd), (req), (arg), #req)
int prb_fail(struct prb_ctx *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Put a state: 0, 1 where KVM refuses it (EINVAL), or -errno. */
int prb_put(struct prb_ctx *c, const struct kvm_sregs *sr, const struct kvm_regs *r);
/* Run until the code ends or something else happens (a bounded number of
 * KVM_RUNs, under the guard timer), then let KVM finish an I/O exit so
 * that the next state starts clean. */
void prb_go(struct prb_ctx *c, struct prb_outcome *out);
/* prb_put and prb_go: 0 with *out set, or -errno where an ioctl other
 * than KVM_RUN failed. */
int prb_run(struct prb_ctx *c, const struct kvm_sregs *sr, const struct kvm_regs *r,
            struct prb_outcome *out);
/* Up to n KVM_RUNs of code that exits by MMIO each time, each timed in
 * ns[]; how many gave that exit. */
int prb_time_runs(struct prb_ctx *c, uint32_t *ns, int n);

#endif
