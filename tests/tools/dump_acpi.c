/* dump_acpi DIR: builds the PC firmware tables in a VM's memory and writes
 * each ACPI table, found as a kernel finds it, to DIR/<signature>.dat for
 * `iasl -d` (tests/cli/acpi_tables.sh). Exit status 0, or 1 with a line on
 * stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pc_tables.h"
#include "core/vm.h"
#include "tests/unit/pc_tables_walk.h"
#include "tests/unit/vm_fixture.h"

static int dump(struct vm *vm, const char *dir, const char *name, uint64_t gpa, uint64_t len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	const uint8_t *p = gpa ? gbytes(vm, gpa, len) : NULL;
	FILE *f = fopen(path, "wb");
	int ok = p && f && fwrite(p, 1, len, f) == len;
	if (f && fclose(f))
		ok = 0;
	if (!ok)
		fprintf(stderr, "dump_acpi: cannot write %s (table at %#llx)\n", path,
		        (unsigned long long)gpa);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const char *const sdts[] = { "RSDT", "XSDT", "FACP", "APIC", "DSDT", "FACS" };
	struct vm vm;
	struct vm_config cfg = quiet_cfg();
	if (argc != 2) {
		fprintf(stderr, "usage: dump_acpi DIR\n");
		return 1;
	}
	if (vm_init(&vm, &cfg) || pc_tables_build(&vm)) {
		fprintf(stderr, "dump_acpi: %s\n", vm.err);
		return 1;
	}
	int bad = dump(&vm, argv[1], "RSDP", find_rsdp(&vm), 36);
	for (size_t i = 0; i < sizeof(sdts) / sizeof(sdts[0]) && !bad; i++) {
		uint64_t a = find_sdt(&vm, sdts[i]);
		bad = dump(&vm, argv[1], sdts[i], a, a ? sdt_length(&vm, a) : 0);
	}
	vm_destroy(&vm);
	return bad;
}
