/* The PC firmware tables as a kernel finds and reads them: the BDA words,
 * the MP table (MP spec 1.4) and the ACPI tables (ACPI 6.3), checked at
 * the specs' offsets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/pc_tables.h"
#include "core/vm.h"
#include "tests/unit/pc_tables_walk.h"
#include "tests/unit/vm_fixture.h"

#define TABLES_END 0xfff00ull   /* the reset stub's 256 bytes start here */

static int setup_tables(void **state)
{
	if (setup_vm(state))
		return -1;
	return pc_tables_build(*state) ? -1 : 0;
}

static uint64_t at(struct vm *vm, uint64_t gpa, unsigned bytes)
{
	return le(gbytes(vm, gpa, bytes), bytes);
}

static void test_bda(void **state)
{
	struct vm *vm = *state;
	assert_int_equal(at(vm, 0x40e, 2), 0x9fc0);
	assert_int_equal(at(vm, 0x413, 2), 639);
}

static void test_mp_floating(void **state)
{
	struct vm *vm = *state;
	uint64_t f = find_mp_floating(vm);
	assert_int_equal(f, 0x9fc00);            /* the EBDA's first KiB */
	assert_int_equal(at(vm, f + 8, 1), 1);   /* one 16-byte unit */
	assert_int_equal(at(vm, f + 9, 1), 4);   /* spec 1.4 */
	assert_int_equal(at(vm, f + 11, 1), 0);  /* a configuration table follows */
	assert_int_equal(at(vm, f + 12, 1), 0);  /* IMCRP clear: virtual wire */
	uint64_t c = at(vm, f + 4, 4);
	assert_true(c >= 0xe0000 && c + 44 <= TABLES_END);
}

static uint64_t mp_config(struct vm *vm)
{
	return at(vm, find_mp_floating(vm) + 4, 4);
}

static void test_mp_header(void **state)
{
	struct vm *vm = *state;
	uint64_t c = mp_config(vm);
	uint16_t len = (uint16_t)at(vm, c + 4, 2);
	assert_memory_equal(gbytes(vm, c, 4), "PCMP", 4);
	assert_int_equal(byte_sum(gbytes(vm, c, len), len), 0);
	assert_int_equal(at(vm, c + 6, 1), 4);
	assert_memory_equal(gbytes(vm, c + 8, 8), "HVMM    ", 8);
	assert_int_equal(at(vm, c + 34, 2), 1 + 1 + 1 + 16 + 2);
	assert_int_equal(at(vm, c + 36, 4), 0xfee00000);
	assert_int_equal(at(vm, c + 40, 2), 0);  /* no extended table */
	assert_int_equal(len, 44 + 20 + 8 + 8 + 16 * 8 + 2 * 8);
}

static void check_mp_devices(struct vm *vm, uint64_t e)
{
	uint32_t id[4];
	cpuid_model_query(&vm->cpuid, 1, 0, id);
	assert_int_equal(at(vm, e, 1), 0);       /* processor */
	assert_int_equal(at(vm, e + 1, 1), 0);   /* APIC ID */
	assert_int_equal(at(vm, e + 2, 1), 0x14);
	assert_int_equal(at(vm, e + 3, 1), 3);   /* enabled, BSP */
	assert_int_equal(at(vm, e + 4, 4), id[0] & 0xfff);
	assert_int_equal(at(vm, e + 8, 4), id[3]);
	e += 20;
	assert_int_equal(at(vm, e, 1), 1);       /* bus 0: ISA */
	assert_int_equal(at(vm, e + 1, 1), 0);
	assert_memory_equal(gbytes(vm, e + 2, 6), "ISA   ", 6);
	e += 8;
	assert_int_equal(at(vm, e, 1), 2);       /* IOAPIC */
	assert_int_equal(at(vm, e + 1, 1), PC_IOAPIC_ID);
	assert_int_equal(at(vm, e + 2, 1), PC_IOAPIC_VERSION);
	assert_int_equal(at(vm, e + 3, 1), 1);
	assert_int_equal(at(vm, e + 4, 4), 0xfec00000);
}

/* Every ISA IRQ but the cascade once, IRQ 0 on pin 2, the SCI level and
 * active low, the 8259's ExtINT on pin 0. */
