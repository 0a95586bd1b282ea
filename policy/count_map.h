/* Counts by a 64-bit key (a system call's number, an MSR, a control
 * register's values) for the audit's summary: how often each key came
 * and the value it came with last. */
#ifndef HVMM_COUNT_MAP_H
#define HVMM_COUNT_MAP_H

#include <stddef.h>
#include <stdint.h>

struct count_ent {
	uint64_t key;
	uint64_t count;   /* 0: a free slot */
	uint64_t last;
};

/* Zeroed is empty; the table comes with the first key. */
struct count_map {
	struct count_ent *t;
	size_t mask;      /* slots - 1 */
	size_t used;
};

/* Count key once more, with value: 0 or -ENOMEM. */
int count_map_add(struct count_map *m, uint64_t key, uint64_t value);
void count_map_fini(struct count_map *m);

/* The used entries in a new array sorted by key (free() it): 0, or
 * -ENOMEM. *n is m->used; *out is NULL when that is 0. */
int count_map_sorted(const struct count_map *m, struct count_ent **out, size_t *n);

#endif
