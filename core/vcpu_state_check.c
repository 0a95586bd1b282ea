/* Architectural consistency of a vcpu_state: the combinations that a CPU
 * refuses on MOV to CR/WRMSR or that VM entry (and so KVM) rejects. Both
 * engines call this before running a state they did not produce. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/reason.h"
#include "core/vcpu_state.h"

/* CR4 bits 0-14 (VME..LA57, VMXE, SMXE), 16-18, 20-24 (SMEP..PKS). */
#define CR4_DEFINED 0x01f77fffull
/* SCE, LME, LMA, NXE, SVME, LMSLE, FFXSR, TCE. */
#define EFER_DEFINED 0xfd01ull

#define SEG_TYPE_CODE 0x8
#define SYS_TYPE_LDT 0x2
#define SYS_TYPE_TSS16_BUSY 0x3
#define SYS_TYPE_TSS_BUSY 0xb

#define fail(why, whylen, ...) set_reason(why, whylen, -EINVAL, __VA_ARGS__)

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static const char *const seg_names[NR_SREGS] = { "es", "cs", "ss", "ds", "fs", "gs" };

/* The limit must be expressible in a descriptor with the given G bit. */
static int check_limit(const struct seg_cache *c, const char *name, char *why, size_t whylen)
{
	if (c->g && (c->limit & 0xfff) != 0xfff)
		return fail(why, whylen, "%s.limit: 0x%x with G=1 must end in 0xfff", name,
			    c->limit);
	if (!c->g && c->limit > 0xfffff)
		return fail(why, whylen, "%s.limit: 0x%x with G=0 exceeds 0xfffff", name,
			    c->limit);
	return 0;
}

static int check_control(const struct vcpu_state *s, char *why, size_t whylen)
{
	bool lma = s->efer & EFER_LMA;

	if (!(s->rflags & RFLAGS_FIXED))
		return fail(why, whylen, "rflags: bit 1 must be set (0x%llx)",
			    (unsigned long long)s->rflags);
	if (s->rflags & ~RFLAGS_DEFINED)
		return fail(why, whylen, "rflags: reserved bits set (0x%llx)",
			    (unsigned long long)(s->rflags & ~RFLAGS_DEFINED));
	if (s->cr0 >> 32)
		return fail(why, whylen, "cr0: reserved bits 63:32 set (0x%llx)",
			    (unsigned long long)s->cr0);
	if ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE))
		return fail(why, whylen, "cr0: PG set without PE");
	if ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD))
		return fail(why, whylen, "cr0: NW set without CD");
	if (s->cr4 & ~CR4_DEFINED)
		return fail(why, whylen, "cr4: reserved bits set (0x%llx)",
			    (unsigned long long)(s->cr4 & ~CR4_DEFINED));
	if (s->cr8 > 15)
		return fail(why, whylen, "cr8: reserved bits set (0x%llx)",
			    (unsigned long long)s->cr8);
	if (s->efer & ~EFER_DEFINED)
		return fail(why, whylen, "efer: reserved bits set (0x%llx)",
			    (unsigned long long)(s->efer & ~EFER_DEFINED));
	if (lma != ((s->efer & EFER_LME) && (s->cr0 & CR0_PG)))
		return fail(why, whylen, "efer: LMA=%d does not match LME && CR0.PG", lma);
	if (lma && !(s->cr4 & CR4_PAE))
		return fail(why, whylen, "cr4: PAE clear in long mode");
	if (!lma && (s->cr4 & CR4_PCIDE))
		return fail(why, whylen, "cr4: PCIDE set outside long mode");
	if (lma && (s->rflags & RFLAGS_VM))
		return fail(why, whylen, "rflags: VM set in long mode");
	if (s->dr[6] >> 32)
		return fail(why, whylen, "dr6: reserved bits 63:32 set");
	if (s->dr[7] >> 32)
		return fail(why, whylen, "dr7: reserved bits 63:32 set");
	return 0;
}

static int check_cs(const struct vcpu_state *s, char *why, size_t whylen)
{
	const struct seg_cache *cs = &s->seg[SEG_CS];
	bool prot = (s->cr0 & CR0_PE) && !(s->rflags & RFLAGS_VM);

	if (cs->unusable)
		return fail(why, whylen, "cs: unusable");
	if (!cs->present)
		return fail(why, whylen, "cs: not present");
	if (prot && (!cs->s || !(cs->type & SEG_TYPE_CODE)))
		return fail(why, whylen, "cs.type: 0x%x (s=%u) is not a code segment",
			    cs->type, cs->s);
	if ((s->efer & EFER_LMA) && cs->l && cs->db)
		return fail(why, whylen, "cs: L and D both set in long mode");
	return 0;
}