static void check_mp_io_interrupts(struct vm *vm, uint64_t e)
{
	unsigned seen = 0;
	for (int i = 0; i < 16; i++, e += 8) {
		const uint8_t *p = gbytes(vm, e, 8);
		assert_int_equal(p[0], 3);
		assert_int_equal(p[4], 0);           /* ISA bus */
		assert_int_equal(p[6], PC_IOAPIC_ID);
		if (p[1] == 3) {                     /* ExtINT */
			assert_int_equal(p[7], 0);
			continue;
		}
		assert_int_equal(p[1], 0);
		assert_false(seen & 1u << p[5]);
		seen |= 1u << p[5];
		assert_int_equal(p[7], p[5] == 0 ? 2 : p[5]);
		assert_int_equal(le(p + 2, 2), p[5] == 9 ? 0xf : 0);
	}
	assert_int_equal(seen, 0xfffb);
}

static void test_mp_entries(void **state)
{
	struct vm *vm = *state;
	uint64_t e = mp_config(vm) + 44;
	check_mp_devices(vm, e);
	e += 20 + 8 + 8;
	check_mp_io_interrupts(vm, e);
	e += 16 * 8;
	/* ExtINT on LINT0, NMI on LINT1, for every local APIC */
	static const uint8_t lint[2][8] = { { 4, 3, 0, 0, 0, 0, 0xff, 0 },
	                                    { 4, 1, 0, 0, 0, 0, 0xff, 1 } };
	assert_memory_equal(gbytes(vm, e, 16), lint, 16);
}

static void test_rsdp(void **state)
{
	struct vm *vm = *state;
	uint64_t r = find_rsdp(vm);
	assert_true(r >= 0xe0000 && r < 0x100000);
	assert_int_equal(r % 16, 0);
	assert_int_equal(byte_sum(gbytes(vm, r, 20), 20), 0);
	assert_int_equal(byte_sum(gbytes(vm, r, 36), 36), 0);
	assert_memory_equal(gbytes(vm, r + 9, 6), "HVMM  ", 6);
	assert_int_equal(at(vm, r + 15, 1), 2);
	assert_int_equal(at(vm, r + 20, 4), 36);
	assert_int_equal(at(vm, r + 16, 4), find_sdt(vm, "RSDT"));
	assert_int_equal(at(vm, r + 24, 8), find_sdt(vm, "XSDT"));
}

/* Each table in the BIOS area, clear of the reset stub, its length as
 * the spec's layout gives it and its bytes summing to 0. */
