/* Field-by-field mapping between struct vcpu_state and KVM's structures;
 * see kvm_convert.h for what each direction carries. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hwvmm/kvm_convert.h"

/* kvm_regs names its GPRs; the state indexes them in encoding order. */
void kvm_regs_from_state(const struct vcpu_state *s, struct kvm_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->rax = s->gpr[RAX];
	r->rcx = s->gpr[RCX];
	r->rdx = s->gpr[RDX];
	r->rbx = s->gpr[RBX];
	r->rsp = s->gpr[RSP];
	r->rbp = s->gpr[RBP];
	r->rsi = s->gpr[RSI];
	r->rdi = s->gpr[RDI];
	r->r8 = s->gpr[R8];
	r->r9 = s->gpr[R9];
	r->r10 = s->gpr[R10];
	r->r11 = s->gpr[R11];
	r->r12 = s->gpr[R12];
	r->r13 = s->gpr[R13];
	r->r14 = s->gpr[R14];
	r->r15 = s->gpr[R15];
	r->rip = s->rip;
	r->rflags = s->rflags;
}

void kvm_regs_to_state(const struct kvm_regs *r, struct vcpu_state *s)
{
	s->gpr[RAX] = r->rax;
	s->gpr[RCX] = r->rcx;
	s->gpr[RDX] = r->rdx;
	s->gpr[RBX] = r->rbx;
	s->gpr[RSP] = r->rsp;
	s->gpr[RBP] = r->rbp;
	s->gpr[RSI] = r->rsi;
	s->gpr[RDI] = r->rdi;
	s->gpr[R8] = r->r8;
	s->gpr[R9] = r->r9;
	s->gpr[R10] = r->r10;
	s->gpr[R11] = r->r11;
	s->gpr[R12] = r->r12;
	s->gpr[R13] = r->r13;
	s->gpr[R14] = r->r14;
	s->gpr[R15] = r->r15;
	s->rip = r->rip;
	s->rflags = r->rflags;
}

/* Both sides hold the descriptor cache with a byte-granular limit, so the
 * mapping is field for field. */
void kvm_segment_from_cache(const struct seg_cache *c, struct kvm_segment *k)
{
	memset(k, 0, sizeof(*k));
	k->base = c->base;
	k->limit = c->limit;
	k->selector = c->selector;
	k->type = c->type;
	k->present = c->present;
	k->dpl = c->dpl;
	k->db = c->db;
	k->s = c->s;
	k->l = c->l;
	k->g = c->g;
	k->avl = c->avl;
	k->unusable = c->unusable;
}

void kvm_segment_to_cache(const struct kvm_segment *k, struct seg_cache *c)
{
	c->base = k->base;
	c->limit = k->limit;
	c->selector = k->selector;
	c->type = k->type;
	c->present = k->present;
	c->dpl = k->dpl;
	c->db = k->db;
	c->s = k->s;
	c->l = k->l;
	c->g = k->g;
	c->avl = k->avl;
	c->unusable = k->unusable;
}

static void dtable_from_state(const struct dtable *d, struct kvm_dtable *k)
{
	k->base = d->base;
	k->limit = d->limit;
}

static void dtable_to_state(const struct kvm_dtable *k, struct dtable *d)
{
	d->base = k->base;
	d->limit = k->limit;
}

void kvm_sregs_from_state(const struct vcpu_state *s, struct kvm_sregs *sr)
{
	memset(sr, 0, sizeof(*sr));
	kvm_segment_from_cache(&s->seg[SEG_ES], &sr->es);
	kvm_segment_from_cache(&s->seg[SEG_CS], &sr->cs);
	kvm_segment_from_cache(&s->seg[SEG_SS], &sr->ss);
	kvm_segment_from_cache(&s->seg[SEG_DS], &sr->ds);
	kvm_segment_from_cache(&s->seg[SEG_FS], &sr->fs);
	kvm_segment_from_cache(&s->seg[SEG_GS], &sr->gs);
	kvm_segment_from_cache(&s->ldtr, &sr->ldt);
	kvm_segment_from_cache(&s->tr, &sr->tr);
	dtable_from_state(&s->gdtr, &sr->gdt);
	dtable_from_state(&s->idtr, &sr->idt);
	sr->cr0 = s->cr0;
	sr->cr2 = s->cr2;
	sr->cr3 = s->cr3;
	sr->cr4 = s->cr4;
	sr->cr8 = s->cr8;
	sr->efer = s->efer;
	sr->apic_base = s->msr.apic_base;
}

