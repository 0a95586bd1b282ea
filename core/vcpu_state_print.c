/* Text views of a vcpu_state: a field-by-field diff (differential tests,
 * migration round trips) and a full dump (error reports, tracing). */
#include <inttypes.h>
#include <string.h>

#include "core/vcpu_state.h"

static const char *const gpr_names[NR_GPRS] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const seg_names[NR_SREGS] = { "es", "cs", "ss", "ds", "fs", "gs" };

struct differ {
	FILE *out;
	int count;
};

static void diff_u64(struct differ *d, const char *prefix, const char *name, uint64_t a,
		     uint64_t b)
{
	if (a == b)
		return;
	d->count++;
	if (d->out)
		fprintf(d->out, "%s%s: 0x%" PRIx64 " != 0x%" PRIx64 "\n", prefix, name, a, b);
}

static void print_hex(FILE *out, const uint8_t *p, size_t n)
{
	/* Most significant byte first, as the register value reads. */
	for (size_t i = n; i-- > 0;)
		fprintf(out, "%02x", p[i]);
}

static void diff_bytes(struct differ *d, const char *name, const uint8_t *a, const uint8_t *b,
		       size_t n)
{
	if (!memcmp(a, b, n))
		return;
	d->count++;
	if (d->out) {
		fprintf(d->out, "%s: ", name);
		print_hex(d->out, a, n);
		fprintf(d->out, " != ");
		print_hex(d->out, b, n);
		fprintf(d->out, "\n");
	}
}

static void diff_seg(struct differ *d, const char *name, const struct seg_cache *a,
		     const struct seg_cache *b)
{
	char p[32];

	snprintf(p, sizeof(p), "%s.", name);
#define DIFF_FIELD(f) diff_u64(d, p, #f, a->f, b->f);
	SEG_CACHE_FIELDS(DIFF_FIELD)
#undef DIFF_FIELD
}

static void diff_events(struct differ *d, const struct vcpu_events *a, const struct vcpu_events *b)
{
	diff_u64(d, "ev.exception.", "pending", a->exception.pending, b->exception.pending);
	diff_u64(d, "ev.exception.", "injected", a->exception.injected, b->exception.injected);
	diff_u64(d, "ev.exception.", "vector", a->exception.vector, b->exception.vector);
	diff_u64(d, "ev.exception.", "has_error_code", a->exception.has_error_code,
		 b->exception.has_error_code);
	diff_u64(d, "ev.exception.", "error_code", a->exception.error_code,
		 b->exception.error_code);
	diff_u64(d, "ev.interrupt.", "injected", a->interrupt.injected, b->interrupt.injected);
	diff_u64(d, "ev.interrupt.", "soft", a->interrupt.soft, b->interrupt.soft);
	diff_u64(d, "ev.interrupt.", "vector", a->interrupt.vector, b->interrupt.vector);
	diff_u64(d, "ev.nmi.", "pending", a->nmi.pending, b->nmi.pending);
	diff_u64(d, "ev.nmi.", "injected", a->nmi.injected, b->nmi.injected);
	diff_u64(d, "ev.nmi.", "masked", a->nmi.masked, b->nmi.masked);
	diff_u64(d, "ev.", "shadow", a->shadow, b->shadow);
	diff_u64(d, "ev.", "halted", a->halted, b->halted);
}

static void diff_fx(struct differ *d, const struct fxsave_area *a, const struct fxsave_area *b)
{
	char name[32];

	diff_u64(d, "fx.", "fcw", a->fcw, b->fcw);
	diff_u64(d, "fx.", "fsw", a->fsw, b->fsw);
	diff_u64(d, "fx.", "ftw", a->ftw, b->ftw);
	diff_u64(d, "fx.", "fop", a->fop, b->fop);
	diff_u64(d, "fx.", "fip", a->fip, b->fip);
	diff_u64(d, "fx.", "fdp", a->fdp, b->fdp);
	diff_u64(d, "fx.", "mxcsr", a->mxcsr, b->mxcsr);
	diff_u64(d, "fx.", "mxcsr_mask", a->mxcsr_mask, b->mxcsr_mask);
	/* Only the 80-bit register counts; bytes 10-15 of each slot are reserved. */
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "fx.st%d", i);
		diff_bytes(d, name, a->st[i], b->st[i], 10);
	}
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "fx.xmm%d", i);
		diff_bytes(d, name, a->xmm[i], b->xmm[i], 16);
	}
}

