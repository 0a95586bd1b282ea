/* The CPUID model: host vendor and signature, the baseline feature set,
 * the out-of-range rule, subleaves and intersection with host leaves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/cpuid.h"

static void host(uint32_t fn, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(fn), "c"(0));
}

static void test_vendor_and_signature(void **state)
{
	(void)state;
	struct cpuid_model m;
	uint32_t h[4], r[4];
	char v[13] = { 0 };

	assert_int_equal(cpuid_model_init(&m, NULL, 0), 0);
	host(0, h);
	cpuid_model_query(&m, 0, 0, r);
	assert_int_equal(r[1], h[1]);
	assert_int_equal(r[2], h[2]);
	assert_int_equal(r[3], h[3]);
	assert_int_equal(r[0], m.max_basic);
	assert_true(m.max_basic <= 0xd);
	memcpy(v, &h[1], 4);
	memcpy(v + 4, &h[3], 4);
	memcpy(v + 8, &h[2], 4);
	assert_string_equal(m.vendor, v);

	host(1, h);
	cpuid_model_query(&m, 1, 0, r);
	assert_int_equal(r[0], h[0]);
	assert_int_equal(r[1] >> 24, 0);          /* APIC ID 0 */
}

static void test_features(void **state)
{
	(void)state;
	struct cpuid_model m;
	uint32_t r[4];

	assert_int_equal(cpuid_model_init(&m, NULL, 0), 0);
	cpuid_model_query(&m, 1, 0, r);
	assert_true(r[3] & (1u << 0));            /* FPU */
	assert_true(r[3] & (1u << 6));            /* PAE */
	assert_true(r[3] & (1u << 11));           /* SEP */
	assert_true(r[3] & (1u << 24));           /* FXSR */
	assert_true(r[3] & (1u << 26));           /* SSE2 */
	assert_false(r[3] & (1u << 28));          /* no HTT */
	assert_true(r[2] & (1u << 13));           /* CX16 */
	assert_true(r[2] & (1u << 31));           /* hypervisor */
	assert_false(r[2] & (1u << 21));          /* no x2APIC */
	assert_true(r[2] & (1u << 26));           /* XSAVE */
	assert_false(r[2] & (1u << 28));          /* no AVX */
	/* What the host unit runs for the interpreter only where the host
	 * processor has it. */
	uint32_t hr[4];
	host(1, hr);
	assert_int_equal(!!(r[2] & (1u << 0)), !!(hr[2] & (1u << 0)));    /* SSE3 */
	assert_int_equal(!!(r[2] & (1u << 20)), !!(hr[2] & (1u << 20)));  /* SSE4.2 */
	if (m.max_basic >= 0xd) {
		cpuid_model_query(&m, 0xd, 0, r);
		assert_int_equal(r[0], 3);            /* XCR0: x87, SSE */
		assert_int_equal(r[1], 576);
		assert_int_equal(r[2], 576);
		cpuid_model_query(&m, 0xd, 1, r);
		assert_int_equal(r[0], 1);            /* XSAVEOPT only */
		cpuid_model_query(&m, 0xd, 2, r);
		assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);  /* no AVX state */
	}

	assert_true(m.max_ext >= 0x80000001u);
	cpuid_model_query(&m, 0x80000001u, 0, r);
	assert_true(r[3] & (1u << 29));           /* LM */
	assert_true(r[3] & (1u << 20));           /* NX */
	assert_true(r[3] & (1u << 11));           /* SYSCALL */
	assert_true(r[2] & (1u << 0));            /* LAHF/SAHF in long mode */
	assert_true(r[3] & (1u << 27));           /* RDTSCP */

	/* What both engines run: SMEP, SMAP, UMIP and RDPID; nothing else in
	 * leaf 7 (no FSGSBASE, RDSEED, PKU, LA57). */
	cpuid_model_query(&m, 7, 0, r);
	assert_int_equal(r[1], (1u << 7) | (1u << 20));
	assert_int_equal(r[2], (1u << 2) | (1u << 22));
	cpuid_model_query(&m, 1, 0, r);

	char brand[49] = { 0 };
	for (uint32_t i = 0; i < 3; i++) {
		cpuid_model_query(&m, 0x80000002u + i, 0, r);
		memcpy(brand + 16 * i, r, 16);
	}
	assert_string_equal(brand, "hvmm virtual CPU");

	cpuid_model_query(&m, 0x80000008u, 0, r);
	assert_true((r[0] & 0xff) >= 32 && (r[0] & 0xff) <= 40);
	assert_true(((r[0] >> 8) & 0xff) >= 32 && ((r[0] >> 8) & 0xff) <= 48);
}

static void test_out_of_range_rule(void **state)
{
	(void)state;
	struct cpuid_model m;
	uint32_t top[4], r[4];

	assert_int_equal(cpuid_model_init(&m, NULL, 0), 0);
	/* Intel rule, forced so that the test does not depend on the host. */
	m.zero_out_of_range = false;
	/* Mark the highest basic leaf: its real contents may well be zeros. */
	struct cpuid_entry *hi = (struct cpuid_entry *)cpuid_model_find(&m, m.max_basic, 0);
	assert_non_null(hi);
	hi->ebx = 0xfeedbeef;
	cpuid_model_query(&m, m.max_basic, 0, top);
	assert_int_equal(top[1], 0xfeedbeef);
	const uint32_t above[] = { m.max_basic + 1, 0x40000000u, 0x7fffffffu, m.max_ext + 1,
				   0xc0000000u, 0xffffffffu };
	for (size_t i = 0; i < sizeof(above) / sizeof(above[0]); i++) {
		cpuid_model_query(&m, above[i], 0, r);
		assert_memory_equal(r, top, sizeof(r));
	}

	/* AMD rule: zeros. */
	m.zero_out_of_range = true;
	for (size_t i = 0; i < sizeof(above) / sizeof(above[0]); i++) {
		cpuid_model_query(&m, above[i], 0, r);
		assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
	}

	/* In range but not modelled: zeros (leaf 2 and 0x80000007). */
	cpuid_model_query(&m, 2, 0, r);
	assert_int_equal(r[0] | r[1] | r[2] | r[3], 0);
}

