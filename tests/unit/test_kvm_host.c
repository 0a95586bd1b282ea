/* The host probe's pure part: which row a vCPU state falls in, what a
 * host runs natively, the summary line, the backend from sysfs. Runs
 * without /dev/kvm, on canned probe results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hwvmm/kvm_host.h"

/* A state in mode m with CS.DPL (the CPL in protected mode) cpl. */
static void make_state(struct vcpu_state *s, enum cpu_mode m, unsigned cpl)
{
	vcpu_state_reset(s);
	s->seg[SEG_CS].dpl = (uint8_t)cpl;
	s->seg[SEG_CS].selector = (uint16_t)(0x8 | cpl);
	switch (m) {
	case MODE_REAL:
		break;
	case MODE_VM86:
		s->cr0 |= CR0_PE;
		s->rflags |= RFLAGS_VM;
		break;
	case MODE_PROT16:
	case MODE_PROT32:
		s->cr0 |= CR0_PE;
		s->seg[SEG_CS].db = m == MODE_PROT32;
		break;
	case MODE_COMPAT16:
	case MODE_COMPAT32:
	case MODE_LONG64:
		s->cr0 |= CR0_PE | CR0_PG;
		s->cr4 |= CR4_PAE;
		s->efer |= EFER_LME | EFER_LMA;
		s->seg[SEG_CS].db = m == MODE_COMPAT32;
		s->seg[SEG_CS].l = m == MODE_LONG64;
		break;
	}
	assert_int_equal(vcpu_mode(s), m);
}

static void test_mode_of_every_mode_and_cpl(void **state)
{
	(void)state;
	static const enum kvm_host_mode want[][4] = {
		[MODE_REAL] = { HM_REAL, HM_REAL, HM_REAL, HM_REAL },
		[MODE_VM86] = { HM_PROT_USER, HM_PROT_USER, HM_PROT_USER, HM_PROT_USER },
		[MODE_PROT16] = { HM_PROT16, HM_PROT16, HM_PROT16, HM_PROT_USER },
		[MODE_PROT32] = { HM_PROT32, HM_PROT32, HM_PROT32, HM_PROT_USER },
		[MODE_COMPAT16] = { HM_LONG_KERNEL, HM_LONG_KERNEL, HM_LONG_KERNEL, HM_COMPAT_USER },
		[MODE_COMPAT32] = { HM_LONG_KERNEL, HM_LONG_KERNEL, HM_LONG_KERNEL, HM_COMPAT_USER },
		[MODE_LONG64] = { HM_LONG_KERNEL, HM_LONG_KERNEL, HM_LONG_KERNEL, HM_LONG_USER },
	};
	for (int m = MODE_REAL; m <= MODE_LONG64; m++) {
		for (unsigned cpl = 0; cpl < 4; cpl++) {
			struct vcpu_state s;
			make_state(&s, m, cpl);
			if (kvm_host_mode_of(&s) != want[m][cpl])
				fail_msg("%s at CS.DPL %u: got %s, wanted %s", cpu_mode_name(m), cpl,
				         kvm_host_mode_name(kvm_host_mode_of(&s)),
				         kvm_host_mode_name(want[m][cpl]));
		}
	}
}

/* PVM: only 64-bit CPL 3 native, no entry native. */
static struct kvm_host_info pvm_info(void)
{
	struct kvm_host_info h;
	memset(&h, 0, sizeof(h));
	h.backend = KVM_BACKEND_PVM;
	for (int m = 0; m < NR_HOST_MODES; m++)
		h.mode[m] = PROBE_EMULATED;
	h.mode[HM_LONG_USER] = PROBE_NATIVE;
	h.entry_vector[HE_INT_N] = 6;
	h.entry_vector[HE_SYSCALL] = 13;
	h.entry_vector[HE_SYSENTER] = 6;
	h.run_ns = 70000;
	h.ioctl_ns = 7700;
	return h;
}

