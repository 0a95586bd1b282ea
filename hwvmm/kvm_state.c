/* Moving the canonical state into and out of KVM.
 *
 * regs, sregs and events travel through kvm_run's sync-regs area: put
 * there with their dirty bits set they go in at the start of the next
 * KVM_RUN (in that order: regs, sregs, events), and KVM writes them back
 * there on every exit. The rest (MSRs, FPU, debug registers, XCR0) is
 * moved by ioctl, the FPU as an XSAVE image where KVM has one, and only
 * when one side changed them: load_state puts a part only when it
 * differs from what KVM holds (c->shadow); store_state reads MSRs, debug
 * registers and XCR0 only when guest code ran at CPL 0-2 in KVM (at CPL 3
 * the guest cannot change them), and the FPU always (user code can change
 * it and KVM cannot say whether it did). The TSC is host TSC + an offset
 * that KVM_VCPU_TSC_OFFSET sets and reports, so it moves without an ioctl
 * unless the other engine changed it. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <x86intrin.h>

#include "core/intr.h"
#include "core/vm.h"
#include "hwvmm/hw_ctx.h"

static int put_msrs(struct hw_ctx *c, const struct vcpu_state *s)
{
	struct kvm_msr_block m;
	kvm_msrs_from_state(s, &m);
	int r = HW_VCPU_IOCTL(c, KVM_SET_MSRS, &m);
	if (r < 0)
		return r;
	/* KVM stops at the first MSR it refuses and returns how many it set. */
	if (r != KVM_NR_MSRS) {
		uint32_t idx = m.entry[r].index;
		return vm_fail(c->vm, -EINVAL, "KVM_SET_MSRS: KVM refused MSR 0x%x (%s) = 0x%llx",
		               idx, kvm_msr_name(idx), (unsigned long long)m.entry[r].data);
	}
	return 0;
}

static int get_msrs(struct hw_ctx *c, struct vcpu_state *s)
{
	struct kvm_msr_block m;
	kvm_msrs_indices(&m);
	int r = HW_VCPU_IOCTL(c, KVM_GET_MSRS, &m);
	if (r < 0)
		return r;
	if (r != KVM_NR_MSRS) {
		uint32_t idx = m.entry[r].index;
		return vm_fail(c->vm, -EINVAL, "KVM_GET_MSRS: KVM refused MSR 0x%x (%s)",
		               idx, kvm_msr_name(idx));
	}
	kvm_msrs_to_state(m.entry, KVM_NR_MSRS, s);
	return 0;
}

/* With XSAVE on the host, KVM_SET_FPU alone may not reach the guest (see
 * kvm_convert.h): use the XSAVE image whenever KVM offers it. */
static int put_fpu(struct hw_ctx *c, const struct vcpu_state *s)
{
	if (c->has_xsave) {
		struct kvm_xsave x;
		kvm_xsave_from_state(s, &x);
		return HW_VCPU_IOCTL(c, KVM_SET_XSAVE, &x);
	}
	struct kvm_fpu f;
	kvm_fpu_from_state(s, &f);
	return HW_VCPU_IOCTL(c, KVM_SET_FPU, &f);
}

static int get_fpu(struct hw_ctx *c, struct vcpu_state *s)
{
	int r;
	if (c->has_xsave) {
		struct kvm_xsave x;
		r = HW_VCPU_IOCTL(c, KVM_GET_XSAVE, &x);
		if (r >= 0)
			kvm_xsave_to_state(&x, s);
		return r;
	}
	struct kvm_fpu f;
	r = HW_VCPU_IOCTL(c, KVM_GET_FPU, &f);
	if (r >= 0)
		kvm_fpu_to_state(&f, s);
	return r;
}

static int put_parts(struct hw_ctx *c, const struct vcpu_state *s, unsigned parts)
{
	int r = 0;

	if (parts & HW_PART_XCRS && c->has_xcrs) {
		struct kvm_xcrs x;
		kvm_xcrs_from_state(s, &x);
		r = HW_VCPU_IOCTL(c, KVM_SET_XCRS, &x);
		if (r < 0)
			return r;
	}
	if (parts & HW_PART_FPU) {
		r = put_fpu(c, s);
		if (r < 0)
			return r;
	}
	if (parts & HW_PART_MSRS) {
		r = put_msrs(c, s);
		if (r < 0)
			return r;
	}
	if (parts & HW_PART_DREGS) {
		struct kvm_debugregs d;
		kvm_debugregs_from_state(s, &d);
		r = HW_VCPU_IOCTL(c, KVM_SET_DEBUGREGS, &d);
		if (r < 0)
			return r;
	}
	return 0;
}

