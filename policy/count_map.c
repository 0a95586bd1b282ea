/* Counts by key (policy/count_map.h): open addressing with linear
 * probing, doubled at half full. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/count_map.h"

#define FIRST_SLOTS 16

static struct count_ent *probe(struct count_ent *t, size_t mask, uint64_t key)
{
	for (size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & mask;; i = (i + 1) & mask)
		if (!t[i].count || t[i].key == key)
			return &t[i];
}

static int grow(struct count_map *m)
{
	size_t slots = m->t ? (m->mask + 1) * 2 : FIRST_SLOTS;
	struct count_ent *t = calloc(slots, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; m->t && i <= m->mask; i++)
		if (m->t[i].count)
			*probe(t, slots - 1, m->t[i].key) = m->t[i];
	free(m->t);
	m->t = t;
	m->mask = slots - 1;
	return 0;
}

int count_map_add(struct count_map *m, uint64_t key, uint64_t value)
{
	if (!m->t || (m->used + 1) * 2 > m->mask + 1) {
		int r = grow(m);
		if (r)
			return r;
	}
	struct count_ent *e = probe(m->t, m->mask, key);
	if (!e->count) {
		e->key = key;
		m->used++;
	}
	e->count++;
	e->last = value;
	return 0;
}

void count_map_fini(struct count_map *m)
{
	free(m->t);
	memset(m, 0, sizeof(*m));
}

static int by_key(const void *a, const void *b)
{
	uint64_t x = ((const struct count_ent *)a)->key, y = ((const struct count_ent *)b)->key;
	return (x > y) - (x < y);
}

int count_map_sorted(const struct count_map *m, struct count_ent **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!m->used)
		return 0;
	struct count_ent *v = malloc(m->used * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i <= m->mask; i++)
		if (m->t[i].count)
			v[(*n)++] = m->t[i];
	qsort(v, *n, sizeof(*v), by_key);
	*out = v;
	return 0;
}
