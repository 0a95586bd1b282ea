/* What the fuzz targets share (tests/fuzz/README.md): the entry point,
 * the check that turns a broken promise into a crash libFuzzer keeps, a
 * reader that takes an input apart front to back, and guard pages around
 * guest RAM. */
#ifndef HVMM_TEST_FUZZ_H
#define HVMM_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "core/memory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A promise of the code under test that does not hold: say which, then
 * abort, which libFuzzer reports like any crash (and saves the input). */
#define FZ_CHECK(cond, ...)                                                     \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,  \
			        __LINE__, #cond);                               \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

/* A reason the user is shown: one line of printable text, not empty
 * (core/reason.h). */
static inline int fz_one_line(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The unread rest of an input. Reading past its end gives zeros, so that
 * every prefix of an input is an input too. */
struct fz_reader {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz_reader *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

/* bytes (at most 8) little-endian bytes. */
static inline uint64_t fz_uint(struct fz_reader *r, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)fz_u8(r) << (8 * i);
	return v;
}

/* Up to want bytes, in place: *got says how many there were. */
static inline const uint8_t *fz_take(struct fz_reader *r, size_t want, size_t *got)
{
	const uint8_t *p = r->p;
	*got = want < r->n ? want : r->n;
	r->p += *got;
	r->n -= *got;
	return p;
}

/* Guest RAM is an mmap, which ASan does not watch: an access just past a
 * region would land silently in whatever mapping follows. Where the pages
 * on either side are free, fz_guard_ram maps them inaccessible so that
 * such an access faults; fz_unguard_ram takes them away again. */
struct fz_guards {
	void *page[2 * GMEM_MAX_REGIONS];
	unsigned nr;
};

static inline void fz_guard_ram(const struct guest_mem *mem, struct fz_guards *g)
{
	g->nr = 0;
	for (int i = 0; i < mem->nr; i++) {
		uint8_t *sides[2] = { mem->region[i].host - 4096,
		                      mem->region[i].host + mem->region[i].size };
		for (unsigned k = 0; k < 2; k++) {
			void *p = mmap(sides[k], 4096, PROT_NONE,
			               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == MAP_FAILED)
				continue;
			if (p != sides[k]) {   /* a kernel that ignores the flag */
				munmap(p, 4096);
				continue;
			}
			g->page[g->nr++] = p;
		}
	}
}

static inline void fz_unguard_ram(struct fz_guards *g)
{
	for (unsigned i = 0; i < g->nr; i++)
		munmap(g->page[i], 4096);
	g->nr = 0;
}

#endif
