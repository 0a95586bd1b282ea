/* CPUID against the core model, RDTSC (monotonic, continuous with the TSC
 * the state was loaded with, WRMSR IA32_TSC), RDMSR/WRMSR of the state's
 * MSRs with their write checks (#GP(0) for unknown MSRs, non-canonical
 * addresses, invalid PAT types, reserved APIC-base bits), EFER's LMA
 * read-only, FS/GS bases through MSRs, the machine-check, MTRR and AMD
 * performance-counter MSRs as KVM answers them, and SWAPGS. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <x86intrin.h>

#include "swvmm/msr.h"
#include "tests/unit/sw_fixture.h"

static const uint8_t cpuid_hlt[] = { 0x0f, 0xa2, 0xf4 };          /* cpuid; hlt */

static void run_cpuid(struct sw_fx *fx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	fx_resume(fx);
	fx_code_at(fx, FX_CODE_ADDR, cpuid_hlt, sizeof(cpuid_hlt));
	uint64_t *g = fx->c->s.gpr;
	g[RAX] = 0xffffffff00000000ull | leaf;
	g[RCX] = 0xffffffff00000000ull | sub;
	g[RBX] = g[RDX] = ~0ull;
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	out[0] = (uint32_t)g[RAX];
	out[1] = (uint32_t)g[RBX];
	out[2] = (uint32_t)g[RCX];
	out[3] = (uint32_t)g[RDX];
	/* 32-bit results zero-extend in 64-bit mode. */
	for (unsigned r = 0; r < 4; r++)
		assert_int_equal(g[r] >> 32, 0);
}

static void test_cpuid_matches_model(void **state)
{
	(void)state;
	static const uint32_t leaves[][2] = {
		{ 0, 0 }, { 1, 0 }, { 7, 0 }, { 7, 1 }, { 0x80000000u, 0 }, { 0x80000001u, 0 },
		{ 0x80000002u, 0 }, { 0x80000008u, 0 }, { 0x40000000u, 0 }, { 0x12345678u, 0 },
	};
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	for (unsigned k = 0; k < sizeof(leaves) / sizeof(leaves[0]); k++) {
		uint32_t got[4], want[4];
		run_cpuid(fx, leaves[k][0], leaves[k][1], got);
		cpuid_model_query(&fx->vm.cpuid, leaves[k][0], leaves[k][1], want);
		if (leaves[k][0] == 1)
			assert_true(fx->c->s.msr.apic_base & APIC_BASE_EN);
		assert_memory_equal(got, want, sizeof(got));
	}
	/* The APIC bit follows IA32_APIC_BASE.EN, as under KVM. */
	uint32_t got[4];
	fx->c->s.msr.apic_base &= ~APIC_BASE_EN;
	run_cpuid(fx, 1, 0, got);
	assert_false(got[3] & (1u << 9));
	fx_free(fx);
}

static uint64_t edx_eax(struct sw_fx *fx)
{
	return (fx->c->s.gpr[RDX] << 32) | (uint32_t)fx->c->s.gpr[RAX];
}

/* RDTSC values strictly increase; they continue from the TSC the state
 * was loaded with; WRMSR IA32_TSC moves them; the stored state carries
 * the TSC on. */
