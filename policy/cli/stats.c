#include "policy/cli/stats.h"

#include <inttypes.h>
#include <string.h>

#include "core/vm.h"
#include "hwvmm/hw_engine.h"
#include "policy/what_if.h"

static const char *const dir_names[NR_MIG_DIRS] = {
	[MIG_SW_TO_HW] = "sw-to-hw",
	[MIG_HW_TO_SW] = "hw-to-sw",
};

const char *stats_exit_key(unsigned r)
{
	const char *n = kvm_exit_name(r);
	return strncmp(n, "KVM_EXIT_", 9) ? n : n + 9;
}

/* A file name may hold quotes, backslashes or control characters. */
void stats_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		if ((unsigned char)*p < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static double mean_us(const struct mig_stats *m)
{
	return m->count ? (double)m->ns_total / (double)m->count / 1e3 : 0.0;
}

/* The what-if figures of a run that split the guest by CPL; false for
 * any other run. */
static bool what_if_of(const struct vm_stats *s, struct what_if *w)
{
	if (!what_if_applies(s))
		return false;
	struct what_if_params p = {
		.hw_ns_per_insn = what_if_ns_per_insn(s->tsc_khz),
		.run_ns = s->hw_run_ns,
	};
	what_if_compute(s, &p, w);
	return true;
}

static void text(FILE *f, const struct vm_stats *s, const char *policy)
{
	fprintf(f, "hvmm stats: policy %s\n", policy);
	fprintf(f, "  interpreter: %" PRIu64 " instructions (%" PRIu64 " at CPL 0-2), %.3f s\n",
	        s->sw_instructions, s->sw_instructions_cpl0, secs(s->ns_sw));
	fprintf(f, "  KVM: %" PRIu64 " KVM_RUN (%" PRIu64 " entered at CPL 0-2), %.3f s, %" PRIu64
	        " vCPU ioctls; a KVM_RUN round trip costs %.1f us here\n", s->hw_runs,
	        s->hw_runs_cpl0, secs(s->ns_hw), s->hw_ioctls, (double)s->hw_run_ns / 1e3);
	fprintf(f, "  KVM exits:");
	bool any = false;
	for (unsigned r = 0; r < STATS_MAX_EXIT_REASONS; r++) {
		if (!s->hw_exits[r])
			continue;
		fprintf(f, " %s %" PRIu64, stats_exit_key(r), s->hw_exits[r]);
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " none");
	fprintf(f, "  events:");
	any = false;
	for (unsigned e = RUN_EV_NONE + 1; e < NR_RUN_EVENTS; e++) {
		if (!s->events[e])
			continue;
		fprintf(f, " %s %" PRIu64, run_event_name((enum run_event)e), s->events[e]);
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " none");
	fprintf(f, "  external interrupts: %" PRIu64 " delivered by the interpreter, %" PRIu64
	        " injected into KVM\n", s->interrupts_sw, s->interrupts_hw);
	fprintf(f, "  kernel entries handed off at their entry point: %" PRIu64
	        ", replayed in the interpreter: %" PRIu64 ", missed: %" PRIu64
	        ", entry points trapped: up to %" PRIu64 "\n", s->kernel_entries,
	        s->kernel_entries_replayed, s->kernel_entries_missed, s->entry_sites_max);
	if (s->mig_deferred)
		fprintf(f, "  moves of user code to KVM put off for a timer due within a round trip: %"
		        PRIu64 "\n", s->mig_deferred);
	if (s->hw_not_native)
		fprintf(f, "  KVM chosen for a state the host's KVM does not run natively: %" PRIu64
		        " times, run in the interpreter\n", s->hw_not_native);
	fprintf(f, "  port I/O %" PRIu64 ", MMIO %" PRIu64 ", decoded-code pages dropped after KVM %"
	        PRIu64 "\n", s->pio_accesses, s->mmio_accesses, s->invalidated_pages);
	if (s->lockstep_steps || s->lockstep_skipped)
		fprintf(f, "  lockstep: %" PRIu64 " steps compared, %" PRIu64 " skipped\n",
		        s->lockstep_steps, s->lockstep_skipped);
	fprintf(f, "  migrations:\n");
	for (int d = 0; d < NR_MIG_DIRS; d++)
		for (int r = 0; r < NR_MIG_REASONS; r++) {
			const struct mig_stats *m = &s->mig[d][r];
			if (!m->count)
				continue;
			fprintf(f, "    %-8s %-12s %10" PRIu64 "  mean %8.1f us  worst %8.1f us  "
			        "ioctls %.2f each\n", dir_names[d], mig_reason_name((enum mig_reason)r), m->count, mean_us(m),
			        (double)m->ns_worst / 1e3, (double)m->ioctls / (double)m->count);
		}
	struct what_if w;
	if (what_if_of(s, &w))
		fprintf(f, "  what if (docs/benchmarks.md): %.3f s in the engines and migrations; "
		        "projected with the kernel on KVM too %.3f s, with everything "
		        "interpreted %.3f s\n", secs(w.measured_ns), secs(w.hw_ns), secs(w.sw_ns));
}

static void json(FILE *f, const struct vm_stats *s, const char *policy)
{
	fprintf(f, "{\"policy\":");
	stats_json_string(f, policy);
	fprintf(f, ",\"sw\":{\"instructions\":%" PRIu64 ",\"instructions_cpl0\":%" PRIu64
	        ",\"seconds\":%.6f,\"interrupts\":%" PRIu64 "},", s->sw_instructions,
	        s->sw_instructions_cpl0, secs(s->ns_sw), s->interrupts_sw);
	fprintf(f, "\"hw\":{\"runs\":%" PRIu64 ",\"runs_cpl0\":%" PRIu64 ",\"seconds\":%.6f,"
	        "\"ioctls\":%" PRIu64 ",\"interrupts_injected\":%" PRIu64 ",\"run_ns\":%" PRIu64
	        ",\"exits\":{", s->hw_runs, s->hw_runs_cpl0, secs(s->ns_hw), s->hw_ioctls,
	        s->interrupts_hw, s->hw_run_ns);
	const char *sep = "";
	for (unsigned r = 0; r < STATS_MAX_EXIT_REASONS; r++) {
		if (!s->hw_exits[r])
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, sep, stats_exit_key(r), s->hw_exits[r]);
		sep = ",";
	}
	fprintf(f, "}},\"kernel_entries\":%" PRIu64 ",\"kernel_entries_missed\":%" PRIu64
	        ",\"kernel_entries_replayed\":%" PRIu64 ",\"hw_not_native\":%" PRIu64
	        ",\"entry_sites_max\":%" PRIu64 ",\"mig_deferred\":%" PRIu64 ",\"pio\":%" PRIu64 ",\"mmio\":%" PRIu64
	        ",\"invalidated_pages\":%" PRIu64 ",\"lockstep_steps\":%" PRIu64
	        ",\"lockstep_skipped\":%" PRIu64 ",\"events\":{",
	        s->kernel_entries, s->kernel_entries_missed, s->kernel_entries_replayed,
	        s->hw_not_native, s->entry_sites_max, s->mig_deferred, s->pio_accesses, s->mmio_accesses,
	        s->invalidated_pages, s->lockstep_steps, s->lockstep_skipped);
	/* Every kind, zero or not: a reader need not know the list. */
	sep = "";
	for (unsigned e = RUN_EV_NONE + 1; e < NR_RUN_EVENTS; e++) {
		fprintf(f, "%s\"%s\":%" PRIu64, sep, run_event_name((enum run_event)e), s->events[e]);
		sep = ",";
	}
	fprintf(f, "},\"migrations\":[");
	sep = "";
	for (int d = 0; d < NR_MIG_DIRS; d++)
		for (int r = 0; r < NR_MIG_REASONS; r++) {
			const struct mig_stats *m = &s->mig[d][r];
			if (!m->count)
				continue;
			fprintf(f, "%s{\"direction\":\"%s\",\"reason\":\"%s\",\"count\":%" PRIu64
			        ",\"mean_ns\":%.0f,\"worst_ns\":%" PRIu64 ",\"ioctls\":%" PRIu64 "}",
			        sep, dir_names[d], mig_reason_name((enum mig_reason)r), m->count, mean_us(m) * 1e3, m->ns_worst,
			        m->ioctls);
			sep = ",";
		}
	fprintf(f, "]");
	struct what_if w;
	if (what_if_of(s, &w))
		fprintf(f, ",\"what_if\":{\"measured_seconds\":%.6f,\"kernel_on_hw_seconds\":%.6f,"
		        "\"all_sw_seconds\":%.6f,\"migration_seconds\":%.6f,\"native_seconds\":%.6f,"
		        "\"user_instructions_on_hw\":%" PRIu64 ",\"exits_kernel_on_hw\":%" PRIu64 "}",
		        secs(w.measured_ns), secs(w.hw_ns), secs(w.sw_ns), secs(w.mig_ns),
		        secs(w.native_ns), w.user_hw_insns, w.hw_exits);
	fprintf(f, "}\n");
}

void print_vm_stats(FILE *out, const struct vm_stats *s, const char *policy, bool as_json)
{
	if (as_json)
		json(out, s, policy);
	else
		text(out, s, policy);
}

void print_stats(FILE *out, const struct vm *vm, const char *policy, bool as_json)
{
	print_vm_stats(out, &vm->stats, policy, as_json);
}
