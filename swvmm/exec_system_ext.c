/* Extension instructions the virtual CPU does not offer: VMX, SVM, SMX,
 * SGX, TSX, CET, PKU, XSAVEC/XSAVES/XRSTORS, MONITORX/MWAITX, CLZERO.
 * VMCALL and VMMCALL are not here: they are KVM's hypercalls
 * (exec_system_hypercall.c).
 * Each is #UD
 * exactly when a processor without the feature (or with it disabled in
 * CR4/EFER) raises #UD; with today's CPUID model that is always. Should a
 * model advertise one, it is reported as not executed and still #UD. */
#include "swvmm/exec_system.h"

#define EFER_SVME (1ull << 12)
#define CR4_VMXE  (1ull << 13)
#define CR4_SMXE  (1ull << 14)
#define CR4_PKE   (1ull << 22)

/* Whether the instruction exists in the current configuration. */
static bool available(const struct sw_cpu *c, unsigned form)
{
	const struct vcpu_state *s = &c->s;

	switch (form) {
	case IF_VMREAD_EyGy: case IF_VMWRITE_GyEy: case IF_VMLAUNCH:
	case IF_VMRESUME: case IF_VMXOFF: case IF_VMFUNC: case IF_VMPTRLD_Mq:
	case IF_VMCLEAR_Mq: case IF_VMXON_Mq: case IF_VMPTRST_Mq:
		return s->cr4 & CR4_VMXE;
	case IF_VMRUN: case IF_VMLOAD: case IF_VMSAVE: case IF_STGI:
	case IF_CLGI: case IF_SKINIT: case IF_INVLPGA:
		return s->efer & EFER_SVME;
	case IF_GETSEC:
		return s->cr4 & CR4_SMXE;
	case IF_XSAVEC_M: case IF_XSAVES_M: case IF_XRSTORS_M:   /* not in CPUID 0xD.1 */
		return false;
	case IF_RDPKRU: case IF_WRPKRU:
		return s->cr4 & CR4_PKE;
	case IF_XBEGIN_Jz: case IF_XABORT_Ib: case IF_XEND: case IF_XTEST:
		return sys_cpuid_has(c, 7u, CPUID_EBX, 11);            /* RTM */
	case IF_MONITORX: case IF_MWAITX:
		return sys_cpuid_has(c, 0x80000001u, CPUID_ECX, 29);
	case IF_CLZERO:
		return sys_cpuid_has(c, 0x80000008u, CPUID_EBX, 0);
	default:   /* SGX (ENCLS/ENCLU), CET (SETSSBSY): never enabled */
		return false;
	}
}

static void exec_ext(struct sw_cpu *c, const struct insn *i)
{
	if (!available(c, i->form))
		sw_ud(c);
	sys_not_executed(c, i);
}

void sw_register_system_ext(sw_exec_fn *t)
{
	static const uint16_t forms[] = {
		IF_VMREAD_EyGy, IF_VMWRITE_GyEy, IF_VMLAUNCH, IF_VMRESUME,
		IF_VMXOFF, IF_VMFUNC, IF_VMPTRLD_Mq, IF_VMCLEAR_Mq, IF_VMXON_Mq,
		IF_VMPTRST_Mq, IF_VMRUN, IF_VMLOAD, IF_VMSAVE, IF_STGI,
		IF_CLGI, IF_SKINIT, IF_INVLPGA, IF_GETSEC,
		IF_XSAVEC_M, IF_XSAVES_M, IF_XRSTORS_M, IF_RDPKRU,
		IF_WRPKRU, IF_XBEGIN_Jz, IF_XABORT_Ib, IF_XEND, IF_XTEST, IF_MONITORX,
		IF_MWAITX, IF_CLZERO, IF_ENCLS, IF_ENCLU,
		IF_SETSSBSY,
	};
	for (unsigned k = 0; k < sizeof(forms) / sizeof(forms[0]); k++)
		t[forms[k]] = exec_ext;
}
