/* The system side of RFLAGS: PUSHF, POPF, CLI, STI (Intel SDM Vol. 2 and
 * Vol. 3, 20.4 for the protected-mode virtual interrupts).
 *
 * CR4.PVI is honoured by CLI/STI at CPL 3 in protected mode (they change
 * VIF instead of faulting); POPF/PUSHF are not affected by PVI. In
 * virtual-8086 mode all four are #GP(0) below IOPL 3 (swvmm/vm86.h), so
 * there CPL 3 <= IOPL always holds when they run. */
#include "swvmm/exec_system.h"
#include "swvmm/flags.h"
#include "swvmm/vm86.h"

/* PUSHF: the image has VM and RF clear; 16 bits push FLAGS only. */
static void exec_pushf(struct sw_cpu *c, const struct insn *i)
{
	sw_vm86_sensitive(c);
	uint64_t v = sw_flags_get(c) & ~(RFLAGS_VM | RFLAGS_RF);
	sw_push(c, sw_trunc(v, i->opsize), i->opsize);
}

/* POPF: what may change depends on CPL and IOPL. VM, VIF, VIP and the
 * reserved bits never change; RF is cleared by the 32/64-bit forms; IOPL
 * only at CPL 0; IF only when CPL <= IOPL. */
static void exec_popf(struct sw_cpu *c, const struct insn *i)
{
	sw_vm86_sensitive(c);
	unsigned size = i->opsize;
	uint64_t mask = RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_TF |
	                RFLAGS_IF | RFLAGS_DF | RFLAGS_OF | RFLAGS_IOPL | RFLAGS_NT;
	if (size > 2)
		mask |= RFLAGS_AC | RFLAGS_ID;
	if (c->cpl > 0) {
		mask &= ~RFLAGS_IOPL;
		if (c->cpl > sw_iopl(c))
			mask &= ~RFLAGS_IF;
	}
	uint64_t v = sw_pop(c, size);
	sw_flags_set(c, mask, v);
	if (size > 2)
		c->s.rflags &= ~RFLAGS_RF;
}

/* CLI/STI in protected mode: CPL <= IOPL changes IF; else at CPL 3 with
 * CR4.PVI they change VIF (STI faults while VIP is set); else #GP(0). */
static void exec_cli(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_vm86_sensitive(c);
	if (c->cpl <= sw_iopl(c))
		c->s.rflags &= ~RFLAGS_IF;
	else if (c->cpl == 3 && (c->s.cr4 & CR4_PVI))
		c->s.rflags &= ~RFLAGS_VIF;
	else
		sw_gp0(c);
}

/* STI: interrupts stay blocked until after the next instruction, but only
 * when IF was clear (STI; STI does not extend the shadow). */
static void exec_sti(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_vm86_sensitive(c);
	if (c->cpl <= sw_iopl(c)) {
		if (!(c->s.rflags & RFLAGS_IF)) {
			c->s.rflags |= RFLAGS_IF;
			c->s.ev.shadow |= SHADOW_STI;
		}
	} else if (c->cpl == 3 && (c->s.cr4 & CR4_PVI)) {
		if (c->s.rflags & RFLAGS_VIP)
			sw_gp0(c);
		c->s.rflags |= RFLAGS_VIF;
	} else {
		sw_gp0(c);
	}
}

void sw_register_system_flags(sw_exec_fn *t)
{
	t[IF_PUSHF] = exec_pushf;
	t[IF_POPF] = exec_popf;
	t[IF_CLI] = exec_cli;
	t[IF_STI] = exec_sti;
}
