/* The policy-file parser: one rule per line, "CONDITIONS -> ACTION",
 * recursive descent over the tokens of rules_lex.c. The grammar is in
 * docs/policy.md; every message names the offending token's position. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reason.h"
#include "policy/rules_priv.h"

struct parser {
	struct lexer lx;
	struct token tok;       /* the one token of lookahead */
	struct pol_rules *r;
};

/* How the values of one condition or event are read and checked. */
struct value_spec {
	const char *what;       /* after "expected": "a CPL 0..3" */
	const char *noun;       /* "CPL" in "CPL 4 is out of range 0..3" */
	uint64_t max;
	const char *range;      /* "0..3" */
	bool names_only;        /* CPU modes: no numbers */
	bool no_ranges;
	bool cr_set;            /* control registers: 0, 2, 3, 4, 8 only */
	const char *name_kind;  /* "exception" in "unknown exception 'x'" */
	const char *unknown;    /* what is expected instead of an unknown name */
	bool (*lookup)(const struct token *t, uint64_t *v);
	void (*names)(char *buf, size_t n);  /* "a, b, c": what lookup accepts */
};

static const char *const cond_names[NR_CONDS] = {
	[COND_CPL] = "cpl", [COND_MODE] = "mode", [COND_RIP] = "rip",
	[COND_CR3] = "cr3", [COND_EVENT] = "event",
};

/* The usual mnemonics of the architectural exception vectors; 9 and 15
 * have none. */
static const char *const exception_names[] = {
	"de", "db", "nmi", "bp", "of", "br", "ud", "nm", "df", NULL, "ts",
	"np", "ss", "gp", "pf", NULL, "mf", "ac", "mc", "xm", "ve", "cp",
};
#define NR_EXCEPTION_NAMES (sizeof(exception_names) / sizeof(exception_names[0]))

static bool lookup_exception(const struct token *t, uint64_t *v)
{
	for (unsigned i = 0; i < NR_EXCEPTION_NAMES; i++)
		if (exception_names[i] && pol_tok_is(t, exception_names[i])) {
			*v = i;
			return true;
		}
	return false;
}

static void names_exception(char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < NR_EXCEPTION_NAMES && used < n; i++)
		if (exception_names[i])
			used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "",
						 exception_names[i]);
}

/* Mode names are the project's own (cpu_mode_name), so a policy reads
 * like hvmm's state dumps; "long" is accepted for long64. */
static bool lookup_mode(const struct token *t, uint64_t *v)
{
	for (unsigned m = 0; m < POL_NR_MODES; m++)
		if (pol_tok_is(t, cpu_mode_name((enum cpu_mode)m))) {
			*v = m;
			return true;
		}
	if (pol_tok_is(t, "long")) {
		*v = MODE_LONG64;
		return true;
	}
	return false;
}

static void names_mode(char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned m = 0; m < POL_NR_MODES && used < n; m++)
		used += (size_t)snprintf(buf + used, n - used, "%s%s", m ? ", " : "",
					 cpu_mode_name((enum cpu_mode)m));
}

static const struct value_spec cpl_spec = {
	.what = "a CPL 0..3", .noun = "CPL", .max = 3, .range = "0..3",
};
static const struct value_spec mode_spec = {
	.what = "a CPU mode", .noun = "CPU modes", .names_only = true, .no_ranges = true,
	.name_kind = "mode", .unknown = "one of", .lookup = lookup_mode, .names = names_mode,
};
static const struct value_spec rip_spec = { .what = "an address", .max = UINT64_MAX };
static const struct value_spec cr3_spec = { .what = "a CR3 value", .max = UINT64_MAX };
static const struct value_spec audit_spec = {
	.what = "an audit level 0..3", .noun = "audit level", .max = 3, .range = "0..3",
};
/* Each event's values, by the event's id in core/run_events.h: the table
 * is made from that list, so an event added there without its
 * EVENT_SPEC_ here does not compile. */
#define EVENT_SPEC_SYSCALL { .what = "a system call number", .max = UINT64_MAX }
#define EVENT_SPEC_INTERRUPT { .what = "a vector 0..255", .noun = "vector", .max = 255, \
			       .range = "0..255" }