static void test_sdt_lengths_and_checksums(void **state)
{
	struct vm *vm = *state;
	static const struct { const char *sig; uint32_t len; } t[] = {
		{ "RSDT", 36 + 2 * 4 }, { "XSDT", 36 + 2 * 8 }, { "FACP", 276 },
		{ "APIC", 44 + 8 + 12 + 2 * 10 + 6 }, { "DSDT", 36 + 35 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t a = find_sdt(vm, t[i].sig);
		assert_true(a >= 0xe0000 && a + t[i].len <= TABLES_END);
		assert_memory_equal(gbytes(vm, a, 4), t[i].sig, 4);
		assert_int_equal(sdt_length(vm, a), t[i].len);
		assert_int_equal(byte_sum(gbytes(vm, a, t[i].len), t[i].len), 0);
		assert_memory_equal(gbytes(vm, a + 10, 6), "HVMM  ", 6);
	}
}

static void test_root_tables(void **state)
{
	struct vm *vm = *state;
	uint64_t rsdt = find_sdt(vm, "RSDT"), xsdt = find_sdt(vm, "XSDT");
	uint64_t want[2] = { find_sdt(vm, "FACP"), find_sdt(vm, "APIC") };
	for (int i = 0; i < 2; i++) {
		assert_true(want[i] != 0);
		assert_int_equal(at(vm, rsdt + 36 + 4 * i, 4), want[i]);
		assert_int_equal(at(vm, xsdt + 36 + 8 * i, 8), want[i]);
	}
}

static void test_fadt(void **state)
{
	struct vm *vm = *state;
	uint64_t f = find_sdt(vm, "FACP"), facs = find_sdt(vm, "FACS");
	assert_int_equal(at(vm, f + 8, 1), 6);           /* revision */
	assert_int_equal(at(vm, f + 131, 1), 3);         /* minor: 6.3 */
	assert_int_equal(at(vm, f + 36, 4), facs);       /* FIRMWARE_CTRL */
	assert_int_equal(at(vm, f + 40, 4), find_sdt(vm, "DSDT"));
	assert_int_equal(at(vm, f + 46, 2), 9);          /* SCI_INT */
	assert_int_equal(at(vm, f + 48, 4), 0);          /* no SMI_CMD: ACPI mode */
	assert_int_equal(at(vm, f + 56, 4), 0x600);      /* PM1a_EVT_BLK */
	assert_int_equal(at(vm, f + 64, 4), 0x604);      /* PM1a_CNT_BLK */
	assert_int_equal(at(vm, f + 88, 1), 4);
	assert_int_equal(at(vm, f + 89, 1), 2);
	assert_int_equal(at(vm, f + 76, 4), 0);          /* no PM timer */
	assert_int_equal(at(vm, f + 109, 2) & 3, 3);     /* legacy devices, 8042 */
	uint32_t flags = (uint32_t)at(vm, f + 112, 4);
	assert_true(flags & 1u << 10);                   /* RESET_REG_SUP */
	assert_false(flags & 1u << 20);                  /* not hardware-reduced */
	static const uint8_t reset[12] = { 1, 8, 0, 1, 0xf9, 0x0c };
	assert_memory_equal(gbytes(vm, f + 116, 12), reset, 12);
	assert_int_equal(at(vm, f + 128, 1), 6);
	assert_int_equal(at(vm, f + 132, 8), facs);
	assert_int_equal(at(vm, f + 148 + 4, 8), 0x600); /* X_PM1a_EVT_BLK */
	assert_int_equal(at(vm, f + 172 + 4, 8), 0x604); /* X_PM1a_CNT_BLK */
	assert_int_equal(facs % 64, 0);
	assert_memory_equal(gbytes(vm, facs, 4), "FACS", 4);
	assert_int_equal(at(vm, facs + 4, 4), 64);
}

static void test_madt(void **state)
{
	struct vm *vm = *state;
	uint64_t m = find_sdt(vm, "APIC");
	assert_int_equal(at(vm, m + 36, 4), 0xfee00000);
	assert_int_equal(at(vm, m + 40, 4), 1);          /* PCAT_COMPAT */
	static const uint8_t entries[] = {
		0, 8, 0, 0, 1, 0, 0, 0,                      /* local APIC 0, enabled */
		1, 12, 1, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0,   /* IOAPIC 1, GSI 0 */
		2, 10, 0, 0, 2, 0, 0, 0, 0, 0,               /* IRQ 0 -> GSI 2 */
		2, 10, 0, 9, 9, 0, 0, 0, 0xf, 0,             /* SCI: level, active low */
		4, 6, 0xff, 0, 0, 1,                         /* NMI on LINT1 */
	};
	assert_int_equal(sdt_length(vm, m), 44 + sizeof(entries));
	assert_memory_equal(gbytes(vm, m + 44, sizeof(entries)), entries, sizeof(entries));
}

/* Scope (\_SB) { Device (CPU0) { Name (_HID, "ACPI0007") Name (_UID, Zero) } } */
static void test_dsdt_aml(void **state)
{
	struct vm *vm = *state;
	static const uint8_t aml[] = {
		0x10, 0x22, '\\', '_', 'S', 'B', '_',
		0x5b, 0x82, 0x1a, 'C', 'P', 'U', '0',
		0x08, '_', 'H', 'I', 'D', 0x0d, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0,
		0x08, '_', 'U', 'I', 'D', 0x00,
	};
	uint64_t d = find_sdt(vm, "DSDT");
	assert_int_equal(at(vm, d + 8, 1), 2);
	assert_int_equal(sdt_length(vm, d), 36 + sizeof(aml));
	assert_memory_equal(gbytes(vm, d + 36, sizeof(aml)), aml, sizeof(aml));
}

/* Building again gives the same bytes: nothing is left over or moved. */
static void test_rebuild(void **state)
{
	struct vm *vm = *state;
	uint64_t len = TABLES_END - 0xe0000;
	uint8_t *before = malloc(len);
	assert_non_null(before);
	memcpy(before, gbytes(vm, 0xe0000, len), len);
	assert_int_equal(pc_tables_build(vm), 0);
	assert_memory_equal(gbytes(vm, 0xe0000, len), before, len);
	free(before);
}

/* Built by hand rather than by vm_init, which may build the tables itself. */
static void test_too_little_ram(void **state)
{
	(void)state;
	struct vm *vm = calloc(1, sizeof(*vm));
	assert_non_null(vm);
	assert_int_equal(gmem_init(&vm->mem, 512 << 10), 0);
	assert_int_equal(pc_tables_build(vm), -EFAULT);
	assert_non_null(strstr(vm->err, "BIOS area"));
	gmem_destroy(&vm->mem);
	free(vm);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_tables, teardown_vm)
	const struct CMUnitTest tests[] = {
		T(test_bda), T(test_mp_floating), T(test_mp_header), T(test_mp_entries),
		T(test_rsdp), T(test_sdt_lengths_and_checksums), T(test_root_tables),
		T(test_fadt), T(test_madt), T(test_dsdt_aml), T(test_rebuild),
		cmocka_unit_test(test_too_little_ram),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
