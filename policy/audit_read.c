/* Audit records from JSON Lines (policy/audit_read.h): the line is split
 * into its key/value pairs, then each key is looked up in the fields of
 * every record and those of its kind. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "core/vcpu_state.h"
#include "policy/audit_format.h"
#include "policy/audit_read.h"

#define MAX_PAIRS 24
#define MAX_STR 256   /* the longest value, a disassembly, is under 200 */

struct pair {
	char key[16];
	char str[MAX_STR];   /* a string's text, or a number's or boolean's */
	bool is_str;
};

static int bad(char *err, size_t errlen, const char *what, const char *key)
{
	snprintf(err, errlen, "%s%s%s%s", what, key ? " '" : "", key ? key : "", key ? "'" : "");
	return -EINVAL;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* A JSON string without escapes other than \" \\ \/ into out[n]; the
 * character after it, or NULL. */
static const char *string(const char *p, char *out, size_t n)
{
	if (*p++ != '"')
		return NULL;
	size_t i = 0;
	for (; *p != '"'; p++) {
		if (!*p || i + 1 >= n)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p != '"' && *p != '\\' && *p != '/')
				return NULL;
		}
		out[i++] = *p;
	}
	out[i] = 0;
	return p + 1;
}

/* A number or boolean: its characters, up to a ',' or '}'. */
static const char *bare(const char *p, char *out, size_t n)
{
	size_t i = 0;
	for (; *p && *p != ',' && *p != '}' && *p != ' '; p++) {
		if (i + 1 >= n)
			return NULL;
		out[i++] = *p;
	}
	out[i] = 0;
	return i ? p : NULL;
}

static int split(const char *line, struct pair *pairs, size_t *n, char *err, size_t errlen)
{
	const char *p = skip_ws(line);
	if (!*p)
		return bad(err, errlen, "an empty line", NULL);
	if (*p >= '0' && *p <= '9')
		return bad(err, errlen, "not JSON (an audit of --audit-format=text? this reads "
		           "--audit-format=json files)", NULL);
	if (*p++ != '{')
		return bad(err, errlen, "not a JSON object", NULL);
	*n = 0;
	for (p = skip_ws(p); *p != '}'; p = skip_ws(p)) {
		if (*n && *p++ != ',')
			return bad(err, errlen, "expected ',' or '}'", NULL);
		if (*n == MAX_PAIRS)
			return bad(err, errlen, "too many fields", NULL);
		struct pair *q = &pairs[(*n)++];
		p = string(skip_ws(p), q->key, sizeof(q->key));
		if (!p)
			return bad(err, errlen, "expected a field name of our records", NULL);
		p = skip_ws(p);
		if (*p++ != ':')
			return bad(err, errlen, "expected ':' after", q->key);
		p = skip_ws(p);
		q->is_str = *p == '"';
		p = q->is_str ? string(p, q->str, sizeof(q->str)) : bare(p, q->str, sizeof(q->str));
		if (!p)
			return bad(err, errlen, "bad value of", q->key);
	}
	if (*skip_ws(p + 1))
		return bad(err, errlen, "text after the object", NULL);
	return 0;
}

/* Where a field goes: v[0]-v[6], or a member of the record. */
enum slot { V0, V1, V2, V3, V4, V5, V6, SUB, SEQ, ICOUNT, CR3, RIP, CPL, ENGINE, MODE, BYTES, NOWHERE };

/* What its value is. */
enum type { NUM, HEX, BOOL, BYTESTR, TEXT, NAME_ENGINE, NAME_MODE, NAME_REASON, NAME_DIR, NAME_RW, NAME_TABLE };

struct field {
	const char *key;
	int kind;          /* enum audit_kind, or -1: every record */
	enum type type;
	enum slot slot;
	bool optional;
};

