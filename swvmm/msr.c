/* RDMSR/WRMSR semantics for the MSRs the virtual CPU has.
 *
 * Write checks follow the manuals and, where they leave room, what KVM
 * does for the same CPUID model, so that a guest sees the same MSRs under
 * both engines:
 * - IA32_EFER: bits the model lacks (SCE without SYSCALL, LME/LMA without
 *   LM, NXE without NX, every other bit) are reserved; changing LME while
 *   CR0.PG = 1 is #GP; LMA is read-only (a written value is ignored).
 * - FS/GS/KERNEL_GS base, LSTAR, CSTAR: canonical, else #GP.
 * - SYSENTER_ESP/EIP: Intel requires canonical addresses; AMD stores all
 *   64 bits as written, as KVM reads them back on AMD hosts (SYSENTER
 *   itself only uses the low half there: it is legacy-mode only).
 * - IA32_PAT: every entry must be a defined memory type (0, 1, 4-7).
 * - IA32_APIC_BASE: bits 0-7, 9, 10 (no x2APIC in the model) and those
 *   above the physical-address width are reserved.
 * - TSC_AUX: exists only with RDTSCP or RDPID in the model; bits 63:32
 *   are reserved.
 * - STAR, SFMASK, SYSENTER_CS, MISC_ENABLE: stored as written.
 * - AMD NB_CFG and MMIO_CONF_BASE: read as 0, writes ignored (KVM's
 *   answer; Linux's amd_bus code reads and writes NB_CFG).
 * - IA32_MCG_CAP: VCPU_MCE_BANKS banks and nothing else, read only;
 *   IA32_MCG_STATUS: stored as written (KVM's answers).
 * - IA32_MTRRCAP: 8 variable MTRRs, fixed ranges and WC (KVM's 0x508),
 *   read only; IA32_MTRR_DEF_TYPE: bits 7:0 a valid type, 10 and 11
 *   the enables, the rest reserved. KVM answers the MTRRs whatever CPUID
 *   says, and so does the interpreter although the model does not
 *   advertise MTRR (core/cpuid.c). The other MTRRs, the machine-check
 *   banks and AMD's performance counters: swvmm/msr_runs.c. */
#include <errno.h>

#include "core/intr.h"
#include "core/vm.h"
#include "swvmm/exec_system.h"
#include "swvmm/msr.h"

uint64_t sw_msr_tsc_read(struct sw_cpu *c)
{
	uint64_t v = sw_tsc(c);
	/* Two reads in the same host tick must still differ. */
	if ((int64_t)(v - c->s.tsc) <= 0)
		v = c->s.tsc + 1;
	c->s.tsc = v;
	return v;
}

void sw_msr_tsc_write(struct sw_cpu *c, uint64_t val)
{
	/* One clock with a KVM that ignores TSC offsets: the write goes
	 * nowhere, as it would on that KVM. */
	if (c->vm->clock.tsc_is_host) {
		vm_log(c->vm, LOG_DEBUG, "guest write of the TSC (0x%llx) ignored: the TSC is the "
		       "host's on this host", (unsigned long long)val);
		return;
	}
	uint64_t host = sw_tsc(c) - c->tsc_offset;
	c->tsc_offset = val - host;
	c->s.tsc = val;
}

/* IA32_MTRRCAP: VCNT 8, FIX, WC. */
#define MTRRCAP_VALUE 0x508ull