static int get_parts(struct hw_ctx *c, struct vcpu_state *s, unsigned parts)
{
	int r;

	if (parts & HW_PART_XCRS && c->has_xcrs) {
		struct kvm_xcrs x;
		memset(&x, 0, sizeof(x));
		r = HW_VCPU_IOCTL(c, KVM_GET_XCRS, &x);
		if (r < 0)
			return r;
		if (kvm_xcrs_to_state(&x, s))
			return vm_fail(c->vm, -EINVAL, "KVM_GET_XCRS: no XCR0 in the list");
	}
	if (parts & HW_PART_FPU) {
		r = get_fpu(c, s);
		if (r < 0)
			return r;
	}
	if (parts & HW_PART_MSRS) {
		r = get_msrs(c, s);
		if (r < 0)
			return r;
	}
	if (parts & HW_PART_DREGS) {
		struct kvm_debugregs d;
		r = HW_VCPU_IOCTL(c, KVM_GET_DEBUGREGS, &d);
		if (r < 0)
			return r;
		kvm_debugregs_to_state(&d, s);
	}
	return 0;
}

/* KVM_VCPU_TSC_OFFSET: guest TSC = host TSC + offset, set and read
 * exactly (Linux 5.16 on; without it the TSC moves with the MSRs). */
static int tsc_offset_attr(struct hw_ctx *c, bool set)
{
	struct kvm_device_attr a = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uint64_t)(uintptr_t)&c->tsc_offset,
	};
	return set ? HW_VCPU_IOCTL(c, KVM_SET_DEVICE_ATTR, &a)
	           : HW_VCPU_IOCTL(c, KVM_GET_DEVICE_ATTR, &a);
}

void hw_tsc_probe(struct hw_ctx *c)
{
	struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET };
	c->has_tsc_offset = ioctl(c->vcpu_fd, KVM_HAS_DEVICE_ATTR, &a) == 0;
	/* What KVM holds now (its new vCPU's TSC starts near 0), so that a
	 * wanted offset is never taken as already set. */
	a.addr = (uint64_t)(uintptr_t)&c->tsc_offset;
	if (c->has_tsc_offset && ioctl(c->vcpu_fd, KVM_GET_DEVICE_ATTR, &a) < 0)
		c->has_tsc_offset = false;
}

/* PAE paging outside long mode: KVM_SET_SREGS (and the sync-regs sregs)
 * reload the PDPTE registers from memory, which may no longer hold what
 * the CPU loaded with CR3. With KVM_CAP_SREGS2 the registers move as they
 * are: put with KVM_SET_SREGS2 instead of the sync-regs sregs, read with
 * KVM_GET_SREGS2. */
static int put_pdptes(struct hw_ctx *c, const struct vcpu_state *s)
{
	if (!c->has_sregs2 || !vcpu_has_pdptes(s))
		return 0;
	const struct kvm_sregs *sr = &c->run->s.regs.sregs;
	struct kvm_sregs2 s2 = {
		.cs = sr->cs, .ds = sr->ds, .es = sr->es, .fs = sr->fs, .gs = sr->gs, .ss = sr->ss,
		.tr = sr->tr, .ldt = sr->ldt, .gdt = sr->gdt, .idt = sr->idt,
		.cr0 = sr->cr0, .cr2 = sr->cr2, .cr3 = sr->cr3, .cr4 = sr->cr4, .cr8 = sr->cr8,
		.efer = sr->efer, .apic_base = sr->apic_base,
		.flags = KVM_SREGS2_FLAGS_PDPTRS_VALID,
	};
	memcpy(s2.pdptrs, s->pdpte, sizeof(s2.pdptrs));
	int r = HW_VCPU_IOCTL(c, KVM_SET_SREGS2, &s2);
	if (r < 0)
		return r;
	c->run->kvm_dirty_regs &= ~(uint64_t)KVM_SYNC_X86_SREGS;
	return 0;
}

