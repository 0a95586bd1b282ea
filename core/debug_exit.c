/* isa-debug-exit: the guest's way to end the run with a status. The status
 * is always odd, so a guest can never fake a clean monitor exit (0). */
#include "core/debug_exit.h"

#include <errno.h>
#include <string.h>

#include "core/vm.h"

int debug_exit_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct vm *vm = opaque;
	(void)offset;

	if (len != 1 && len != 2 && len != 4)
		return -EINVAL;
	if (!is_write) {
		memset(data, 0xff, len);
		return 0;
	}
	const uint8_t *b = data;
	uint32_t v = 0;
	for (unsigned i = 0; i < len; i++)   /* little-endian, any alignment */
		v |= (uint32_t)b[i] << (8 * i);
	vm_request_stop(vm, VM_STOP_DEBUG_EXIT, (int)((v << 1) | 1));
	return 0;
}
