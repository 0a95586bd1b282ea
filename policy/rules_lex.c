/* The policy-file tokenizer. Columns count bytes from 1 (a tab is one
 * column), so an error points at the byte an editor's "go to column"
 * reaches in plain ASCII files. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/rules_priv.h"

/* ASCII classes by hand: <ctype.h> depends on the locale and is undefined
 * for negative chars, and policy files are ASCII by definition. */
static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static int hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pol_lex_error(const struct lexer *lx, unsigned line, unsigned col, const char *fmt, ...)
{
	if (lx->err && lx->errlen) {
		int n = snprintf(lx->err, lx->errlen, "%s:%u:%u: ", lx->name, line, col);
		if (n >= 0 && (size_t)n < lx->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(lx->err + n, lx->errlen - n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

int pol_lex_init(struct lexer *lx, const char *name, const char *text, size_t len,
                 char *err, size_t errlen)
{
	*lx = (struct lexer){ .name = name, .p = text, .end = text + len,
			      .line = 1, .col = 1, .err = err, .errlen = errlen };
	if (len > POL_MAX_FILE) {
		if (err && errlen)
			snprintf(err, errlen, "%s: policy file larger than 1 MiB", name);
		return -EINVAL;
	}
	/* One pass before tokenizing: the first NUL or overlong line wins,
	 * whatever tokens come before it. */
	unsigned line = 1, col = 1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
			continue;
		}
		if (col > POL_MAX_LINE)
			return pol_lex_error(lx, line, col, "line longer than %u characters",
					 POL_MAX_LINE);
		if (text[i] == '\0')
			return pol_lex_error(lx, line, col, "NUL byte in policy file");
		col++;
	}
	return 0;
}

/* Decimal, or hex after 0x/0X; any other letter in the token is an error,
 * so "12ab" or "0x" never read as a number followed by a word. */
static int lex_number(const struct lexer *lx, struct token *t)
{
	const unsigned char *s = (const unsigned char *)t->text;
	size_t i = 0, n = t->len;
	unsigned base = 10;
	uint64_t v = 0;
	int shown = n > 40 ? 40 : (int)n;
	const char *more = n > 40 ? "..." : "";

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < n; i++) {
		int d = base == 16 ? hex_value(s[i]) : (is_digit(s[i]) ? s[i] - '0' : -1);
		if (d < 0)
			return pol_lex_error(lx, t->line, t->col, "invalid number '%.*s%s'",
					 shown, t->text, more);
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return pol_lex_error(lx, t->line, t->col,
					 "number '%.*s%s' does not fit in 64 bits",
					 shown, t->text, more);
		v = v * base + (unsigned)d;
	}
	t->value = v;
	return 0;
}

int pol_lex_next(struct lexer *lx, struct token *t)
{
	const char *p = lx->p;

	for (;;) {
		if (p == lx->end)
			break;
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
			p++;
			lx->col++;
		} else if (c == '#') {
			while (p < lx->end && *p != '\n') {
				p++;
				lx->col++;
			}
		} else {
			break;
		}
	}
	*t = (struct token){ .text = p, .line = lx->line, .col = lx->col };
	lx->p = p;
	if (p == lx->end) {
		t->kind = TOK_EOF;
		return 0;
	}

	unsigned char c = (unsigned char)*p;
	size_t rest = (size_t)(lx->end - p);
	size_t len = 1;
	if (c == '\n') {
		t->kind = TOK_EOL;
	} else if (c == '-' && rest > 1 && p[1] == '>') {
		t->kind = TOK_ARROW;
		len = 2;
	} else if (c == '.' && rest > 1 && p[1] == '.') {
		t->kind = TOK_DOTDOT;
		len = 2;
	} else if (c == ',') {
		t->kind = TOK_COMMA;
	} else if (is_alnum(c)) {
		while (len < rest && is_alnum((unsigned char)p[len]))
			len++;
		t->kind = is_digit(c) ? TOK_NUMBER : TOK_WORD;
	} else if (c >= 0x21 && c <= 0x7e) {
		return pol_lex_error(lx, t->line, t->col, "unexpected character '%c'", c);
	} else {
		return pol_lex_error(lx, t->line, t->col, "unexpected byte 0x%02x", c);
	}
	t->len = len;
	if (t->kind == TOK_NUMBER) {
		int ret = lex_number(lx, t);
		if (ret)
			return ret;
	}
	lx->p = p + len;
	if (t->kind == TOK_EOL) {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col += (unsigned)len;
	}
	return 0;
}

void pol_tok_describe(const struct token *t, char *buf, size_t n)
{
	switch (t->kind) {
	case TOK_EOL:
		snprintf(buf, n, "end of line");
		break;
	case TOK_EOF:
		snprintf(buf, n, "end of file");
		break;
	default:
		/* Long words are cut: the message stays one readable line. */
		if (t->len > 40)
			snprintf(buf, n, "'%.40s...'", t->text);
		else
			snprintf(buf, n, "'%.*s'", (int)t->len, t->text);
		break;
	}
}

bool pol_tok_is(const struct token *t, const char *s)
{
	return t->kind == TOK_WORD && strlen(s) == t->len && !memcmp(t->text, s, t->len);
}