#define EVENT_SPEC_EXCEPTION { .what = "a vector 0..255 or an exception name", \
			       .noun = "vector", .max = 255, .range = "0..255", \
			       .name_kind = "exception", .unknown = "a vector 0..255 or one of", \
			       .lookup = lookup_exception, .names = names_exception }
#define EVENT_SPEC_PORT { .what = "a port 0..0xffff", .noun = "port", .max = 0xffff, \
			  .range = "0..0xffff" }
#define EVENT_SPEC_MSR { .what = "an MSR index 0..0xffffffff", .noun = "MSR index", \
			 .max = 0xffffffff, .range = "0..0xffffffff" }
#define EVENT_SPEC_CR_WRITE { .what = "a control register 0, 2, 3, 4 or 8", \
			      .noun = "control register", .cr_set = true }
static const struct value_spec event_specs[NR_RUN_EVENTS] = {
#define EVENT_SPEC(id, name, what) [RUN_EV_##id] = EVENT_SPEC_##id,
	RUN_EVENTS(EVENT_SPEC)
#undef EVENT_SPEC
};

static int advance(struct parser *p)
{
	return pol_lex_next(&p->lx, &p->tok);
}

#define error_at(p, t, ...) pol_lex_error(&(p)->lx, (t)->line, (t)->col, __VA_ARGS__)

static int expected(struct parser *p, const char *what)
{
	char found[64];
	pol_tok_describe(&p->tok, found, sizeof(found));
	return error_at(p, &p->tok, "expected %s, found %s", what, found);
}

static int out_of_memory(struct parser *p)
{
	if (p->lx.err && p->lx.errlen)
		snprintf(p->lx.err, p->lx.errlen, "%s: out of memory", p->lx.name);
	return -ENOMEM;
}

/* A token's text for messages, cut to a readable length. */
static void tok_text(const struct token *t, char *buf, size_t n)
{
	if (t->len > 40)
		snprintf(buf, n, "%.40s...", t->text);
	else
		snprintf(buf, n, "%.*s", (int)t->len, t->text);
}

static bool cr_allowed(uint64_t v)
{
	return v == 0 || v == 2 || v == 3 || v == 4 || v == 8;
}

static int parse_value(struct parser *p, const struct value_spec *s, uint64_t *v)
{
	const struct token t = p->tok;
	char text[64], names[160];

	if (t.kind == TOK_NUMBER && !s->names_only) {
		tok_text(&t, text, sizeof(text));
		if (s->cr_set && !cr_allowed(t.value))
			return error_at(p, &t, "%s %s is not one of 0, 2, 3, 4, 8", s->noun, text);
		if (!s->cr_set && t.value > s->max)
			return error_at(p, &t, "%s %s is out of range %s", s->noun, text, s->range);
		*v = t.value;
	} else if (t.kind == TOK_WORD && s->lookup) {
		if (!s->lookup(&t, v)) {
			tok_text(&t, text, sizeof(text));
			s->names(names, sizeof(names));
			return error_at(p, &t, "unknown %s '%s', expected %s %s", s->name_kind,
					text, s->unknown, names);
		}
	} else if (s->names_only) {
		char what[200];
		s->names(names, sizeof(names));
		snprintf(what, sizeof(what), "%s (%s)", s->what, names);
		return expected(p, what);
	} else {
		return expected(p, s->what);
	}
	return advance(p);
}

static int pool_push(struct parser *p, uint64_t lo, uint64_t hi)
{
	struct pol_rules *r = p->r;
	if (r->npool == r->cappool) {
		unsigned cap = r->cappool ? r->cappool * 2 : 16;
		struct pol_range *n = realloc(r->pool, cap * sizeof(*n));
		if (!n)
			return out_of_memory(p);
		r->pool = n;
		r->cappool = cap;
	}
	r->pool[r->npool++] = (struct pol_range){ lo, hi };
	return 0;
}

