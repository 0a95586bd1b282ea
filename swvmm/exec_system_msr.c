/* CPUID, RDMSR, WRMSR, RDTSC, RDTSCP, RDPMC.
 *
 * The TSC the guest reads is sw_tsc(): the host TSC plus the offset the
 * engine set when it loaded the state, so it runs on from the value the
 * KVM engine stored, at the host rate as KVM's guest TSC does; see
 * swvmm/msr.c for the MSRs themselves.
 *
 * RDPMC: the virtual CPU has no performance counters, so every counter
 * index is invalid and RDPMC is #GP(0) whatever CR4.PCE says. */
#include "core/vm.h"
#include "swvmm/audit.h"
#include "swvmm/exec_system.h"
#include "swvmm/msr.h"

#define CPUID1_EDX_APIC    (1u << 9)
#define CPUID1_ECX_OSXSAVE (1u << 27)

static void set_edx_eax(struct sw_cpu *c, uint64_t v)
{
	sw_gpr_write(c, RAX, 4, false, v & 0xffffffffull);
	sw_gpr_write(c, RDX, 4, false, v >> 32);
}

/* CPUID: the VM's model, with the bits that follow the vCPU's own state
 * updated as KVM updates them (APIC with IA32_APIC_BASE.EN, OSXSAVE with
 * CR4.OSXSAVE). */
static void exec_cpuid(struct sw_cpu *c, const struct insn *i)
{
	uint32_t r[4];
	uint32_t leaf = (uint32_t)c->s.gpr[RAX], sub = (uint32_t)c->s.gpr[RCX];

	(void)i;
	cpuid_model_query(&c->vm->cpuid, leaf, sub, r);
	if (leaf == 1) {
		if (!(c->s.msr.apic_base & APIC_BASE_EN))
			r[CPUID_EDX] &= ~CPUID1_EDX_APIC;
		if (c->s.cr4 & CR4_OSXSAVE)
			r[CPUID_ECX] |= CPUID1_ECX_OSXSAVE;
		else
			r[CPUID_ECX] &= ~CPUID1_ECX_OSXSAVE;
	}
	sw_gpr_write(c, RAX, 4, false, r[CPUID_EAX]);
	sw_gpr_write(c, RBX, 4, false, r[CPUID_EBX]);
	sw_gpr_write(c, RCX, 4, false, r[CPUID_ECX]);
	sw_gpr_write(c, RDX, 4, false, r[CPUID_EDX]);
}

static void exec_rdmsr(struct sw_cpu *c, const struct insn *i)
{
	uint64_t v;

	(void)i;
	sys_need_cpl0(c);
	if (sw_msr_read(c, (uint32_t)c->s.gpr[RCX], &v))
		sw_gp0(c);
	set_edx_eax(c, v);
	sw_note_event(c, RUN_EV_MSR, (uint32_t)c->s.gpr[RCX]);
	sw_audit_event(c, AUDIT_MSR_READ, 0, (uint32_t)c->s.gpr[RCX], v, 0);
}

static void exec_wrmsr(struct sw_cpu *c, const struct insn *i)
{
	uint64_t v = (c->s.gpr[RDX] << 32) | (c->s.gpr[RAX] & 0xffffffffull);

	(void)i;
	sys_need_cpl0(c);
	if (sw_msr_write(c, (uint32_t)c->s.gpr[RCX], v))
		sw_gp0(c);
	sw_note_event(c, RUN_EV_MSR, (uint32_t)c->s.gpr[RCX]);
	sw_audit_event(c, AUDIT_MSR_WRITE, 0, (uint32_t)c->s.gpr[RCX], v, 0);
}

/* CR4.TSD restricts the TSC to CPL 0. */
static void tsc_allowed(struct sw_cpu *c)
{
	if ((c->s.cr4 & CR4_TSD) && c->cpl != 0)
		sw_gp0(c);
}

static void exec_rdtsc(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	tsc_allowed(c);
	set_edx_eax(c, sw_msr_tsc_read(c));
}

static void exec_rdtscp(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	if (!sys_cpuid_has(c, FEAT_RDTSCP))
		sw_ud(c);
	tsc_allowed(c);
	set_edx_eax(c, sw_msr_tsc_read(c));
	sw_gpr_write(c, RCX, 4, false, c->s.msr.tsc_aux & 0xffffffffull);
}

static void exec_rdpmc(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	if (c->cpl != 0 && !(c->s.cr4 & CR4_PCE))
		sw_gp0(c);
	sw_gp0(c);   /* no counter exists: every ECX is an invalid index */
}

void sw_register_system_msr(sw_exec_fn *t)
{
	t[IF_CPUID] = exec_cpuid;
	t[IF_RDMSR] = exec_rdmsr;
	t[IF_WRMSR] = exec_wrmsr;
	t[IF_RDTSC] = exec_rdtsc;
	t[IF_RDTSCP] = exec_rdtscp;
	t[IF_RDPMC] = exec_rdpmc;
}
