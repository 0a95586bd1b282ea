/* libFuzzer target for policy files (policy/rules*.c, docs/policy.md):
 * any text, parsed as a policy file and, once accepted, asked for
 * decisions. Besides not crashing:
 *  - a refused file gets one line "NAME:...", as docs/policy.md says;
 *  - an accepted one has at least one rule, and each decision names a
 *    rule and line that exist and an action of its kind;
 *  - pol_rules_match (the first rule that holds) and pol_rules_decide
 *    (audit rules set a level and let the search go on) agree;
 *  - rules are tried in order: with "-> sw" appended, every query that a
 *    rule matched is decided as before, and every other one by the new
 *    last rule;
 *  - the same file read through policy_from_file decides through
 *    policy_decide as the rules do.
 * Queries: every CPL and mode with no event, and for each number written
 * in the file (and its neighbours) a query whose RIP, CR3 and event number
 * are that number, under each event kind. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy/policy.h"
#include "policy/rules.h"
#include "tests/fuzz/fuzz.h"

#define FZ_NAME     "fuzz.pol"
#define FZ_MAX_NUMS 24

struct fz_pol {
	const char *text;
	size_t len;
	unsigned lines;
	struct pol_rules *r;
	unsigned count;
};

/* The numbers of the file: where a rule's ranges begin and end. */
static unsigned fz_numbers(const char *t, size_t len, uint64_t *v)
{
	unsigned n = 0;
	for (size_t i = 0; i < len && n < FZ_MAX_NUMS; i++) {
		if (!isdigit((unsigned char)t[i]) || (i && isalnum((unsigned char)t[i - 1])))
			continue;
		char buf[24];
		size_t k = 0;
		while (i + k < len && k + 1 < sizeof(buf) && isalnum((unsigned char)t[i + k]))
			buf[k] = t[i + k], k++;
		buf[k] = 0;
		v[n++] = strtoull(buf, NULL, 0);
		i += k;
	}
	return n;
}

static void fz_check_action(const struct fz_pol *p, const struct pol_action *a, bool audit)
{
	FZ_CHECK(a->rule >= 1 && a->rule <= p->count, "rule %u of %u", a->rule, p->count);
	FZ_CHECK(a->line >= 1 && a->line <= p->lines, "line %u of %u", a->line, p->lines);
	FZ_CHECK((a->kind == POL_ACT_AUDIT) == audit, "action kind %d", a->kind);
	FZ_CHECK(a->kind != POL_ACT_AUDIT || a->level <= 3, "audit level %u", a->level);
}

/* What the rules say of q; returns whether a non-audit rule decided. */
static bool fz_decide(const struct fz_pol *p, const struct pol_query *q, struct pol_action *out)
{
	struct pol_action first, audit;
	bool audited, matched = pol_rules_match(p->r, q, &first);
	bool decided = pol_rules_decide(p->r, q, out, &audit, &audited);
	if (decided)
		fz_check_action(p, out, false);
	if (audited)
		fz_check_action(p, &audit, true);
	FZ_CHECK(matched == (decided || audited), "match %d, decide %d, audit %d", matched,
	         decided, audited);
	if (matched && first.kind == POL_ACT_AUDIT)
		FZ_CHECK(audited && audit.rule == first.rule, "the first audit rule is %u, not %u",
		         first.rule, audited ? audit.rule : 0);
	else if (matched)
		FZ_CHECK(decided && !audited && out->rule == first.rule,
		         "rule %u matched first, rule %u decided", first.rule, out->rule);
	return decided;
}

/* The same decision with "-> sw" appended as the last rule. */
static void fz_check_appended(const struct fz_pol *p, const struct fz_pol *more,
                              const struct pol_query *q)
{
	struct pol_action a, b;
	bool had = fz_decide(p, q, &a);
	FZ_CHECK(fz_decide(more, q, &b), "the appended default rule did not decide");
	if (had)
		FZ_CHECK(a.rule == b.rule && a.kind == b.kind, "rule %u became %u", a.rule, b.rule);
	else
		FZ_CHECK(b.rule == more->count && b.kind == POL_ACT_SW, "rule %u, not the last",
		         b.rule);
}

/* policy_decide of a file policy: a stop, or the engine of the rule that
 * decided (when none does, theorem3's split chooses). */
