/* Guest physical memory: a handful of host mappings, each a KVM memslot
 * candidate. All checks are written as "offset <= size - len" so that a
 * gpa+len that wraps past 2^64 can never pass. */
#include "core/memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define GMEM_PAGE      0x1000ull
#define GMEM_MAX_RAM   (1ull << 40)   /* 1 TiB: anything larger is a typo */

static bool page_aligned(uint64_t v)
{
	return (v & (GMEM_PAGE - 1)) == 0;
}

/* Is [gpa, gpa+len) inside r? len 0 asks whether gpa itself is inside. */
static bool region_holds(const struct gmem_region *r, uint64_t gpa, uint64_t len)
{
	if (gpa < r->gpa)
		return false;
	uint64_t off = gpa - r->gpa;
	if (off >= r->size)
		return false;
	return len <= r->size - off;
}

/* Do [a, a+alen) and [b, b+blen) intersect? Both are known not to wrap. */
static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int map_region(struct guest_mem *m, uint64_t gpa, uint64_t size, enum gmem_kind kind)
{
	if (m->nr >= GMEM_MAX_REGIONS)
		return -ENOSPC;
	/* NORESERVE: a large guest costs nothing until it touches its pages. */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	struct gmem_region *r = &m->region[m->nr++];
	r->gpa = gpa;
	r->size = size;
	r->host = p;
	r->kind = kind;
	return 0;
}

int gmem_init(struct guest_mem *m, uint64_t ram_size)
{
	memset(m, 0, sizeof(*m));
	if (ram_size == 0 || !page_aligned(ram_size) || ram_size > GMEM_MAX_RAM)
		return -EINVAL;

	uint64_t low = ram_size < GMEM_HOLE_START ? ram_size : GMEM_HOLE_START;
	int rc = map_region(m, 0, low, GMEM_RAM);
	if (rc == 0 && ram_size > low)
		rc = map_region(m, GMEM_HOLE_END, ram_size - low, GMEM_RAM);
	if (rc) {
		gmem_destroy(m);
		return rc;
	}
	m->ram_size = ram_size;
	return 0;
}

void gmem_destroy(struct guest_mem *m)
{
	for (int i = 0; i < m->nr; i++)
		munmap(m->region[i].host, m->region[i].size);
	memset(m, 0, sizeof(*m));
}

int gmem_add_rom(struct guest_mem *m, uint64_t gpa, const void *data, uint64_t size)
{
	/* Page granularity because KVM memslots need it. */
	if (size == 0 || !page_aligned(gpa) || !page_aligned(size))
		return -EINVAL;
	if (gpa + size < gpa)   /* must end at or below 2^64 - 1 */
		return -EINVAL;
	for (int i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->region[i];
		if (ranges_overlap(gpa, size, r->gpa, r->size))
			return -EEXIST;
	}
	int rc = map_region(m, gpa, size, GMEM_ROM);
	if (rc)
		return rc;
	if (data)
		memcpy(m->region[m->nr - 1].host, data, size);
	return 0;
}

const struct gmem_region *gmem_find(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < m->nr; i++)
		if (region_holds(&m->region[i], gpa, len))
			return &m->region[i];
	return NULL;
}

void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	const struct gmem_region *r = gmem_find(m, gpa, len);
	return r ? r->host + (gpa - r->gpa) : NULL;
}

/* A copy may cross from one region into an adjacent one (ROM next to RAM),
 * so walk it region by region. Region ends never wrap, so neither does gpa. */
static const struct gmem_region *chunk(const struct guest_mem *m, uint64_t gpa,
                                       uint64_t len, uint64_t *n)
{
	const struct gmem_region *r = gmem_find(m, gpa, 1);
	if (!r)
		return NULL;
	uint64_t left = r->size - (gpa - r->gpa);
	*n = len < left ? len : left;
	return r;
}

/* Check the whole range before touching a byte, so a failed copy changes
 * nothing. */
static int check_range(const struct guest_mem *m, uint64_t gpa, uint64_t len, bool rom_ok)
{
	while (len) {
		uint64_t n;
		const struct gmem_region *r = chunk(m, gpa, len, &n);
		if (!r)
			return -EFAULT;
		if (r->kind == GMEM_ROM && !rom_ok)
			return -EACCES;
		gpa += n;
		len -= n;
	}
	return 0;
}

int gmem_read(const struct guest_mem *m, uint64_t gpa, void *buf, uint64_t len)
{
	if (!buf && len)
		return -EINVAL;
	int rc = check_range(m, gpa, len, true);
	if (rc)
		return rc;
	uint8_t *p = buf;
	while (len) {
		uint64_t n;
		const struct gmem_region *r = chunk(m, gpa, len, &n);
		memcpy(p, r->host + (gpa - r->gpa), n);
		p += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/* src == NULL fills with val instead of copying. */
static int store(struct guest_mem *m, uint64_t gpa, const void *src, uint8_t val,
                 uint64_t len, bool rom_ok)
{
	int rc = check_range(m, gpa, len, rom_ok);
	if (rc)
		return rc;
	const uint8_t *p = src;
	while (len) {
		uint64_t n;
		const struct gmem_region *r = chunk(m, gpa, len, &n);
		uint8_t *dst = r->host + (gpa - r->gpa);
		if (p) {
			memcpy(dst, p, n);
			p += n;
		} else {
			memset(dst, val, n);
		}
		gpa += n;
		len -= n;
	}
	return 0;
}

int gmem_write(struct guest_mem *m, uint64_t gpa, const void *buf, uint64_t len)
{
	if (!buf)
		return len ? -EINVAL : 0;
	return store(m, gpa, buf, 0, len, false);
}

int gmem_load(struct guest_mem *m, uint64_t gpa, const void *buf, uint64_t len)
{
	if (!buf)
		return len ? -EINVAL : 0;
	return store(m, gpa, buf, 0, len, true);
}

/* Like gmem_write: the guest-visible view, so ROM is refused. */
int gmem_fill(struct guest_mem *m, uint64_t gpa, uint8_t val, uint64_t len)
{
	return store(m, gpa, NULL, val, len, false);
}

uint64_t gmem_low_ram_end(const struct guest_mem *m)
{
	uint64_t end = 0;
	for (int i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->region[i];
		if (r->kind == GMEM_RAM && r->gpa < GMEM_HOLE_START && r->gpa + r->size > end)
			end = r->gpa + r->size;
	}
	return end;
}