static void test_rdtsc(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	uint64_t base = 0x0000123400000000ull;
	struct vcpu_state in = fx->c->s;
	in.tsc = base;
	sw_engine_ops.load_state(fx->c, &in);
	FX_CODE(fx,
		0x0f, 0x31,                              /* rdtsc */
		0x89, 0xc6,                              /* mov esi, eax */
		0x89, 0xd7,                              /* mov edi, edx */
		0x0f, 0x31,                              /* rdtsc */
		0xf4);
	fx_run(fx, 10);
	fx_assert_no_exc(fx);
	uint64_t t1 = (fx->c->s.gpr[RDI] << 32) | (uint32_t)fx->c->s.gpr[RSI];
	uint64_t t2 = edx_eax(fx);
	assert_true(t1 >= base);
	assert_true(t1 < base + (1ull << 40));   /* a few host ticks, not a jump */
	assert_true(t2 > t1);

	/* A tight loop of reads never repeats or goes back. */
	uint64_t prev = t2;
	for (int k = 0; k < 200; k++) {
		fx_resume(fx);
		FX_CODE(fx, 0x0f, 0x31, 0xf4);
		fx_run(fx, 2);
		uint64_t t = edx_eax(fx);
		assert_true(t > prev);
		prev = t;
	}

	/* WRMSR IA32_TSC. */
	fx_resume(fx);
	FX_CODE(fx,
		0x0f, 0x30,                              /* wrmsr */
		0x0f, 0x31,                              /* rdtsc */
		0xf4);
	fx->c->s.gpr[RCX] = SW_MSR_TSC;
	fx->c->s.gpr[RDX] = 0x10;
	fx->c->s.gpr[RAX] = 0;
	fx_run(fx, 5);
	uint64_t t = edx_eax(fx);
	assert_true(t >= 0x1000000000ull && t < 0x1000000000ull + (1ull << 40));

	struct vcpu_state out;
	sw_engine_ops.store_state(fx->c, &out);
	assert_true(out.tsc >= t);
	fx_free(fx);
}

/* The TSC handed to the other engine is never below the last value the
 * guest read, even when that read was bumped past the host clock to keep
 * two reads in one host tick apart. */
static void test_stored_tsc_not_below_last_read(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x0f, 0x31, 0xf4);                   /* rdtsc; hlt */
	fx_run(fx, 2);
	uint64_t seen = edx_eax(fx);
	/* As if many reads had each been bumped by one: the last value shown
	 * runs ahead of host TSC + offset. */
	fx->c->s.tsc = seen + (1ull << 32);
	struct vcpu_state out;
	sw_engine_ops.store_state(fx->c, &out);
	assert_true(out.tsc >= fx->c->s.tsc);
	fx_free(fx);
}

static void wrmsr_expect(struct sw_fx *fx, uint32_t idx, uint64_t val, bool gp)
{
	fx_resume(fx);
	FX_CODE(fx, 0x0f, 0x30, 0xf4);                   /* wrmsr */
	fx->c->s.gpr[RCX] = idx;
	fx->c->s.gpr[RAX] = val & 0xffffffffull;
	fx->c->s.gpr[RDX] = val >> 32;
	uint64_t events = fx->c->last_event.count;
	fx_run(fx, 1);
	if (gp) {
		fx_assert_exc(fx, EXC_GP, 0);
		return;
	}
	assert_int_equal(fx->c->last_event.count, events);
}

static uint64_t rdmsr(struct sw_fx *fx, uint32_t idx)
{
	fx_resume(fx);
	FX_CODE(fx, 0x0f, 0x32, 0xf4);                   /* rdmsr */
	fx->c->s.gpr[RCX] = idx;
	fx_run(fx, 1);
	return edx_eax(fx);
}

static void test_msr_round_trip(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	static const struct {
		uint32_t idx;
		uint64_t val;
	} ok[] = {
		{ SW_MSR_STAR, 0x0023001000000000ull },
		{ SW_MSR_LSTAR, 0xffffffff81000000ull },
		{ SW_MSR_CSTAR, 0x0000000000401000ull },
		{ SW_MSR_SFMASK, 0x47700 },
		{ SW_MSR_KERNEL_GS_BASE, 0xffff888000000000ull },
		{ SW_MSR_SYSENTER_CS, 0x10 },
		{ SW_MSR_SYSENTER_EIP, 0x81000000 },
		{ SW_MSR_PAT, 0x0007040600070406ull },
		{ SW_MSR_FS_BASE, 0x00007fff12345000ull },
		{ SW_MSR_GS_BASE, 0xffff888012345000ull },
		{ SW_MSR_APIC_BASE, 0xfee00900ull },
		{ SW_MSR_MISC_ENABLE, 0x1 },
	};
	for (unsigned k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		wrmsr_expect(fx, ok[k].idx, ok[k].val, false);
		assert_int_equal(rdmsr(fx, ok[k].idx), ok[k].val);
	}
	assert_int_equal(fx->c->s.seg[SEG_FS].base, 0x00007fff12345000ull);
	assert_int_equal(fx->c->s.seg[SEG_GS].base, 0xffff888012345000ull);
	assert_int_equal(fx->c->s.msr.lstar, 0xffffffff81000000ull);

	/* EFER: LMA is read-only (a write of 0 for it keeps it set). */
	wrmsr_expect(fx, SW_MSR_EFER, EFER_LME | EFER_NXE | EFER_SCE, false);
	assert_int_equal(rdmsr(fx, SW_MSR_EFER), EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE);
	fx_free(fx);
}

