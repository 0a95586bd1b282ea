/* Stopping KVM after one step (run_limits.stop_at_linear), for lockstep.
 * KVM cannot count instructions; two things together end a step:
 * single-stepping (KVM_SET_GUEST_DEBUG with KVM_GUESTDBG_SINGLESTEP: KVM
 * sets TF and takes the #DB itself), which stops after an instruction
 * that ran to its end, and a trap byte (HLT, as kvm_entry.c uses) on the
 * instruction the step is to end at, which stops an event delivery at
 * the handler's first instruction, where the CPU cleared TF. A debug
 * breakpoint would do both, but the harness's emulated SVM never fires
 * one that KVM owns. KVM's TF shows where the CPU saves RFLAGS during a
 * step (PUSHF, an exception frame, SYSCALL's R11): lockstep mends those
 * (policy/lockstep.c). While KVM owns TF the guest's own single-step
 * and breakpoints are not delivered: lockstep runs such steps in the
 * interpreter alone. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/pagewalk.h"
#include "core/vm.h"
#include "hwvmm/hw_ctx.h"

static uint64_t linear_rip(const struct kvm_sync_regs *sr)
{
	uint64_t lin = sr->sregs.cs.base + sr->regs.rip;
	return (sr->sregs.efer & EFER_LMA) ? lin : lin & 0xffffffffull;
}

/* KVM notes where single-stepping began when it is switched on: state
 * still waiting in the sync-regs area must be in KVM first. */
static int put_sync_now(struct hw_ctx *c)
{
	if (!(c->run->kvm_dirty_regs & HW_SYNC_ALL))
		return 0;
	c->run->immediate_exit = 1;
	c->vm->stats.hw_ioctls++;
	int r = ioctl(c->vcpu_fd, KVM_RUN, 0);
	int err = errno;
	c->run->immediate_exit = 0;
	if (r < 0 && err != EINTR)
		return vm_fail(c->vm, -err, "KVM_RUN (putting the state before a step): %s",
		               strerror(err));
	return 0;
}

/* The trap byte on the step's end, unless the step is to end where it
 * begins (the byte would replace the instruction) or the address is not
 * in RAM. */
static void plant(struct hw_ctx *c, uint64_t lin)
{
	struct vcpu_state s;
	uint64_t gpa;
	c->step_planted = false;
	if (hw_peek_state(c, &s) || linear_rip(&c->run->s.regs) == lin ||
	    guest_lin_to_phys(&c->vm->mem, &s, lin, &gpa))
		return;
	const struct gmem_region *r = gmem_find(&c->vm->mem, gpa, 1);
	if (!r || r->kind != GMEM_RAM)
		return;
	uint8_t *p = r->host + (gpa - r->gpa);
	c->step_site = (struct entry_site){ .lin = lin, .gpa = gpa, .orig = *p };
	*p = ENTRY_TRAP_BYTE;
	c->step_planted = true;
}

int hw_step_arm(struct hw_ctx *c, const struct run_limits *lim)
{
	struct kvm_guest_debug dbg;

	if (!lim->stop_at_linear && !c->stepping)
		return 0;
	int r = lim->stop_at_linear ? put_sync_now(c) : 0;
	if (r)
		return r;
	memset(&dbg, 0, sizeof(dbg));
	/* A budget of one instruction is single-stepped; without one KVM
	 * runs to the trap byte. */
	if (lim->stop_at_linear)
		dbg.control = KVM_GUESTDBG_ENABLE |
		              (lim->max_instructions == 1 ? KVM_GUESTDBG_SINGLESTEP : 0);
	r = HW_VCPU_IOCTL(c, KVM_SET_GUEST_DEBUG, &dbg);
	if (r < 0)
		return r;
	c->stepping = lim->stop_at_linear;
	if (c->stepping)
		plant(c, lim->linear);
	return 0;
}

bool hw_step_trapped(struct hw_ctx *c)
{
	struct kvm_sync_regs *sr = &c->run->s.regs;
	if (!c->step_planted || c->last_exit != KVM_EXIT_HLT ||
	    linear_rip(sr) != c->step_site.lin + 1)
		return false;
	sr->regs.rip--;
	c->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	return true;
}

void hw_step_unplant(struct hw_ctx *c)
{
	if (!c->step_planted)
		return;
	c->step_planted = false;
	uint8_t *p = gmem_ptr(&c->vm->mem, c->step_site.gpa, 1);
	/* A byte the guest wrote over the trap is the guest's. */
	if (p && *p == ENTRY_TRAP_BYTE)
		*p = c->step_site.orig;
}