static int check_data_segs(const struct vcpu_state *s, char *why, size_t whylen)
{
	bool prot = (s->cr0 & CR0_PE) && !(s->rflags & RFLAGS_VM);

	for (int i = 0; i < NR_SREGS; i++) {
		const struct seg_cache *c = &s->seg[i];
		int r;

		if (c->unusable)
			continue;
		if ((r = check_limit(c, seg_names[i], why, whylen)))
			return r;
		if (s->rflags & RFLAGS_VM) {
			if (c->base != (uint64_t)c->selector << 4)
				return fail(why, whylen, "%s.base: 0x%llx is not selector<<4 in "
					    "virtual-8086 mode", seg_names[i],
					    (unsigned long long)c->base);
			continue;
		}
		if (i == SEG_CS || !prot)
			continue;
		if (!c->present)
			return fail(why, whylen, "%s: usable but not present", seg_names[i]);
		if (!c->s)
			return fail(why, whylen, "%s: system descriptor in a data segment register",
				    seg_names[i]);
		if (i == SEG_SS && ((c->type & SEG_TYPE_CODE) || !(c->type & 0x2)))
			return fail(why, whylen, "ss.type: 0x%x is not a writable data segment",
				    c->type);
		if (i == SEG_SS && !(s->seg[SEG_CS].type & 0x4) && c->dpl != s->seg[SEG_CS].dpl)
			return fail(why, whylen, "ss.dpl: %u differs from cs.dpl %u", c->dpl,
				    s->seg[SEG_CS].dpl);
		if (i != SEG_SS && (c->type & SEG_TYPE_CODE) && !(c->type & 0x2))
			return fail(why, whylen, "%s.type: 0x%x is an execute-only code segment",
				    seg_names[i], c->type);
	}
	return 0;
}

static int check_system_segs(const struct vcpu_state *s, char *why, size_t whylen)
{
	const struct seg_cache *tr = &s->tr, *ldtr = &s->ldtr;
	bool lma = s->efer & EFER_LMA;
	int r;

	if (s->cr0 & CR0_PE) {
		if (tr->unusable)
			return fail(why, whylen, "tr: unusable in protected mode");
		if (tr->s || !tr->present ||
		    !(tr->type == SYS_TYPE_TSS_BUSY || (!lma && tr->type == SYS_TYPE_TSS16_BUSY)))
			return fail(why, whylen, "tr: type 0x%x s=%u p=%u is not a present busy TSS",
				    tr->type, tr->s, tr->present);
	}
	if ((r = check_limit(tr, "tr", why, whylen)))
		return r;
	if (!ldtr->unusable) {
		if (ldtr->s || ldtr->type != SYS_TYPE_LDT || !ldtr->present)
			return fail(why, whylen, "ldtr: type 0x%x s=%u p=%u is not a present LDT",
				    ldtr->type, ldtr->s, ldtr->present);
		if ((r = check_limit(ldtr, "ldtr", why, whylen)))
			return r;
	}
	return 0;
}

static int check_addresses(const struct vcpu_state *s, char *why, size_t whylen)
{
	const struct { const char *name; uint64_t v; } bases[] = {
		{ "fs.base", s->seg[SEG_FS].base }, { "gs.base", s->seg[SEG_GS].base },
		{ "ldtr.base", s->ldtr.base }, { "tr.base", s->tr.base },
		{ "gdtr.base", s->gdtr.base }, { "idtr.base", s->idtr.base },
		{ "msr.kernel_gs_base", s->msr.kernel_gs_base },
		{ "msr.lstar", s->msr.lstar }, { "msr.cstar", s->msr.cstar },
		{ "msr.sysenter_esp", s->msr.sysenter_esp },
		{ "msr.sysenter_eip", s->msr.sysenter_eip },
	};

	if (vcpu_mode(s) == MODE_LONG64) {
		if (!canonical(s->rip))
			return fail(why, whylen, "rip: 0x%llx is not canonical",
				    (unsigned long long)s->rip);
	} else if (s->rip >> 32) {
		return fail(why, whylen, "rip: 0x%llx has bits 63:32 set outside 64-bit mode",
			    (unsigned long long)s->rip);
	}
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (!canonical(bases[i].v))
			return fail(why, whylen, "%s: 0x%llx is not canonical", bases[i].name,
				    (unsigned long long)bases[i].v);
	return 0;
}

static int check_events(const struct vcpu_state *s, char *why, size_t whylen)
{
	const struct vcpu_events *ev = &s->ev;

	if ((ev->exception.pending || ev->exception.injected) && ev->exception.vector >= 32)
		return fail(why, whylen, "ev.exception.vector: %u is not an exception vector",
			    ev->exception.vector);
	if (ev->exception.pending && ev->exception.injected)
		return fail(why, whylen, "ev.exception: both pending and injected");
	if (ev->shadow & ~(SHADOW_STI | SHADOW_MOVSS))
		return fail(why, whylen, "ev.shadow: unknown bits 0x%x", ev->shadow);
	if ((ev->shadow & SHADOW_STI) && !(s->rflags & RFLAGS_IF))
		return fail(why, whylen, "ev.shadow: STI shadow with IF clear");
	return 0;
}

int vcpu_state_check(const struct vcpu_state *s, char *why, size_t whylen)
{
	int r;

	if ((r = check_control(s, why, whylen)) || (r = check_cs(s, why, whylen)) ||
	    (r = check_data_segs(s, why, whylen)) || (r = check_system_segs(s, why, whylen)) ||
	    (r = check_addresses(s, why, whylen)) || (r = check_events(s, why, whylen)))
		return r;
	if (why && whylen)
		why[0] = 0;
	return 0;
}
