/* Lockstep's view of memory (policy/lockstep.h): a shadow copy of guest
 * RAM as it was when the step began. The interpreter runs first and its
 * pages are put back from the shadow; KVM then runs from the same bytes,
 * and the pages either engine wrote are compared, the interpreter's
 * bytes against KVM's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "policy/lockstep.h"

#define PAGE 4096u

static bool page_zero(const uint8_t *p)
{
	uint64_t acc = 0;
	for (unsigned i = 0; i < PAGE; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	return !acc;
}

int ls_mem_init(struct ls_mem *m, const struct guest_mem *gm)
{
	memset(m, 0, sizeof(*m));
	m->gm = gm;
	for (int i = 0; i < gm->nr; i++) {
		const struct gmem_region *r = &gm->region[i];
		if (r->kind != GMEM_RAM)
			continue;
		void *p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		               -1, 0);
		if (p == MAP_FAILED) {
			ls_mem_fini(m);
			return -ENOMEM;
		}
		m->shadow[i] = p;
		/* Pages never written stay the kernel's zero page in both. */
		for (uint64_t off = 0; off < r->size; off += PAGE)
			if (!page_zero(r->host + off))
				memcpy(m->shadow[i] + off, r->host + off, PAGE);
	}
	return 0;
}

void ls_mem_fini(struct ls_mem *m)
{
	for (int i = 0; i < GMEM_MAX_REGIONS; i++)
		if (m->shadow[i])
			munmap(m->shadow[i], m->gm->region[i].size);
	free(m->sw.gpa);
	free(m->hw.gpa);
	free(m->sw_bytes);
	memset(m, 0, sizeof(*m));
}

bool ls_pages_add(void *pages, uint64_t gpa)
{
	struct ls_pages *p = pages;
	gpa &= ~(uint64_t)(PAGE - 1);
	for (unsigned i = 0; i < p->n; i++)
		if (p->gpa[i] == gpa)
			return true;
	if (p->n == p->cap) {
		unsigned cap = p->cap ? p->cap * 2 : 64;
		uint64_t *g = realloc(p->gpa, cap * sizeof(*g));
		if (!g) {
			p->lost = true;
			return true;
		}
		p->gpa = g;
		p->cap = cap;
	}
	p->gpa[p->n++] = gpa;
	return true;
}

/* The shadow's copy of the RAM page at gpa, and the page itself. */
static uint8_t *shadow_of(const struct ls_mem *m, uint64_t gpa, uint8_t **host)
{
	for (int i = 0; i < m->gm->nr; i++) {
		const struct gmem_region *r = &m->gm->region[i];
		if (m->shadow[i] && gpa >= r->gpa && gpa - r->gpa < r->size) {
			*host = r->host + (gpa - r->gpa);
			return m->shadow[i] + (gpa - r->gpa);
		}
	}
	return NULL;
}

int ls_mem_take_sw(struct ls_mem *m)
{
	size_t need = (size_t)m->sw.n * PAGE;
	if (need > m->sw_bytes_cap) {
		uint8_t *b = realloc(m->sw_bytes, need);
		if (!b)
			return -ENOMEM;
		m->sw_bytes = b;
		m->sw_bytes_cap = need;
	}
	for (unsigned i = 0; i < m->sw.n; i++) {
		uint8_t *host, *sh = shadow_of(m, m->sw.gpa[i], &host);
		if (!sh)
			continue;
		memcpy(m->sw_bytes + (size_t)i * PAGE, host, PAGE);
		memcpy(host, sh, PAGE);
	}
	return 0;
}

/* The interpreter's bytes of page gpa: its own copy, or the shadow's
 * when it did not write the page. */
static const uint8_t *sw_bytes_of(const struct ls_mem *m, uint64_t gpa, uint8_t **host)
{
	const uint8_t *sh = shadow_of(m, gpa, host);
	for (unsigned i = 0; i < m->sw.n; i++)
		if (m->sw.gpa[i] == gpa)
			return m->sw_bytes + (size_t)i * PAGE;
	return sh;
}

static void hex(char *buf, size_t len, const uint8_t *p, unsigned n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%02x", p[i]);
}

/* Compare one page: note the first difference, and whether every
 * difference lies in [top, top + 8). */
