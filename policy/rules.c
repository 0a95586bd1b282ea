/* Policy rules: loading a file, matching a query, and the rule set's
 * lifetime. The parser is in rules_parse.c, the tokenizer in rules_lex.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/reason.h"
#include "policy/rules_priv.h"

static bool in_list(const struct pol_rules *r, struct pol_list l, uint64_t v)
{
	for (unsigned i = 0; i < l.count; i++) {
		const struct pol_range *g = &r->pool[l.first + i];
		if (v >= g->lo && v <= g->hi)
			return true;
	}
	return false;
}

static bool rule_holds(const struct pol_rules *r, const struct pol_rule *rule,
		       const struct pol_query *q)
{
	if ((rule->have & (1u << COND_CPL)) && (q->cpl > 3 || !(rule->cpl_mask & (1u << q->cpl))))
		return false;
	if ((rule->have & (1u << COND_MODE)) &&
	    ((unsigned)q->mode >= POL_NR_MODES || !(rule->mode_mask & (1u << q->mode))))
		return false;
	if ((rule->have & (1u << COND_RIP)) && !in_list(r, rule->rip, q->rip))
		return false;
	if ((rule->have & (1u << COND_CR3)) && !in_list(r, rule->cr3, q->cr3))
		return false;
	if (rule->have & (1u << COND_EVENT)) {
		if (q->event != rule->event)
			return false;
		if (rule->num.count && !in_list(r, rule->num, q->num))
			return false;
	}
	return true;
}

bool pol_rules_match(const struct pol_rules *r, const struct pol_query *q,
                     struct pol_action *out)
{
	if (!r || !q)
		return false;
	for (unsigned i = 0; i < r->n; i++)
		if (rule_holds(r, &r->rule[i], q)) {
			if (out)
				*out = r->rule[i].action;
			return true;
		}
	return false;
}

bool pol_rules_decide(const struct pol_rules *r, const struct pol_query *q,
                      struct pol_action *out, struct pol_action *audit, bool *audited)
{
	*audited = false;
	if (!r || !q)
		return false;
	for (unsigned i = 0; i < r->n; i++) {
		if (!rule_holds(r, &r->rule[i], q))
			continue;
		if (r->rule[i].action.kind != POL_ACT_AUDIT) {
			*out = r->rule[i].action;
			return true;
		}
		if (!*audited)
			*audit = r->rule[i].action;
		*audited = true;
	}
	return false;
}

unsigned pol_rules_events(const struct pol_rules *r)
{
	return r ? r->events : 0;
}

unsigned pol_rules_count(const struct pol_rules *r)
{
	return r ? r->n : 0;
}

void pol_rules_free(struct pol_rules *r)
{
	if (!r)
		return;
	free(r->rule);
	free(r->pool);
	free(r);
}

static int read_error(const char *path, int e, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, strerror(e));
	return -e;
}

/* Reads at most one byte more than a policy may have: enough to tell a
 * file that is too large without reading all of it (it may be endless,
 * like /dev/zero). */
static int read_bounded(int fd, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			size_t ncap = cap * 2 > POL_MAX_FILE + 1 ? POL_MAX_FILE + 1 : cap * 2;
			char *nb = realloc(b, ncap);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap = ncap;
		}
		ssize_t got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			free(b);
			return -e;
		}
		if (got == 0 || (n += (size_t)got) > POL_MAX_FILE)
			break;
	}
	*buf = b;
	*len = n;
	return 0;
}

static int load(const char *path, struct pol_rules **out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;

	if (!path || !out)
		return read_error(path ? path : "policy", EINVAL, err, errlen);
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return read_error(path, errno, err, errlen);
	int ret = read_bounded(fd, &text, &len);
	close(fd);
	if (ret)
		return read_error(path, -ret, err, errlen);
	if (len > POL_MAX_FILE) {
		free(text);
		if (err && errlen)
			snprintf(err, errlen, "%s: policy file larger than 1 MiB", path);
		return -EINVAL;
	}
	ret = pol_rules_parse(path, text, len, out, err, errlen);
	free(text);
	return ret;
}

int pol_rules_load(const char *path, struct pol_rules **out, char *err, size_t errlen)
{
	int ret = load(path, out, err, errlen);
	if (ret && err && errlen)
		reason_one_line(err);
	return ret;
}
