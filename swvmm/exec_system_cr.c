/* Control and debug registers: MOV to/from CR0/CR2/CR3/CR4/CR8, LMSW,
 * SMSW, CLTS, MOV to/from DR0-DR7 (Intel SDM Vol. 2 MOV-CR/MOV-DR and
 * Vol. 3 2.5, 4.10.4, 10.8.5 (long-mode activation), 18.2).
 *
 * Choices where the manuals leave room, made to match what a guest sees
 * under KVM with the same CPUID model:
 * - CR0: bits 63:32 set is #GP; other reserved bits are ignored; ET reads 1.
 * - CR4: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT may be set,
 *   and OSXSAVE, UMIP, SMEP and SMAP where the model offers XSAVE, UMIP,
 *   SMEP and SMAP; every other bit belongs to a feature the model does not
 *   advertise (PCID, FSGSBASE, PKU, LA57, VMX) and is #GP.
 *   With PCIDE unavailable, its MOV CR3/CR0/CR4 rules never apply.
 * - CR3: bits above the physical-address width are #GP in long mode; low
 *   bits are kept as written. Outside long mode with PAE paging, MOV CR3
 *   (and turning on PAE paging) loads the four PDPTEs and #GPs on reserved
 *   bits, as Intel does; AMD checks them at walk time instead.
 * - DR6/DR7: fixed bits forced (DR6 0xffff0ff0 set, only B0-B3/BD/BS/BT
 *   writable; DR7 bit 10 set, bits 12, 14, 15 clear). Breakpoints armed in
 *   DR7 are matched by swvmm/debug.c. */
#include "core/intr.h"
#include "swvmm/audit.h"
#include "swvmm/debug.h"
#include "swvmm/exec_system.h"

#define CR0_VALID (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
		   CR0_NW | CR0_CD | CR0_PG)
#define CR4_VALID (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | \
		   CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT)


/* PAE paging outside long mode keeps PDPTE registers: reload them after
 * CR0/CR3/CR4 changed. False when a present PDPTE has reserved bits set:
 * the caller undoes its write and raises #GP(0). */
static bool pdptes_ok(struct sw_cpu *c)
{
	return sw_mmu_load_pdptes(c) == 0;
}

static void write_cr0(struct sw_cpu *c, uint64_t val)
{
	struct vcpu_state *s = &c->s;
	uint64_t old = s->cr0;
	uint64_t efer = s->efer;

	if (val >> 32)
		sw_gp0(c);
	val = (val & CR0_VALID) | CR0_ET;
	if ((val & CR0_NW) && !(val & CR0_CD))
		sw_gp0(c);
	if ((val & CR0_PG) && !(val & CR0_PE))
		sw_gp0(c);
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		/* Long-mode activation: PAE on, and not from a 64-bit CS. */
		if (!(s->cr4 & CR4_PAE) || s->seg[SEG_CS].l)
			sw_gp0(c);
		efer |= EFER_LMA;
	}
	if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		/* Leaving long mode is only possible from compatibility mode. */
		if (c->mode == MODE_LONG64)
			sw_gp0(c);
		efer &= ~EFER_LMA;
	}
	uint64_t old_efer = s->efer;
	s->cr0 = val;
	s->efer = efer;
	if ((val & CR0_PG) && !(old & CR0_PG) && !pdptes_ok(c)) {
		s->cr0 = old;
		s->efer = old_efer;
		sw_gp0(c);
	}
	if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE))
		sw_tlb_flush(c, false);
	sw_update_mode(c);
}

static void write_cr3(struct sw_cpu *c, uint64_t val)
{
	struct vcpu_state *s = &c->s;
	uint64_t old = s->cr3;

	if (s->efer & EFER_LMA) {
		if (c->maxphyaddr < 64 && (val >> c->maxphyaddr))
			sw_gp0(c);
	} else {
		val &= 0xffffffffull;
	}
	s->cr3 = val;
	if (!pdptes_ok(c)) {
		s->cr3 = old;
		sw_gp0(c);
	}
	sw_tlb_flush(c, true);
}

static void write_cr4(struct sw_cpu *c, uint64_t val)
{
	struct vcpu_state *s = &c->s;
	uint64_t old = s->cr4;

	uint64_t valid = CR4_VALID | (sys_cpuid_has(c, FEAT_XSAVE) ? CR4_OSXSAVE : 0) |
	                 (sys_cpuid_has(c, FEAT_UMIP) ? CR4_UMIP : 0) |
	                 (sys_cpuid_has(c, FEAT_SMEP) ? CR4_SMEP : 0) |
	                 (sys_cpuid_has(c, FEAT_SMAP) ? CR4_SMAP : 0);
	if (val & ~valid)
		sw_gp0(c);
	if ((s->efer & EFER_LMA) && !(val & CR4_PAE))
		sw_gp0(c);
	s->cr4 = val;
	if ((old ^ val) & (CR4_PAE | CR4_PSE | CR4_PGE)) {
		if (((old ^ val) & CR4_PAE) && !pdptes_ok(c)) {
			s->cr4 = old;
			sw_gp0(c);
		}
		sw_tlb_flush(c, false);
	}
	sw_update_mode(c);
}

/* The value of CRn for the audit's old/new pair (0 for a CR that does
 * not exist: the write then faults before it is recorded). */
static uint64_t cr_value(const struct sw_cpu *c, unsigned cr)
{
	switch (cr) {
	case 0: return c->s.cr0;
	case 2: return c->s.cr2;
	case 3: return c->s.cr3;
	case 4: return c->s.cr4;
	case 8: return c->s.cr8;
	default: return 0;
	}
}