void kvm_sregs_to_state(const struct kvm_sregs *sr, struct vcpu_state *s)
{
	kvm_segment_to_cache(&sr->es, &s->seg[SEG_ES]);
	kvm_segment_to_cache(&sr->cs, &s->seg[SEG_CS]);
	kvm_segment_to_cache(&sr->ss, &s->seg[SEG_SS]);
	kvm_segment_to_cache(&sr->ds, &s->seg[SEG_DS]);
	kvm_segment_to_cache(&sr->fs, &s->seg[SEG_FS]);
	kvm_segment_to_cache(&sr->gs, &s->seg[SEG_GS]);
	kvm_segment_to_cache(&sr->ldt, &s->ldtr);
	kvm_segment_to_cache(&sr->tr, &s->tr);
	dtable_to_state(&sr->gdt, &s->gdtr);
	dtable_to_state(&sr->idt, &s->idtr);
	s->cr0 = sr->cr0;
	s->cr2 = sr->cr2;
	s->cr3 = sr->cr3;
	s->cr4 = sr->cr4;
	s->cr8 = sr->cr8;
	s->efer = sr->efer;
	s->msr.apic_base = sr->apic_base;
}

/* The two encodings of the interrupt shadow differ: KVM puts MOV SS in
 * bit 0 and STI in bit 1. */
static uint8_t shadow_to_kvm(uint8_t sh)
{
	return (uint8_t)(((sh & SHADOW_STI) ? KVM_X86_SHADOW_INT_STI : 0) |
	                 ((sh & SHADOW_MOVSS) ? KVM_X86_SHADOW_INT_MOV_SS : 0));
}

static uint8_t shadow_from_kvm(uint8_t k)
{
	return (uint8_t)(((k & KVM_X86_SHADOW_INT_STI) ? SHADOW_STI : 0) |
	                 ((k & KVM_X86_SHADOW_INT_MOV_SS) ? SHADOW_MOVSS : 0));
}

void kvm_events_from_state(const struct vcpu_state *s, const struct kvm_conv_caps *caps,
                           struct kvm_vcpu_events *e)
{
	const struct vcpu_events *ev = &s->ev;

	memset(e, 0, sizeof(*e));
	e->exception.nr = ev->exception.vector;
	e->exception.has_error_code = ev->exception.has_error_code;
	e->exception.error_code = ev->exception.error_code;
	if (caps->exception_payload) {
		e->exception.pending = ev->exception.pending;
		e->exception.injected = ev->exception.injected;
	} else {
		e->exception.injected = ev->exception.pending || ev->exception.injected;
	}
	e->interrupt.injected = ev->interrupt.injected;
	e->interrupt.soft = ev->interrupt.soft;
	e->interrupt.nr = ev->interrupt.vector;
	e->interrupt.shadow = shadow_to_kvm(ev->shadow);
	e->nmi.injected = ev->nmi.injected;
	e->nmi.pending = ev->nmi.pending;
	e->nmi.masked = ev->nmi.masked;
	/* Without VALID_NMI_PENDING / VALID_SHADOW KVM would keep its own
	 * values of those fields instead of taking ours. No payload is ever
	 * given: CR2/DR6 are already in the state when an exception is
	 * raised. */
	e->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW;
	if (caps->exception_payload)
		e->flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
}

void kvm_events_to_state(const struct kvm_vcpu_events *e, struct vcpu_state *s)
{
	struct vcpu_events *ev = &s->ev;

	ev->exception.pending = e->exception.pending;
	ev->exception.injected = e->exception.injected;
	ev->exception.vector = e->exception.nr;
	ev->exception.has_error_code = e->exception.has_error_code;
	ev->exception.error_code = e->exception.error_code;
	ev->interrupt.injected = e->interrupt.injected;
	ev->interrupt.soft = e->interrupt.soft;
	ev->interrupt.vector = e->interrupt.nr;
	ev->shadow = shadow_from_kvm(e->interrupt.shadow);
	/* KVM counts pending NMIs; the state only knows whether one is. */
	ev->nmi.pending = e->nmi.pending != 0;
	ev->nmi.injected = e->nmi.injected;
	ev->nmi.masked = e->nmi.masked;
}

/* A run of count MSRs from index, held at byte offset off of the state. */
struct msr_desc {
	const char *name;
	uint32_t index;
	unsigned count;
	size_t off;
};

