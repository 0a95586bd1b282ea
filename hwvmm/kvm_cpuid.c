#include "hwvmm/kvm_cpuid.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#define CPUID_QUERY_FIRST 64
#define CPUID_QUERY_MAX   4096

struct kvm_cpuid2 *kvm_cpuid2_alloc(unsigned n)
{
	struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + n * sizeof(t->entries[0]));
	if (t)
		t->nent = n;
	return t;
}

int kvm_supported_cpuid(int kvm_fd, struct kvm_cpuid2 **out)
{
	for (unsigned n = CPUID_QUERY_FIRST; n <= CPUID_QUERY_MAX; n *= 2) {
		struct kvm_cpuid2 *t = kvm_cpuid2_alloc(n);
		if (!t)
			return -ENOMEM;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, t) == 0) {
			*out = t;
			return 0;
		}
		int err = errno;
		free(t);
		if (err != E2BIG)
			return -err;
	}
	return -E2BIG;
}

void kvm_cpuid_to_entries(const struct kvm_cpuid2 *t, struct cpuid_entry *e)
{
	for (unsigned i = 0; i < t->nent; i++) {
		const struct kvm_cpuid_entry2 *k = &t->entries[i];
		e[i] = (struct cpuid_entry){
			.function = k->function, .index = k->index,
			.flags = (k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ?
			         CPUID_F_SIGNIFICANT_INDEX : 0,
			.eax = k->eax, .ebx = k->ebx, .ecx = k->ecx, .edx = k->edx,
		};
	}
}
