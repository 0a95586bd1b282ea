/* The audit summary as text or as one JSON object (policy/audit_summary.h;
 * the keys are in docs/audit.md). The histogram's entries are
 * disassembled here, once each. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "core/vcpu_state.h"
#include "policy/audit_format.h"
#include "policy/audit_summary.h"

/* A place in a top list: the most frequent first, ties by key. */
struct top {
	uint64_t count, key;
	const struct audit_hist_ent *e;
};

static void top_add(struct top *t, size_t *n, struct top x)
{
	size_t i = *n;
	while (i > 0 && (t[i - 1].count < x.count ||
	                 (t[i - 1].count == x.count && t[i - 1].key > x.key)))
		i--;
	if (i >= AUDIT_SUMMARY_TOP)
		return;
	size_t end = *n < AUDIT_SUMMARY_TOP ? (*n)++ : AUDIT_SUMMARY_TOP - 1;
	for (size_t j = end; j > i; j--)
		t[j] = t[j - 1];
	t[i] = x;
}

/* What the histogram says, by CPL (0: supervisor, 1: user) and class. */
struct insn_view {
	struct audit_fmt fmt;            /* Capstone, for the disassembly */
	uint64_t cpl[2];
	uint64_t cls[NR_AUDIT_CLASSES][2];
	struct top rips[AUDIT_SUMMARY_TOP], ids[AUDIT_SUMMARY_TOP];
	size_t nrips, nids;
	struct count_ent *syscalls, *msrs;
	size_t nsyscalls, nmsrs;
};

static int view_init(struct insn_view *v, const struct audit_summary *s)
{
	memset(v, 0, sizeof(*v));
	int r = audit_fmt_init(&v->fmt, AUDIT_FMT_JSON);
	if (r)
		return r;
	uint64_t *by_id = calloc(X86_INS_ENDING, sizeof(*by_id));
	if (!by_id)
		return -ENOMEM;
	const struct audit_hist *h = &s->hist;
	for (size_t i = 0; h->t && i <= h->mask; i++) {
		const struct audit_hist_ent *e = &h->t[i];
		if (!e->count)
			continue;
		const struct audit_insn_text *t =
			audit_fmt_insn(&v->fmt, e->mode, e->rip, e->bytes, e->len);
		int user = e->cpl == 3;
		v->cpl[user] += e->count;
		v->cls[t->cls][user] += e->count;
		if (user)
			continue;
		by_id[t->id < X86_INS_ENDING ? t->id : 0] += e->count;
		top_add(v->rips, &v->nrips, (struct top){ e->count, e->rip, e });
	}
	for (unsigned id = 0; id < X86_INS_ENDING; id++)
		if (by_id[id])
			top_add(v->ids, &v->nids, (struct top){ by_id[id], id, NULL });
	free(by_id);
	r = count_map_sorted(&s->syscalls, &v->syscalls, &v->nsyscalls);
	if (!r)
		r = count_map_sorted(&s->msr_writes, &v->msrs, &v->nmsrs);
	return r;
}

static void view_fini(struct insn_view *v)
{
	audit_fmt_fini(&v->fmt);
	free(v->syscalls);
	free(v->msrs);
}

/* Capstone's mnemonic of an id; id 0 holds what did not decode. */
static const char *mnemonic(const struct insn_view *v, unsigned id)
{
	const char *n = id ? cs_insn_name(v->fmt.cs[2], id) : NULL;
	return n ? n : "(bad)";
}

/* The k-th pair of a CR's history (k < writes): first[] then the ring. */
static struct audit_pair cr_pair(const struct audit_cr_hist *h, uint64_t k)
{
	return k < AUDIT_SUMMARY_FEW ? h->first[k] : h->last[k % AUDIT_SUMMARY_FEW];
}

/* The writes "last" shows: those after first[] among the last FEW. */
static uint64_t cr_last_from(const struct audit_cr_hist *h)
{
	uint64_t from = h->writes > AUDIT_SUMMARY_FEW ? h->writes - AUDIT_SUMMARY_FEW : 0;
	return from > AUDIT_SUMMARY_FEW ? from : AUDIT_SUMMARY_FEW;
}

static uint64_t syscall_total(const struct insn_view *v)
{
	uint64_t n = 0;
	for (size_t i = 0; i < v->nsyscalls; i++)
		n += v->syscalls[i].count;
	return n;
}

/* ---- text ---- */