static void fz_check_policy(struct policy *pol, const struct fz_pol *p, const struct pol_query *q)
{
	struct vcpu_state s;
	struct decision d;
	struct pol_action a;
	/* A state of the query's mode and CPL, as far as the policy looks. */
	vcpu_state_reset(&s);
	if (q->mode != MODE_REAL)
		s.cr0 |= CR0_PE;
	if (q->mode >= MODE_COMPAT16)
		s.efer |= EFER_LME | EFER_LMA;
	if (q->mode == MODE_VM86)
		s.rflags |= RFLAGS_VM;
	s.seg[SEG_CS].l = q->mode == MODE_LONG64;
	s.seg[SEG_CS].db = q->mode == MODE_PROT32 || q->mode == MODE_COMPAT32;
	s.seg[SEG_CS].dpl = s.seg[SEG_SS].dpl = (uint8_t)q->cpl;
	s.seg[SEG_CS].selector = s.seg[SEG_SS].selector = (uint16_t)q->cpl;
	s.rip = q->rip;
	s.cr3 = q->cr3;
	if (vcpu_mode(&s) != q->mode || vcpu_cpl(&s) != q->cpl)
		return;   /* real mode is CPL 0 and virtual-8086 mode CPL 3 */
	policy_decide(pol, &s, ENGINE_SW, q->event, q->num, 0, &d);
	if (!fz_decide(p, q, &a))
		return;
	if (a.kind == POL_ACT_STOP)
		FZ_CHECK(d.stop, "rule %u says stop", a.rule);
	else
		FZ_CHECK(!d.stop && d.engine == (a.kind == POL_ACT_SW ? ENGINE_SW : ENGINE_HW),
		         "rule %u said %d, the policy chose %d%s", a.rule, a.kind, d.engine,
		         d.stop ? " and stop" : "");
}

static int fz_parse(struct fz_pol *p, const char *text, size_t len)
{
	char err[512] = "";
	p->text = text;
	p->len = len;
	p->lines = 1;
	for (size_t i = 0; i < len; i++)
		p->lines += text[i] == '\n';
	int r = pol_rules_parse(FZ_NAME, text, len, &p->r, err, sizeof(err));
	if (r) {
		FZ_CHECK(r == -EINVAL || r == -ENOMEM, "result %d", r);
		FZ_CHECK(!strncmp(err, FZ_NAME ":", strlen(FZ_NAME) + 1) && fz_one_line(err),
		         "error is not one line naming the file: '%s'", err);
		return r;
	}
	p->count = pol_rules_count(p->r);
	FZ_CHECK(p->count >= 1, "a policy without rules");
	return 0;
}

/* The text in a file, for policy_from_file. */
static const char *fz_file(const char *text, size_t len)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fuzz-policy", MFD_CLOEXEC);
		FZ_CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	FZ_CHECK(!ftruncate(fd, 0) && pwrite(fd, text, len, 0) == (ssize_t)len,
	         "cannot write the policy file: %s", strerror(errno));
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_pol p, more;
	/* The text in a buffer of its own size: ASan sees a read past it. */
	char *text = malloc(size ? size : 1);
	char *text2 = malloc(size + 8);
	FZ_CHECK(text && text2, "out of memory");
	memcpy(text, data, size);
	memcpy(text2, data, size);
	memcpy(text2 + size, "\n-> sw\n", 7);

	if (fz_parse(&p, text, size)) {
		free(text);
		free(text2);
		return 0;
	}
	/* Appended to a file whose last line is a rule or a comment, the
	 * rule is valid, so the file still is. */
	FZ_CHECK(!fz_parse(&more, text2, size + 7), "accepted, but not with -> sw appended");
	FZ_CHECK(more.count == p.count + 1, "%u rules, then %u", p.count, more.count);

	struct policy pol;
	char err[512];
	FZ_CHECK(!policy_from_file(&pol, fz_file(text, size), err, sizeof(err)),
	         "the file refuses what the text was: %s", err);

	uint64_t nums[FZ_MAX_NUMS];
	unsigned n = fz_numbers(text, size, nums);
	for (unsigned cpl = 0; cpl < 4; cpl++)
		for (unsigned m = MODE_REAL; m <= MODE_LONG64; m++) {
			struct pol_query q = { .cpl = cpl, .mode = (enum cpu_mode)m };
			fz_check_appended(&p, &more, &q);
			fz_check_policy(&pol, &p, &q);
		}
	for (unsigned i = 0; i < n; i++)
		for (int d = -1; d <= 1; d++)
			for (unsigned e = RUN_EV_NONE; e < NR_RUN_EVENTS; e++) {
				uint64_t v = nums[i] + (uint64_t)(int64_t)d;
				struct pol_query q = { .cpl = (unsigned)(v & 3),
				                       .mode = (enum cpu_mode)(v % (MODE_LONG64 + 1)),
				                       .rip = v, .cr3 = v, .event = (enum run_event)e,
				                       .num = v };
				fz_check_appended(&p, &more, &q);
				fz_check_policy(&pol, &p, &q);
			}
	policy_free(&pol);
	pol_rules_free(p.r);
	pol_rules_free(more.r);
	free(text);
	free(text2);
	return 0;
}