void sys_write_cr(struct sw_cpu *c, unsigned cr, uint64_t val)
{
	uint64_t old = cr_value(c, cr);
	switch (cr) {
	case 0:
		write_cr0(c, val);
		break;
	case 2:
		c->s.cr2 = val;
		break;
	case 3:
		write_cr3(c, val);
		break;
	case 4:
		write_cr4(c, val);
		break;
	case 8:
		/* The task-priority class; bits 63:4 are reserved. */
		if (val & ~0xfull)
			sw_gp0(c);
		/* CR8 is the local APIC's TPR (core/intr.h): a lower priority
		 * may let a waiting interrupt in after this instruction. */
		vm_intr_set_cr8(c->vm, val);
		c->s.cr8 = val;
		sw_block_break(c);
		break;
	default:
		sw_ud(c);
	}
	sw_note_event(c, RUN_EV_CR_WRITE, cr);
	sw_audit_event(c, AUDIT_CR_WRITE, cr, old, cr_value(c, cr), 0);
}

static uint64_t read_cr(struct sw_cpu *c, unsigned cr)
{
	switch (cr) {
	case 0: return c->s.cr0;
	case 2: return c->s.cr2;
	case 3: return c->s.cr3;
	case 4: return c->s.cr4;
	case 8: return vm_intr_get_cr8(c->vm) & 0xf;
	default: sw_ud(c);
	}
}

/* The CR number; LOCK MOV CR0 is AMD's encoding of CR8 for code outside
 * 64-bit mode, valid only where CPUID advertises AltMovCr8. */
static unsigned cr_index(struct sw_cpu *c, const struct insn *i)
{
	if (!(i->flags & INSN_LOCK))
		return i->reg;
	if (i->reg != 0 || !sys_cpuid_has(c, FEAT_ALTMOVCR8))
		sw_ud(c);
	return 8;
}

static void exec_mov_from_cr(struct sw_cpu *c, const struct insn *i)
{
	unsigned cr = cr_index(c, i);
	sys_need_cpl0(c);
	sw_gpr_write(c, i->rm, i->opsize, false, read_cr(c, cr));
}

static void exec_mov_to_cr(struct sw_cpu *c, const struct insn *i)
{
	unsigned cr = cr_index(c, i);
	sys_need_cpl0(c);
	sys_write_cr(c, cr, sw_gpr_read(c, i->rm, i->opsize, false));
}

/* DR4/DR5 alias DR6/DR7 unless CR4.DE makes them #UD; with DR7.GD set any
 * access is a #DB fault that reports BD in DR6 and clears GD. */
static unsigned dr_access(struct sw_cpu *c, const struct insn *i)
{
	unsigned dr = i->reg;

	sys_need_cpl0(c);
	if (dr == 4 || dr == 5) {
		if (c->s.cr4 & CR4_DE)
			sw_ud(c);
		dr += 2;
	}
	if (c->s.dr[7] & DR7_GD) {
		c->s.dr[6] |= DR6_BD;
		c->s.dr[7] &= ~DR7_GD;
		sw_raise(c, EXC_DB, SW_NO_ERRCODE);
	}
	return dr;
}

static void exec_mov_from_dr(struct sw_cpu *c, const struct insn *i)
{
	unsigned dr = dr_access(c, i);
	uint64_t v = c->s.dr[dr];
	if (dr == 6)
		v = (v & DR6_WRITABLE) | DR6_FIXED1;
	else if (dr == 7)
		v = (v & DR7_WRITABLE) | DR7_FIXED1;
	sw_gpr_write(c, i->rm, i->opsize, false, v);
}

static void exec_mov_to_dr(struct sw_cpu *c, const struct insn *i)
{
	unsigned dr = dr_access(c, i);
	uint64_t v = sw_gpr_read(c, i->rm, i->opsize, false);

	switch (dr) {
	case 6:
		if (v >> 32)
			sw_gp0(c);
		c->s.dr[6] = (v & DR6_WRITABLE) | DR6_FIXED1;
		break;
	case 7:
		if (v >> 32)
			sw_gp0(c);
		c->s.dr[7] = (v & DR7_WRITABLE) | DR7_FIXED1;
		sw_dbg_arm(c);
		sw_update_mode(c);
		break;
	default:
		c->s.dr[dr] = v;
		break;
	}
}

/* LMSW: loads CR0 bits 3:0 (PE MP EM TS); it can set PE, never clear it. */
static void exec_lmsw(struct sw_cpu *c, const struct insn *i)
{
	sys_need_cpl0(c);
	uint64_t src = sw_rm_read(c, i, 2);
	uint64_t cr0 = c->s.cr0;
	sys_write_cr(c, 0, (cr0 & ~0xfull) | (src & 0xf) | (cr0 & CR0_PE));
}

/* SMSW: 16 bits to memory; a register gets CR0 at the operand size (the
 * manuals leave bits 31:16 of the 32-bit form undefined; processors store
 * CR0's). */
static void exec_smsw(struct sw_cpu *c, const struct insn *i)
{
	sys_umip_check(c);
	sw_rm_write(c, i, (i->flags & INSN_MEM) ? 2 : i->opsize, c->s.cr0);
}

static void exec_clts(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sys_need_cpl0(c);
	c->s.cr0 &= ~CR0_TS;
}

void sw_register_system_cr(sw_exec_fn *t)
{
	t[IF_MOV_RyCy] = exec_mov_from_cr;
	t[IF_MOV_CyRy] = exec_mov_to_cr;
	t[IF_MOV_RyDy] = exec_mov_from_dr;
	t[IF_MOV_DyRy] = exec_mov_to_dr;
	t[IF_LMSW_Ew] = exec_lmsw;
	t[IF_SMSW_Ew] = exec_smsw;
	t[IF_CLTS] = exec_clts;
}