static void compare_page(const struct ls_mem *m, uint64_t gpa, uint64_t top, char *buf,
                         size_t len, bool *at_top)
{
	uint8_t *host;
	const uint8_t *sw = sw_bytes_of(m, gpa, &host);
	if (!sw || !memcmp(sw, host, PAGE))
		return;
	for (unsigned off = 0; off < PAGE; off++) {
		if (sw[off] == host[off])
			continue;
		uint64_t a = gpa + off;
		if (a < top || a >= top + 8)
			*at_top = false;
		if (buf[0])
			continue;
		unsigned n = PAGE - off < 16 ? PAGE - off : 16;
		char hs[40], hh[40];
		hex(hs, sizeof(hs), sw + off, n);
		hex(hh, sizeof(hh), host + off, n);
		snprintf(buf, len, "memory at 0x%llx (%u bytes from there): sw %s, hw %s",
		         (unsigned long long)a, n, hs, hh);
	}
}

void ls_mem_compare(struct ls_mem *m, uint64_t top, char *buf, size_t len, bool *at_top)
{
	buf[0] = '\0';
	*at_top = true;
	for (unsigned i = 0; i < m->sw.n; i++)
		compare_page(m, m->sw.gpa[i], top, buf, len, at_top);
	for (unsigned i = 0; i < m->hw.n; i++)
		compare_page(m, m->hw.gpa[i], top, buf, len, at_top);
	if (!buf[0])
		*at_top = false;
}

static void commit_page(struct ls_mem *m, uint64_t gpa, bool from_sw)
{
	uint8_t *host;
	const uint8_t *sw = sw_bytes_of(m, gpa, &host);
	uint8_t *sh = shadow_of(m, gpa, &host);
	if (!sh)
		return;
	if (from_sw && sw != host)
		memmove(host, sw, PAGE);
	memcpy(sh, host, PAGE);
}

void ls_mem_commit(struct ls_mem *m, bool from_sw, void (*fn)(void *opaque, uint64_t gpa),
                   void *opaque)
{
	/* KVM's pages first: with from_sw the interpreter's copy of a page
	 * both wrote must be the last word. */
	for (unsigned i = 0; i < m->hw.n; i++) {
		commit_page(m, m->hw.gpa[i], from_sw);
		fn(opaque, m->hw.gpa[i]);
	}
	for (unsigned i = 0; i < m->sw.n; i++) {
		commit_page(m, m->sw.gpa[i], from_sw);
		fn(opaque, m->sw.gpa[i]);
	}
	m->sw.n = m->hw.n = 0;
}

unsigned ls_mem_mend_tf(struct ls_mem *m, uint64_t top)
{
	unsigned n = 0;
	for (unsigned i = 0; i < m->hw.n; i++) {
		uint64_t gpa = m->hw.gpa[i];
		uint8_t *host;
		const uint8_t *sw = sw_bytes_of(m, gpa, &host);
		if (!sw)
			continue;
		for (uint64_t a = top | 1; a < top + 48; a += 2) {
			if (a < gpa || a >= gpa + PAGE)
				continue;
			unsigned off = (unsigned)(a - gpa);
			if (host[off] == (sw[off] | 1) && !(sw[off] & 1)) {
				host[off] = sw[off];
				n++;
			}
		}
	}
	return n;
}

/* One page against [top, top + 48): false at a difference other than
 * RF set by the interpreter alone; *any: some difference. */
static bool page_only_rf(const struct ls_mem *m, uint64_t gpa, uint64_t top, bool *any)
{
	uint8_t *host;
	const uint8_t *sw = sw_bytes_of(m, gpa, &host);
	if (!sw)
		return true;
	for (unsigned off = 0; off < PAGE; off++) {
		if (sw[off] == host[off])
			continue;
		uint64_t a = gpa + off;
		if (a < top || a >= top + 48 || (a - top) % 8 != 2 || (sw[off] ^ host[off]) != 1 ||
		    !(sw[off] & 1))
			return false;
		*any = true;
	}
	return true;
}

bool ls_mem_only_rf(struct ls_mem *m, uint64_t top)
{
	bool any = false;
	if (top == ~0ull)
		return false;
	for (unsigned i = 0; i < m->sw.n; i++)
		if (!page_only_rf(m, m->sw.gpa[i], top, &any))
			return false;
	for (unsigned i = 0; i < m->hw.n; i++)
		if (!page_only_rf(m, m->hw.gpa[i], top, &any))
			return false;
	return any;
}
