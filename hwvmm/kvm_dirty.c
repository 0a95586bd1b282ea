/* Which pages the guest wrote while it ran in KVM, for the interpreter's
 * decoded-code cache. RAM memslots carry KVM_MEM_LOG_DIRTY_PAGES. Only the
 * pages the interpreter holds code for are of interest ("watched"): with
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 (bits initially set, nothing
 * write-protected) exactly those are write-protected, by
 * KVM_CLEAR_DIRTY_LOG, so that a guest write to them is logged while
 * every other page (stacks, data) runs without a write fault. Without the
 * capability KVM_GET_DIRTY_LOG protects every page each time it is read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/vm.h"
#include "hwvmm/hw_ctx.h"

static size_t bitmap_words(uint64_t size)
{
	return (size_t)(((size >> 12) + 63) / 64);
}

/* Before the memslots exist, as KVM requires. */
int hw_dirty_enable(struct hw_ctx *c)
{
	int have = ioctl(c->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	uint64_t want = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET;
	if (have <= 0 || ((uint64_t)have & want) != want)
		return 0;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, .args = { want } };
	if (ioctl(c->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return vm_fail(c->vm, -errno, "KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2): %s",
		               strerror(errno));
	c->dirty_manual = true;
	return 0;
}

int hw_dirty_init(struct hw_ctx *c)
{
	const struct guest_mem *m = &c->vm->mem;
	size_t most = 1;

	for (int i = 0; i < m->nr; i++) {
		if (m->region[i].kind != GMEM_RAM)
			continue;
		size_t n = bitmap_words(m->region[i].size);
		c->watched[i] = calloc(n, 8);
		c->to_arm[i] = calloc(n, 8);
		if (!c->watched[i] || !c->to_arm[i])
			return vm_fail(c->vm, -ENOMEM, "KVM engine: out of memory");
		if (n > most)
			most = n;
	}
	c->dirty_bitmap = calloc(most, 8);
	c->clear_bitmap = calloc(most, 8);
	if (!c->dirty_bitmap || !c->clear_bitmap)
		return vm_fail(c->vm, -ENOMEM, "KVM engine: out of memory");
	return 0;
}

void hw_dirty_fini(struct hw_ctx *c)
{
	for (int i = 0; i < GMEM_MAX_REGIONS; i++) {
		free(c->watched[i]);
		free(c->to_arm[i]);
		c->watched[i] = c->to_arm[i] = NULL;
	}
	free(c->dirty_bitmap);
	free(c->clear_bitmap);
	c->dirty_bitmap = c->clear_bitmap = NULL;
}

/* The RAM slot holding gpa, its page index in *page; -1 if none. */
static int slot_of(const struct hw_ctx *c, uint64_t gpa, uint64_t *page)
{
	const struct guest_mem *m = &c->vm->mem;
	for (int i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->region[i];
		if (r->kind == GMEM_RAM && gpa >= r->gpa && gpa - r->gpa < r->size) {
			*page = (gpa - r->gpa) >> 12;
			return i;
		}
	}
	return -1;
}

int hw_watch(void *ctx, uint64_t gpa)
{
	struct hw_ctx *c = ctx;
	uint64_t p;
	int s = slot_of(c, gpa, &p);
	if (s < 0 || (c->watched[s][p / 64] >> (p & 63) & 1))
		return 0;
	c->to_arm[s][p / 64] |= 1ull << (p & 63);
	c->arm_pending = true;
	return 0;
}

static int clear_log(struct hw_ctx *c, int slot, const uint64_t *bits)
{
	const struct gmem_region *r = &c->vm->mem.region[slot];
	struct kvm_clear_dirty_log cl = {
		.slot = (uint32_t)slot,
		.num_pages = (uint32_t)(r->size >> 12),
		.first_page = 0,
		.dirty_bitmap = (void *)bits,
	};
	c->vm->stats.hw_ioctls++;
	if (ioctl(c->vm_fd, KVM_CLEAR_DIRTY_LOG, &cl) < 0)
		return vm_fail(c->vm, -errno, "KVM_CLEAR_DIRTY_LOG (slot %d): %s", slot,
		               strerror(errno));
	return 0;
}

/* Write-protect the pages watch() asked for (manual mode), before the
 * guest runs again. A page's old dirty bit goes with it: the interpreter
 * decoded that page after any earlier write. */
int hw_dirty_arm(struct hw_ctx *c)
{
	const struct guest_mem *m = &c->vm->mem;

	if (!c->arm_pending)
		return 0;
	c->arm_pending = false;
	for (int i = 0; i < m->nr; i++) {
		if (!c->to_arm[i])
			continue;
		size_t n = bitmap_words(m->region[i].size);
		bool any = false;
		for (size_t w = 0; w < n; w++) {
			c->watched[i][w] |= c->to_arm[i][w];
			any |= c->to_arm[i][w] != 0;
		}
		int r = any && c->dirty_manual ? clear_log(c, i, c->to_arm[i]) : 0;
		memset(c->to_arm[i], 0, n * 8);
		if (r)
			return r;
	}
	return 0;
}

int hw_written(void *ctx, bool (*fn)(void *opaque, uint64_t gpa), void *opaque)
{
	struct hw_ctx *c = ctx;
	const struct guest_mem *m = &c->vm->mem;

	for (int i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->region[i];
		if (r->kind != GMEM_RAM)
			continue;
		size_t n = bitmap_words(r->size);
		uint64_t *dirty = c->dirty_bitmap, *again = c->clear_bitmap;
		memset(dirty, 0, n * 8);
		struct kvm_dirty_log log = { .slot = (uint32_t)i, .dirty_bitmap = dirty };
		c->vm->stats.hw_ioctls++;
		if (ioctl(c->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
			return vm_fail(c->vm, -errno, "KVM_GET_DIRTY_LOG (slot %d): %s", i,
			               strerror(errno));
		bool rearm = false;
		for (size_t w = 0; w < n; w++) {
			uint64_t hit = dirty[w] & c->watched[i][w];
			again[w] = 0;
			while (hit) {
				unsigned b = (unsigned)__builtin_ctzll(hit);
				hit &= hit - 1;
				uint64_t page = w * 64 + b;
				if (fn(opaque, r->gpa + (page << 12))) {
					again[w] |= 1ull << b;
					rearm = true;
				} else {
					c->watched[i][w] &= ~(1ull << b);
				}
			}
		}
		/* Logged pages must be protected again to log the next write;
		 * without manual mode KVM_GET_DIRTY_LOG did that already. */
		if (rearm && c->dirty_manual) {
			int e = clear_log(c, i, again);
			if (e)
				return e;
		}
	}
	return 0;
}
