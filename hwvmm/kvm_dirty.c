/* What the guest wrote while it ran in KVM, for the interpreter's caches:
 * RAM memslots carry KVM_MEM_LOG_DIRTY_PAGES, and KVM_GET_DIRTY_LOG hands
 * over (and clears) each slot's bitmap of pages written since the last
 * call. Runs of dirty pages are reported as one range. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/vm.h"
#include "hwvmm/hw_ctx.h"

/* Bitmap bytes for a slot: one bit a page, in 64-bit words as KVM wants. */
static size_t bitmap_bytes(uint64_t size)
{
	uint64_t pages = size >> 12;
	return (size_t)((pages + 63) / 64 * 8);
}

int hw_dirty_init(struct hw_ctx *c)
{
	const struct guest_mem *m = &c->vm->mem;
	size_t most = 0;

	for (int i = 0; i < m->nr; i++)
		if (m->region[i].kind == GMEM_RAM && bitmap_bytes(m->region[i].size) > most)
			most = bitmap_bytes(m->region[i].size);
	c->dirty_bitmap = calloc(1, most ? most : 8);
	if (!c->dirty_bitmap)
		return vm_fail(c->vm, -ENOMEM, "KVM engine: out of memory");
	return 0;
}

void hw_dirty_fini(struct hw_ctx *c)
{
	free(c->dirty_bitmap);
	c->dirty_bitmap = NULL;
}

int hw_written(void *ctx, void (*fn)(void *opaque, uint64_t gpa, uint64_t len), void *opaque)
{
	struct hw_ctx *c = ctx;
	const struct guest_mem *m = &c->vm->mem;

	for (int i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->region[i];
		if (r->kind != GMEM_RAM)
			continue;
		size_t n = bitmap_bytes(r->size);
		memset(c->dirty_bitmap, 0, n);
		struct kvm_dirty_log log = { .slot = (uint32_t)i, .dirty_bitmap = c->dirty_bitmap };
		c->vm->stats.hw_ioctls++;
		if (ioctl(c->vm_fd, KVM_GET_DIRTY_LOG, &log) < 0)
			return vm_fail(c->vm, -errno, "KVM_GET_DIRTY_LOG (slot %d): %s", i,
			               strerror(errno));
		const uint64_t *w = c->dirty_bitmap;
		uint64_t pages = r->size >> 12, run_start = 0, run_len = 0;
		for (uint64_t p = 0; p < pages; p++) {
			if (!(p & 63) && !w[p / 64]) {
				p += 63;   /* a clean word: skip its 64 pages */
				if (run_len) {
					fn(opaque, r->gpa + (run_start << 12), run_len << 12);
					run_len = 0;
				}
				continue;
			}
			if (w[p / 64] >> (p & 63) & 1) {
				if (!run_len)
					run_start = p;
				run_len++;
			} else if (run_len) {
				fn(opaque, r->gpa + (run_start << 12), run_len << 12);
				run_len = 0;
			}
		}
		if (run_len)
			fn(opaque, r->gpa + (run_start << 12), run_len << 12);
	}
	return 0;
}
