/* Audit records from JSON Lines (policy/audit_read.h): the line is split
 * into its key/value pairs, then each key is looked up in the fields of
 * every record and those of its kind. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reason.h"
#include "core/stats.h"
#include "core/vcpu_state.h"
#include "policy/audit_fields.h"
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
	reason_one_line(err);   /* the key is the file's */
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

/* The index whose name (audit_field_name) is s for type t; -1 if none. */
static int lookup(const char *s, enum audit_field_type t)
{
	for (unsigned i = 0; i < audit_field_names(t); i++)
		if (!strcmp(audit_field_name(t, i), s))
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
static bool value(const struct audit_field *f, const struct pair *q, struct audit_rec *r,
                  uint64_t *v)
{
	switch (f->type) {
	case AF_NUM:
		return !q->is_str && number(q->str, 10, v);
	case AF_HEX:
		return q->is_str && !strncmp(q->str, "0x", 2) && number(q->str + 2, 16, v);
	case AF_BOOL:
		*v = !strcmp(q->str, "true");
		return !q->is_str && (*v || !strcmp(q->str, "false"));
	case AF_BYTES:
		return q->is_str && hex_bytes(q->str, r);
	case AF_TEXT:
		return q->is_str;
	default: {
		int i = q->is_str ? lookup(q->str, f->type) : -1;
		*v = (uint64_t)i;
		return i >= 0;
	}
	}
}

/* Values that would not fit the record's bytes or that no record has. */
static bool in_range(const struct audit_field *f, uint64_t v)
{
	if (f->slot == AF_CPL || (f->kind == AUDIT_CPL && f->slot <= AF_V1))
		return v <= 3;
	if (f->slot == AF_SUB)
		return v < 16;
	if (f->kind == AUDIT_EXCEPTION || f->kind == AUDIT_INTERRUPT)
		return f->slot != AF_V0 || v < 256;
	return true;
}

static int fill(const struct pair *pairs, size_t n, struct audit_rec *r, char *err, size_t errlen)
{
	bool seen[AUDIT_MAX_FIELDS] = { false };
	for (size_t i = 0; i < n; i++) {
		const struct pair *q = &pairs[i];
		if (!strcmp(q->key, "seq") || !strcmp(q->key, "kind"))
			continue;
		size_t k = 0;
		while (k < audit_nr_fields &&
		       (strcmp(audit_fields[k].key, q->key) ||
		        (audit_fields[k].kind >= 0 && audit_fields[k].kind != r->kind)))
			k++;
		if (k == audit_nr_fields)
			return bad(err, errlen, "unknown field", q->key);
		if (seen[k])
			return bad(err, errlen, "field given twice:", q->key);
		seen[k] = true;
		uint64_t v = 0;
		if (!value(&audit_fields[k], q, r, &v) || !in_range(&audit_fields[k], v))
			return bad(err, errlen, "bad value of", q->key);
		audit_field_set(r, audit_fields[k].slot, v);
	}
	for (size_t k = 0; k < audit_nr_fields; k++) {
		const struct audit_field *f = &audit_fields[k];
		if (!seen[k] && f->when == AF_ALWAYS && (f->kind < 0 || f->kind == r->kind))
			return bad(err, errlen, "missing field", f->key);
	}
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
	int k = -1;
	for (unsigned i = 0; kind->is_str && i < NR_AUDIT_KINDS && k < 0; i++)
		k = strcmp(audit_kind_name(i), kind->str) ? -1 : (int)i;
	if (k < 0)
		return bad(err, errlen, "unknown kind", kind->str);
	r->kind = (uint8_t)k;
	if (seq->is_str || !number(seq->str, 10, &r->seq))
		return bad(err, errlen, "bad value of", "seq");
	if (r->kind == AUDIT_EXCEPTION)
		r->v[1] = AUDIT_NONE;   /* no error code unless one is given */
	return fill(pairs, n, r, err, errlen);
}