int vcpu_state_diff(const struct vcpu_state *a, const struct vcpu_state *b, FILE *out)
{
	struct differ d = { .out = out };
	char name[32];

	for (int i = 0; i < NR_GPRS; i++)
		diff_u64(&d, "", gpr_names[i], a->gpr[i], b->gpr[i]);
	diff_u64(&d, "", "rip", a->rip, b->rip);
	diff_u64(&d, "", "rflags", a->rflags, b->rflags);
	for (int i = 0; i < NR_SREGS; i++)
		diff_seg(&d, seg_names[i], &a->seg[i], &b->seg[i]);
	diff_seg(&d, "ldtr", &a->ldtr, &b->ldtr);
	diff_seg(&d, "tr", &a->tr, &b->tr);
	diff_u64(&d, "gdtr.", "base", a->gdtr.base, b->gdtr.base);
	diff_u64(&d, "gdtr.", "limit", a->gdtr.limit, b->gdtr.limit);
	diff_u64(&d, "idtr.", "base", a->idtr.base, b->idtr.base);
	diff_u64(&d, "idtr.", "limit", a->idtr.limit, b->idtr.limit);
	diff_u64(&d, "", "cr0", a->cr0, b->cr0);
	diff_u64(&d, "", "cr2", a->cr2, b->cr2);
	diff_u64(&d, "", "cr3", a->cr3, b->cr3);
	diff_u64(&d, "", "cr4", a->cr4, b->cr4);
	diff_u64(&d, "", "cr8", a->cr8, b->cr8);
	diff_u64(&d, "", "efer", a->efer, b->efer);
	diff_u64(&d, "", "xcr0", a->xcr0, b->xcr0);
	for (int i = 0; i < 8; i++) {
		if (i == 4 || i == 5)    /* aliases of DR6/DR7, never stored */
			continue;
		snprintf(name, sizeof(name), "dr%d", i);
		diff_u64(&d, "", name, a->dr[i], b->dr[i]);
	}
	for (int k = 0; k < 4; k++) {
		char name[16];
		snprintf(name, sizeof(name), "pdpte%d", k);
		diff_u64(&d, "", name, a->pdpte[k], b->pdpte[k]);
	}
	diff_u64(&d, "", "tsc", a->tsc, b->tsc);
#define DIFF_MSR(n, idx) diff_u64(&d, "msr.", #n, a->msr.n, b->msr.n);
	VCPU_MSR_LIST(DIFF_MSR)
#undef DIFF_MSR
#define DIFF_MSR_RUN(n, idx, cnt)                                               \
	for (unsigned k = 0; k < (cnt); k++) {                                  \
		snprintf(name, sizeof(name), #n "[%u]", k);                     \
		diff_u64(&d, "msr.", name, a->msr.n[k], b->msr.n[k]);          \
	}
	VCPU_MSR_RUN_LIST(DIFF_MSR_RUN)
#undef DIFF_MSR_RUN
	diff_events(&d, &a->ev, &b->ev);
	diff_fx(&d, &a->fx, &b->fx);
	return d.count;
}

static void dump_rflags(const struct vcpu_state *s, FILE *out)
{
	static const struct { uint64_t bit; const char *name; } flags[] = {
		{ RFLAGS_CF, "CF" }, { RFLAGS_PF, "PF" }, { RFLAGS_AF, "AF" },
		{ RFLAGS_ZF, "ZF" }, { RFLAGS_SF, "SF" }, { RFLAGS_TF, "TF" },
		{ RFLAGS_IF, "IF" }, { RFLAGS_DF, "DF" }, { RFLAGS_OF, "OF" },
		{ RFLAGS_NT, "NT" }, { RFLAGS_RF, "RF" }, { RFLAGS_VM, "VM" },
		{ RFLAGS_AC, "AC" }, { RFLAGS_VIF, "VIF" }, { RFLAGS_VIP, "VIP" },
		{ RFLAGS_ID, "ID" },
	};

	fprintf(out, "rflags 0x%016" PRIx64 " [", s->rflags);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (s->rflags & flags[i].bit)
			fprintf(out, " %s", flags[i].name);
	fprintf(out, " IOPL=%u ]\n", (unsigned)((s->rflags & RFLAGS_IOPL) >> 12));
}

static void dump_seg(FILE *out, const char *name, const struct seg_cache *c)
{
	fprintf(out, "%-4s sel 0x%04x base 0x%016" PRIx64 " limit 0x%08x type 0x%x s %u dpl %u "
		"p %u avl %u l %u db %u g %u%s\n", name, c->selector, c->base, c->limit, c->type,
		c->s, c->dpl, c->present, c->avl, c->l, c->db, c->g,
		c->unusable ? " unusable" : "");
}

static void dump_events(const struct vcpu_events *ev, FILE *out)
{
	fprintf(out, "events: exception %s%s vector %u", ev->exception.pending ? "pending " : "",
		ev->exception.injected ? "injected " : "", ev->exception.vector);
	if (ev->exception.has_error_code)
		fprintf(out, " error_code 0x%x", ev->exception.error_code);
	fprintf(out, "; interrupt %s%s vector %u; nmi%s%s%s; shadow 0x%x%s\n",
		ev->interrupt.injected ? "injected " : "", ev->interrupt.soft ? "soft " : "",
		ev->interrupt.vector, ev->nmi.pending ? " pending" : "",
		ev->nmi.injected ? " injected" : "", ev->nmi.masked ? " masked" : "",
		ev->shadow, ev->halted ? "; halted" : "");
}

void vcpu_state_dump(const struct vcpu_state *s, FILE *out)
{
	fprintf(out, "mode %s cpl %u\n", cpu_mode_name(vcpu_mode(s)), vcpu_cpl(s));
	for (int i = 0; i < NR_GPRS; i++)
		fprintf(out, "%-3s 0x%016" PRIx64 "%s", gpr_names[i], s->gpr[i],
			(i % 4 == 3) ? "\n" : "  ");
	fprintf(out, "rip 0x%016" PRIx64 "\n", s->rip);
	dump_rflags(s, out);
	for (int i = 0; i < NR_SREGS; i++)
		dump_seg(out, seg_names[i], &s->seg[i]);
	dump_seg(out, "ldtr", &s->ldtr);
	dump_seg(out, "tr", &s->tr);
	fprintf(out, "gdtr base 0x%016" PRIx64 " limit 0x%04x\n", s->gdtr.base, s->gdtr.limit);
	fprintf(out, "idtr base 0x%016" PRIx64 " limit 0x%04x\n", s->idtr.base, s->idtr.limit);
	fprintf(out, "cr0 0x%016" PRIx64 "  cr2 0x%016" PRIx64 "  cr3 0x%016" PRIx64 "\n",
		s->cr0, s->cr2, s->cr3);
	fprintf(out, "cr4 0x%016" PRIx64 "  cr8 0x%016" PRIx64 "  efer 0x%016" PRIx64
		"  xcr0 0x%" PRIx64 "\n", s->cr4, s->cr8, s->efer, s->xcr0);
	fprintf(out, "dr0 0x%" PRIx64 " dr1 0x%" PRIx64 " dr2 0x%" PRIx64 " dr3 0x%" PRIx64
		" dr6 0x%" PRIx64 " dr7 0x%" PRIx64 "\n", s->dr[0], s->dr[1], s->dr[2], s->dr[3],
		s->dr[6], s->dr[7]);
	if (vcpu_pae_legacy(s))
		fprintf(out, "pdpte 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n",
		        s->pdpte[0], s->pdpte[1], s->pdpte[2], s->pdpte[3]);
	fprintf(out, "tsc 0x%" PRIx64 " (at host tsc 0x%" PRIx64 ")\n", s->tsc, s->tsc_host);
#define DUMP_MSR(n, idx) fprintf(out, "msr %-14s (0x%08x) 0x%016" PRIx64 "\n", #n, idx, s->msr.n);
	VCPU_MSR_LIST(DUMP_MSR)
#undef DUMP_MSR
	/* Runs: only the MSRs that are not 0, there being 170 of them. */
#define DUMP_MSR_RUN(n, idx, cnt)                                               \
	for (unsigned k = 0; k < (cnt); k++)                                    \
		if (s->msr.n[k])                                                \
			fprintf(out, "msr %s[%u] (0x%08x) 0x%016" PRIx64 "\n", #n, k,  \
			        (unsigned)(idx) + k, s->msr.n[k]);
	VCPU_MSR_RUN_LIST(DUMP_MSR_RUN)
#undef DUMP_MSR_RUN
	dump_events(&s->ev, out);
	fprintf(out, "fcw 0x%04x fsw 0x%04x ftw 0x%02x mxcsr 0x%08x\n", s->fx.fcw, s->fx.fsw,
		s->fx.ftw, s->fx.mxcsr);
}
