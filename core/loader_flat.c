/* Flat binaries: raw bytes at a real-mode address, started in real mode. */
#include <errno.h>

#include "core/loader.h"
#include "core/vm.h"

#define REAL_MODE_LIMIT 0x100000ull

int load_flat(struct vm *vm, const char *name, const uint8_t *data, size_t size, uint64_t gpa)
{
	uint64_t low_end = gmem_low_ram_end(&vm->mem);
	int r;

	if (gpa >= REAL_MODE_LIMIT)
		return vm_fail(vm, -EINVAL, "%s: load address 0x%llx is not below 1 MiB", name,
			       (unsigned long long)gpa);
	if (!size)
		return vm_fail(vm, -ENOEXEC, "%s: empty image", name);
	if (gpa > low_end || size > low_end - gpa)
		return vm_fail(vm, -E2BIG, "%s: image of %zu bytes does not fit at 0x%llx in "
			       "%llu MiB of memory", name, size, (unsigned long long)gpa,
			       (unsigned long long)(vm->mem.ram_size >> 20));
	r = gmem_load(&vm->mem, gpa, data, size);
	if (r)
		return vm_fail(vm, r, "%s: cannot write guest memory at 0x%llx", name,
			       (unsigned long long)gpa);
	vcpu_state_set_real_mode(&vm->vcpu, (uint16_t)(gpa >> 4), (uint16_t)(gpa & 15));
	return 0;
}
