/* Guest memory: layout around the 32-bit hole, bounds, overflow, ROM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/memory.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void test_init_small(void **state)
{
	(void)state;
	struct guest_mem m;
	assert_int_equal(gmem_init(&m, 64 * MiB), 0);
	assert_int_equal(m.nr, 1);
	assert_int_equal(m.region[0].gpa, 0);
	assert_int_equal(m.region[0].size, 64 * MiB);
	assert_int_equal(m.region[0].kind, GMEM_RAM);
	assert_int_equal((uintptr_t)m.region[0].host & 0xfff, 0);
	assert_int_equal(m.ram_size, 64 * MiB);
	assert_int_equal(gmem_low_ram_end(&m), 64 * MiB);
	gmem_destroy(&m);
	assert_int_equal(m.nr, 0);
}

static void test_init_hole_split(void **state)
{
	(void)state;
	struct guest_mem m;
	/* 5 GiB: 3 GiB below the hole, 2 GiB from 4 GiB. NORESERVE keeps it cheap. */
	assert_int_equal(gmem_init(&m, 5 * GiB), 0);
	assert_int_equal(m.nr, 2);
	assert_int_equal(m.region[0].gpa, 0);
	assert_int_equal(m.region[0].size, GMEM_HOLE_START);
	assert_int_equal(m.region[1].gpa, GMEM_HOLE_END);
	assert_int_equal(m.region[1].size, 2 * GiB);
	assert_int_equal(gmem_low_ram_end(&m), GMEM_HOLE_START);

	/* The hole itself is not memory. */
	assert_null(gmem_find(&m, GMEM_HOLE_START, 1));
	assert_null(gmem_find(&m, GMEM_HOLE_END - 1, 1));
	assert_non_null(gmem_find(&m, GMEM_HOLE_END, 1));

	/* Touch the high region through both paths. */
	uint32_t v = 0xdeadbeef, r = 0;
	assert_int_equal(gmem_write(&m, 5 * GiB + GiB - 4, &v, 4), 0);
	assert_int_equal(gmem_read(&m, 5 * GiB + GiB - 4, &r, 4), 0);
	assert_int_equal(r, v);
	assert_int_equal(gmem_write(&m, 6 * GiB - 3, &v, 4), -EFAULT);
	gmem_destroy(&m);

	/* Exactly the hole start: one region only. */
	assert_int_equal(gmem_init(&m, GMEM_HOLE_START), 0);
	assert_int_equal(m.nr, 1);
	gmem_destroy(&m);
}

static void test_init_rejects(void **state)
{
	(void)state;
	struct guest_mem m;
	assert_int_equal(gmem_init(&m, 0), -EINVAL);
	assert_int_equal(gmem_init(&m, 4096 + 1), -EINVAL);
	assert_int_equal(gmem_init(&m, 1000), -EINVAL);
	assert_int_equal(gmem_init(&m, (1ull << 40) + 4096), -EINVAL);
	assert_int_equal(gmem_init(&m, ~0ull & ~0xfffull), -EINVAL);
	assert_int_equal(m.nr, 0);
}

static void test_bounds(void **state)
{
	(void)state;
	struct guest_mem m;
	const uint64_t sz = 1 * MiB;
	assert_int_equal(gmem_init(&m, sz), 0);

	uint8_t buf[16];
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(gmem_write(&m, sz - 16, buf, 16), 0);
	assert_int_equal(gmem_write(&m, sz - 15, buf, 16), -EFAULT);
	assert_int_equal(gmem_read(&m, sz, buf, 1), -EFAULT);
	assert_int_equal(gmem_read(&m, sz - 1, buf, 1), 0);
	assert_int_equal(buf[0], 0x5a);

	assert_non_null(gmem_ptr(&m, 0, sz));
	assert_null(gmem_ptr(&m, 0, sz + 1));
	assert_null(gmem_ptr(&m, 1, sz));
	assert_ptr_equal(gmem_ptr(&m, 0x1234, 4), m.region[0].host + 0x1234);
	assert_ptr_equal(gmem_find(&m, sz - 1, 1), &m.region[0]);
	assert_null(gmem_find(&m, sz, 0));

	/* A failed write changes nothing. */
	uint8_t z[32] = { 0 };
	assert_int_equal(gmem_write(&m, sz - 16, z, 32), -EFAULT);
	assert_int_equal(gmem_read(&m, sz - 16, buf, 16), 0);
	assert_int_equal(buf[0], 0x5a);

	assert_int_equal(gmem_fill(&m, 0x100, 0xcc, 8), 0);
	assert_int_equal(*(uint8_t *)gmem_ptr(&m, 0x107, 1), 0xcc);
	assert_int_equal(*(uint8_t *)gmem_ptr(&m, 0x108, 1), 0);
	assert_int_equal(gmem_fill(&m, sz - 1, 0, 2), -EFAULT);
	gmem_destroy(&m);
}