/* AMD's NB_CFG and MMIO_CONF_BASE, which Linux reads and writes on AMD
 * processors: 0, writes ignored, as KVM answers (a #GP made the kernel log
 * "unchecked MSR access error: RDMSR from 0xc001001f" under sw only). */
static void test_amd_northbridge_msrs(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	static const uint32_t idx[] = { SW_MSR_AMD_NB_CFG, SW_MSR_AMD_MMIO_CONF };
	for (unsigned k = 0; k < 2; k++) {
		wrmsr_expect(fx, idx[k], 0x0000400000000000ull, false);
		assert_int_equal(rdmsr(fx, idx[k]), 0);
		fx_assert_no_exc(fx);
	}
	fx_free(fx);
}

static void test_msr_faults(void **state)
{
	(void)state;
	static const struct {
		uint32_t idx;
		uint64_t val;
	} bad[] = {
		{ 0x12345678, 0 },                            /* no such MSR */
		{ 0x8b, 0 },                                  /* not modelled */
		{ SW_MSR_LSTAR, 0x0000800000000000ull },      /* non-canonical */
		{ SW_MSR_KERNEL_GS_BASE, 0x8000000000000000ull },
		{ SW_MSR_FS_BASE, 0x0001000000000000ull },
		{ SW_MSR_PAT, 0x0007040600070402ull },        /* type 2 */
		{ SW_MSR_PAT, 0x0807040600070406ull },        /* type 8 */
		{ SW_MSR_APIC_BASE, 0xfee00d00ull },          /* x2APIC enable */
		{ SW_MSR_APIC_BASE, 0xfee00901ull },          /* reserved bit 0 */
		{ SW_MSR_EFER, EFER_LME | EFER_LMA | (1ull << 15) },
		{ SW_MSR_TSC_AUX, 1ull << 32 },               /* bits 63:32 reserved */
	};
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct sw_fx *fx = fx_new_ok(FX_LONG64);
		struct vcpu_state before = fx->c->s;
		wrmsr_expect(fx, bad[k].idx, bad[k].val, true);
		assert_int_equal(fx->c->s.msr.lstar, before.msr.lstar);
		assert_int_equal(fx->c->s.msr.pat, before.msr.pat);
		assert_int_equal(fx->c->s.msr.apic_base, before.msr.apic_base);
		assert_int_equal(fx->c->s.efer, before.efer);
		fx_free(fx);
	}
	/* RDMSR of an unknown MSR. */
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x0f, 0x32, 0xf4);
	fx->c->s.gpr[RCX] = 0xc0011000;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);
}

/* Intel insists on canonical SYSENTER_ESP/EIP; AMD keeps all 64 bits as
 * written, as KVM does there (dropping the upper half made the two
 * engines read different values). */
static void test_sysenter_msrs_by_vendor(void **state)
{
	(void)state;
	static const uint32_t idx[] = { SW_MSR_SYSENTER_ESP, SW_MSR_SYSENTER_EIP };
	uint64_t v = 0x0000800012345678ull;
	for (unsigned amd = 0; amd < 2; amd++) {
		for (unsigned k = 0; k < 2; k++) {
			struct sw_fx *fx = fx_new_ok(FX_LONG64);
			fx->c->vendor_amd = amd;
			wrmsr_expect(fx, idx[k], v, !amd);
			if (amd)
				assert_int_equal(rdmsr(fx, idx[k]), v);
			fx_free(fx);
		}
	}
}

/* WRMSR idx = val: #GP(0) when gp, else it reads back as written. */
struct msr_write {
	uint32_t idx;
	uint64_t val;
	bool gp;
};

static void msr_writes(struct sw_fx *fx, const struct msr_write *w, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		wrmsr_expect(fx, w[k].idx, w[k].val, w[k].gp);
		if (!w[k].gp)
			assert_int_equal(rdmsr(fx, w[k].idx), w[k].val);
	}
}