static void test_subleaves(void **state)
{
	(void)state;
	struct cpuid_model m;
	uint32_t a[4], b[4];

	assert_int_equal(cpuid_model_init(&m, NULL, 0), 0);
	/* Leaf 1 ignores the index. */
	cpuid_model_query(&m, 1, 0, a);
	cpuid_model_query(&m, 1, 5, b);
	assert_memory_equal(a, b, sizeof(a));
	if (m.max_basic >= 7) {
		const struct cpuid_entry *e = cpuid_model_find(&m, 7, 0);
		assert_non_null(e);
		assert_true(e->flags & CPUID_F_SIGNIFICANT_INDEX);
		assert_null(cpuid_model_find(&m, 7, 1));
		/* A wrong subleaf of leaf 7 reads zeros, as hardware returns. */
		m.e[e - m.e].ebx = 0x1234;
		cpuid_model_query(&m, 7, 1, b);
		assert_int_equal(b[0] | b[1] | b[2] | b[3], 0);
		cpuid_model_query(&m, 7, 0, b);
		assert_int_equal(b[1], 0x1234);
	}
}

static struct cpuid_entry ent(uint32_t fn, uint32_t eax, uint32_t ebx, uint32_t ecx,
			      uint32_t edx)
{
	return (struct cpuid_entry){ .function = fn, .eax = eax, .ebx = ebx, .ecx = ecx,
				     .edx = edx };
}

static void test_and_with_host(void **state)
{
	(void)state;
	struct cpuid_model m;
	uint32_t r[4];
	struct cpuid_entry h[] = {
		ent(0, 0xd, 0, 0, 0),
		ent(1, 0, 0, 0 /* no CX16 */, 0xffffffffu & ~(1u << 26) /* no SSE2 */),
		ent(7, 0, 0xffffffffu, 0xffffffffu, 0xffffffffu),
		ent(0x80000000u, 0x80000008u, 0, 0, 0),
		ent(0x80000001u, 0, 0xffffffffu, 0xffffffffu, (1u << 29) | (1u << 11)),
		ent(0x80000008u, 36 | (48 << 8), 0, 0, 0),
	};
	h[2].flags = CPUID_F_SIGNIFICANT_INDEX;

	assert_int_equal(cpuid_model_init(&m, h, 6), 0);
	assert_int_equal(m.max_basic, 0xd);
	cpuid_model_query(&m, 1, 0, r);
	assert_false(r[3] & (1u << 26));          /* SSE2 cleared by the host */
	assert_true(r[3] & (1u << 25));           /* SSE kept */
	assert_false(r[2] & (1u << 13));          /* CX16 cleared */
	assert_true(r[2] & (1u << 31));           /* hypervisor bit needs no host support */
	cpuid_model_query(&m, 7, 0, r);
	/* The host has everything; the model offers SMEP, SMAP, UMIP, RDPID. */
	assert_int_equal(r[1], (1u << 7) | (1u << 20));
	assert_int_equal(r[2], (1u << 2) | (1u << 22));
	assert_int_equal(r[3], 0);
	cpuid_model_query(&m, 0x80000001u, 0, r);
	assert_false(r[3] & (1u << 20));          /* NX cleared */
	assert_false(r[3] & (1u << 27));          /* RDTSCP cleared */
	assert_true(r[3] & (1u << 29));
	assert_true(r[3] & (1u << 11));
	cpuid_model_query(&m, 0x80000008u, 0, r);
	assert_int_equal(r[0] & 0xff, 36);        /* never more than the host */
	assert_int_equal((r[0] >> 8) & 0xff, 48);

	/* A host with fewer leaves lowers the maxima; missing leaves clear all. */
	struct cpuid_entry small[] = {
		ent(0, 1, 0, 0, 0xffffffffu),
		ent(1, 0, 0, 0xffffffffu, 0xffffffffu),
		ent(0x80000000u, 0x80000001u, 0, 0, 0),
	};
	assert_int_equal(cpuid_model_init(&m, small, 3), 0);
	assert_int_equal(m.max_basic, 1);
	assert_int_equal(m.max_ext, 0x80000001u);
	assert_null(cpuid_model_find(&m, 7, 0));
	assert_null(cpuid_model_find(&m, 0x80000008u, 0));
	cpuid_model_query(&m, 0x80000001u, 0, r);
	assert_int_equal(r[2] | r[3], 0);

	assert_int_equal(cpuid_model_init(&m, NULL, 3), -EINVAL);
	assert_int_equal(cpuid_model_init(&m, h, -1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vendor_and_signature),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_out_of_range_rule),
		cmocka_unit_test(test_subleaves),
		cmocka_unit_test(test_and_with_host),
	};
	return cmocka_run_group_tests_name("cpuid", tests, NULL, NULL);
}
