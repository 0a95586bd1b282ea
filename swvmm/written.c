/* The interpreter's log of written pages (swvmm/written.h). */
#include <errno.h>
#include <stdlib.h>

#include "core/vm.h"
#include "swvmm/written.h"

void sw_written_add(struct sw_cpu *c, uint64_t page)
{
	struct sw_write_log *w = &c->wlog;
	/* A step writes few pages, and mostly the same ones again. */
	for (unsigned i = w->n; i-- > 0;)
		if (w->page[i] == page)
			return;
	if (w->n == w->cap) {
		unsigned cap = w->cap ? w->cap * 2 : 64;
		uint64_t *p = realloc(w->page, cap * sizeof(*p));
		if (!p) {
			/* Without room the log cannot be trusted: stop the VM. */
			vm_fail(c->vm, -ENOMEM, "interpreter: out of memory for the write log");
			vm_request_stop(c->vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
			return;
		}
		w->page = p;
		w->cap = cap;
	}
	w->page[w->n++] = page;
}

int sw_watch(void *ctx, uint64_t gpa)
{
	struct sw_cpu *c = ctx;
	(void)gpa;   /* every page: one switch for the whole slow path */
	if (!c->wlog.on) {
		c->wlog.on = true;
		sw_tlb_flush(c, false);   /* entries that write straight to memory go */
	}
	return 0;
}

int sw_written(void *ctx, bool (*fn)(void *opaque, uint64_t gpa), void *opaque)
{
	struct sw_cpu *c = ctx;
	struct sw_write_log *w = &c->wlog;
	for (unsigned i = 0; i < w->n; i++)
		fn(opaque, w->page[i] << 12);
	w->n = 0;
	return 0;
}

void sw_written_free(struct sw_cpu *c)
{
	free(c->wlog.page);
	c->wlog = (struct sw_write_log){ 0 };
}
