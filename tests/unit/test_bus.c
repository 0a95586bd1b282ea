/* Bus routing: registration rules, offsets, unclaimed accesses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/bus.h"

struct probe {
	int calls;
	uint64_t offset;
	unsigned len;
	bool is_write;
	uint8_t wrote[8];
	uint8_t answer;
};

static int probe_fn(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct probe *p = opaque;
	p->calls++;
	p->offset = offset;
	p->len = len;
	p->is_write = is_write;
	if (is_write)
		memcpy(p->wrote, data, len);
	else
		memset(data, p->answer, len);
	return 0;
}

static void test_register_rules(void **state)
{
	(void)state;
	struct io_bus b;
	struct probe p = { 0 };
	bus_init(&b);
	assert_int_equal(bus_register(&b, BUS_PIO, 0x3f8, 8, probe_fn, &p, "a"), 0);
	/* Overlaps at either edge and full containment. */
	assert_int_equal(bus_register(&b, BUS_PIO, 0x3ff, 1, probe_fn, &p, "b"), -EEXIST);
	assert_int_equal(bus_register(&b, BUS_PIO, 0x3f0, 9, probe_fn, &p, "b"), -EEXIST);
	assert_int_equal(bus_register(&b, BUS_PIO, 0x300, 0x200, probe_fn, &p, "b"), -EEXIST);
	/* Touching is fine. */
	assert_int_equal(bus_register(&b, BUS_PIO, 0x400, 1, probe_fn, &p, "c"), 0);
	assert_int_equal(bus_register(&b, BUS_PIO, 0x3f0, 8, probe_fn, &p, "d"), 0);
	/* Same addresses in the other space. */
	assert_int_equal(bus_register(&b, BUS_MMIO, 0x3f8, 8, probe_fn, &p, "e"), 0);
	/* Empty, wrapping, no handler, bad space. */
	assert_int_equal(bus_register(&b, BUS_MMIO, 0x1000, 0, probe_fn, &p, "f"), -EINVAL);
	assert_int_equal(bus_register(&b, BUS_MMIO, ~0ull, 2, probe_fn, &p, "f"), -EINVAL);
	assert_int_equal(bus_register(&b, BUS_MMIO, 0x1000, 1, NULL, &p, "f"), -EINVAL);
	assert_int_equal(bus_register(&b, NR_BUS_SPACES, 0x1000, 1, probe_fn, &p, "f"), -EINVAL);
	/* The very last byte of the space is allowed. */
	assert_int_equal(bus_register(&b, BUS_MMIO, ~0ull, 1, probe_fn, &p, "g"), 0);
	assert_string_equal(bus_find(&b, BUS_MMIO, ~0ull)->name, "g");
	assert_int_equal(b.nr[BUS_PIO], 3);
	assert_int_equal(b.nr[BUS_MMIO], 2);
}

static void test_full(void **state)
{
	(void)state;
	struct io_bus b;
	struct probe p = { 0 };
	bus_init(&b);
	for (int i = 0; i < BUS_MAX_RANGES; i++)
		assert_int_equal(bus_register(&b, BUS_MMIO, 0x1000u * i, 0x10, probe_fn, &p, "x"), 0);
	assert_int_equal(bus_register(&b, BUS_MMIO, 0x100000, 0x10, probe_fn, &p, "x"), -ENOSPC);
}

static void test_routing(void **state)
{
	(void)state;
	struct io_bus b;
	struct probe a = { .answer = 0xaa }, c = { .answer = 0xcc };
	bus_init(&b);
	assert_int_equal(bus_register(&b, BUS_PIO, 0x3f8, 8, probe_fn, &a, "a"), 0);
	assert_int_equal(bus_register(&b, BUS_MMIO, 0xfee00000, 0x1000, probe_fn, &c, "c"), 0);

	uint8_t v = 0x41;
	assert_int_equal(bus_access(&b, BUS_PIO, 0x3fd, &v, 1, true), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.offset, 5);
	assert_int_equal(a.len, 1);
	assert_true(a.is_write);
	assert_int_equal(a.wrote[0], 0x41);

	uint32_t w = 0;
	assert_int_equal(bus_access(&b, BUS_MMIO, 0xfee000f0, &w, 4, false), 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.offset, 0xf0);
	assert_false(c.is_write);
	assert_int_equal(w, 0xcccccccc);

	/* The same address in the other space is not routed to the device. */
	assert_int_equal(bus_access(&b, BUS_MMIO, 0x3f8, &v, 1, false), -ENOENT);
	assert_int_equal(a.calls, 1);

	/* Repeat accesses (through the hint) and switching ranges stay right. */
	assert_int_equal(bus_register(&b, BUS_PIO, 0x60, 1, probe_fn, &c, "kbd"), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(bus_access(&b, BUS_PIO, 0x3f8 + i, &v, 1, false), 0);
		assert_int_equal(a.offset, (uint64_t)i);
		assert_int_equal(bus_access(&b, BUS_PIO, 0x60, &v, 1, false), 0);
		assert_int_equal(v, 0xcc);
	}
	assert_int_equal(a.calls, 4);
	assert_int_equal(c.calls, 4);

	assert_string_equal(bus_find(&b, BUS_PIO, 0x3ff)->name, "a");
	assert_null(bus_find(&b, BUS_PIO, 0x400));
	assert_null(bus_find(&b, BUS_PIO, 0x3f7));
}

static void test_unclaimed_and_bad_len(void **state)
{
	(void)state;
	struct io_bus b;
	struct probe a = { .answer = 0 };
	bus_init(&b);
	assert_int_equal(bus_register(&b, BUS_PIO, 0x3f8, 8, probe_fn, &a, "a"), 0);

	uint64_t q = 0;
	assert_int_equal(bus_access(&b, BUS_PIO, 0x80, &q, 2, false), -ENOENT);
	assert_int_equal(q, 0xffff);   /* only len bytes are filled */
	q = 0;
	assert_int_equal(bus_access(&b, BUS_MMIO, 0x1000, &q, 8, false), -ENOENT);
	assert_int_equal(q, ~0ull);
	q = 0x1234;
	assert_int_equal(bus_access(&b, BUS_PIO, 0x80, &q, 2, true), -ENOENT);
	assert_int_equal(q, 0x1234);   /* writes leave the data alone */

	/* Starts inside but runs past the end: nobody claims it. */
	q = 0;
	assert_int_equal(bus_access(&b, BUS_PIO, 0x3fe, &q, 4, false), -ENOENT);
	assert_int_equal(q, 0xffffffff);
	assert_int_equal(bus_access(&b, BUS_PIO, 0x3fc, &q, 4, false), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.offset, 4);

	for (unsigned len = 0; len <= 9; len++) {
		if (len == 1 || len == 2 || len == 4 || len == 8)
			continue;
		assert_int_equal(bus_access(&b, BUS_PIO, 0x3f8, &q, len, false), -EINVAL);
	}
	assert_int_equal(bus_access(&b, NR_BUS_SPACES, 0x3f8, &q, 1, false), -EINVAL);
	assert_int_equal(a.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_rules),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_unclaimed_and_bad_len),
	};
	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