/* item { "," item }, item = value [ ".." value ]; appended to the pool. */
static int parse_list(struct parser *p, const struct value_spec *s, struct pol_list *out)
{
	*out = (struct pol_list){ .first = p->r->npool };
	for (;;) {
		const struct token start = p->tok;
		uint64_t lo, hi;
		int ret = parse_value(p, s, &lo);
		if (ret)
			return ret;
		hi = lo;
		if (p->tok.kind == TOK_DOTDOT) {
			if (s->no_ranges)
				return error_at(p, &p->tok, "%s take no ranges; list them with ','",
						s->noun);
			ret = advance(p);
			if (ret)
				return ret;
			const struct token end = p->tok;
			ret = parse_value(p, s, &hi);
			if (ret)
				return ret;
			if (lo > hi) {
				char a[64], b[64];
				tok_text(&start, a, sizeof(a));
				tok_text(&end, b, sizeof(b));
				return error_at(p, &start, "range start %s is above its end %s", a, b);
			}
		}
		ret = pool_push(p, lo, hi);
		if (ret)
			return ret;
		out->count++;
		if (p->tok.kind != TOK_COMMA)
			return 0;
		ret = advance(p);
		if (ret)
			return ret;
	}
}

/* CPL and mode lists become bit masks: the ranges are read into the pool
 * and taken back out. */
static int parse_mask(struct parser *p, const struct value_spec *s, uint8_t *mask)
{
	struct pol_list l;
	int ret = parse_list(p, s, &l);
	if (ret)
		return ret;
	*mask = 0;
	for (unsigned i = 0; i < l.count; i++)
		for (uint64_t v = p->r->pool[l.first + i].lo; v <= p->r->pool[l.first + i].hi; v++)
			*mask |= (uint8_t)(1u << v);
	p->r->npool = l.first;
	return 0;
}

static int find_name(const struct token *t, const char *const *names, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (names[i] && pol_tok_is(t, names[i]))
			return (int)i;
	return -1;
}

/* An event's values are optional; they are there when a number follows,
 * or (exceptions) a word that is not the next condition. */
static bool has_values(const struct token *t, const struct value_spec *s)
{
	if (t->kind == TOK_NUMBER)
		return true;
	return t->kind == TOK_WORD && s->lookup && find_name(t, cond_names, NR_CONDS) < 0;
}

/* The event kind a word names; RUN_EV_NONE for none. */
static enum run_event find_event(const struct token *t)
{
	for (unsigned e = RUN_EV_NONE + 1; e < NR_RUN_EVENTS; e++)
		if (pol_tok_is(t, run_event_name((enum run_event)e)))
			return (enum run_event)e;
	return RUN_EV_NONE;
}

static int parse_event(struct parser *p, struct pol_rule *rule)
{
	/* ", syscall, interrupt, ...": the list from core/run_events.h. */
#define EVENT_WORD(id, name, what) ", " name
	static const char list[] = "" RUN_EVENTS(EVENT_WORD);
#undef EVENT_WORD
	const char *kinds = list + 2;
	char text[64], what[160];

	if (p->tok.kind != TOK_WORD) {
		snprintf(what, sizeof(what), "an event (%s)", kinds);
		return expected(p, what);
	}
	enum run_event k = find_event(&p->tok);
	if (k == RUN_EV_NONE) {
		tok_text(&p->tok, text, sizeof(text));
		return error_at(p, &p->tok, "unknown event '%s', expected one of %s", text, kinds);
	}
	rule->event = k;
	int ret = advance(p);
	if (ret)
		return ret;
	if (has_values(&p->tok, &event_specs[k]))
		return parse_list(p, &event_specs[k], &rule->num);
	return 0;
}

static int parse_condition(struct parser *p, struct pol_rule *rule, enum pol_cond c)
{
	switch (c) {
	case COND_CPL:
		return parse_mask(p, &cpl_spec, &rule->cpl_mask);
	case COND_MODE:
		return parse_mask(p, &mode_spec, &rule->mode_mask);
	case COND_RIP:
		return parse_list(p, &rip_spec, &rule->rip);
	case COND_CR3:
		return parse_list(p, &cr3_spec, &rule->cr3);
	case COND_EVENT:
		return parse_event(p, rule);
	case NR_CONDS:
		break;
	}
	return -EINVAL;
}