static void test_overflow(void **state)
{
	(void)state;
	struct guest_mem m;
	assert_int_equal(gmem_init(&m, 1 * MiB), 0);
	uint8_t buf[8] = { 0 };

	/* gpa + len wraps to a small address inside RAM: must not pass. */
	assert_null(gmem_ptr(&m, 0x1000, ~0ull));
	assert_null(gmem_ptr(&m, ~0ull - 3, 8));
	assert_null(gmem_find(&m, 0x10, ~0ull - 8));
	assert_int_equal(gmem_read(&m, ~0ull, buf, 2), -EFAULT);
	assert_int_equal(gmem_write(&m, ~0ull - 1, buf, 8), -EFAULT);
	assert_int_equal(gmem_add_rom(&m, ~0ull & ~0xfffull, NULL, 0x2000), -EINVAL);
	gmem_destroy(&m);
}

static void test_rom(void **state)
{
	(void)state;
	struct guest_mem m;
	assert_int_equal(gmem_init(&m, 1 * MiB), 0);

	static const uint8_t img[0x1000] = { 0xea, 0x5b, 0xe0 };
	const uint64_t rom = 0xffff0000ull;
	assert_int_equal(gmem_add_rom(&m, rom, img, sizeof(img)), 0);
	assert_int_equal(gmem_find(&m, rom, 3)->kind, GMEM_ROM);

	uint8_t b[3];
	assert_int_equal(gmem_read(&m, rom, b, 3), 0);
	assert_memory_equal(b, img, 3);

	uint8_t x = 0x90;
	assert_int_equal(gmem_write(&m, rom, &x, 1), -EACCES);
	assert_int_equal(gmem_fill(&m, rom, 0, 1), -EACCES);
	assert_int_equal(gmem_read(&m, rom, b, 1), 0);
	assert_int_equal(b[0], 0xea);
	assert_int_equal(gmem_load(&m, rom, &x, 1), 0);
	assert_int_equal(gmem_read(&m, rom, b, 1), 0);
	assert_int_equal(b[0], 0x90);

	/* Bad shapes and overlaps. */
	assert_int_equal(gmem_add_rom(&m, 0xe0000, img, 0), -EINVAL);
	assert_int_equal(gmem_add_rom(&m, 0xe0000, img, 0x800), -EINVAL);
	assert_int_equal(gmem_add_rom(&m, 0xe0800, img, 0x1000), -EINVAL);
	assert_int_equal(gmem_add_rom(&m, 0xff000, img, 0x1000), -EEXIST);
	assert_int_equal(gmem_add_rom(&m, rom - 0x1000, NULL, 0x2000), -EEXIST);

	/* Adjacent ROM right after RAM: copies may cross, pointers may not. */
	assert_int_equal(gmem_add_rom(&m, 1 * MiB, NULL, 0x1000), 0);
	assert_null(gmem_ptr(&m, 1 * MiB - 2, 4));
	assert_null(gmem_find(&m, 1 * MiB - 2, 4));
	uint8_t four[4];
	assert_int_equal(gmem_read(&m, 1 * MiB - 2, four, 4), 0);
	assert_int_equal(gmem_write(&m, 1 * MiB - 2, four, 4), -EACCES);
	assert_int_equal(gmem_load(&m, 1 * MiB - 2, "abcd", 4), 0);
	assert_int_equal(gmem_read(&m, 1 * MiB - 2, four, 4), 0);
	assert_memory_equal(four, "abcd", 4);
	/* Low RAM end ignores ROM. */
	assert_int_equal(gmem_low_ram_end(&m), 1 * MiB);
	gmem_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_small),
		cmocka_unit_test(test_init_hole_split),
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_rom),
	};
	return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
