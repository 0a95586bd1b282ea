/* The host probe: a few bytes of code run in each kind of guest state on
 * a scratch VM (kvm_probe_vm.c), and what KVM made of them. Layout and
 * guest code: kvm_probe_guest.c; the bounded run: kvm_probe_run.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "hwvmm/kvm_probe.h"

#define PRB_SAMPLES 21
#define MSR_IA32_TSC 0x10
#define VECTOR_UD 6
/* The TSC value the guest should see: far from any host TSC. */
#define PRB_TSC_MARK (1ull << 60)

static enum probe_result mode_result(const struct prb_outcome *o, bool user)
{
	switch (o->exit) {
	case PRB_DONE_IO:
		return user ? PROBE_FAILED : PROBE_NATIVE;
	case PRB_DONE_MMIO:
		return user ? PROBE_NATIVE : PROBE_FAILED;
	case PRB_VECTOR:
		/* KVM's emulator answers what it cannot do at CPL > 0 with #UD. */
		return o->value == VECTOR_UD ? PROBE_EMULATED : PROBE_FAILED;
	case PRB_INTERNAL:
		return PROBE_EMULATED;
	case PRB_REFUSED:
		return PROBE_REFUSED;
	default:
		return PROBE_FAILED;
	}
}

static int probe_modes(struct prb_ctx *c, struct kvm_host_info *h)
{
	for (int m = 0; m < NR_HOST_MODES; m++) {
		struct kvm_sregs sr = c->sregs0;
		struct kvm_regs r;
		struct prb_outcome o;
		prb_mode_state(m, &sr, &r);
		int ret = prb_run(c, &sr, &r, &o);
		if (ret)
			return ret;
		bool user = m == HM_PROT_USER || m == HM_COMPAT_USER || m == HM_LONG_USER;
		h->mode[m] = (uint8_t)mode_result(&o, user);
	}
	return 0;
}

/* Each entry from 64-bit CPL 3, native when its target (the INT 0x80 gate,
 * LSTAR, SYSENTER_EIP) ran at CPL 0. */
static int probe_entries(struct prb_ctx *c, struct kvm_host_info *h)
{
	static const struct { uint64_t code; enum prb_exit exit; uint8_t value; } e[] = {
		[HE_INT_N] = { PRB_CODE_INT80, PRB_VECTOR, 0x80 },
		[HE_SYSCALL] = { PRB_CODE_SYSCALL, PRB_ENTRY, PRB_SYSCALL_MARK },
		[HE_SYSENTER] = { PRB_CODE_SYSENTER, PRB_ENTRY, PRB_SYSENTER_MARK },
	};
	for (int i = 0; i < NR_HOST_ENTRIES; i++) {
		struct kvm_sregs sr = c->sregs0;
		struct kvm_regs r;
		struct prb_outcome o;
		prb_state(PRB_ST_LONG_USER, e[i].code, &sr, &r);
		int ret = prb_run(c, &sr, &r, &o);
		if (ret)
			return ret;
		bool cpl0 = false;
		if (o.exit == PRB_VECTOR || o.exit == PRB_ENTRY) {
			ret = PRB_IOCTL(c, c->vcpu_fd, KVM_GET_SREGS, &sr);
			if (ret < 0)
				return ret;
			cpl0 = (sr.cs.selector & 3) == 0;
		}
		bool reached = o.exit == e[i].exit && o.value == e[i].value;
		h->entry_native[i] = reached && cpl0;
		h->entry_vector[i] = o.exit == PRB_VECTOR && !reached ? (uint8_t)o.value
		                                                       : KVM_HOST_NO_VECTOR;
		/* AMD CPUs raise #UD for SYSENTER in 64-bit mode: for an AMD
		 * vCPU that is what hardware does. */
		if (i == HE_SYSENTER && c->amd_cpuid && h->entry_vector[i] == VECTOR_UD && cpl0)
			h->entry_native[i] = true;
	}
	return 0;
}