static void text_vectors(FILE *f, const char *what, const uint64_t *counts)
{
	fprintf(f, "  %s:", what);
	bool any = false;
	for (int i = 0; i < 256; i++)
		if (counts[i]) {
			fprintf(f, " %d:%" PRIu64, i, counts[i]);
			any = true;
		}
	fprintf(f, "%s\n", any ? "" : " none");
}

static void text_insns(FILE *f, struct insn_view *v, const struct audit_summary *s)
{
	fprintf(f, "  instructions: %" PRIu64 " (supervisor %" PRIu64 ", user %" PRIu64 "), %zu distinct\n",
	        s->hist.total, v->cpl[0], v->cpl[1], s->hist.used);
	for (int i = 1; i <= NR_AUDIT_CLASSES; i++) {   /* the sensitive first, none last */
		int c = i % NR_AUDIT_CLASSES;
		fprintf(f, "    %-20s supervisor %12" PRIu64 "  user %12" PRIu64 "\n",
		        audit_class_name((enum audit_class)c), v->cls[c][0], v->cls[c][1]);
	}
	fprintf(f, "  most frequent supervisor mnemonics:%s\n", v->nids ? "" : " none");
	for (size_t i = 0; i < v->nids; i++)
		fprintf(f, "    %12" PRIu64 "  %s\n", v->ids[i].count, mnemonic(v, (unsigned)v->ids[i].key));
	fprintf(f, "  most frequent supervisor instructions:%s\n", v->nrips ? "" : " none");
	for (size_t i = 0; i < v->nrips; i++) {
		const struct audit_hist_ent *e = v->rips[i].e;
		const struct audit_insn_text *t =
			audit_fmt_insn(&v->fmt, e->mode, e->rip, e->bytes, e->len);
		fprintf(f, "    %12" PRIu64 "  0x%016" PRIx64 " %-8s %s%s%s%s\n", e->count, e->rip,
		        cpu_mode_name((enum cpu_mode)e->mode), t->disasm,
		        t->cls ? " (" : "", t->cls ? audit_class_name(t->cls) : "", t->cls ? ")" : "");
	}
}

static void text_cr(FILE *f, const struct audit_summary *s)
{
	fprintf(f, "  CR writes:");
	bool any = false;
	for (int n = 0; n < 16; n++) {
		const struct audit_cr_hist *h = &s->cr[n];
		if (!h->writes)
			continue;
		fprintf(f, "\n    cr%d: %" PRIu64 " writes, %zu distinct values;", n, h->writes,
		        h->values.used);
		uint64_t shown = h->writes < AUDIT_SUMMARY_FEW ? h->writes : AUDIT_SUMMARY_FEW;
		for (uint64_t k = 0; k < shown; k++)
			fprintf(f, "%s 0x%" PRIx64 "->0x%" PRIx64, k ? "," : " first", cr_pair(h, k).old,
			        cr_pair(h, k).new);
		for (uint64_t k = cr_last_from(h); k < h->writes; k++)
			fprintf(f, "%s 0x%" PRIx64 "->0x%" PRIx64, k == cr_last_from(h) ? "; last" : ",",
			        cr_pair(h, k).old, cr_pair(h, k).new);
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " none");
}

static void text_events(FILE *f, const struct insn_view *v, const struct audit_summary *s)
{
	fprintf(f, "  syscalls: %" PRIu64 "%s", syscall_total(v), v->nsyscalls ? "; by number:" : "");
	for (size_t i = 0; i < v->nsyscalls; i++)
		fprintf(f, " %" PRIu64 ":%" PRIu64, v->syscalls[i].key, v->syscalls[i].count);
	fputc('\n', f);
	text_cr(f, s);
	fprintf(f, "  MSR writes:%s\n", v->nmsrs ? "" : " none");
	for (size_t i = 0; i < v->nmsrs; i++)
		fprintf(f, "    0x%08" PRIx64 ": %" PRIu64 " writes, last 0x%" PRIx64 "\n",
		        v->msrs[i].key, v->msrs[i].count, v->msrs[i].last);
	text_vectors(f, "exceptions by vector", s->exceptions);
	text_vectors(f, "interrupts by vector", s->interrupts);
	fprintf(f, "  migrations:");
	bool any = false;
	for (int a = 0; a < NR_AUDIT_ENGINES; a++)
		for (int b = 0; b < NR_AUDIT_ENGINES; b++)
			for (int r = 0; r < NR_MIG_REASONS; r++) {
				if (!s->mig[a][b][r])
					continue;
				fprintf(f, "\n    %s-to-%s %-12s %10" PRIu64 "  %.3f ms", audit_engine_name(a),
				        audit_engine_name(b), mig_reason_name((enum mig_reason)r), s->mig[a][b][r],
				        (double)s->mig_ns[a][b][r] / 1e6);
				any = true;
			}
	fprintf(f, "%s\n", any ? "" : " none");
	fprintf(f, "  gaps (supervisor code run unaudited on KVM): %" PRIu64 ", %.3f ms\n", s->gaps,
	        (double)s->gap_ns / 1e6);
	for (uint64_t i = 0; i < s->gaps && i < AUDIT_SUMMARY_FEW; i++) {
		const struct audit_gap *g = &s->gap_first[i];
		fprintf(f, "    entered 0x%" PRIx64 ", left 0x%" PRIx64 " at CPL %" PRIu64 ", %" PRIu64 " ns\n",
		        g->rip, g->exit_rip, g->exit_cpl, g->ns);
	}
}

