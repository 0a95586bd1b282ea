/* The PC firmware tables: the BIOS data area words, then the ACPI and MP
 * tables placed one after the other from the start of the BIOS area. The
 * RSDP goes first so that it sits at PC_BIOS_AREA, where a scan of
 * 0xe0000-0xfffff meets it at once. */
#include "core/pc_tables.h"

#include <errno.h>
#include <string.h>

#include "core/pc_layout.h"
#include "core/vm.h"

/* The reset stub owns the BIOS area's last 256 bytes (PC_RESET_VECTOR
 * and what it may grow to). */
#define TABLES_END (PC_BIOS_END - 0x100)

void tb_put(struct tbuf *t, const void *p, size_t n)
{
	if (n > sizeof(t->b) - t->n) {
		t->overflow = true;
		return;
	}
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

void tb_u8(struct tbuf *t, uint8_t v)
{
	tb_put(t, &v, 1);
}

void pc_id(char *dst, size_t width, const char *s)
{
	size_t n = strnlen(s, width);
	memcpy(dst, s, n);
	memset(dst + n, ' ', width - n);
}

uint8_t pc_checksum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += b[i];
	return (uint8_t)-sum;
}

int pc_place(struct pc_place *pl, const struct tbuf *t, unsigned align, uint64_t *gpa)
{
	uint64_t at = (pl->next + align - 1) & ~(uint64_t)(align - 1);
	if (t->overflow)
		return vm_fail(pl->vm, -E2BIG, "a firmware table outgrew its %d-byte buffer",
		               TBUF_MAX);
	if (at + t->n > pl->end)
		return vm_fail(pl->vm, -ENOSPC, "the firmware tables do not fit below %#llx",
		               (unsigned long long)pl->end);
	int rc = gmem_load(&pl->vm->mem, at, t->b, t->n);
	if (rc)
		return vm_fail(pl->vm, rc, "cannot write a firmware table at %#llx: %s",
		               (unsigned long long)at, strerror(-rc));
	pl->next = at + t->n;
	*gpa = at;
	return 0;
}

/* What a PC BIOS leaves in its data area for the kernel's EBDA and low
 * memory searches: the EBDA segment and the base memory below it. */
static int write_bda(struct vm *vm)
{
	uint16_t seg = PC_EBDA >> 4, kib = PC_EBDA / 1024;
	int rc;
	if ((rc = gmem_load(&vm->mem, PC_BDA_EBDA_SEG, &seg, sizeof(seg))) ||
	    (rc = gmem_load(&vm->mem, PC_BDA_BASE_KB, &kib, sizeof(kib))))
		return vm_fail(vm, rc, "cannot write the BIOS data area: %s", strerror(-rc));
	return 0;
}

/* Clear where the tables go, so that no stale signature is found there if
 * the tables are built again. */
static int clear_table_areas(struct vm *vm)
{
	int rc;
	if ((rc = gmem_fill(&vm->mem, PC_EBDA, 0, PC_EBDA_SIZE)) ||
	    (rc = gmem_fill(&vm->mem, PC_BIOS_AREA, 0, TABLES_END - PC_BIOS_AREA)))
		return vm_fail(vm, rc, "guest RAM does not cover the EBDA and BIOS area (%llu bytes)",
		               (unsigned long long)vm->mem.ram_size);
	return 0;
}

int pc_tables_build(struct vm *vm)
{
	struct pc_place pl = { .vm = vm, .next = PC_BIOS_AREA, .end = TABLES_END };
	int rc;
	if ((rc = clear_table_areas(vm)) || (rc = write_bda(vm)) || (rc = acpi_build(&pl)) ||
	    (rc = mptable_build(&pl)))
		return rc;
	return 0;
}
