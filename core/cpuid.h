/* The one CPUID model both engines present: the same leaves under the
 * interpreter and under KVM, so that a migrating guest never sees its CPU
 * change. */
#ifndef HVMM_CPUID_H
#define HVMM_CPUID_H

#include <stdbool.h>
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
	char vendor[13];             /* the host's, NUL-terminated */
	bool zero_out_of_range;      /* AMD rule: leaves out of range read 0 */
};

/* Build the model. host: leaves the hardware engine can offer (KVM's
 * supported CPUID), or NULL when only the interpreter runs; every feature
 * bit of the model is then ANDed with the host's bit for that leaf. The
 * vendor and the family/model/stepping are the host processor's: under
 * the hardware engine user code runs natively, and vendor-dependent
 * behaviour (SYSCALL/SYSENTER legality) must match what it reports.
 * Returns 0 or -EINVAL (bad host list). */
int cpuid_model_init(struct cpuid_model *m, const struct cpuid_entry *host, int nhost);

/* What CPUID returns for (function, index). A leaf inside a range but not
 * in the model reads as zeros; an index is compared only for leaves with
 * a significant index. A leaf outside both ranges returns the highest
 * basic leaf (for the same index) as Intel processors do, or zeros when
 * the vendor is AMD/Hygon: exactly what KVM does for the same table, so
 * both engines answer alike. */
void cpuid_model_query(const struct cpuid_model *m, uint32_t function, uint32_t index,
                       uint32_t out[4] /* eax ebx ecx edx */);

/* The model's entry for (function, index), or NULL. */
const struct cpuid_entry *cpuid_model_find(const struct cpuid_model *m, uint32_t function,
                                           uint32_t index);

#endif
