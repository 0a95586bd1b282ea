/* Port-I/O and MMIO routing. Few ranges per space, so a linear scan with a
 * one-entry hint is enough: devices are hit in bursts (a UART string, a
 * timer poll loop). */
#include "core/bus.h"
#include "core/io_log.h"

#include <errno.h>
#include <string.h>

void bus_init(struct io_bus *b)
{
	memset(b, 0, sizeof(*b));
}

static bool valid_space(enum bus_space sp)
{
	return (unsigned)sp < NR_BUS_SPACES;
}

/* Ranges are stored with len >= 1 and base + len - 1 not wrapping, so
 * "last" is always representable. */
static uint64_t range_last(const struct bus_range *r)
{
	return r->base + r->len - 1;
}

int bus_register(struct io_bus *b, enum bus_space sp, uint64_t base, uint64_t len,
                 bus_handler_fn fn, void *opaque, const char *name)
{
	if (!valid_space(sp) || !fn || len == 0 || base + (len - 1) < base)
		return -EINVAL;
	uint64_t last = base + (len - 1);
	for (int i = 0; i < b->nr[sp]; i++) {
		const struct bus_range *r = &b->range[sp][i];
		if (base <= range_last(r) && r->base <= last)
			return -EEXIST;
	}
	if (b->nr[sp] >= BUS_MAX_RANGES)
		return -ENOSPC;
	b->range[sp][b->nr[sp]++] = (struct bus_range){
		.base = base, .len = len, .fn = fn, .opaque = opaque, .name = name,
	};
	return 0;
}

static bool range_has(const struct bus_range *r, uint64_t addr)
{
	return addr >= r->base && addr - r->base < r->len;
}

static int find_index(const struct io_bus *b, enum bus_space sp, uint64_t addr)
{
	for (int i = 0; i < b->nr[sp]; i++)
		if (range_has(&b->range[sp][i], addr))
			return i;
	return -1;
}

const struct bus_range *bus_find(const struct io_bus *b, enum bus_space sp, uint64_t addr)
{
	if (!valid_space(sp))
		return NULL;
	int i = find_index(b, sp, addr);
	return i < 0 ? NULL : &b->range[sp][i];
}

static int route(struct io_bus *b, enum bus_space sp, uint64_t addr, void *data,
                 unsigned len, bool is_write)
{

	int i = b->last[sp];
	if (i >= b->nr[sp] || !range_has(&b->range[sp][i], addr))
		i = find_index(b, sp, addr);

	const struct bus_range *r = i < 0 ? NULL : &b->range[sp][i];
	/* The access must not run past the end of the range it starts in:
	 * handlers may then index their registers by offset without checks. */
	if (!r || len - 1 > range_last(r) - addr) {
		if (!is_write)
			memset(data, 0xff, len);
		if (b->unclaimed)
			b->unclaimed(b->unclaimed_opaque, sp, addr, len, is_write);
		return -ENOENT;
	}
	b->last[sp] = i;
	return r->fn(r->opaque, addr - r->base, data, len, is_write);
}

int bus_access(struct io_bus *b, enum bus_space sp, uint64_t addr, void *data,
               unsigned len, bool is_write)
{
	if (!valid_space(sp) || !(len == 1 || len == 2 || len == 4 || len == 8))
		return -EINVAL;
	enum io_log_kind k = sp == BUS_PIO ? IOL_PIO : IOL_MMIO;
	if (!b->log || b->log->mode == IO_LOG_OFF)
		return route(b, sp, addr, data, len, is_write);
	if (b->log->mode == IO_LOG_REPLAY)
		return io_log_replay_access(b->log, k, addr, data, len, is_write);
	int r = route(b, sp, addr, data, len, is_write);
	io_log_record_access(b->log, k, addr, data, len, is_write, r);
	return r;
}