static int get_pdptes(struct hw_ctx *c, struct vcpu_state *t)
{
	memset(t->pdpte, 0, sizeof(t->pdpte));
	if (!c->has_sregs2 || !vcpu_pae_legacy(t))
		return 0;
	struct kvm_sregs2 s2;
	int r = HW_VCPU_IOCTL(c, KVM_GET_SREGS2, &s2);
	if (r < 0)
		return r;
	if (s2.flags & KVM_SREGS2_FLAGS_PDPTRS_VALID)
		memcpy(t->pdpte, s2.pdptrs, sizeof(t->pdpte));
	return 0;
}

/* Which non-sync parts of s differ from what KVM holds. */
static unsigned changed_parts(const struct hw_ctx *c, const struct vcpu_state *s)
{
	const struct vcpu_state *k = &c->shadow;
	unsigned parts = 0;

	if (memcmp(&s->msr, &k->msr, sizeof(s->msr)))
		parts |= HW_PART_MSRS;
	if (memcmp(&s->fx, &k->fx, sizeof(s->fx)))
		parts |= HW_PART_FPU;
	if (memcmp(s->dr, k->dr, sizeof(s->dr)))
		parts |= HW_PART_DREGS;
	if (s->xcr0 != k->xcr0)
		parts |= HW_PART_XCRS;
	if (!c->has_tsc_offset && !c->vm->clock.tsc_is_host &&
	    (s->tsc != k->tsc || s->tsc_host != k->tsc_host))
		parts |= HW_PART_MSRS;
	return parts;
}

/* KVM's TSC offset from the state: its TSC value at host TSC tsc_host.
 * Unchanged (no ioctl) when the state's clock is the one KVM already
 * runs, as after a round trip through the interpreter; set when the guest
 * wrote the TSC, or after KVM_SET_MSRS wrote IA32_TSC. */
static int put_tsc(struct hw_ctx *c, const struct vcpu_state *s, bool msrs_put)
{
	if (!c->has_tsc_offset)
		return 0;
	/* One clock where a KVM ignores the offset (vm->clock.tsc_is_host):
	 * the guest TSC is the host's, offset 0 for a KVM that would not. */
	const struct vclock *k = &c->vm->clock;
	uint64_t want = k->tsc_is_host ? 0
	                : s->tsc - (s->tsc_host ? s->tsc_host : vclock_host_tsc(k)) - k->paused;
	c->paused_seen = k->paused;
	if (!msrs_put && want == c->tsc_offset)
		return 0;
	c->tsc_offset = want;
	return tsc_offset_attr(c, true) < 0 ? -EIO : 0;
}

int hw_tsc_follow_pause(struct hw_ctx *c)
{
	uint64_t paused = c->vm->clock.paused;
	if (!c->has_tsc_offset || paused == c->paused_seen)
		return 0;
	c->tsc_offset -= paused - c->paused_seen;
	c->paused_seen = paused;
	return tsc_offset_attr(c, true) < 0 ? -EIO : 0;
}

/* Before the first KVM_RUN kvm_run holds no registers: read them by ioctl. */
static int get_regs_by_ioctl(struct hw_ctx *c, struct vcpu_state *s)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events ev;
	int r = HW_VCPU_IOCTL(c, KVM_GET_REGS, &regs);
	if (r >= 0)
		r = HW_VCPU_IOCTL(c, KVM_GET_SREGS, &sregs);
	if (r >= 0)
		r = HW_VCPU_IOCTL(c, KVM_GET_VCPU_EVENTS, &ev);
	if (r < 0)
		return r;
	kvm_regs_to_state(&regs, s);
	kvm_sregs_to_state(&sregs, s);
	kvm_events_to_state(&ev, s);
	return 0;
}

