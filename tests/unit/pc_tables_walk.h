/* Finding the firmware tables in a VM's memory the way a kernel does,
 * for test_pc_tables and tests/tools/dump_acpi. Offsets are the specs'
 * (ACPI 6.3, MP 1.4), not core/'s structures, so the tests check those. */
#ifndef HVMM_TEST_PC_TABLES_WALK_H
#define HVMM_TEST_PC_TABLES_WALK_H

#include <stdint.h>
#include <string.h>

#include "core/pc_layout.h"
#include "core/vm.h"

static inline const uint8_t *gbytes(struct vm *vm, uint64_t gpa, uint64_t len)
{
	return gmem_ptr(&vm->mem, gpa, len);
}

static inline uint64_t le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = bytes; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static inline uint8_t byte_sum(const uint8_t *p, uint64_t n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return s;
}

/* The first 16-byte-aligned place in [from, from+len) that starts with
 * sig and whose first sum_len bytes (sum_len_at: a length field in 16-byte
 * units at that offset, when nonzero) sum to 0; 0 if none. */
static inline uint64_t scan(struct vm *vm, uint64_t from, uint64_t len, const char *sig,
                            uint64_t sum_len, unsigned sum_len_at)
{
	size_t sl = strlen(sig);
	for (uint64_t a = from; a + 16 <= from + len; a += 16) {
		const uint8_t *p = gbytes(vm, a, 16);
		if (!p || memcmp(p, sig, sl))
			continue;
		uint64_t n = sum_len_at ? p[sum_len_at] * 16ull : sum_len;
		const uint8_t *q = gbytes(vm, a, n);
		if (q && n && byte_sum(q, n) == 0)
			return a;
	}
	return 0;
}

/* Where Linux looks for the MP floating pointer: the first KiB of the
 * EBDA (from the BDA), the last KiB of base memory, then 0xf0000-0xfffff. */
static inline uint64_t find_mp_floating(struct vm *vm)
{
	uint64_t ebda = le(gbytes(vm, PC_BDA_EBDA_SEG, 2), 2) << 4;
	uint64_t base_end = le(gbytes(vm, PC_BDA_BASE_KB, 2), 2) * 1024;
	uint64_t at;
	if ((at = scan(vm, ebda, 1024, "_MP_", 0, 8)) ||
	    (at = scan(vm, base_end - 1024, 1024, "_MP_", 0, 8)))
		return at;
	return scan(vm, 0xf0000, 0x10000, "_MP_", 0, 8);
}

/* Where the RSDP may be: the EBDA's first KiB, then 0xe0000-0xfffff. */
static inline uint64_t find_rsdp(struct vm *vm)
{
	uint64_t ebda = le(gbytes(vm, PC_BDA_EBDA_SEG, 2), 2) << 4;
	uint64_t at = scan(vm, ebda, 1024, "RSD PTR ", 20, 0);
	return at ? at : scan(vm, 0xe0000, 0x20000, "RSD PTR ", 20, 0);
}

/* An ACPI table's length (header offset 4). */
static inline uint32_t sdt_length(struct vm *vm, uint64_t gpa)
{
	return (uint32_t)le(gbytes(vm, gpa + 4, 4), 4);
}

/* The RSDT or XSDT (from the RSDP), the table with signature sig among
 * the XSDT's entries, or the DSDT and
 * FACS through the FADT (X_DSDT at 140, X_FIRMWARE_CTRL at 132); 0 if
 * none. The RSDP must be there. */
static inline uint64_t find_sdt(struct vm *vm, const char *sig)
{
	uint64_t rsdp = find_rsdp(vm);
	uint64_t xsdt = le(gbytes(vm, rsdp + 24, 8), 8);
	if (!strcmp(sig, "RSDT"))
		return le(gbytes(vm, rsdp + 16, 4), 4);
	if (!strcmp(sig, "XSDT"))
		return xsdt;
	uint32_t n = (sdt_length(vm, xsdt) - 36) / 8;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t = le(gbytes(vm, xsdt + 36 + 8 * i, 8), 8);
		if (!memcmp(gbytes(vm, t, 4), sig, 4))
			return t;
	}
	uint64_t fadt = strcmp(sig, "FACP") ? find_sdt(vm, "FACP") : 0;
	if (fadt && !strcmp(sig, "DSDT"))
		return le(gbytes(vm, fadt + 140, 8), 8);
	if (fadt && !strcmp(sig, "FACS"))
		return le(gbytes(vm, fadt + 132, 8), 8);
	return 0;
}

#endif
