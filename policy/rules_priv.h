/* Internals of the policy-file parser shared by rules.c, rules_lex.c and
 * rules_parse.c: the parsed form of the rules and the tokenizer. Nothing
 * outside policy/rules*.c includes this. */
#ifndef HVMM_RULES_PRIV_H
#define HVMM_RULES_PRIV_H

#include <stdarg.h>

#include "policy/rules.h"

#define POL_MAX_FILE  (1u << 20)   /* bytes */
#define POL_MAX_LINE  4096u        /* characters, the newline excluded */
#define POL_NR_MODES  (MODE_LONG64 + 1)

/* The conditions a rule can hold, one bit each in pol_rule.have. */
enum pol_cond { COND_CPL, COND_MODE, COND_RIP, COND_CR3, COND_EVENT, NR_CONDS };

/* An inclusive range of numbers; a single number is lo == hi. */
struct pol_range {
	uint64_t lo, hi;
};

/* A list of ranges, as a slice of pol_rules.pool (indices, not pointers,
 * so the pool can grow while parsing). count 0 means "any". */
struct pol_list {
	unsigned first, count;
};

struct pol_rule {
	unsigned have;              /* 1 << enum pol_cond */
	uint8_t cpl_mask;           /* bit n: CPL n matches */
	uint8_t mode_mask;          /* bit m: enum cpu_mode m matches */
	struct pol_list rip, cr3;
	enum run_event event;       /* with COND_EVENT */
	struct pol_list num;        /* the event's number; count 0: any */
	struct pol_action action;
};

struct pol_rules {
	struct pol_rule *rule;
	unsigned n, cap;
	struct pol_range *pool;
	unsigned npool, cappool;
	unsigned events;            /* pol_rules_events() */
};

/* Tokens. A line is a sequence of tokens ended by TOK_EOL or TOK_EOF;
 * comments and blanks never reach the parser. */
enum tok_kind {
	TOK_WORD,     /* [A-Za-z_][A-Za-z0-9_]* */
	TOK_NUMBER,   /* decimal or 0x hex, value in token.value */
	TOK_ARROW,    /* -> */
	TOK_DOTDOT,   /* .. */
	TOK_COMMA,    /* , */
	TOK_EOL,
	TOK_EOF,
};

struct token {
	enum tok_kind kind;
	const char *text;
	size_t len;
	unsigned line, col;
	uint64_t value;
};

struct lexer {
	const char *name;
	const char *p, *end;
	unsigned line, col;
	char *err;
	size_t errlen;
};

/* Set up a lexer over text and check the whole text for what no token
 * can contain: its size, NUL bytes and overlong lines. 0 or -EINVAL. */
int pol_lex_init(struct lexer *lx, const char *name, const char *text, size_t len,
                 char *err, size_t errlen);

/* The next token, or -EINVAL with the error set (a malformed number, an
 * unexpected character). */
int pol_lex_next(struct lexer *lx, struct token *t);

/* Write "NAME:LINE:COL: message" into the lexer's err; returns -EINVAL. */
int pol_lex_error(const struct lexer *lx, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* How a token reads in "found ..." messages: 'text', end of line, ... */
void pol_tok_describe(const struct token *t, char *buf, size_t n);

/* Whether the word token is exactly s. */
bool pol_tok_is(const struct token *t, const char *s);

#endif
