/* The host probe's pure part: names, which probe row a vCPU state falls
 * in, and the one-line summary of what a host cannot run natively. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hwvmm/kvm_host.h"

enum kvm_host_mode kvm_host_mode_of(const struct vcpu_state *s)
{
	bool user = vcpu_cpl(s) == 3;

	switch (vcpu_mode(s)) {
	case MODE_REAL:
		return HM_REAL;
	case MODE_VM86:
		return HM_PROT_USER;
	case MODE_PROT16:
		return user ? HM_PROT_USER : HM_PROT16;
	case MODE_PROT32:
		return user ? HM_PROT_USER : HM_PROT32;
	case MODE_COMPAT16:
	case MODE_COMPAT32:
		return user ? HM_COMPAT_USER : HM_LONG_KERNEL;
	case MODE_LONG64:
		break;
	}
	return user ? HM_LONG_USER : HM_LONG_KERNEL;
}

bool kvm_host_runs(const struct kvm_host_info *h, const struct vcpu_state *s)
{
	return h->mode[kvm_host_mode_of(s)] == PROBE_NATIVE;
}

bool kvm_host_runs_all(const struct kvm_host_info *h)
{
	for (int m = 0; m < NR_HOST_MODES; m++)
		if (h->mode[m] != PROBE_NATIVE)
			return false;
	for (int e = 0; e < NR_HOST_ENTRIES; e++)
		if (!h->entry_native[e])
			return false;
	return true;
}

const char *kvm_backend_name(enum kvm_backend b)
{
	switch (b) {
	case KVM_BACKEND_INTEL:
		return "kvm_intel";
	case KVM_BACKEND_AMD:
		return "kvm_amd";
	case KVM_BACKEND_PVM:
		return "kvm_pvm";
	case KVM_BACKEND_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *kvm_host_mode_name(enum kvm_host_mode m)
{
	static const char *const names[] = {
#define KVM_HOST_MODE_NAME(id, name) [HM_##id] = name,
		KVM_HOST_MODES(KVM_HOST_MODE_NAME)
#undef KVM_HOST_MODE_NAME
	};
	return (unsigned)m < NR_HOST_MODES ? names[m] : "unknown mode";
}

const char *kvm_host_entry_name(enum kvm_host_entry e)
{
	static const char *const names[] = {
#define KVM_HOST_ENTRY_NAME(id, name) [HE_##id] = name,
		KVM_HOST_ENTRIES(KVM_HOST_ENTRY_NAME)
#undef KVM_HOST_ENTRY_NAME
	};
	return (unsigned)e < NR_HOST_ENTRIES ? names[e] : "unknown entry";
}

const char *probe_result_name(enum probe_result r)
{
	switch (r) {
	case PROBE_NATIVE:
		return "native";
	case PROBE_EMULATED:
		return "emulated";
	case PROBE_REFUSED:
		return "refused";
	case PROBE_FAILED:
		break;
	}
	return "failed";
}

const char *kvm_vector_name(uint8_t vector)
{
	static const char *const names[] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", NULL, "#TS", "#NP", "#SS", "#GP", "#PF", NULL,
		"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};
	if (vector < sizeof(names) / sizeof(names[0]) && names[vector])
		return names[vector];
	return "vector";
}

static bool has_dir(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

enum kvm_backend kvm_backend_from_sysfs(const char *module_dir)
{
	if (has_dir(module_dir, "kvm_intel"))
		return KVM_BACKEND_INTEL;
	if (has_dir(module_dir, "kvm_amd"))
		return KVM_BACKEND_AMD;
	/* PVM can be loaded beside a hardware module, which then runs the
	 * guests: only alone does it say how they run. */
	if (has_dir(module_dir, "kvm_pvm"))
		return KVM_BACKEND_PVM;
	return KVM_BACKEND_UNKNOWN;
}

/* An appending snprintf that never overruns buf and keeps it terminated. */
struct line {
	char *buf;
	size_t len, used;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	if (l->used >= l->len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(l->buf + l->used, l->len - l->used, fmt, ap);
	va_end(ap);
	if (w > 0)
		l->used += (size_t)w;
}

/* The mode rows whose result is r, as "a, b, c"; how many there were. */
static int put_modes(struct line *l, const struct kvm_host_info *h, enum probe_result r)
{
	int n = 0;
	for (int m = 0; m < NR_HOST_MODES; m++) {
		if (h->mode[m] != r)
			continue;
		put(l, "%s%s", n ? ", " : "", kvm_host_mode_name(m));
		n++;
	}
	return n;
}

static int count_modes(const struct kvm_host_info *h, enum probe_result r)
{
	int n = 0;
	for (int m = 0; m < NR_HOST_MODES; m++)
		n += h->mode[m] == r;
	return n;
}

int kvm_host_limits(const struct kvm_host_info *h, char *buf, size_t len)
{
	struct line l = { buf, len, 0 };
	const char *be = kvm_backend_name(h->backend);

	if (len)
		buf[0] = 0;
	if (kvm_host_runs_all(h)) {
		put(&l, "the host's KVM (%s) runs everything natively", be);
		return -EINVAL;
	}
	int native = count_modes(h, PROBE_NATIVE);
	put(&l, "the host's KVM (%s) ", be);
	if (native == NR_HOST_MODES) {
		put(&l, "runs every mode natively");
	} else if (native == 0) {
		put(&l, "runs no mode natively");
	} else {
		put(&l, "runs natively only ");
		put_modes(&l, h, PROBE_NATIVE);
	}
	static const struct { enum probe_result r; const char *one, *many; } other[] = {
		{ PROBE_EMULATED, "goes through its instruction emulator",
		  "go through its instruction emulator" },
		{ PROBE_REFUSED, "is refused", "are refused" },
		{ PROBE_FAILED, "failed the probe", "failed the probe" },
	};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (!count_modes(h, other[i].r))
			continue;
		put(&l, "; ");
		int n = put_modes(&l, h, other[i].r);
		put(&l, " %s", n == 1 ? other[i].one : other[i].many);
	}
	for (int e = 0; e < NR_HOST_ENTRIES; e++) {
		if (h->entry_native[e])
			continue;
		uint8_t v = h->entry_vector[e];
		if (v == KVM_HOST_NO_VECTOR)
			put(&l, "; %s does not reach the kernel", kvm_host_entry_name(e));
		else
			put(&l, "; %s arrives as %s (vector %u)", kvm_host_entry_name(e),
			    kvm_vector_name(v), v);
	}
	return 0;
}

int kvm_host_limit_brief(const struct kvm_host_info *h, char *buf, size_t len)
{
	int r = kvm_host_limits(h, buf, len);
	char *more = len ? strchr(buf, ';') : NULL;
	if (more && count_modes(h, PROBE_NATIVE) != NR_HOST_MODES)
		snprintf(more, len - (size_t)(more - buf), " (hvmm kvm-info says more)");
	return r;
}
