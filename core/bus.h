/* One bus for port I/O and MMIO: a device registers an address range with
 * one handler; an access is routed to the handler owning its address. */
#ifndef HVMM_BUS_H
#define HVMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct io_log;

enum bus_space { BUS_PIO, BUS_MMIO, NR_BUS_SPACES };

/* offset: from the start of the registered range. len: 1, 2, 4 or 8.
 * data: little-endian bytes, read into or written from.
 * Returns 0 or -errno. */
typedef int (*bus_handler_fn)(void *opaque, uint64_t offset, void *data,
                              unsigned len, bool is_write);

#define BUS_MAX_RANGES 32

struct bus_range {
	uint64_t base, len;
	bus_handler_fn fn;
	void *opaque;
	const char *name;
};

struct io_bus {
	struct bus_range range[NR_BUS_SPACES][BUS_MAX_RANGES];
	int nr[NR_BUS_SPACES];
	int last[NR_BUS_SPACES];   /* range that served the last access: a lookup hint */
	/* Lockstep's record or replay of the accesses (and of the interrupt
	 * acknowledges, core/intr.c); NULL: none. */
	struct io_log *log;
	/* Told of each access no device claims (a replay reaches no
	 * device, so tells nothing); NULL: nobody. */
	void (*unclaimed)(void *opaque, enum bus_space sp, uint64_t addr, unsigned len,
	                  bool is_write);
	void *unclaimed_opaque;
};

void bus_init(struct io_bus *b);

/* -EINVAL for an empty or wrapping range, -EEXIST if it overlaps a
 * registered one, -ENOSPC when full. */
int bus_register(struct io_bus *b, enum bus_space sp, uint64_t base, uint64_t len,
                 bus_handler_fn fn, void *opaque, const char *name);

/* Route one access. The range is chosen by addr and the whole access
 * [addr, addr+len) must lie inside it; otherwise nobody claims it. An
 * access nobody claims returns -ENOENT; on a read the data is then filled
 * with all-ones, as an empty ISA/PCI bus returns. -EINVAL for len not in
 * {1, 2, 4, 8} or a bad space. While b->log replays, no device is
 * reached: the logged result comes back (core/io_log.h). */
int bus_access(struct io_bus *b, enum bus_space sp, uint64_t addr, void *data,
               unsigned len, bool is_write);

/* The range containing addr, or NULL. */
const struct bus_range *bus_find(const struct io_bus *b, enum bus_space sp, uint64_t addr);

#endif