/* In slot order (enum kvm_msr_slot). */
static const struct msr_desc msr_table[] = {
#define KVM_MSR_DESC(name, index) { #name, index, 1, offsetof(struct vcpu_state, msr.name) },
	VCPU_MSR_LIST(KVM_MSR_DESC)
#undef KVM_MSR_DESC
#define KVM_MSR_RUN_DESC(name, index, n) \
	{ #name, index, n, offsetof(struct vcpu_state, msr.name) },
	VCPU_MSR_RUN_LIST(KVM_MSR_RUN_DESC)
#undef KVM_MSR_RUN_DESC
	{ "tsc", KVM_MSR_TSC, 1, offsetof(struct vcpu_state, tsc) },
};
#define NR_MSR_DESCS (sizeof(msr_table) / sizeof(msr_table[0]))

static const struct msr_desc *msr_find(uint32_t index)
{
	for (unsigned i = 0; i < NR_MSR_DESCS; i++)
		if (index - msr_table[i].index < msr_table[i].count)
			return &msr_table[i];
	return NULL;
}

void kvm_msrs_indices(struct kvm_msr_block *m)
{
	unsigned n = 0;

	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < NR_MSR_DESCS; i++)
		for (unsigned k = 0; k < msr_table[i].count; k++)
			m->entry[n++].index = msr_table[i].index + k;
	m->hdr.nmsrs = n;
}

void kvm_msrs_from_state(const struct vcpu_state *s, struct kvm_msr_block *m)
{
	kvm_msrs_indices(m);
	for (unsigned n = 0; n < m->hdr.nmsrs; n++) {
		const struct msr_desc *d = msr_find(m->entry[n].index);
		const uint64_t *v = (const uint64_t *)((const char *)s + d->off);
		m->entry[n].data = v[m->entry[n].index - d->index];
	}
}

int kvm_msrs_to_state(const struct kvm_msr_entry *e, unsigned n, struct vcpu_state *s)
{
	for (unsigned i = 0; i < n; i++) {
		const struct msr_desc *d = msr_find(e[i].index);
		if (!d)
			return -ENOENT;
		uint64_t *v = (uint64_t *)((char *)s + d->off);
		v[e[i].index - d->index] = e[i].data;
	}
	return 0;
}

const char *kvm_msr_name(uint32_t index)
{
	const struct msr_desc *d = msr_find(index);
	return d ? d->name : NULL;
}

void kvm_fpu_from_state(const struct vcpu_state *s, struct kvm_fpu *f)
{
	const struct fxsave_area *fx = &s->fx;

	memset(f, 0, sizeof(*f));
	memcpy(f->fpr, fx->st, sizeof(f->fpr));
	f->fcw = fx->fcw;
	f->fsw = fx->fsw;
	f->ftwx = fx->ftw;          /* both hold the abridged (FXSAVE) tag */
	f->last_opcode = fx->fop;
	f->last_ip = fx->fip;
	f->last_dp = fx->fdp;
	memcpy(f->xmm, fx->xmm, sizeof(f->xmm));
	f->mxcsr = fx->mxcsr;
}

void kvm_fpu_to_state(const struct kvm_fpu *f, struct vcpu_state *s)
{
	struct fxsave_area *fx = &s->fx;

	memcpy(fx->st, f->fpr, sizeof(fx->st));
	fx->fcw = f->fcw;
	fx->fsw = f->fsw;
	fx->ftw = f->ftwx;
	fx->fop = f->last_opcode;
	fx->fip = f->last_ip;
	fx->fdp = f->last_dp;
	memcpy(fx->xmm, f->xmm, sizeof(fx->xmm));
	fx->mxcsr = f->mxcsr;
}

_Static_assert(sizeof(struct fxsave_area) == KVM_XSAVE_HDR_OFFSET,
               "the XSAVE legacy area is the FXSAVE image");

void kvm_xsave_from_state(const struct vcpu_state *s, struct kvm_xsave *x)
{
	uint8_t *img = (uint8_t *)x->region;
	uint64_t xstate_bv = KVM_XSTATE_FP_SSE;

	memset(x->region, 0, sizeof(x->region));
	memcpy(img, &s->fx, sizeof(s->fx));
	/* The reserved bytes of the legacy area are not the state's to give. */
	memset(img + offsetof(struct fxsave_area, rsvd2), 0, sizeof(s->fx.rsvd2));
	memcpy(img + KVM_XSAVE_HDR_OFFSET, &xstate_bv, sizeof(xstate_bv));
}

void kvm_xsave_to_state(const struct kvm_xsave *x, struct vcpu_state *s)
{
	struct fxsave_area fx;
	memcpy(&fx, x->region, sizeof(fx));
	/* Same fields as kvm_fpu carries: mxcsr_mask and the reserved bytes
	 * stay as the state has them. */
	memcpy(s->fx.st, fx.st, sizeof(s->fx.st));
	s->fx.fcw = fx.fcw;
	s->fx.fsw = fx.fsw;
	s->fx.ftw = fx.ftw;
	s->fx.fop = fx.fop;
	s->fx.fip = fx.fip;
	s->fx.fdp = fx.fdp;
	memcpy(s->fx.xmm, fx.xmm, sizeof(s->fx.xmm));
	s->fx.mxcsr = fx.mxcsr;
}

