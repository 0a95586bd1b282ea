/* VMCALL and VMMCALL: KVM's hypercall interface, as a guest meets it under
 * the KVM engine (reference: Linux arch/x86/kvm/x86.c,
 * kvm_emulate_hypercall; emulate.c, em_hypercall and the flags of its two
 * table rows; include/uapi/linux/kvm_para.h for the numbers).
 *
 * - The host's own instruction (VMCALL on Intel, VMMCALL on AMD) always
 *   exits to KVM, in every mode. RAX is the call number (its low half
 *   outside 64-bit mode); the result goes to RAX (zero-extended from 32
 *   bits outside 64-bit mode) and RIP moves past the instruction.
 * - At CPL > 0 every call returns -KVM_EPERM.
 * - At CPL 0, KVM_HC_VAPIC_POLL_IRQ returns 0. The other calls KVM knows
 *   depend on paravirtual features announced in CPUID leaf 0x40000001,
 *   which the model does not have, or on exits a VMM enables: -KVM_ENOSYS,
 *   as for an unknown number. KVM_HC_CLOCK_PAIRING answers as KVM does on
 *   a host whose clock is not TSC-based (-KVM_EOPNOTSUPP): the interpreter
 *   has no pairing of its TSC with the host's wall clock to give.
 * - The other vendor's instruction raises #UD on the hardware, and KVM
 *   emulates it: VMMCALL is #UD in real and virtual-8086 mode, VMCALL is
 *   #GP(0) at CPL > 0; otherwise KVM rewrites the three instruction bytes
 *   into its own instruction (a write with the guest's rights, which may
 *   #PF) and the guest runs that, making the call. */
#include "swvmm/audit.h"
#include "swvmm/exec_system.h"

/* Hypercall numbers and results (kvm_para.h). */
#define KVM_HC_VAPIC_POLL_IRQ 1
#define KVM_HC_CLOCK_PAIRING  9
#define KVM_ENOSYS            1000
#define KVM_EPERM             1
#define KVM_EOPNOTSUPP        95

/* The last byte of 0F 01 C1 (VMCALL) and 0F 01 D9 (VMMCALL). */
#define VMCALL_MODRM  0xc1
#define VMMCALL_MODRM 0xd9

static int64_t hypercall(const struct sw_cpu *c, uint64_t nr)
{
	if (c->cpl != 0)
		return -KVM_EPERM;
	switch (nr) {
	case KVM_HC_VAPIC_POLL_IRQ:
		return 0;
	case KVM_HC_CLOCK_PAIRING:
		return -KVM_EOPNOTSUPP;
	default:
		return -KVM_ENOSYS;
	}
}

/* Rewrite the instruction into the host's own, as KVM's emulator does. */
static void patch_foreign(struct sw_cpu *c, uint8_t modrm)
{
	const uint8_t insn[3] = { 0x0f, 0x01, modrm };
	uint64_t lin = sw_code_linear(c, c->insn_rip);

	for (unsigned k = 0; k < 3; k++)
		sw_lin_write(c, lin + k, 1, insn[k], ACC_WRITE);
}

static void exec_hypercall(struct sw_cpu *c, const struct insn *i)
{
	bool vmmcall = i->form == IF_VMMCALL;

	if (vmmcall != c->vendor_amd) {
		if (vmmcall && !sys_protected(c))
			sw_ud(c);
		if (!vmmcall)
			sys_need_cpl0(c);
		patch_foreign(c, c->vendor_amd ? VMMCALL_MODRM : VMCALL_MODRM);
	}
	bool wide = c->mode == MODE_LONG64;
	uint64_t nr = c->s.gpr[RAX];
	int64_t ret = hypercall(c, wide ? nr : (uint32_t)nr);
	c->s.gpr[RAX] = wide ? (uint64_t)ret : (uint32_t)ret;
}

void sw_register_system_hypercall(sw_exec_fn *t)
{
	t[IF_VMCALL] = exec_hypercall;
	t[IF_VMMCALL] = exec_hypercall;
}
