/* `hvmm kvm-info`: what the host's KVM runs natively, as a table or as
 * one JSON object. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cpuid_features.h"
#include "core/vm.h"
#include "hwvmm/kvm_host.h"
#include "policy/cli/kvm_info.h"

const char kvm_info_usage[] =
	"Usage: hvmm kvm-info [--json]\n"
	"\n"
	"Probes the host's KVM on a scratch VM: which CPU modes and kernel\n"
	"entries it runs natively, whether it honours a TSC offset, guest\n"
	"single-step and IOPL, what a KVM_RUN round trip and a vCPU ioctl\n"
	"cost, and the CPUID model both engines present here: the features it\n"
	"offers, and why each one it leaves out is left out.\n"
	"\n"
	"  --json   one JSON object on one line\n"
	"  --help   show this help\n";

/* JSON keys: the X-macro identifiers in lower case. */
static const char *const mode_keys[] = {
#define KVM_INFO_MODE_KEY(id, name) #id,
	KVM_HOST_MODES(KVM_INFO_MODE_KEY)
#undef KVM_INFO_MODE_KEY
};
static const char *const entry_keys[] = {
#define KVM_INFO_ENTRY_KEY(id, name) #id,
	KVM_HOST_ENTRIES(KVM_INFO_ENTRY_KEY)
#undef KVM_INFO_ENTRY_KEY
};

static void put_key(FILE *f, const char *id)
{
	fputc('"', f);
	for (const char *p = id; *p; p++)
		fputc(tolower((unsigned char)*p), f);
	fputs("\":", f);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

/* The CPUID model: what it offers, and why each known feature it lacks
 * is left out. sw: the interpreter's model alone on this host. */
static void cpuid_json(FILE *f, const struct kvm_host_info *h, const struct cpuid_model *sw)
{
	fputs(",\"cpuid\":{\"offered\":[", f);
	bool first = true;
	for (unsigned i = 0; i < cpuid_nr_features; i++) {
		const struct cpuid_feature *c = &cpuid_features[i];
		if (cpuid_feature_why(c, &h->cpuid, sw))
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ",", c->name);
		first = false;
	}
	fputs("],\"missing\":{", f);
	first = true;
	for (unsigned i = 0; i < cpuid_nr_features; i++) {
		const struct cpuid_feature *c = &cpuid_features[i];
		const char *why = cpuid_feature_why(c, &h->cpuid, sw);
		if (!why)
			continue;
		fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", c->name, why);
		first = false;
	}
	fputs("}}", f);
}

static void cpuid_table(FILE *f, const struct kvm_host_info *h, const struct cpuid_model *sw)
{
	fprintf(f, "CPUID model (vendor %s), offered:", h->cpuid.vendor);
	for (unsigned i = 0; i < cpuid_nr_features; i++)
		if (!cpuid_feature_why(&cpuid_features[i], &h->cpuid, sw))
			fprintf(f, " %s", cpuid_features[i].name);
	fputs("\nCPUID features left out:\n", f);
	for (unsigned i = 0; i < cpuid_nr_features; i++) {
		const char *why = cpuid_feature_why(&cpuid_features[i], &h->cpuid, sw);
		if (why)
			fprintf(f, "  %-12s %s\n", cpuid_features[i].name, why);
	}
}

static void print_json(FILE *f, const struct kvm_host_info *h, const struct cpuid_model *sw)
{
	fprintf(f, "{\"backend\":\"%s\",\"modes\":{", kvm_backend_name(h->backend));
	for (int m = 0; m < NR_HOST_MODES; m++) {
		if (m)
			fputc(',', f);
		put_key(f, mode_keys[m]);
		fprintf(f, "\"%s\"", probe_result_name(h->mode[m]));
	}
	fputs("},\"entries\":{", f);
	for (int e = 0; e < NR_HOST_ENTRIES; e++) {
		if (e)
			fputc(',', f);
		put_key(f, entry_keys[e]);
		fputs(json_bool(h->entry_native[e]), f);
	}
	fprintf(f, "},\"tsc_offset\":%s,\"guest_debug\":%s,\"iopl_kept\":%s,"
	        "\"run_ns\":%u,\"ioctl_ns\":%u",
	        json_bool(h->tsc_offset), json_bool(h->guest_debug), json_bool(h->iopl_kept),
	        h->run_ns, h->ioctl_ns);
	cpuid_json(f, h, sw);
	fprintf(f, ",\"runs_everything\":%s}\n", json_bool(kvm_host_runs_all(h)));
}

static void row(FILE *f, const char *what, const char *value)
{
	fprintf(f, "  %-36s %s\n", what, value);
}

static void print_table(FILE *f, const struct kvm_host_info *h, const struct cpuid_model *sw)
{
	char v[128];

	fputs("KVM host probe\n", f);
	row(f, "backend", kvm_backend_name(h->backend));
	for (int m = 0; m < NR_HOST_MODES; m++)
		row(f, kvm_host_mode_name(m), probe_result_name(h->mode[m]));
	for (int e = 0; e < NR_HOST_ENTRIES; e++) {
		uint8_t vec = h->entry_vector[e];
		if (vec == KVM_HOST_NO_VECTOR)
			snprintf(v, sizeof(v), "%s", h->entry_native[e] ? "native" :
			         "does not reach the kernel");
		else if (h->entry_native[e])
			snprintf(v, sizeof(v), "native (%s in 64-bit mode, as on AMD CPUs)",
			         kvm_vector_name(vec));
		else
			snprintf(v, sizeof(v), "arrives as %s (vector %u)", kvm_vector_name(vec), vec);
		row(f, kvm_host_entry_name(e), v);
	}
	row(f, "TSC offset honoured", yes_no(h->tsc_offset));
	row(f, "guest debug (single-step at CPL 3)", yes_no(h->guest_debug));
	row(f, "IOPL kept at CPL 3", yes_no(h->iopl_kept));
	snprintf(v, sizeof(v), "%.1f us", h->run_ns / 1000.0);
	row(f, "KVM_RUN round trip (MMIO, CPL 3)", v);
	snprintf(v, sizeof(v), "%.1f us", h->ioctl_ns / 1000.0);
	row(f, "vCPU ioctl (KVM_GET_REGS)", v);
	cpuid_table(f, h, sw);

	char limits[512];
	if (kvm_host_limits(h, limits, sizeof(limits)))
		fputs("runs everything natively: yes\n", f);
	else
		fprintf(f, "%s\n", limits);
}

int cmd_kvm_info(int argc, char **argv)
{
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(kvm_info_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "hvmm: kvm-info: unknown option '%s' (see hvmm kvm-info --help)\n",
			        argv[i]);
			return VM_EXIT_USAGE;
		} else {
			fprintf(stderr, "hvmm: kvm-info: unexpected argument '%s' (see hvmm kvm-info --help)\n",
			        argv[i]);
			return VM_EXIT_USAGE;
		}
	}

	struct kvm_host_info h;
	char err[512];
	int r = kvm_host_probe(&h, err, sizeof(err));
	if (r) {
		fprintf(stderr, "hvmm: kvm-info: %s\n", err);
		/* No KVM is the environment, reported like bad input. */
		return r == -ENODEV ? VM_EXIT_USAGE : VM_EXIT_FAILURE;
	}
	struct cpuid_model sw;
	cpuid_model_init(&sw, NULL, 0);   /* no host list: cannot fail */
	if (json)
		print_json(stdout, &h, &sw);
	else
		print_table(stdout, &h, &sw);
	return 0;
}