static bool pat_valid(uint64_t v)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (v >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static int efer_write(struct sw_cpu *c, uint64_t val)
{
	struct vcpu_state *s = &c->s;
	uint64_t ok = 0;

	if (sys_cpuid_has(c, FEAT_SYSCALL))
		ok |= EFER_SCE;
	if (sys_cpuid_has(c, FEAT_LM))
		ok |= EFER_LME | EFER_LMA;
	if (sys_cpuid_has(c, FEAT_NX))
		ok |= EFER_NXE;
	if (val & ~ok)
		return -EINVAL;
	if ((s->cr0 & CR0_PG) && ((val ^ s->efer) & EFER_LME))
		return -EINVAL;
	val = (val & ~EFER_LMA) | (s->efer & EFER_LMA);
	uint64_t old = s->efer;
	s->efer = val;
	/* The TLB caches execute permission computed with NXE. */
	if ((old ^ val) & EFER_NXE)
		sw_tlb_flush(c, false);
	sw_update_mode(c);
	return 0;
}

static bool has_tsc_aux(const struct sw_cpu *c)
{
	return sys_cpuid_has(c, FEAT_RDTSCP) || sys_cpuid_has(c, FEAT_RDPID);
}

int sw_msr_read(struct sw_cpu *c, uint32_t idx, uint64_t *val)
{
	const struct vcpu_state *s = &c->s;

	if (idx == SW_MSR_TSC_AUX && !has_tsc_aux(c))
		return -ENOENT;
	switch (idx) {
	case SW_MSR_TSC:
		*val = sw_msr_tsc_read(c);
		return 0;
	case SW_MSR_EFER:
		*val = s->efer;
		return 0;
	case SW_MSR_FS_BASE:
		*val = s->seg[SEG_FS].base;
		return 0;
	case SW_MSR_GS_BASE:
		*val = s->seg[SEG_GS].base;
		return 0;
	case SW_MSR_AMD_NB_CFG:
	case SW_MSR_AMD_MMIO_CONF:
		*val = 0;
		return 0;
	case SW_MSR_MCG_CAP:
		*val = VCPU_MCE_BANKS;
		return 0;
	case SW_MSR_MTRRCAP:
		*val = MTRRCAP_VALUE;
		return 0;
#define MSR_READ_CASE(name, index)          \
	case index:                         \
		*val = s->msr.name;         \
		return 0;
	VCPU_MSR_LIST(MSR_READ_CASE)
#undef MSR_READ_CASE
	default:
		return sw_msr_run_read(c, idx, val);
	}
}

int sw_msr_write(struct sw_cpu *c, uint32_t idx, uint64_t val)
{
	struct vcpu_state *s = &c->s;

	switch (idx) {
	case SW_MSR_TSC:
		sw_msr_tsc_write(c, val);
		return 0;
	case SW_MSR_EFER:
		return efer_write(c, val);
	case SW_MSR_FS_BASE:
	case SW_MSR_GS_BASE:
		if (!sw_canonical(val))
			return -EINVAL;
		s->seg[idx == SW_MSR_FS_BASE ? SEG_FS : SEG_GS].base = val;
		return 0;
	case SW_MSR_KERNEL_GS_BASE:
	case SW_MSR_LSTAR:
	case SW_MSR_CSTAR:
		if (!sw_canonical(val))
			return -EINVAL;
		if (idx == SW_MSR_KERNEL_GS_BASE)
			s->msr.kernel_gs_base = val;
		else if (idx == SW_MSR_LSTAR)
			s->msr.lstar = val;
		else
			s->msr.cstar = val;
		return 0;
	case SW_MSR_SYSENTER_ESP:
	case SW_MSR_SYSENTER_EIP:
		if (!c->vendor_amd && !sw_canonical(val))
			return -EINVAL;
		if (idx == SW_MSR_SYSENTER_ESP)
			s->msr.sysenter_esp = val;
		else
			s->msr.sysenter_eip = val;
		return 0;
	case SW_MSR_PAT:
		if (!pat_valid(val))
			return -EINVAL;
		s->msr.pat = val;
		return 0;
	case SW_MSR_APIC_BASE: {
		uint64_t rsvd = 0x2ffull | APIC_BASE_EXTD |
		                (c->maxphyaddr < 64 ? ~0ull << c->maxphyaddr : 0);
		if (val & rsvd)
			return -EINVAL;
		s->msr.apic_base = val;
		vm_intr_set_apic_base(c->vm, val);
		return 0;
	}
	case SW_MSR_TSC_AUX:
		if (!has_tsc_aux(c))
			return -ENOENT;
		if (val >> 32)
			return -EINVAL;
		s->msr.tsc_aux = val;
		return 0;
	case SW_MSR_SYSENTER_CS:
		s->msr.sysenter_cs = val;
		return 0;
	case SW_MSR_STAR:
		s->msr.star = val;
		return 0;
	case SW_MSR_SFMASK:
		s->msr.sfmask = val;
		return 0;
	case SW_MSR_MISC_ENABLE:
		s->msr.misc_enable = val;
		return 0;
	case SW_MSR_AMD_NB_CFG:
	case SW_MSR_AMD_MMIO_CONF:
		return 0;
	case SW_MSR_MCG_STATUS:
		s->msr.mcg_status = val;
		return 0;
	case SW_MSR_MTRR_DEF_TYPE:
		if ((val & ~0xcffull) || !sw_mtrr_type_valid(val & 0xff))
			return -EINVAL;
		s->msr.mtrr_def_type = val;
		return 0;
	default:
		return sw_msr_run_write(c, idx, val);
	}
}
