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

/* A line is built by writing straight into a buffer with room for the
 * longest line (AUDIT_LINE_MAX): a record costs a few hundred bytes of
 * stores, with no printf, no strlen and no bounds check per piece. Keys
 * and names are prepared once (audit_fmt_init) in 32-byte slots that
 * are copied whole, so a piece is two vector stores. */
#define SLOT 32

static char *put_slot(char *p, const struct audit_piece *k)
{
	memcpy(p, k->s, SLOT);
	return p + k->len;
}

static char *put_mem(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static const uint64_t pow10_table[] = {
	10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
	100000000ull, 1000000000ull, 10000000000ull, 100000000000ull,
	1000000000000ull, 10000000000000ull, 100000000000000ull,
	1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
	1000000000000000000ull, 10000000000000000000ull,
};

/* "00".."99", and each byte's two hex digits: numbers are written two
 * digits a step. */
static const char dec_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static char *put_u(char *p, uint64_t v)
{
	/* Digits from the bit length (log10(2) ~ 1233 / 4096), then one
	 * comparison to settle it. */
	unsigned bits = v ? 64u - (unsigned)__builtin_clzll(v) : 1;
	unsigned n = ((bits * 1233u) >> 12) + 1;
	if (n > 1 && v < pow10_table[n - 2])
		n--;
	char *q = p + n;
	for (; v >= 100; v /= 100) {
		q -= 2;
		memcpy(q, dec_pairs + 2 * (v % 100), 2);
	}
	if (v >= 10)
		memcpy(q - 2, dec_pairs + 2 * v, 2);
	else
		q[-1] = (char)('0' + v);
	return p + n;
}

static char *put_x(char *p, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	unsigned n = v ? (unsigned)(67 - __builtin_clzll(v)) / 4 : 1;
	*p++ = '0';
	*p++ = 'x';
	char *q = p + n;
	for (; v >= 16; v >>= 8) {
		q -= 2;
		q[0] = hex[(v >> 4) & 15];
		q[1] = hex[v & 15];
	}
	if (q > p)
		q[-1] = hex[v & 15];
	return p + n;
}

/* Strings come from Capstone and the project's name tables: only a quote
 * or a backslash would need escaping, and neither is expected. */
static char *put_escaped(char *p, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "\"\\");
		p = put_mem(p, s, n);
		if (!s[n])
			return p;
		*p++ = '\\';
		*p++ = s[n];
		s += n + 1;
	}
}

/* ,"key":"text" in JSON, " key=text" in text; the key prepared or not. */
static char *put_text(char *p, bool json, const char *k, const char *s)
{
	p = json ? put_mem(p, ",\"", 2) : put_mem(p, " ", 1);
	p = put_mem(p, k, strlen(k));
	if (!json) {
		*p++ = '=';
		return put_mem(p, s, strlen(s));
	}
	p = put_mem(p, "\":\"", 3);
	p = put_escaped(p, s);
	*p++ = '"';
	return p;
}

