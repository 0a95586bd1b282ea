/* The one CPUID model both engines present: the same leaves under the
 * interpreter and under KVM, so that a migrating guest never sees its CPU
 * change. */
#ifndef HVMM_CPUID_H
#define HVMM_CPUID_H

#include <stdint.h>

#define CPUID_MAX_ENTRIES 64

struct cpuid_entry {
	uint32_t function, index;
	uint32_t flags;              /* CPUID_F_SIGNIFICANT_INDEX */
	uint32_t eax, ebx, ecx, edx;
};
#define CPUID_F_SIGNIFICANT_INDEX 1u

struct cpuid_model {
	struct cpuid_entry e[CPUID_MAX_ENTRIES];
	int nr;
	uint32_t max_basic, max_ext;
};

/* Build the model. host: leaves the hardware engine can offer (KVM's
 * supported CPUID), or NULL when only the interpreter runs; the model is
 * then intersected with it. vendor: 12 characters, or NULL for the host's. */
int cpuid_model_init(struct cpuid_model *m, const struct cpuid_entry *host, int nhost);

/* What CPUID returns for (function, index), following the SDM rule that
 * a leaf above the maximum returns the highest basic leaf. */
void cpuid_model_query(const struct cpuid_model *m, uint32_t function, uint32_t index,
                       uint32_t out[4] /* eax ebx ecx edx */);

#endif