/* Machine-check MSRs as KVM answers them by default: IA32_MCG_CAP reports
 * VCPU_MCE_BANKS banks (read only), MCG_STATUS is stored, and each bank's
 * CTL/STATUS/ADDR/MISC takes what KVM's checks allow (they were #GP). */
static void test_mce_msrs(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	uint32_t last = 0x400 + 4 * VCPU_MCE_BANKS - 1;      /* MC31_MISC */
	assert_int_equal(rdmsr(fx, SW_MSR_MCG_CAP), VCPU_MCE_BANKS);
	fx_assert_no_exc(fx);
	wrmsr_expect(fx, SW_MSR_MCG_CAP, VCPU_MCE_BANKS, true);
	wrmsr_expect(fx, SW_MSR_MCG_STATUS, 5, false);
	assert_int_equal(rdmsr(fx, SW_MSR_MCG_STATUS), 5);

	static const struct msr_write w[] = {
		{ 0x400, ~0ull, false },                      /* MC0_CTL: all ones */
		{ 0x410, ~0ull & ~(1ull << 10), false },      /* MC4_CTL: bit 10 clear */
		{ 0x404, 0, false },                          /* MC1_CTL: 0 */
		{ 0x408, 0x1234, true },                      /* MC2_CTL: other values */
		{ 0x40d, 0, false },                          /* MC3_STATUS: 0 only */
		{ 0x40d, 1, true },
		{ 0x40e, 0xfee00000ull, false },              /* MC3_ADDR */
		{ 0x40f, 0xabcdull, false },                  /* MC3_MISC */
		{ 0x47f, 0x77ull, false },                    /* MC31_MISC */
		{ 0x480, 0, true },                           /* no bank 32 */
	};
	msr_writes(fx, w, sizeof(w) / sizeof(w[0]));
	assert_int_equal(fx->c->s.msr.mc_bank[4 * VCPU_MCE_BANKS - 1], 0x77);
	assert_int_equal(rdmsr(fx, last), 0x77);
	fx_assert_no_exc(fx);
	rdmsr(fx, last + 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);
}

/* MTRRs are stored and read back with KVM's checks, although the CPUID
 * model does not advertise MTRR (KVM answers them all the same). */
static void test_mtrr_msrs(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	uint64_t above = 1ull << fx->c->maxphyaddr;
	assert_int_equal(rdmsr(fx, SW_MSR_MTRRCAP), 0x508);
	fx_assert_no_exc(fx);
	wrmsr_expect(fx, SW_MSR_MTRRCAP, 0x508, true);

	static const struct msr_write w[] = {
		{ SW_MSR_MTRR_DEF_TYPE, 0xc06, false },
		{ SW_MSR_MTRR_DEF_TYPE, 0x1006, true },       /* reserved bit 12 */
		{ SW_MSR_MTRR_DEF_TYPE, 0x802, true },        /* type 2 */
		{ 0x250, 0x0606060606060606ull, false },      /* FIX64K_00000 */
		{ 0x258, 0x0505050505050505ull, false },      /* FIX16K_80000 */
		{ 0x259, 0x0000000000000000ull, false },      /* FIX16K_A0000 */
		{ 0x268, 0x0404040404040404ull, false },      /* FIX4K_C0000 */
		{ 0x26f, 0x0106010601060106ull, false },      /* FIX4K_F8000 */
		{ 0x26f, 0x0606060606060603ull, true },       /* type 3 */
		{ 0x251, 0, true },                           /* not an MTRR */
		{ 0x200, 0x80000006ull, false },              /* PHYSBASE0 */
		{ 0x200, 0x80000106ull, true },               /* reserved bit 8 */
		{ 0x200, 0x80000007ull, true },               /* type 7 */
		{ 0x201, 0xfff0000800ull, false },            /* PHYSMASK0, valid */
		{ 0x201, 0xfff0000801ull, true },             /* reserved bit 0 */
		{ 0x20f, 0x800ull, false },                   /* PHYSMASK7 */
		{ 0x210, 0, true },                           /* no ninth pair */
	};
	msr_writes(fx, w, sizeof(w) / sizeof(w[0]));
	wrmsr_expect(fx, 0x201, above | 0x800, true);         /* beyond MAXPHYADDR */
	assert_int_equal(fx->c->s.msr.mtrr_var[1], 0xfff0000800ull);
	assert_int_equal(fx->c->s.msr.mtrr_fix4k[7], 0x0106010601060106ull);
	assert_int_equal(fx->c->s.msr.mtrr_def_type, 0xc06);
	fx_free(fx);
}