/* RDTSC at CPL 3 after the TSC was moved to about 2^60. */
static int probe_tsc(struct prb_ctx *c, struct kvm_host_info *h)
{
	uint64_t want, mark = PRB_TSC_MARK;
	int r;

	if (c->has_tsc_offset) {
		struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
		                             .addr = (uint64_t)(uintptr_t)&mark };
		want = __rdtsc() + mark;
		r = PRB_IOCTL(c, c->vcpu_fd, KVM_SET_DEVICE_ATTR, &a);
	} else {
		const struct kvm_msr_entry e = { .index = MSR_IA32_TSC, .data = mark };
		want = mark;
		r = prb_set_msrs(c, &e, 1);
	}
	if (r < 0)
		return r;
	struct kvm_sregs sr = c->sregs0;
	struct kvm_regs regs;
	struct prb_outcome o;
	prb_state(PRB_ST_LONG_USER, PRB_CODE_RDTSC, &sr, &regs);
	r = prb_run(c, &sr, &regs, &o);
	if (r)
		return r;
	/* Time passed since want was taken: a little ahead is right, an
	 * ignored offset leaves the guest 2^60 behind. */
	int64_t d = (int64_t)(o.value - want);
	h->tsc_offset = o.exit == PRB_DONE_MMIO && d > -(1ll << 40) && d < (1ll << 56);
	return 0;
}

static int set_guest_debug(struct prb_ctx *c, uint32_t control)
{
	struct kvm_guest_debug dbg;
	memset(&dbg, 0, sizeof(dbg));
	dbg.control = control;
	int r = PRB_IOCTL(c, c->vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg);
	return r < 0 ? r : 0;
}

/* Single-step at CPL 3: KVM should stop after the first instruction. */
static int probe_guest_debug(struct prb_ctx *c, struct kvm_host_info *h)
{
	struct kvm_sregs sr = c->sregs0;
	struct kvm_regs r;
	struct prb_outcome o;
	prb_state(PRB_ST_LONG_USER, PRB_CODE_STEP, &sr, &r);
	int ret = prb_put(c, &sr, &r);
	if (ret < 0)
		return ret;
	/* After the state: KVM steps from the RIP it has when asked. */
	ret = set_guest_debug(c, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
	if (ret)
		return ret;
	prb_go(c, &o);
	h->guest_debug = o.exit == PRB_DEBUG;
	return set_guest_debug(c, 0);
}

static int probe_iopl(struct prb_ctx *c, struct kvm_host_info *h)
{
	struct kvm_sregs sr = c->sregs0;
	struct kvm_regs r;
	struct prb_outcome o;
	prb_state(PRB_ST_LONG_USER, PRB_CODE_MMIO, &sr, &r);
	r.rflags |= RFLAGS_IOPL;
	int ret = prb_run(c, &sr, &r, &o);
	if (ret)
		return ret;
	ret = PRB_IOCTL(c, c->vcpu_fd, KVM_GET_REGS, &r);
	if (ret < 0)
		return ret;
	h->iopl_kept = o.exit == PRB_DONE_MMIO && (r.rflags & RFLAGS_IOPL) == RFLAGS_IOPL;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static uint32_t median(uint32_t *v, int n)
{
	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_u32);
	return v[n / 2];
}

static int probe_costs(struct prb_ctx *c, struct kvm_host_info *h)
{
	uint32_t ns[PRB_SAMPLES];
	struct kvm_sregs sr = c->sregs0;
	struct kvm_regs r;
	prb_state(PRB_ST_LONG_USER, PRB_CODE_MMIO, &sr, &r);
	int ret = prb_put(c, &sr, &r);
	if (ret < 0)
		return ret;
	h->run_ns = ret ? 0 : median(ns, prb_time_runs(c, ns, PRB_SAMPLES));

	for (int i = 0; i < PRB_SAMPLES; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = PRB_IOCTL(c, c->vcpu_fd, KVM_GET_REGS, &r);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ret < 0)
			return ret;
		ns[i] = (uint32_t)((t1.tv_sec - t0.tv_sec) * 1000000000l + (t1.tv_nsec - t0.tv_nsec));
	}
	h->ioctl_ns = median(ns, PRB_SAMPLES);
	return 0;
}

int kvm_host_probe(struct kvm_host_info *out, char *err, size_t errlen)
{
	struct prb_ctx c = { .kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1, .err = err, .errlen = errlen };
	struct kvm_host_info h;

	if (errlen)
		err[0] = 0;
	memset(&h, 0, sizeof(h));
	memset(h.entry_vector, KVM_HOST_NO_VECTOR, sizeof(h.entry_vector));
	h.backend = kvm_backend_from_sysfs("/sys/module");
	c.model = &h.cpuid;
	int r = prb_scratch_open(&c);
	if (!r)
		r = probe_modes(&c, &h);
	if (!r)
		r = probe_entries(&c, &h);
	if (!r)
		r = probe_iopl(&c, &h);
	if (!r)
		r = probe_guest_debug(&c, &h);
	if (!r)
		r = probe_costs(&c, &h);
	/* Last: nothing after it minds the TSC. */
	if (!r)
		r = probe_tsc(&c, &h);
	prb_scratch_close(&c);
	if (!r)
		*out = h;
	return r;
}