static const struct field fields[] = {
	{ "icount", -1, NUM, ICOUNT, false },
	{ "engine", -1, NAME_ENGINE, ENGINE, false },
	{ "mode", -1, NAME_MODE, MODE, false },
	{ "cpl", -1, NUM, CPL, false },
	{ "cr3", -1, HEX, CR3, false },
	{ "rip", -1, HEX, RIP, false },
	{ "bytes", AUDIT_INSN, BYTESTR, BYTES, false },
	{ "disasm", AUDIT_INSN, TEXT, NOWHERE, false },
	{ "class", AUDIT_INSN, TEXT, NOWHERE, true },
	{ "cr", AUDIT_CR_WRITE, NUM, SUB, false },
	{ "old", AUDIT_CR_WRITE, HEX, V0, false },
	{ "new", AUDIT_CR_WRITE, HEX, V1, false },
	{ "msr", AUDIT_MSR_READ, HEX, V0, false },
	{ "value", AUDIT_MSR_READ, HEX, V1, false },
	{ "msr", AUDIT_MSR_WRITE, HEX, V0, false },
	{ "value", AUDIT_MSR_WRITE, HEX, V1, false },
	{ "table", AUDIT_DT_LOAD, NAME_TABLE, SUB, false },
	{ "base", AUDIT_DT_LOAD, HEX, V0, false },
	{ "limit", AUDIT_DT_LOAD, HEX, V1, false },
	{ "selector", AUDIT_DT_LOAD, HEX, V2, true },
	{ "port", AUDIT_PIO, HEX, V0, false },
	{ "size", AUDIT_PIO, NUM, V1, false },
	{ "dir", AUDIT_PIO, NAME_DIR, SUB, false },
	{ "value", AUDIT_PIO, HEX, V2, false },
	{ "addr", AUDIT_MMIO, HEX, V0, false },
	{ "size", AUDIT_MMIO, NUM, V1, false },
	{ "dir", AUDIT_MMIO, NAME_RW, SUB, false },
	{ "value", AUDIT_MMIO, HEX, V2, false },
	{ "vector", AUDIT_EXCEPTION, NUM, V0, false },
	{ "error_code", AUDIT_EXCEPTION, HEX, V1, true },
	{ "cr2", AUDIT_EXCEPTION, HEX, V2, true },
	{ "vector", AUDIT_INTERRUPT, NUM, V0, false },
	{ "soft", AUDIT_INTERRUPT, BOOL, SUB, false },
	{ "number", AUDIT_SYSCALL, NUM, V0, false },
	{ "arg0", AUDIT_SYSCALL, HEX, V1, false },
	{ "arg1", AUDIT_SYSCALL, HEX, V2, false },
	{ "arg2", AUDIT_SYSCALL, HEX, V3, false },
	{ "arg3", AUDIT_SYSCALL, HEX, V4, false },
	{ "arg4", AUDIT_SYSCALL, HEX, V5, false },
	{ "arg5", AUDIT_SYSCALL, HEX, V6, false },
	{ "from", AUDIT_CPL, NUM, V0, false },
	{ "to", AUDIT_CPL, NUM, V1, false },
	{ "from", AUDIT_MIGRATION, NAME_ENGINE, V0, false },
	{ "to", AUDIT_MIGRATION, NAME_ENGINE, V1, false },
	{ "reason", AUDIT_MIGRATION, NAME_REASON, V2, false },
	{ "ns", AUDIT_MIGRATION, NUM, V3, false },
	{ "exit_rip", AUDIT_GAP, HEX, V0, false },
	{ "exit_cpl", AUDIT_GAP, NUM, V1, false },
	{ "ns", AUDIT_GAP, NUM, V2, false },
	{ "possible", AUDIT_GAP, BOOL, SUB, true },
};
#define NR_FIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *mode_name(unsigned m)
{
	return m <= MODE_LONG64 ? cpu_mode_name((enum cpu_mode)m) : NULL;
}

static const char *reason_name(unsigned r)
{
	return r < NR_MIG_REASONS ? mig_reason_name((enum mig_reason)r) : NULL;
}

static const char *dir_name(unsigned d)
{
	return d == AUDIT_IN ? "in" : d == AUDIT_OUT ? "out" : NULL;
}

static const char *rw_name(unsigned d)
{
	return d == AUDIT_IN ? "read" : d == AUDIT_OUT ? "write" : NULL;
}

static const char *engine_name(unsigned e)
{
	return e < NR_AUDIT_ENGINES ? audit_engine_name(e) : NULL;
}

static const char *table_name(unsigned t)
{
	return t <= AUDIT_DT_TR ? audit_dt_name(t) : NULL;
}

/* The index whose name(i) is s, among the first n; -1 if none. */
static int lookup(const char *s, const char *(*name)(unsigned), unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (name(i) && !strcmp(name(i), s))
			return (int)i;
	return -1;
}

static bool number(const char *s, int base, uint64_t *v)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	*v = strtoull(s, &end, base);
	return !errno && !*end;
}

static bool hex_bytes(const char *s, struct audit_rec *r)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > sizeof(r->bytes))
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		char two[3] = { s[2 * i], s[2 * i + 1], 0 };
		uint64_t b;
		if (two[0] == ' ' || two[1] == ' ' || !number(two, 16, &b))
			return false;
		r->bytes[i] = (uint8_t)b;
	}
	r->len = (uint8_t)(n / 2);
	return true;
}