/* AMD's legacy performance counters: a guest setting up its PMU must not
 * take #GP. With the AMD vendor they read back (reserved PERF_CTL bits
 * dropped, counters 48 bits wide) as from KVM's AMD PMU; with the Intel
 * vendor they read 0 and ignore writes, as KVM there. */
static void test_amd_perf_msrs(void **state)
{
	(void)state;
	for (unsigned amd = 0; amd < 2; amd++) {
		struct sw_fx *fx = fx_new_ok(FX_LONG64);
		fx->c->vendor_amd = amd;
		for (uint32_t k = 0; k < 4; k++) {
			uint64_t ctl = 0x0000000000530076ull | (1ull << 21) | (1ull << 40);
			wrmsr_expect(fx, 0xc0010000 + k, ctl, false);
			wrmsr_expect(fx, 0xc0010004 + k, ~0ull - k, false);
			assert_int_equal(rdmsr(fx, 0xc0010000 + k), amd ? 0x530076ull : 0);
			assert_int_equal(rdmsr(fx, 0xc0010004 + k),
			                 amd ? (~0ull - k) & ((1ull << 48) - 1) : 0);
			fx_assert_no_exc(fx);
		}
		fx_free(fx);
	}
}

static void test_swapgs(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx,
		0x0f, 0x01, 0xf8,                        /* swapgs */
		0xf4);
	fx->c->s.seg[SEG_GS].base = 0x1111;
	fx->c->s.msr.kernel_gs_base = 0xffff888000002222ull;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.seg[SEG_GS].base, 0xffff888000002222ull);
	assert_int_equal(fx->c->s.msr.kernel_gs_base, 0x1111);
	fx_free(fx);

	/* Outside 64-bit mode SWAPGS does not exist. */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x0f, 0x01, 0xf8, 0xf4);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	fx_free(fx);
}

/* Where the host's KVM ignores TSC offsets (vm->clock.tsc_is_host) the
 * guest TSC is the host TSC in the interpreter too: a loaded state's TSC
 * does not move it, and WRMSR IA32_TSC is ignored, so that a migration
 * to that KVM never makes the TSC jump. */
static void test_tsc_is_host(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	fx->vm.clock.tsc_is_host = true;
	struct vcpu_state in = fx->c->s;
	in.tsc = 0x0000123400000000ull;
	in.tsc_host = 0;
	sw_engine_ops.load_state(fx->c, &in);
	FX_CODE(fx,
		0x0f, 0x30,                              /* wrmsr */
		0x0f, 0x31,                              /* rdtsc */
		0xf4);
	fx->c->s.gpr[RCX] = SW_MSR_TSC;
	fx->c->s.gpr[RDX] = 0x10;
	fx->c->s.gpr[RAX] = 0;
	uint64_t before = __rdtsc();
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	uint64_t t = edx_eax(fx);
	assert_true(t >= before && t <= __rdtsc());

	struct vcpu_state out;
	sw_engine_ops.store_state(fx->c, &out);
	assert_int_equal(out.tsc, out.tsc_host);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid_matches_model),
		cmocka_unit_test(test_rdtsc),
		cmocka_unit_test(test_stored_tsc_not_below_last_read),
		cmocka_unit_test(test_tsc_is_host),
		cmocka_unit_test(test_msr_round_trip),
		cmocka_unit_test(test_msr_faults),
		cmocka_unit_test(test_amd_northbridge_msrs),
		cmocka_unit_test(test_sysenter_msrs_by_vendor),
		cmocka_unit_test(test_mce_msrs),
		cmocka_unit_test(test_mtrr_msrs),
		cmocka_unit_test(test_amd_perf_msrs),
		cmocka_unit_test(test_swapgs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
