/* KVM's supported CPUID, read once per caller: the vCPU's model
 * (kvm_vcpu.c) and the probe's scratch vCPU (kvm_probe_vm.c) both start
 * from it. */
#ifndef HVMM_KVM_CPUID_H
#define HVMM_KVM_CPUID_H

#include <linux/kvm.h>

#include "core/cpuid.h"

struct kvm_cpuid2 *kvm_cpuid2_alloc(unsigned n);

/* KVM_GET_SUPPORTED_CPUID on the /dev/kvm fd, the table grown until it
 * fits: 0 with *out (free() it), -ENOMEM, -E2BIG (more than 4096
 * entries) or the ioctl's -errno. */
int kvm_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out);

/* KVM's entries as the CPUID model's host input: e has t->nent slots. */
void kvm_cpuid_to_entries(const struct kvm_cpuid2 *t, struct cpuid_entry *e);

#endif
