/* Audit records as lines (policy/audit_format.h). The same field calls
 * write both formats: "key":value in JSON, key=value in text. Addresses
 * and register values are hex strings in JSON, since a JSON number loses
 * bits above 2^53 in most readers (jq included). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "core/vcpu_state.h"
#include "policy/audit_fields.h"
#include "policy/audit_format.h"

struct line {
	char *p;
	size_t left;
	bool json, over;
};

/* Lines are built by appending: a record costs a few hundred bytes of
 * copying, where printf's format parsing would be most of its cost. */
static void append(struct line *l, const char *s, size_t n)
{
	if (n >= l->left) {
		l->over = true;
		l->left = 0;
		return;
	}
	memcpy(l->p, s, n);
	l->p += n;
	l->left -= n;
}

static void append_s(struct line *l, const char *s)
{
	append(l, s, strlen(s));
}

static void append_u(struct line *l, uint64_t v)
{
	char b[20], *e = b + sizeof(b), *p = e;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	append(l, p, (size_t)(e - p));
}

static void append_x(struct line *l, uint64_t v)
{
	char b[18], *e = b + sizeof(b), *p = e;
	do
		*--p = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	*--p = 'x';
	*--p = '0';
	append(l, p, (size_t)(e - p));
}

/* ,"key": in JSON, " key=" in text. */
static void key(struct line *l, const char *k)
{
	append(l, l->json ? ",\"" : " ", l->json ? 2 : 1);
	append_s(l, k);
	append(l, l->json ? "\":" : "=", l->json ? 2 : 1);
}

static void field_u(struct line *l, const char *k, uint64_t v)
{
	key(l, k);
	append_u(l, v);
}

static void field_x(struct line *l, const char *k, uint64_t v)
{
	key(l, k);
	if (l->json)
		append(l, "\"", 1);
	append_x(l, v);
	if (l->json)
		append(l, "\"", 1);
}

/* Strings come from Capstone and the project's name tables: only a quote
 * or a backslash would need escaping, and neither is expected. */
static void field_s(struct line *l, const char *k, const char *s)
{
	key(l, k);
	if (!l->json) {
		append_s(l, s);
		return;
	}
	append(l, "\"", 1);
	for (;;) {
		size_t n = strcspn(s, "\"\\");
		append(l, s, n);
		if (!s[n])
			break;
		append(l, "\\", 1);
		append(l, s + n, 1);
		s += n + 1;
	}
	append(l, "\"", 1);
}

/* A name from the project's own tables: nothing to escape. */
static void field_name(struct line *l, const char *k, const char *s)
{
	key(l, k);
	if (l->json)
		append(l, "\"", 1);
	append_s(l, s);
	if (l->json)
		append(l, "\"", 1);
}

static void field_bool(struct line *l, const char *k, bool v)
{
	key(l, k);
	append_s(l, v ? "true" : "false");
}

const char *audit_engine_name(unsigned e)
{
	static const char *const names[NR_AUDIT_ENGINES] = {
		[AUDIT_ENGINE_SW] = "sw", [AUDIT_ENGINE_HW] = "hw", [AUDIT_ENGINE_DISPATCH] = "dispatch",
	};
	return e < NR_AUDIT_ENGINES ? names[e] : "?";
}

const char *audit_dt_name(unsigned table)
{
	static const char *const names[] = {
		[AUDIT_DT_GDTR] = "gdtr", [AUDIT_DT_IDTR] = "idtr",
		[AUDIT_DT_LDTR] = "ldtr", [AUDIT_DT_TR] = "tr",
	};
	return table <= AUDIT_DT_TR ? names[table] : "?";
}

static int cs_index(unsigned mode)
{
	switch (mode) {
	case MODE_LONG64:
		return 2;
	case MODE_PROT32:
	case MODE_COMPAT32:
		return 1;
	default:
		return 0;
	}
}

/* Direct-mapped by RIP; an entry holds when RIP, mode and bytes match
 * (Capstone's text depends on all three: relative targets on RIP). */
#define DISASM_CACHE 4096

/* tail: the instruction's fields as its lines write them (class, bytes,
 * disassembly), formatted once per entry. */
#define INSN_TAIL 512

struct audit_disasm_cache {
	struct cached_insn {
		uint64_t rip;
		uint8_t mode, len, bytes[15];
		bool valid;
		uint16_t tail_len;
		struct audit_insn_text t;
		char tail[INSN_TAIL];
	} e[DISASM_CACHE];
};

/* Each kind's rows of audit_fields: those of every record, then its own. */
static void index_fields(struct audit_fmt *f)
{
	for (unsigned k = 0; k < NR_AUDIT_KINDS; k++)
		for (size_t i = 0; i < audit_nr_fields && f->nfields[k] < AUDIT_MAX_FIELDS; i++)
			if (audit_fields[i].kind < 0 || audit_fields[i].kind == (int)k)
				f->fields[k][f->nfields[k]++] = (uint8_t)i;
}

int audit_fmt_init(struct audit_fmt *f, enum audit_format format)
{
	static const cs_mode modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };
	memset(f, 0, sizeof(*f));
	f->format = format;
	f->cache = calloc(1, sizeof(*f->cache));
	if (!f->cache)
		return -ENOMEM;
	index_fields(f);
	for (int i = 0; i < 3; i++) {
		if (cs_open(CS_ARCH_X86, modes[i], &f->cs[i]) != CS_ERR_OK) {
			audit_fmt_fini(f);
			return -EINVAL;
		}
		f->insn[i] = cs_malloc(f->cs[i]);
		if (!f->insn[i]) {
			audit_fmt_fini(f);
			return -ENOMEM;
		}
	}
	return 0;
}

