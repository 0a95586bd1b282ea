/* The what-if model of docs/benchmarks.md. */
#include "policy/what_if.h"

#include <linux/kvm.h>
#include <string.h>

bool what_if_applies(const struct vm_stats *s)
{
	return s->hw_runs && !s->hw_runs_cpl0 && s->sw_instructions_cpl0;
}

double what_if_ns_per_insn(uint64_t tsc_khz)
{
	return tsc_khz ? 1e6 / (double)tsc_khz : 0.0;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* KVM_RUN calls the run would make with the kernel on KVM too: those of
 * the user stretches that did not end at a kernel entry (their exits
 * stay), one per port or MMIO access the interpreter made (KVM exits for
 * each), and one per interrupt the interpreter delivered (KVM is kicked
 * out to inject it). Kernel entries from user code no longer exit. */
static uint64_t exits_kernel_on_hw(const struct vm_stats *s)
{
	uint64_t dev_hw = s->hw_exits[KVM_EXIT_IO] + s->hw_exits[KVM_EXIT_MMIO];
	uint64_t dev_sw = sub0(s->pio_accesses + s->mmio_accesses, dev_hw);
	return sub0(s->hw_runs, s->kernel_entries) + dev_sw + s->interrupts_sw;
}

void what_if_compute(const struct vm_stats *s, const struct what_if_params *p,
                     struct what_if *out)
{
	memset(out, 0, sizeof(*out));
	for (int d = 0; d < NR_MIG_DIRS; d++)
		for (int r = 0; r < NR_MIG_REASONS; r++)
			out->mig_ns += s->mig[d][r].ns_total;
	out->measured_ns = s->ns_sw + s->ns_hw + out->mig_ns;
	/* KVM's time less one round trip per KVM_RUN is user code running. */
	out->native_ns = sub0(s->ns_hw, s->hw_runs * p->run_ns);
	if (p->hw_ns_per_insn > 0)
		out->user_hw_insns = (uint64_t)((double)out->native_ns / p->hw_ns_per_insn);
	double sw_per_insn = s->sw_instructions ?
	                     (double)s->ns_sw / (double)s->sw_instructions : 0.0;
	out->sw_ns = s->ns_sw + (uint64_t)((double)out->user_hw_insns * sw_per_insn);
	out->hw_exits = exits_kernel_on_hw(s);
	out->hw_ns = out->native_ns + out->hw_exits * p->run_ns +
	             (uint64_t)((double)s->sw_instructions * p->hw_ns_per_insn);
}