void kvm_debugregs_from_state(const struct vcpu_state *s, struct kvm_debugregs *d)
{
	memset(d, 0, sizeof(*d));
	for (int i = 0; i < 4; i++)
		d->db[i] = s->dr[i];
	d->dr6 = s->dr[6];
	d->dr7 = s->dr[7];
}

void kvm_debugregs_to_state(const struct kvm_debugregs *d, struct vcpu_state *s)
{
	for (int i = 0; i < 4; i++)
		s->dr[i] = d->db[i];
	s->dr[6] = d->dr6;
	s->dr[7] = d->dr7;
}

void kvm_xcrs_from_state(const struct vcpu_state *s, struct kvm_xcrs *x)
{
	memset(x, 0, sizeof(*x));
	x->nr_xcrs = 1;
	x->xcrs[0].xcr = 0;
	x->xcrs[0].value = s->xcr0;
}

int kvm_xcrs_to_state(const struct kvm_xcrs *x, struct vcpu_state *s)
{
	for (uint32_t i = 0; i < x->nr_xcrs && i < KVM_MAX_XCRS; i++) {
		if (x->xcrs[i].xcr == 0) {
			s->xcr0 = x->xcrs[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

uint32_t kvm_mp_state_from_state(const struct vcpu_state *s)
{
	return s->ev.halted ? KVM_MP_STATE_HALTED : KVM_MP_STATE_RUNNABLE;
}

void kvm_mp_state_to_state(uint32_t mp_state, struct vcpu_state *s)
{
	s->ev.halted = mp_state == KVM_MP_STATE_HALTED;
}

void kvm_sync_regs_from_state(const struct vcpu_state *s, const struct kvm_conv_caps *caps,
                              struct kvm_sync_regs *sync)
{
	kvm_regs_from_state(s, &sync->regs);
	kvm_sregs_from_state(s, &sync->sregs);
	kvm_events_from_state(s, caps, &sync->events);
}

void kvm_sync_regs_to_state(const struct kvm_sync_regs *sync, struct vcpu_state *s)
{
	kvm_regs_to_state(&sync->regs, s);
	kvm_sregs_to_state(&sync->sregs, s);
	kvm_events_to_state(&sync->events, s);
}

/* VM entry (SDM 26.3.1.2; KVM checks the same on SVM hosts for
 * consistency) wants every usable code/data segment accessed and TR busy.
 * The interpreter keeps caches exactly as loaded (a selector loaded from
 * a descriptor whose accessed bit the guest clears later, a TSS that LTR
 * marked busy in memory but not in a reset state): only KVM's copy is
 * changed, and kvm_sregs_unfix puts the guest's view back. */
static void fix_segment(struct kvm_segment *k)
{
	if (!k->unusable && k->present && k->s)
		k->type |= 1;
}

void kvm_sregs_fix_for_entry(struct kvm_sregs *sr)
{
	fix_segment(&sr->es);
	fix_segment(&sr->cs);
	fix_segment(&sr->ss);
	fix_segment(&sr->ds);
	fix_segment(&sr->fs);
	fix_segment(&sr->gs);
	if (sr->tr.type == 1 || sr->tr.type == 9)   /* available 16/32-bit TSS */
		sr->tr.type |= 2;
}

void kvm_sregs_tr_available(struct kvm_sregs *sr)
{
	if (sr->tr.type == 3 || sr->tr.type == 0xb)
		sr->tr.type &= ~2;
}

/* If KVM hands back a segment that is the loaded one with only the
 * entry fix-up applied, the guest's view is the loaded one. */
static void unfix_one(const struct seg_cache *loaded, struct seg_cache *back)
{
	struct seg_cache want = *loaded;
	want.type = back->type;
	if (back->type != loaded->type && seg_cache_equal(&want, back))
		back->type = loaded->type;
}

/* Real mode hides CS's type from the guest, and VM entry with unrestricted
 * guest takes a data (3) or a code (11) type there (SDM 26.3.1.2); KVM
 * under Bochs's VMX hands back 3 for the 11 it was given
 * (tests/suite/hw-deviations.md). */
static bool real_mode_cs_types(const struct vcpu_state *back, uint8_t a, uint8_t b)
{
	return !(back->cr0 & CR0_PE) && (a == 3 || a == 0xb) && (b == 3 || b == 0xb);
}

void kvm_sregs_unfix(const struct vcpu_state *loaded, struct vcpu_state *back)
{
	for (int i = 0; i < NR_SREGS; i++)
		if ((loaded->seg[i].type | 1) == back->seg[i].type ||
		    (i == SEG_CS && real_mode_cs_types(back, loaded->seg[i].type, back->seg[i].type)))
			unfix_one(&loaded->seg[i], &back->seg[i]);
	if ((loaded->tr.type | 2) == back->tr.type || (loaded->tr.type & ~2) == back->tr.type)
		unfix_one(&loaded->tr, &back->tr);
}