/* SVM: everything native. */
static struct kvm_host_info svm_info(void)
{
	struct kvm_host_info h;
	memset(&h, 0, sizeof(h));
	h.backend = KVM_BACKEND_AMD;
	for (int e = 0; e < NR_HOST_ENTRIES; e++) {
		h.entry_native[e] = true;
		h.entry_vector[e] = KVM_HOST_NO_VECTOR;
	}
	h.tsc_offset = h.guest_debug = h.iopl_kept = true;
	return h;
}

static void test_pvm_runs(void **state)
{
	(void)state;
	struct kvm_host_info h = pvm_info();
	struct vcpu_state s;

	make_state(&s, MODE_LONG64, 3);
	assert_true(kvm_host_runs(&h, &s));
	make_state(&s, MODE_LONG64, 0);
	assert_false(kvm_host_runs(&h, &s));
	make_state(&s, MODE_COMPAT32, 3);
	assert_false(kvm_host_runs(&h, &s));
	make_state(&s, MODE_REAL, 0);
	assert_false(kvm_host_runs(&h, &s));
	make_state(&s, MODE_VM86, 3);
	assert_false(kvm_host_runs(&h, &s));
	assert_false(kvm_host_runs_all(&h));

	/* Every mode native but one entry still is not everything. */
	for (int m = 0; m < NR_HOST_MODES; m++)
		h.mode[m] = PROBE_NATIVE;
	assert_false(kvm_host_runs_all(&h));
}

static void test_pvm_limits(void **state)
{
	(void)state;
	struct kvm_host_info h = pvm_info();
	char buf[1024];

	assert_int_equal(kvm_host_limits(&h, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "kvm_pvm"));
	assert_non_null(strstr(buf, "runs natively only 64-bit mode, CPL 3;"));
	for (int m = 0; m < NR_HOST_MODES; m++)
		assert_non_null(strstr(buf, kvm_host_mode_name(m)));
	assert_non_null(strstr(buf, "; real mode, 16-bit protected mode, CPL 0, "));
	assert_non_null(strstr(buf, "64-bit mode, CPL 0 go through its instruction emulator;"));
	assert_non_null(strstr(buf, "INT n from CPL 3 arrives as #UD (vector 6)"));
	assert_non_null(strstr(buf, "SYSCALL from CPL 3 arrives as #GP (vector 13)"));
	assert_non_null(strstr(buf, "SYSENTER from CPL 3 arrives as #UD"));
	assert_null(strchr(buf, '\n'));

	/* A refused and a failed row are named as such. */
	h.mode[HM_PROT_USER] = PROBE_REFUSED;
	h.mode[HM_REAL] = PROBE_FAILED;
	assert_int_equal(kvm_host_limits(&h, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "16/32-bit protected mode, CPL 3 is refused"));
	assert_non_null(strstr(buf, "real mode failed the probe"));

	/* A short buffer is cut, never overrun, and stays terminated. */
	char small[24];
	memset(small, 'x', sizeof(small));
	assert_int_equal(kvm_host_limits(&h, small, 16), 0);
	assert_int_equal(strlen(small), 15);
	assert_int_equal(small[16], 'x');
}