static int piece(struct audit_piece *d, const char *a, const char *b, const char *c)
{
	int n = snprintf(d->s, sizeof(d->s), "%s%s%s", a, b, c);
	if (n < 0 || n >= SLOT)
		return -EINVAL;
	d->len = (uint8_t)n;
	return 0;
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

/* The first run of steady rows among those of every record. */
static void find_steady(struct audit_fmt *f)
{
	size_t i = 0;
	while (i < audit_nr_fields && audit_fields[i].kind < 0 && !audit_fields[i].steady)
		i++;
	f->steady_first = (uint8_t)i;
	while (i < audit_nr_fields && audit_fields[i].kind < 0 && audit_fields[i].steady &&
	       audit_fields[i].when == AF_ALWAYS && f->steady_n < AUDIT_STEADY_MAX) {
		f->steady_n++;
		i++;
	}
}

/* The pieces lines are made of, as the format spells them: each field's
 * key (with a JSON string's opening quote), each kind, each name. */
static int prepare_pieces(struct audit_fmt *f)
{
	bool json = f->format == AUDIT_FMT_JSON;
	int r = 0;
	for (size_t i = 0; i < audit_nr_fields; i++) {
		const struct audit_field *fd = &audit_fields[i];
		bool quoted = fd->type == AF_HEX;
		r |= json ? piece(&f->keys[i], ",\"", fd->key, quoted ? "\":\"" : "\":")
		          : piece(&f->keys[i], " ", fd->key, "=");
	}
	for (unsigned k = 0; k < NR_AUDIT_KINDS; k++)
		r |= json ? piece(&f->kinds[k], ",\"kind\":\"", audit_kind_name(k), "\"")
		          : piece(&f->kinds[k], " ", audit_kind_name(k), "");
	for (unsigned t = AF_ENGINE; t < NR_AUDIT_FIELD_TYPES; t++) {
		unsigned n = audit_field_names((enum audit_field_type)t);
		if (n >= AF_MAX_NAMES)   /* the last is "?", for what is outside */
			return -EINVAL;
		for (unsigned v = 0; v < AF_MAX_NAMES; v++) {
			const char *name = audit_field_name((enum audit_field_type)t, v);
			const char *q = json ? "\"" : "";
			r |= piece(&f->names[t - AF_ENGINE][v], q, name ? name : "?", q);
		}
	}
	return r ? -EINVAL : 0;
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
	find_steady(f);
	if (prepare_pieces(f)) {
		audit_fmt_fini(f);
		return -EINVAL;
	}
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

/* The instruction's fields at p. */
static char *insn_fields(char *p, bool json, const struct audit_insn_text *t)
{
	/* Before the disassembly, which ends a text line since it has spaces. */
	if (t->cls != AUDIT_CLASS_NONE)
		p = put_text(p, json, "class", audit_class_name(t->cls));
	p = put_text(p, json, "bytes", t->hex);
	return put_text(p, json, "disasm", t->disasm);
}

/* Lines of the same instruction end alike: keep that text with the
 * entry. tail_len 0: too long to keep, formatted per line. */
static void insn_tail(struct audit_fmt *f, struct cached_insn *c)
{
	char tmp[AUDIT_LINE_MAX];
	size_t n = (size_t)(insn_fields(tmp, f->format == AUDIT_FMT_JSON, &c->t) - tmp);
	c->tail_len = n <= sizeof(c->tail) ? (uint16_t)n : 0;
	if (c->tail_len)
		memcpy(c->tail, tmp, n);
}

static char *insn_record_fields(struct audit_fmt *f, char *p, const struct audit_rec *r)
{
	const struct cached_insn *c = cached(f, r->mode, r->rip, r->bytes, r->len);
	if (c->tail_len)
		return put_mem(p, c->tail, c->tail_len);
	return insn_fields(p, f->format == AUDIT_FMT_JSON, &c->t);
}

static char *write_field(const struct audit_fmt *f, char *p, unsigned i, const struct audit_rec *r)
{
	const struct audit_field *fd = &audit_fields[i];
	uint64_t v = audit_field_get(r, fd->slot);
	p = put_slot(p, &f->keys[i]);
	switch (fd->type) {
	case AF_NUM:
		return put_u(p, v);
	case AF_HEX:
		p = put_x(p, v);
		if (f->format == AUDIT_FMT_JSON)
			*p++ = '"';
		return p;
	case AF_BOOL:
		return v ? put_mem(p, "true", 4) : put_mem(p, "false", 5);
	default:
		if (fd->type < AF_ENGINE || fd->type >= NR_AUDIT_FIELD_TYPES)
			return p;
		return put_slot(p, &f->names[fd->type - AF_ENGINE][v < AF_MAX_NAMES ? v : AF_MAX_NAMES - 1]);
	}
}

/* The steady run's fields of r at p: the kept text while their values
 * are those it was written for, else written and kept anew. */
static char *steady_fields(struct audit_fmt *f, char *p, const struct audit_rec *r)
{
	uint64_t v[AUDIT_STEADY_MAX];
	bool same = f->steady_valid;
	for (unsigned j = 0; j < f->steady_n; j++) {
		v[j] = audit_field_get(r, audit_fields[f->steady_first + j].slot);
		same = same && v[j] == f->steady_vals[j];
	}
	if (same)
		return put_mem(p, f->steady_text, f->steady_len);
	char *start = p;
	for (unsigned j = 0; j < f->steady_n; j++)
		p = write_field(f, p, f->steady_first + j, r);
	size_t n = (size_t)(p - start);
	f->steady_valid = n <= sizeof(f->steady_text);
	if (f->steady_valid) {
		memcpy(f->steady_text, start, n);
		memcpy(f->steady_vals, v, sizeof(v[0]) * f->steady_n);
		f->steady_len = (uint16_t)n;
	}
	return p;
}

/* r's line at p, which has AUDIT_LINE_MAX bytes of room: its end. */
static char *fmt_line(struct audit_fmt *f, const struct audit_rec *r, char *p)
{
	bool json = f->format == AUDIT_FMT_JSON;
	unsigned k = r->kind < NR_AUDIT_KINDS ? r->kind : 0;
	if (json)
		p = put_mem(p, "{\"seq\":", 7);
	p = put_u(p, r->seq);
	if (r->kind < NR_AUDIT_KINDS)
		p = put_slot(p, &f->kinds[k]);
	else
		p = json ? put_mem(p, ",\"kind\":\"?\"", 11) : put_mem(p, " ?", 2);
	unsigned nf = r->kind < NR_AUDIT_KINDS ? f->nfields[k] : 0;
	for (unsigned j = 0; j < nf; j++) {
		unsigned i = f->fields[k][j];
		const struct audit_field *fd = &audit_fields[i];
		if (i == f->steady_first && f->steady_n) {
			p = steady_fields(f, p, r);
			j += f->steady_n - 1u;
		} else if (fd->kind == AUDIT_INSN) {
			/* An instruction's fields come from one disassembly. */
			if (fd->when == AF_IF_SENSITIVE)
				p = insn_record_fields(f, p, r);
		} else if (fd->when == AF_ALWAYS || audit_field_present(fd, r)) {
			p = write_field(f, p, i, r);
		}
	}
	return json ? put_mem(p, "}\n", 2) : put_mem(p, "\n", 1);
}

int audit_fmt_line(struct audit_fmt *f, const struct audit_rec *r, char *buf, size_t len)
{
	if (len > AUDIT_LINE_MAX) {
		char *e = fmt_line(f, r, buf);
		*e = '\0';
		return (int)(e - buf);
	}
	char tmp[AUDIT_LINE_MAX + 1];
	size_t n = (size_t)(fmt_line(f, r, tmp) - tmp);
	if (n >= len)
		return -ENOSPC;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return (int)n;
}