/* The value of a pair as its field's type wants it; false when it is not. */
static bool value(const struct field *f, const struct pair *q, struct audit_rec *r, uint64_t *v)
{
	int i = -1;
	switch (f->type) {
	case NUM:
		return !q->is_str && number(q->str, 10, v);
	case HEX:
		return q->is_str && !strncmp(q->str, "0x", 2) && number(q->str + 2, 16, v);
	case BOOL:
		*v = !strcmp(q->str, "true");
		return !q->is_str && (*v || !strcmp(q->str, "false"));
	case BYTESTR:
		return q->is_str && hex_bytes(q->str, r);
	case TEXT:
		return q->is_str;
	case NAME_ENGINE:
		i = lookup(q->str, engine_name, NR_AUDIT_ENGINES);
		break;
	case NAME_MODE:
		i = lookup(q->str, mode_name, MODE_LONG64 + 1);
		break;
	case NAME_REASON:
		i = lookup(q->str, reason_name, NR_MIG_REASONS);
		break;
	case NAME_DIR:
		i = lookup(q->str, dir_name, 2);
		break;
	case NAME_RW:
		i = lookup(q->str, rw_name, 2);
		break;
	case NAME_TABLE:
		i = lookup(q->str, table_name, AUDIT_DT_TR + 1);
		break;
	}
	*v = (uint64_t)i;
	return q->is_str && i >= 0;
}

static void store(struct audit_rec *r, enum slot s, uint64_t v)
{
	switch (s) {
	case SUB: r->sub = (uint8_t)v; break;
	case SEQ: r->seq = v; break;
	case ICOUNT: r->icount = v; break;
	case CR3: r->cr3 = v; break;
	case RIP: r->rip = v; break;
	case CPL: r->cpl = (uint8_t)v; break;
	case ENGINE: r->engine = (uint8_t)v; break;
	case MODE: r->mode = (uint8_t)v; break;
	case BYTES: case NOWHERE: break;
	default: r->v[s] = v; break;
	}
}

/* Values that would not fit the record's bytes or that no record has. */
static bool in_range(const struct field *f, uint64_t v)
{
	if (f->slot == CPL || (f->kind == AUDIT_CPL && f->slot <= V1))
		return v <= 3;
	if (f->slot == SUB)
		return v < 16;
	if (f->kind == AUDIT_EXCEPTION || f->kind == AUDIT_INTERRUPT)
		return f->slot != V0 || v < 256;
	return true;
}

static int fill(const struct pair *pairs, size_t n, struct audit_rec *r, char *err, size_t errlen)
{
	bool seen[NR_FIELDS] = { false };
	for (size_t i = 0; i < n; i++) {
		const struct pair *q = &pairs[i];
		if (!strcmp(q->key, "seq") || !strcmp(q->key, "kind"))
			continue;
		size_t k = 0;
		while (k < NR_FIELDS && (strcmp(fields[k].key, q->key) ||
		                         (fields[k].kind >= 0 && fields[k].kind != r->kind)))
			k++;
		if (k == NR_FIELDS)
			return bad(err, errlen, "unknown field", q->key);
		if (seen[k])
			return bad(err, errlen, "field given twice:", q->key);
		seen[k] = true;
		uint64_t v = 0;
		if (!value(&fields[k], q, r, &v) || !in_range(&fields[k], v))
			return bad(err, errlen, "bad value of", q->key);
		store(r, fields[k].slot, v);
	}
	for (size_t k = 0; k < NR_FIELDS; k++)
		if (!seen[k] && !fields[k].optional && (fields[k].kind < 0 || fields[k].kind == r->kind))
			return bad(err, errlen, "missing field", fields[k].key);
	return 0;
}

/* seq and kind come first in our lines, but are looked for anywhere. */
static const struct pair *find(const struct pair *pairs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(pairs[i].key, key))
			return &pairs[i];
	return NULL;
}

int audit_read_line(const char *line, struct audit_rec *r, char *err, size_t errlen)
{
	struct pair pairs[MAX_PAIRS];
	size_t n;
	int e = split(line, pairs, &n, err, errlen);
	if (e)
		return e;
	memset(r, 0, sizeof(*r));
	const struct pair *kind = find(pairs, n, "kind"), *seq = find(pairs, n, "seq");
	if (!kind || !seq)
		return bad(err, errlen, "missing field", kind ? "seq" : "kind");
	int k = kind->is_str ? lookup(kind->str, audit_kind_name, NR_AUDIT_KINDS) : -1;
	if (k < 0)
		return bad(err, errlen, "unknown kind", kind->str);
	r->kind = (uint8_t)k;
	if (seq->is_str || !number(seq->str, 10, &r->seq))
		return bad(err, errlen, "bad value of", "seq");
	if (r->kind == AUDIT_EXCEPTION)
		r->v[1] = AUDIT_NONE;   /* no error code unless one is given */
	return fill(pairs, n, r, err, errlen);
}