static void print_text(FILE *f, struct insn_view *v, const struct audit_summary *s)
{
	uint64_t total = 0;
	for (unsigned k = 0; k < NR_AUDIT_KINDS; k++)
		total += audit_summary_kind(s, k);
	fprintf(f, "hvmm audit summary: %" PRIu64 " records\n  records by kind:", total);
	const char *sep = " ";
	for (unsigned k = 0; k < NR_AUDIT_KINDS; k++)
		if (audit_summary_kind(s, k)) {
			fprintf(f, "%s%s %" PRIu64, sep, audit_kind_name(k), audit_summary_kind(s, k));
			sep = ", ";
		}
	fprintf(f, "%s\n", total ? "" : " none");
	text_insns(f, v, s);
	text_events(f, v, s);
}

/* ---- JSON ---- */

static void json_vectors(FILE *f, const char *key, const uint64_t *counts)
{
	fprintf(f, ",\"%s\":{", key);
	const char *sep = "";
	for (int i = 0; i < 256; i++)
		if (counts[i]) {
			fprintf(f, "%s\"%d\":%" PRIu64, sep, i, counts[i]);
			sep = ",";
		}
	fputc('}', f);
}

static void json_pairs(FILE *f, const struct audit_cr_hist *h, uint64_t from, uint64_t to)
{
	for (uint64_t k = from; k < to; k++)
		fprintf(f, "%s{\"old\":\"0x%" PRIx64 "\",\"new\":\"0x%" PRIx64 "\"}", k > from ? "," : "",
		        cr_pair(h, k).old, cr_pair(h, k).new);
}

static void json_cr(FILE *f, const struct audit_summary *s)
{
	fprintf(f, ",\"cr_writes\":{");
	const char *sep = "";
	for (int n = 0; n < 16; n++) {
		const struct audit_cr_hist *h = &s->cr[n];
		if (!h->writes)
			continue;
		fprintf(f, "%s\"cr%d\":{\"writes\":%" PRIu64 ",\"distinct\":%zu,\"first\":[", sep, n,
		        h->writes, h->values.used);
		json_pairs(f, h, 0, h->writes < AUDIT_SUMMARY_FEW ? h->writes : AUDIT_SUMMARY_FEW);
		fprintf(f, "],\"last\":[");
		json_pairs(f, h, cr_last_from(h), h->writes);
		fprintf(f, "]}");
		sep = ",";
	}
	fputc('}', f);
}