static int parse_action(struct parser *p, struct pol_action *a)
{
	char text[64];
	int ret;

	if (p->tok.kind != TOK_WORD)
		return expected(p, "an action (sw, hw, audit LEVEL, stop)");
	if (pol_tok_is(&p->tok, "sw")) {
		a->kind = POL_ACT_SW;
	} else if (pol_tok_is(&p->tok, "hw")) {
		a->kind = POL_ACT_HW;
	} else if (pol_tok_is(&p->tok, "stop")) {
		a->kind = POL_ACT_STOP;
	} else if (pol_tok_is(&p->tok, "audit")) {
		uint64_t level;
		a->kind = POL_ACT_AUDIT;
		ret = advance(p);
		if (ret)
			return ret;
		ret = parse_value(p, &audit_spec, &level);
		a->level = (unsigned)level;
		return ret;
	} else {
		tok_text(&p->tok, text, sizeof(text));
		return error_at(p, &p->tok, "unknown action '%s', expected one of %s", text,
				"sw, hw, audit, stop");
	}
	return advance(p);
}

static int add_rule(struct parser *p, const struct pol_rule *rule)
{
	struct pol_rules *r = p->r;
	if (r->n == r->cap) {
		unsigned cap = r->cap ? r->cap * 2 : 16;
		struct pol_rule *n = realloc(r->rule, cap * sizeof(*n));
		if (!n)
			return out_of_memory(p);
		r->rule = n;
		r->cap = cap;
	}
	r->rule[r->n++] = *rule;
	if (rule->have & (1u << COND_EVENT))
		r->events |= 1u << rule->event;
	return 0;
}

/* rule = { condition } "->" action, then the end of the line. */
static int parse_rule(struct parser *p)
{
	struct pol_rule rule = { .action.line = p->tok.line };
	unsigned first_col[NR_CONDS] = { 0 };
	char text[64];
	int ret;

	while (p->tok.kind != TOK_ARROW) {
		if (p->tok.kind != TOK_WORD)
			return expected(p, "a condition or '->'");
		int c = find_name(&p->tok, cond_names, NR_CONDS);
		tok_text(&p->tok, text, sizeof(text));
		if (c < 0)
			return error_at(p, &p->tok, "unknown condition '%s', expected one of %s",
					text, "cpl, mode, rip, cr3, event");
		if (rule.have & (1u << c))
			return error_at(p, &p->tok, "duplicate condition '%s', already given at column %u",
					text, first_col[c]);
		rule.have |= 1u << c;
		first_col[c] = p->tok.col;
		ret = advance(p);
		if (!ret)
			ret = parse_condition(p, &rule, (enum pol_cond)c);
		if (ret)
			return ret;
	}
	ret = advance(p);
	if (!ret)
		ret = parse_action(p, &rule.action);
	if (ret)
		return ret;
	if (p->tok.kind != TOK_EOL && p->tok.kind != TOK_EOF)
		return expected(p, "end of line");
	rule.action.rule = p->r->n + 1;
	return add_rule(p, &rule);
}

static int parse_text(const char *name, const char *text, size_t len,
                      struct pol_rules **out, char *err, size_t errlen)
{
	struct parser p = { 0 };
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!name)
		name = "policy";
	if (!out || (!text && len)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: no policy text", name);
		return -EINVAL;
	}
	*out = NULL;
	ret = pol_lex_init(&p.lx, name, text ? text : "", len, err, errlen);
	if (ret)
		return ret;
	p.r = calloc(1, sizeof(*p.r));
	if (!p.r)
		return out_of_memory(&p);

	ret = advance(&p);
	while (!ret && p.tok.kind != TOK_EOF) {
		if (p.tok.kind == TOK_EOL)
			ret = advance(&p);
		else
			ret = parse_rule(&p);
	}
	if (!ret && p.r->n == 0)
		ret = pol_lex_error(&p.lx, 1, 1, "no rules in policy file");
	if (ret) {
		pol_rules_free(p.r);
		return ret;
	}
	*out = p.r;
	return 0;
}

int pol_rules_parse(const char *name, const char *text, size_t len,
                    struct pol_rules **out, char *err, size_t errlen)
{
	int ret = parse_text(name, text, len, out, err, errlen);
	if (ret && err && errlen)
		reason_one_line(err);   /* the name is a path, which may hold anything */
	return ret;
}