int hw_load_state(void *ctx, const struct vcpu_state *s)
{
	struct hw_ctx *c = ctx;

	/* The entry points of the state KVM held may not be the new one's. */
	hw_entry_disarm(c);
	/* An exit still waiting for completion would otherwise be finished
	 * on top of the new state. */
	int r = hw_complete_io(c);
	if (r)
		return r;

	unsigned parts = c->dirty | changed_parts(c, s);
	c->shadow = *s;
	kvm_sync_regs_from_state(s, &c->caps, &c->run->s.regs);
	/* States VM entry refuses, fixed in KVM's copy only (unfixed on the
	 * way out): the guest's view stays as the state has it. */
	kvm_sregs_fix_for_entry(&c->run->s.regs.sregs);
	if (!c->caps.tr_busy)
		kvm_sregs_tr_available(&c->run->s.regs.sregs);
	c->run->kvm_dirty_regs = HW_SYNC_ALL;
	/* Without an in-kernel APIC, KVM_RUN takes CR8 from kvm_run itself,
	 * after the sregs: keep both the same. */
	c->run->cr8 = s->cr8;
	vm_intr_set_cr8(c->vm, s->cr8);
	vm_intr_set_apic_base(c->vm, s->msr.apic_base);
	c->sync_valid = true;

	/* KVM accepts KVM_MP_STATE_HALTED only with an in-kernel APIC, which
	 * this monitor never creates: a halted vCPU stays halted here, and
	 * hw_run does not enter the guest until an event wakes it. */
	c->halted = s->ev.halted;

	r = put_parts(c, s, parts);
	if (!r)
		r = put_tsc(c, s, parts & HW_PART_MSRS);
	if (!r)
		r = put_pdptes(c, s);
	if (r)
		return r;
	c->dirty = 0;
	c->ran_kernel = false;
	return 0;
}

/* The state as KVM shows it in kvm_run (or, before any, by ioctl), over
 * the last state handed in or out, with the guest's view of segments. */
static int current_view(struct hw_ctx *c, struct vcpu_state *t)
{
	*t = c->shadow;
	if (c->sync_valid)
		kvm_sync_regs_to_state(&c->run->s.regs, t);
	else {
		int r = get_regs_by_ioctl(c, t);
		if (r)
			return r;
	}
	kvm_sregs_unfix(&c->shadow, t);
	/* A host that loses IOPL in a native CPL-3 run: CPL-3 code cannot
	 * change it, so it is the one the state came in with. */
	if (!c->ran_kernel && vcpu_cpl(t) == 3)
		t->rflags = entry_fix_iopl(&c->fixups, t->rflags, c->shadow.rflags);
	kvm_mp_state_to_state(c->halted ? KVM_MP_STATE_HALTED : KVM_MP_STATE_RUNNABLE, t);
	return 0;
}

int hw_store_state(void *ctx, struct vcpu_state *s)
{
	struct hw_ctx *c = ctx;
	struct vcpu_state t;
	/* Nothing but KVM may see the trap bytes. */
	hw_entry_disarm(c);
	int r = hw_complete_io(c);
	if (!r)
		r = current_view(c, &t);
	if (!r)
		r = get_pdptes(c, &t);
	if (r)
		return r;
	unsigned parts = HW_PART_FPU;
	if (c->ran_kernel || !c->has_tsc_offset)
		parts = HW_PARTS_ALL;
	if (c->entry_db)
		parts |= HW_PART_DREGS;
	if ((r = get_parts(c, &t, parts)))
		return r;
	/* Without the offset attribute IA32_TSC was read a moment ago. */
	uint64_t raw = __rdtsc();
	t.tsc_host = raw - c->vm->clock.paused;
	if (c->vm->clock.tsc_is_host) {
		t.tsc = t.tsc_host;
	} else if (c->has_tsc_offset) {
		/* The guest may have written IA32_TSC at CPL 0. */
		if (c->ran_kernel && tsc_offset_attr(c, false) < 0)
			return -EIO;
		t.tsc = raw + c->tsc_offset;
	}
	c->ran_kernel = false;
	c->entry_db = false;
	c->shadow = t;
	*s = t;
	return 0;
}

int hw_peek_state(void *ctx, struct vcpu_state *s)
{
	return current_view(ctx, s);
}

/* MSRs, FPU and debug registers are those last handed in or out: KVM
 * cannot be asked for them per run, and after a shutdown on AMD it holds
 * them reset. */
int hw_entry_state(void *ctx, struct vcpu_state *s)
{
	struct hw_ctx *c = ctx;
	if (!c->entered)
		return vm_fail(c->vm, -ENODATA, "KVM never entered the guest");
	*s = c->shadow;
	kvm_sync_regs_to_state(&c->at_entry, s);
	kvm_sregs_unfix(&c->shadow, s);
	kvm_mp_state_to_state(KVM_MP_STATE_RUNNABLE, s);
	return 0;
}