/* The one-line form for an error: what runs natively, then where to look. */
static void test_pvm_limit_brief(void **state)
{
	(void)state;
	struct kvm_host_info h = pvm_info();
	char buf[160];

	assert_int_equal(kvm_host_limit_brief(&h, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "the host's KVM (kvm_pvm) runs natively only 64-bit mode, CPL 3 "
	                         "(hvmm kvm-info says more)");
	/* Every mode native, an entry not: that entry is the limit. */
	for (int m = 0; m < NR_HOST_MODES; m++)
		h.mode[m] = PROBE_NATIVE;
	assert_int_equal(kvm_host_limit_brief(&h, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "INT n from CPL 3 arrives as #UD"));
}

static void test_svm_runs_everything(void **state)
{
	(void)state;
	struct kvm_host_info h = svm_info();
	struct vcpu_state s;
	char buf[256];

	for (int m = MODE_REAL; m <= MODE_LONG64; m++) {
		for (unsigned cpl = 0; cpl < 4; cpl++) {
			make_state(&s, m, cpl);
			assert_true(kvm_host_runs(&h, &s));
		}
	}
	assert_true(kvm_host_runs_all(&h));
	assert_int_equal(kvm_host_limits(&h, buf, sizeof(buf)), -EINVAL);
	assert_string_equal(buf, "the host's KVM (kvm_amd) runs everything natively");

	/* One entry that does not reach the kernel is named. */
	h.entry_native[HE_SYSCALL] = false;
	assert_false(kvm_host_runs_all(&h));
	assert_int_equal(kvm_host_limits(&h, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "the host's KVM (kvm_amd) runs every mode natively; "
	                    "SYSCALL from CPL 3 does not reach the kernel");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(kvm_backend_name(KVM_BACKEND_INTEL), "kvm_intel");
	assert_string_equal(kvm_backend_name(KVM_BACKEND_AMD), "kvm_amd");
	assert_string_equal(kvm_backend_name(KVM_BACKEND_PVM), "kvm_pvm");
	assert_string_equal(kvm_backend_name(KVM_BACKEND_UNKNOWN), "unknown");
	assert_string_equal(probe_result_name(PROBE_NATIVE), "native");
	assert_string_equal(probe_result_name(PROBE_EMULATED), "emulated");
	assert_string_equal(probe_result_name(PROBE_REFUSED), "refused");
	assert_string_equal(probe_result_name(PROBE_FAILED), "failed");
	assert_string_equal(kvm_host_mode_name(HM_REAL), "real mode");
	assert_string_equal(kvm_host_mode_name(HM_LONG_USER), "64-bit mode, CPL 3");
	assert_string_equal(kvm_host_entry_name(HE_SYSENTER), "SYSENTER from CPL 3");
	assert_string_equal(kvm_vector_name(6), "#UD");
	assert_string_equal(kvm_vector_name(13), "#GP");
	assert_string_equal(kvm_vector_name(14), "#PF");
	assert_string_equal(kvm_vector_name(0x80), "vector");
	assert_int_equal(NR_HOST_MODES, 7);
	assert_int_equal(NR_HOST_ENTRIES, 3);
}

/* A fake /sys/module holding the given module folders. */
static void sysfs_case(const char *const *mods, enum kvm_backend want)
{
	char dir[] = "/tmp/hvmm-sysfs-XXXXXX";
	char path[64];

	assert_non_null(mkdtemp(dir));
	for (const char *const *m = mods; *m; m++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *m);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	enum kvm_backend got = kvm_backend_from_sysfs(dir);
	for (const char *const *m = mods; *m; m++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *m);
		rmdir(path);
	}
	rmdir(dir);
	assert_string_equal(kvm_backend_name(got), kvm_backend_name(want));
}

static void test_backend_from_sysfs(void **state)
{
	(void)state;
	static const char *const pvm[] = { "kvm", "kvm_pvm", NULL };
	static const char *const pvm_amd[] = { "kvm", "kvm_pvm", "kvm_amd", NULL };
	static const char *const intel[] = { "kvm", "kvm_intel", NULL };
	static const char *const amd[] = { "kvm", "kvm_amd", NULL };
	static const char *const none[] = { "ext4", NULL };

	sysfs_case(pvm, KVM_BACKEND_PVM);
	sysfs_case(pvm_amd, KVM_BACKEND_AMD);
	sysfs_case(intel, KVM_BACKEND_INTEL);
	sysfs_case(amd, KVM_BACKEND_AMD);
	sysfs_case(none, KVM_BACKEND_UNKNOWN);
	assert_int_equal(kvm_backend_from_sysfs("/nonexistent/sys/module"), KVM_BACKEND_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_of_every_mode_and_cpl),
		cmocka_unit_test(test_pvm_runs),
		cmocka_unit_test(test_pvm_limits),
		cmocka_unit_test(test_pvm_limit_brief),
		cmocka_unit_test(test_svm_runs_everything),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_backend_from_sysfs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
