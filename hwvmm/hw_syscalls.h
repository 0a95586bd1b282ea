/* What the KVM engine asks of the host once it is created: the ioctls
 * its run, state and teardown paths make, each on the file descriptor it
 * is made on, and the signal that kicks the vCPU out of KVM_RUN. The
 * command's sandbox (policy/cli/sandbox_filter.c) allows these and
 * nothing else of KVM; creation (opening /dev/kvm, the host probe,
 * KVM_CREATE_VM, memslots, CPUID, the signal mask) comes before it and
 * is not listed. An ioctl added to those paths belongs here, or the
 * sandbox stops the VM when it is made. */
#ifndef HVMM_HW_SYSCALLS_H
#define HVMM_HW_SYSCALLS_H

#include <signal.h>

/* The descriptors the engine owns. */
enum hw_fd { HW_FD_KVM, HW_FD_VM, HW_FD_VCPU, NR_HW_FDS };

/* X(fd, request) */
#define HW_RUN_IOCTLS(X)                                                        \
	X(HW_FD_VCPU, KVM_RUN)               /* kvm_run.c, kvm_step.c */        \
	X(HW_FD_VCPU, KVM_GET_REGS)          /* kvm_state.c: without sync-regs */ \
	X(HW_FD_VCPU, KVM_GET_SREGS)                                            \
	X(HW_FD_VCPU, KVM_GET_VCPU_EVENTS)                                      \
	X(HW_FD_VCPU, KVM_GET_SREGS2)        /* PDPTEs outside long mode */     \
	X(HW_FD_VCPU, KVM_SET_SREGS2)                                           \
	X(HW_FD_VCPU, KVM_GET_MSRS)          /* the state KVM does not sync */  \
	X(HW_FD_VCPU, KVM_SET_MSRS)                                             \
	X(HW_FD_VCPU, KVM_GET_FPU)                                              \
	X(HW_FD_VCPU, KVM_SET_FPU)                                              \
	X(HW_FD_VCPU, KVM_GET_XSAVE)                                            \
	X(HW_FD_VCPU, KVM_SET_XSAVE)                                            \
	X(HW_FD_VCPU, KVM_GET_XCRS)                                             \
	X(HW_FD_VCPU, KVM_SET_XCRS)                                             \
	X(HW_FD_VCPU, KVM_GET_DEBUGREGS)                                        \
	X(HW_FD_VCPU, KVM_SET_DEBUGREGS)                                        \
	X(HW_FD_VCPU, KVM_GET_DEVICE_ATTR)   /* the TSC offset */               \
	X(HW_FD_VCPU, KVM_SET_DEVICE_ATTR)                                      \
	X(HW_FD_VCPU, KVM_SET_GUEST_DEBUG)   /* kvm_step.c: single-stepping */  \
	X(HW_FD_VM, KVM_GET_DIRTY_LOG)       /* kvm_dirty.c */                  \
	X(HW_FD_VM, KVM_CLEAR_DIRTY_LOG)

/* kvm_kick.c: the timer signal that ends KVM_RUN at a deadline; its
 * handler is set and put back (rt_sigaction), and it is drained
 * (rt_sigtimedwait), while the VM runs. */
#define HW_KICK_SIGNAL SIGUSR2

/* The descriptors of a created engine (a hw_engine_ops context), -1 for
 * one it does not hold. */
void hw_engine_fds(const void *ctx, int fds[NR_HW_FDS]);

#endif
