/* The MSRs the canonical state holds as runs (VCPU_MSR_RUN_LIST), with
 * the checks KVM makes on a guest's WRMSR (arch/x86/kvm/mtrr.c,
 * set_msr_mce and the AMD PMU in arch/x86/kvm), so that both engines
 * accept and refuse the same values:
 * - MTRRs: stored, never applied (the interpreter has no memory types).
 *   Fixed ranges: every byte a valid type; PHYSBASE: a valid type, bits
 *   11:8 and those above the physical-address width reserved; PHYSMASK:
 *   bits 10:0 and those above the width reserved. 8 variable pairs, as
 *   IA32_MTRRCAP says.
 * - Machine-check banks: MCi_CTL takes 0 or all ones (bits 0 and 10 may
 *   be clear, for the old kernels that clear them); MCi_STATUS takes only
 *   0 (a non-zero write needs AMD's HWCR.McStatusWrEn, not modelled);
 *   ADDR and MISC take anything. No machine check is ever raised.
 * - AMD PERF_CTL0-3/PERF_CTR0-3: with the AMD vendor, stored as KVM's
 *   AMD PMU stores them (reserved PERF_CTL bits dropped, counters 48 bits
 *   wide) so that a guest setting up its PMU reads back what it wrote; the
 *   counters do not count. With the Intel vendor, as KVM there: 0, writes
 *   ignored. */
#include <errno.h>

#include "swvmm/msr.h"

#define PERF_CTL_RSVD  0xfffffff000280000ull
#define PERF_CTR_MASK  ((1ull << 48) - 1)
#define MCI_CTL_LAX    ((1ull << 10) | 1ull)

bool sw_mtrr_type_valid(uint64_t type)
{
	return type < 8 && ((0x73u >> type) & 1);
}

static bool fix_valid(uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		if (!sw_mtrr_type_valid((v >> (8 * i)) & 0xff))
			return false;
	return true;
}

static bool var_valid(const struct sw_cpu *c, unsigned k, uint64_t v)
{
	uint64_t rsvd = c->maxphyaddr < 64 ? ~0ull << c->maxphyaddr : 0;

	if (k & 1)
		return !(v & (rsvd | 0x7ffull));
	return sw_mtrr_type_valid(v & 0xff) && !(v & (rsvd | 0xf00ull));
}

static bool mc_valid(unsigned k, uint64_t v)
{
	switch (k & 3) {
	case 0:
		return v == 0 || (v | MCI_CTL_LAX) == ~0ull;
	case 1:
		return v == 0;
	default:
		return true;
	}
}

/* The run holding idx (its first MSR's field) and idx's place in it, or
 * NULL. */
static uint64_t *run_of(struct vcpu_msrs *m, uint32_t idx, unsigned *k)
{
#define RUN_FIND(name, index, n)                                                \
	if (idx - (uint32_t)(index) < (uint32_t)(n)) {                         \
		*k = idx - (uint32_t)(index);                                   \
		return m->name;                                                 \
	}
	VCPU_MSR_RUN_LIST(RUN_FIND)
#undef RUN_FIND
	return NULL;
}

int sw_msr_run_read(struct sw_cpu *c, uint32_t idx, uint64_t *val)
{
	unsigned k;
	const uint64_t *run = run_of(&c->s.msr, idx, &k);

	if (!run)
		return -ENOENT;
	*val = run[k];
	return 0;
}

int sw_msr_run_write(struct sw_cpu *c, uint32_t idx, uint64_t val)
{
	struct vcpu_msrs *m = &c->s.msr;
	unsigned k;
	uint64_t *run = run_of(m, idx, &k);
	bool ok;

	if (!run)
		return -ENOENT;
	if (run == m->amd_perf_ctl || run == m->amd_perf_ctr) {
		if (!c->vendor_amd)
			return 0;
		val &= run == m->amd_perf_ctl ? ~PERF_CTL_RSVD : PERF_CTR_MASK;
		ok = true;
	} else if (run == m->mtrr_var) {
		ok = var_valid(c, k, val);
	} else if (run == m->mc_bank) {
		ok = mc_valid(k, val);
	} else {
		ok = fix_valid(val);      /* the fixed-range MTRRs */
	}
	if (!ok)
		return -EINVAL;
	run[k] = val;
	return 0;
}
