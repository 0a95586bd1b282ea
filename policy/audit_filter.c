/* The audit's filter (policy/audit_filter.h): parsing a spec, testing a
 * record. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reason.h"
#include "policy/audit_filter.h"

/* CR3's page-frame address: the low 12 bits are the PCID (or PWT/PCD),
 * which the same address space may be run with under different values. */
#define CR3_FRAME (~0xfffull)

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	reason_one_line(err);   /* it quotes the spec */
	return -EINVAL;
}

/* s[0, n) as a number in base (10 or 16), or in hex after "0x"; the
 * whole of it, without sign or overflow. */
static int parse_num(const char *s, size_t n, int base, uint64_t *out)
{
	char buf[24];
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* strtoull alone would take a sign, spaces and a prefix of its own. */
	if (strspn(buf, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") != n)
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(buf, NULL, base);
	if (errno)
		return -EINVAL;
	*out = v;
	return 0;
}

static int full(unsigned nr, const char *key, char *err, size_t errlen)
{
	if (nr < AUDIT_FILTER_MAX)
		return 0;
	return bad(err, errlen, "more than %d %s values", AUDIT_FILTER_MAX, key);
}

/* Append v to a key's list of values. */
static int add(uint64_t *list, unsigned *nr, uint64_t v, const char *key, char *err, size_t errlen)
{
	if (full(*nr, key, err, errlen))
		return -EINVAL;
	list[(*nr)++] = v;
	return 0;
}

static int parse_kind(struct audit_filter *f, const char *v, size_t n, char *err, size_t errlen)
{
	char names[256] = "";
	for (unsigned k = 0; k < NR_AUDIT_KINDS; k++) {
		const char *name = audit_kind_name(k);
		if (strlen(name) == n && !memcmp(name, v, n)) {
			f->kinds |= 1u << k;
			return 0;
		}
		size_t len = strlen(names);
		snprintf(names + len, sizeof(names) - len, "%s%s", k ? ", " : "", name);
	}
	return bad(err, errlen, "unknown kind '%.*s' (kinds: %s)", (int)n, v, names);
}

static int parse_cr3(struct audit_filter *f, const char *v, size_t n, char *err, size_t errlen)
{
	uint64_t a;
	if (parse_num(v, n, 16, &a))
		return bad(err, errlen, "bad cr3 '%.*s' (expected a hex address, e.g. cr3=0x1000)", (int)n, v);
	return add(f->cr3, &f->nr_cr3, a & CR3_FRAME, "cr3", err, errlen);
}

static int parse_rip(struct audit_filter *f, const char *v, size_t n, char *err, size_t errlen)
{
	const char *dash = memchr(v, '-', n);
	struct audit_range r;
	if (!dash || parse_num(v, (size_t)(dash - v), 16, &r.lo) ||
	    parse_num(dash + 1, n - (size_t)(dash - v) - 1, 16, &r.hi) || r.lo >= r.hi)
		return bad(err, errlen, "bad rip range '%.*s' (expected LO-HI in hex, LO below HI, "
		           "e.g. rip=0x1000-0x2000)", (int)n, v);
	if (full(f->nr_rip, "rip", err, errlen))
		return -EINVAL;
	f->rip[f->nr_rip++] = r;
	return 0;
}

static int parse_syscall(struct audit_filter *f, const char *v, size_t n, char *err, size_t errlen)
{
	uint64_t nr;
	if (parse_num(v, n, 10, &nr))
		return bad(err, errlen, "bad syscall number '%.*s' (expected decimal, or hex after 0x)",
		           (int)n, v);
	return add(f->syscall, &f->nr_syscall, nr, "syscall", err, errlen);
}

static int parse_cpl(struct audit_filter *f, const char *v, size_t n, char *err, size_t errlen)
{
	uint64_t cpl;
	if (parse_num(v, n, 10, &cpl) || cpl > 3)
		return bad(err, errlen, "bad cpl '%.*s' (expected 0, 1, 2 or 3)", (int)n, v);
	f->cpls |= (uint8_t)(1u << cpl);
	return 0;
}

static const struct {
	const char *name;
	int (*parse)(struct audit_filter *f, const char *v, size_t n, char *err, size_t errlen);
} keys[] = {
	{ "kind", parse_kind }, { "cr3", parse_cr3 }, { "rip", parse_rip },
	{ "syscall", parse_syscall }, { "cpl", parse_cpl },
};
#define NR_KEYS (sizeof(keys) / sizeof(keys[0]))

/* One key=value condition, s[0, n). */
static int parse_cond(struct audit_filter *f, const char *s, size_t n, char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', n);
	if (!n)
		return bad(err, errlen, "empty condition (expected key=value, joined with ',')");
	if (!eq)
		return bad(err, errlen, "'%.*s' is not key=value", (int)n, s);
	size_t klen = (size_t)(eq - s), vlen = n - klen - 1;
	for (size_t i = 0; i < NR_KEYS; i++) {
		if (strlen(keys[i].name) != klen || memcmp(keys[i].name, s, klen))
			continue;
		if (!vlen)
			return bad(err, errlen, "'%.*s' has no value", (int)n, s);
		return keys[i].parse(f, eq + 1, vlen, err, errlen);
	}
	char names[64] = "";
	for (size_t i = 0; i < NR_KEYS; i++) {
		size_t len = strlen(names);
		snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "", keys[i].name);
	}
	return bad(err, errlen, "unknown key '%.*s' (keys: %s)", (int)klen, s, names);
}

int audit_filter_parse(struct audit_filter *f, const char *spec, char *err, size_t errlen)
{
	if (!*spec)
		return bad(err, errlen, "empty filter (expected key=value conditions, joined with ',')");
	for (const char *s = spec;; ) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		int r = parse_cond(f, s, n, err, errlen);
		if (r)
			return r;
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

static bool in_list(const uint64_t *list, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static bool in_ranges(const struct audit_range *r, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (v >= r[i].lo && v < r[i].hi)
			return true;
	return false;
}

bool audit_filter_keeps_kind(const struct audit_filter *f, enum audit_kind kind)
{
	return !f->kinds || (f->kinds >> kind & 1);
}

bool audit_filter_match(const struct audit_filter *f, const struct audit_rec *r)
{
	if (f->kinds && (r->kind >= NR_AUDIT_KINDS || !(f->kinds >> r->kind & 1)))
		return false;
	if (f->cpls && (r->cpl > 3 || !(f->cpls >> r->cpl & 1)))
		return false;
	if (f->nr_cr3 && !in_list(f->cr3, f->nr_cr3, r->cr3 & CR3_FRAME))
		return false;
	if (f->nr_rip && !in_ranges(f->rip, f->nr_rip, r->rip))
		return false;
	/* A number is a syscall record's only: other kinds pass. */
	if (f->nr_syscall && r->kind == AUDIT_SYSCALL && !in_list(f->syscall, f->nr_syscall, r->v[0]))
		return false;
	return true;
}