static void json_events(FILE *f, const struct insn_view *v, const struct audit_summary *s)
{
	fprintf(f, ",\"syscalls\":{\"total\":%" PRIu64 ",\"by_number\":{", syscall_total(v));
	for (size_t i = 0; i < v->nsyscalls; i++)
		fprintf(f, "%s\"%" PRIu64 "\":%" PRIu64, i ? "," : "", v->syscalls[i].key,
		        v->syscalls[i].count);
	fprintf(f, "}}");
	json_cr(f, s);
	fprintf(f, ",\"msr_writes\":{");
	for (size_t i = 0; i < v->nmsrs; i++)
		fprintf(f, "%s\"0x%" PRIx64 "\":{\"writes\":%" PRIu64 ",\"last\":\"0x%" PRIx64 "\"}",
		        i ? "," : "", v->msrs[i].key, v->msrs[i].count, v->msrs[i].last);
	fputc('}', f);
	json_vectors(f, "exceptions", s->exceptions);
	json_vectors(f, "interrupts", s->interrupts);
	fprintf(f, ",\"migrations\":[");
	const char *sep = "";
	for (int a = 0; a < NR_AUDIT_ENGINES; a++)
		for (int b = 0; b < NR_AUDIT_ENGINES; b++)
			for (int r = 0; r < NR_MIG_REASONS; r++) {
				if (!s->mig[a][b][r])
					continue;
				fprintf(f, "%s{\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"%s\",\"count\":%" PRIu64
				        ",\"ns\":%" PRIu64 "}", sep, audit_engine_name(a), audit_engine_name(b),
				        mig_reason_name((enum mig_reason)r), s->mig[a][b][r], s->mig_ns[a][b][r]);
				sep = ",";
			}
	fprintf(f, "],\"gaps\":{\"count\":%" PRIu64 ",\"ns\":%" PRIu64 ",\"first\":[", s->gaps, s->gap_ns);
	for (uint64_t i = 0; i < s->gaps && i < AUDIT_SUMMARY_FEW; i++) {
		const struct audit_gap *g = &s->gap_first[i];
		fprintf(f, "%s{\"rip\":\"0x%" PRIx64 "\",\"exit_rip\":\"0x%" PRIx64 "\",\"exit_cpl\":%" PRIu64
		        ",\"ns\":%" PRIu64 "}", i ? "," : "", g->rip, g->exit_rip, g->exit_cpl, g->ns);
	}
	fprintf(f, "]}");
}

static void json_insns(FILE *f, struct insn_view *v, const struct audit_summary *s)
{
	fprintf(f, ",\"instructions\":{\"total\":%" PRIu64 ",\"supervisor\":%" PRIu64
	        ",\"user\":%" PRIu64 ",\"distinct\":%zu,\"classes\":{",
	        s->hist.total, v->cpl[0], v->cpl[1], s->hist.used);
	for (int c = 0; c < NR_AUDIT_CLASSES; c++)
		fprintf(f, "%s\"%s\":{\"supervisor\":%" PRIu64 ",\"user\":%" PRIu64 "}", c ? "," : "",
		        audit_class_name((enum audit_class)c), v->cls[c][0], v->cls[c][1]);
	fprintf(f, "}},\"top_mnemonics\":[");
	for (size_t i = 0; i < v->nids; i++)
		fprintf(f, "%s{\"mnemonic\":\"%s\",\"count\":%" PRIu64 "}", i ? "," : "",
		        mnemonic(v, (unsigned)v->ids[i].key), v->ids[i].count);
	fprintf(f, "],\"top_instructions\":[");
	for (size_t i = 0; i < v->nrips; i++) {
		const struct audit_hist_ent *e = v->rips[i].e;
		const struct audit_insn_text *t =
			audit_fmt_insn(&v->fmt, e->mode, e->rip, e->bytes, e->len);
		fprintf(f, "%s{\"rip\":\"0x%" PRIx64 "\",\"mode\":\"%s\",\"bytes\":\"%s\",\"disasm\":\"%s\","
		        "\"class\":\"%s\",\"count\":%" PRIu64 "}", i ? "," : "", e->rip,
		        cpu_mode_name((enum cpu_mode)e->mode), t->hex, t->disasm,
		        audit_class_name(t->cls), e->count);
	}
	fputc(']', f);
}

static void print_json(FILE *f, struct insn_view *v, const struct audit_summary *s)
{
	uint64_t total = 0;
	for (unsigned k = 0; k < NR_AUDIT_KINDS; k++)
		total += audit_summary_kind(s, k);
	fprintf(f, "{\"records\":%" PRIu64 ",\"kinds\":{", total);
	for (unsigned k = 0; k < NR_AUDIT_KINDS; k++)
		fprintf(f, "%s\"%s\":%" PRIu64, k ? "," : "", audit_kind_name(k), audit_summary_kind(s, k));
	fputc('}', f);
	json_insns(f, v, s);
	json_events(f, v, s);
	fprintf(f, "}\n");
}

int audit_summary_print(const struct audit_summary *s, FILE *f, int format)
{
	struct insn_view v;
	int r = view_init(&v, s);
	if (!r) {
		if (format == AUDIT_SUMMARY_JSON)
			print_json(f, &v, s);
		else
			print_text(f, &v, s);
		if (fflush(f) || ferror(f))
			r = -EIO;
	}
	view_fini(&v);
	return r;
}