void audit_fmt_fini(struct audit_fmt *f)
{
	for (int i = 0; i < 3; i++) {
		if (f->insn[i])
			cs_free(f->insn[i], 1);
		if (f->cs[i])
			cs_close(&f->cs[i]);
	}
	free(f->cache);
	memset(f, 0, sizeof(*f));
}

static void disassemble(struct audit_fmt *f, unsigned mode, uint64_t rip,
                        const uint8_t *bytes, unsigned len, struct audit_insn_text *t)
{
	unsigned n = len < 15 ? len : 15;
	for (unsigned i = 0; i < n; i++)
		snprintf(t->hex + 2 * i, 3, "%02x", bytes[i]);
	t->hex[2 * n] = 0;

	int k = cs_index(mode);
	const uint8_t *code = bytes;
	size_t size = n;
	snprintf(t->disasm, sizeof(t->disasm), "(bad)");
	t->id = 0;
	t->cls = AUDIT_CLASS_NONE;
	if (!f->cs[k] || !cs_disasm_iter(f->cs[k], &code, &size, &rip, f->insn[k]))
		return;
	const cs_insn *in = f->insn[k];
	/* Bytes past the instruction (a caller that read ahead) are not its. */
	if (in->size < n)
		t->hex[2 * in->size] = 0;
	snprintf(t->disasm, sizeof(t->disasm), "%s%s%s", in->mnemonic, in->op_str[0] ? " " : "",
	         in->op_str);
	t->id = in->id;
	t->cls = audit_class_of(in->id, in->op_str);
}

static void insn_tail(struct audit_fmt *f, struct cached_insn *c);

static struct cached_insn *cached(struct audit_fmt *f, unsigned mode, uint64_t rip,
                                  const uint8_t *bytes, unsigned len)
{
	unsigned n = len < 15 ? len : 15;
	struct cached_insn *c = &f->cache->e[(rip ^ rip >> 12) % DISASM_CACHE];
	if (!c->valid || c->rip != rip || c->mode != mode || c->len != n ||
	    memcmp(c->bytes, bytes, n)) {
		disassemble(f, mode, rip, bytes, n, &c->t);
		c->rip = rip;
		c->mode = (uint8_t)mode;
		c->len = (uint8_t)n;
		memcpy(c->bytes, bytes, n);
		c->valid = true;
		insn_tail(f, c);
	}
	return c;
}

const struct audit_insn_text *audit_fmt_insn(struct audit_fmt *f, unsigned mode, uint64_t rip,
                                             const uint8_t *bytes, unsigned len)
{
	return &cached(f, mode, rip, bytes, len)->t;
}

/* The instruction's fields into l. */
static void insn_fields(struct line *l, const struct audit_insn_text *t)
{
	/* Before the disassembly, which ends a text line since it has spaces. */
	if (t->cls != AUDIT_CLASS_NONE)
		field_s(l, "class", audit_class_name(t->cls));
	field_s(l, "bytes", t->hex);
	field_s(l, "disasm", t->disasm);
}

/* Lines of the same instruction end alike: keep that text with the
 * entry. tail_len 0: too long to keep, formatted per line. */
static void insn_tail(struct audit_fmt *f, struct cached_insn *c)
{
	struct line l = { .p = c->tail, .left = sizeof(c->tail),
	                  .json = f->format == AUDIT_FMT_JSON };
	insn_fields(&l, &c->t);
	c->tail_len = l.over ? 0 : (uint16_t)(l.p - c->tail);
}

static void insn_record_fields(struct audit_fmt *f, struct line *l, const struct audit_rec *r)
{
	const struct cached_insn *c = cached(f, r->mode, r->rip, r->bytes, r->len);
	if (c->tail_len)
		append(l, c->tail, c->tail_len);
	else
		insn_fields(l, &c->t);
}

static void write_field(struct line *l, const struct audit_field *fd, const struct audit_rec *r)
{
	uint64_t v = audit_field_get(r, fd->slot);
	const char *name;
	switch (fd->type) {
	case AF_NUM:
		field_u(l, fd->key, v);
		break;
	case AF_HEX:
		field_x(l, fd->key, v);
		break;
	case AF_BOOL:
		field_bool(l, fd->key, v);
		break;
	default:
		name = audit_field_name(fd->type, v);
		field_name(l, fd->key, name ? name : "?");
		break;
	}
}

int audit_fmt_line(struct audit_fmt *f, const struct audit_rec *r, char *buf, size_t len)
{
	struct line l = { .p = buf, .left = len, .json = f->format == AUDIT_FMT_JSON };
	const char *kind = audit_kind_name(r->kind);

	append_s(&l, l.json ? "{\"seq\":" : "");
	append_u(&l, r->seq);
	append_s(&l, l.json ? ",\"kind\":\"" : " ");
	append_s(&l, kind ? kind : "?");
	if (l.json)
		append(&l, "\"", 1);
	unsigned k = r->kind < NR_AUDIT_KINDS ? r->kind : 0;
	unsigned nf = r->kind < NR_AUDIT_KINDS ? f->nfields[k] : 0;
	for (unsigned j = 0; j < nf; j++) {
		const struct audit_field *fd = &audit_fields[f->fields[k][j]];
		if (fd->kind == AUDIT_INSN) {
			/* An instruction's fields come from one disassembly. */
			if (fd->when == AF_IF_SENSITIVE)
				insn_record_fields(f, &l, r);
		} else if (audit_field_present(fd, r)) {
			write_field(&l, fd, r);
		}
	}
	append_s(&l, l.json ? "}\n" : "\n");
	if (!l.over)
		*l.p = '\0';   /* append leaves room for it */
	return l.over ? -ENOSPC : (int)(l.p - buf);
}
