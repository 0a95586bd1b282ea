/* The CPUID feature bits hvmm knows, one table: which the model offers,
 * and for each one it leaves out, why. core/cpuid.c builds the model
 * from it; `hvmm kvm-info` prints it. */
#ifndef HVMM_CPUID_FEATURES_H
#define HVMM_CPUID_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

/* How a feature enters the model:
 * - ALL:  offered (ANDed with KVM's supported CPUID where KVM runs);
 * - HOST: offered where the host processor has it too, because the
 *         interpreter runs it on the host's own unit (swvmm/fpu_host.h);
 * - INFO: offered, needs nothing from the host (the hypervisor bit);
 * - OUT:  never offered, for the reason given. */
enum cpuid_how { CPUID_ALL, CPUID_HOST, CPUID_INFO, CPUID_OUT };

/* X(name, leaf, register (0 EAX .. 3 EDX), bit, how, why-left-out) */
#define CPUID_FEATURES(X)                                                               \
	X("fpu",       1, 3, 0,  CPUID_HOST, NULL)                                      \
	X("vme",       1, 3, 1,  CPUID_OUT, "virtual-8086 mode extensions are not implemented") \
	X("pse",       1, 3, 3,  CPUID_ALL, NULL)                                       \
	X("tsc",       1, 3, 4,  CPUID_ALL, NULL)                                       \
	X("msr",       1, 3, 5,  CPUID_ALL, NULL)                                       \
	X("pae",       1, 3, 6,  CPUID_ALL, NULL)                                       \
	X("mce",       1, 3, 7,  CPUID_OUT, "nothing raises machine checks")            \
	X("cx8",       1, 3, 8,  CPUID_ALL, NULL)                                       \
	X("apic",      1, 3, 9,  CPUID_ALL, NULL)                                       \
	X("sep",       1, 3, 11, CPUID_ALL, NULL)                                       \
	X("mtrr",      1, 3, 12, CPUID_OUT, "nothing applies memory types")             \
	X("pge",       1, 3, 13, CPUID_ALL, NULL)                                       \
	X("mca",       1, 3, 14, CPUID_OUT, "nothing raises machine checks")            \
	X("cmov",      1, 3, 15, CPUID_ALL, NULL)                                       \
	X("pat",       1, 3, 16, CPUID_ALL, NULL)                                       \
	X("pse36",     1, 3, 17, CPUID_OUT, "36-bit PSE entries are not implemented")   \
	X("clflush",   1, 3, 19, CPUID_ALL, NULL)                                       \
	X("mmx",       1, 3, 23, CPUID_HOST, NULL)                                      \
	X("fxsr",      1, 3, 24, CPUID_HOST, NULL)                                      \
	X("sse",       1, 3, 25, CPUID_HOST, NULL)                                      \
	X("sse2",      1, 3, 26, CPUID_HOST, NULL)                                      \
	X("ht",        1, 3, 28, CPUID_OUT, "one logical processor")                    \
	X("sse3",      1, 2, 0,  CPUID_HOST, NULL)                                      \
	X("pclmulqdq", 1, 2, 1,  CPUID_OUT, "the interpreter does not run it")          \
	X("monitor",   1, 2, 3,  CPUID_OUT, "MWAIT would idle the vCPU out of the monitor's sight") \
	X("vmx",       1, 2, 5,  CPUID_OUT, "no nested virtualisation")                 \
	X("ssse3",     1, 2, 9,  CPUID_HOST, NULL)                                      \
	X("fma",       1, 2, 12, CPUID_OUT, "the interpreter runs no AVX")              \
	X("cx16",      1, 2, 13, CPUID_ALL, NULL)                                       \
	X("pcid",      1, 2, 17, CPUID_OUT, "the interpreter's TLB keeps no PCIDs")     \
	X("sse4_1",    1, 2, 19, CPUID_HOST, NULL)                                      \
	X("sse4_2",    1, 2, 20, CPUID_HOST, NULL)                                      \
	X("x2apic",    1, 2, 21, CPUID_OUT, "the monitor's APIC has no x2APIC mode")    \
	X("popcnt",    1, 2, 23, CPUID_ALL, NULL)                                       \
	X("tsc_deadline", 1, 2, 24, CPUID_OUT, "the monitor's APIC timer has no TSC-deadline mode") \
	X("aes",       1, 2, 25, CPUID_OUT, "the interpreter does not run AES-NI")      \
	X("xsave",     1, 2, 26, CPUID_ALL, NULL)                                       \
	X("avx",       1, 2, 28, CPUID_OUT, "the interpreter runs no AVX")              \
	X("rdrand",    1, 2, 30, CPUID_OUT, "random results would make runs differ between engines and replays") \
	X("hypervisor", 1, 2, 31, CPUID_INFO, NULL)                                     \
	X("fsgsbase",  7, 1, 0,  CPUID_OUT, "the interpreter does not accept CR4.FSGSBASE") \
	X("smep",      7, 1, 7,  CPUID_ALL, NULL)                                       \
	X("rdseed",    7, 1, 18, CPUID_OUT, "random results would make runs differ between engines and replays") \
	X("smap",      7, 1, 20, CPUID_ALL, NULL)                                       \
	X("umip",      7, 2, 2,  CPUID_ALL, NULL)                                       \
	X("pku",       7, 2, 3,  CPUID_OUT, "protection keys are not implemented")      \
	X("la57",      7, 2, 16, CPUID_OUT, "5-level paging is not implemented")        \
	X("rdpid",     7, 2, 22, CPUID_ALL, NULL)                                       \
	X("lahf_lm",   0x80000001u, 2, 0, CPUID_ALL, NULL)                              \
	X("svm",       0x80000001u, 2, 2, CPUID_OUT, "no nested virtualisation")        \
	X("lzcnt",     0x80000001u, 2, 5, CPUID_ALL, NULL)                              \
	X("syscall",   0x80000001u, 3, 11, CPUID_ALL, NULL)                             \
	X("nx",        0x80000001u, 3, 20, CPUID_ALL, NULL)                             \
	X("rdtscp",    0x80000001u, 3, 27, CPUID_ALL, NULL)                             \
	X("lm",        0x80000001u, 3, 29, CPUID_ALL, NULL)

struct cpuid_feature {
	const char *name;
	uint32_t leaf;
	unsigned reg, bit;
	enum cpuid_how how;
	const char *why;             /* CPUID_OUT: why it is left out */
};

extern const struct cpuid_feature cpuid_features[];
extern const unsigned cpuid_nr_features;

struct cpuid_model;

/* Whether model m offers feature f. */
bool cpuid_model_has(const struct cpuid_model *m, const struct cpuid_feature *f);

/* Why the model with KVM (kvm) lacks f, given the model of the
 * interpreter alone on this host (sw: cpuid_model_init without a host
 * list); NULL when kvm offers it. */
const char *cpuid_feature_why(const struct cpuid_feature *f, const struct cpuid_model *kvm,
                              const struct cpuid_model *sw);

#endif
