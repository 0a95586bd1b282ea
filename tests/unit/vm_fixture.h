/* A VM with 16 MiB of RAM and no serial line, as a cmocka fixture:
 * state is the struct vm. */
#ifndef HVMM_TEST_VM_FIXTURE_H
#define HVMM_TEST_VM_FIXTURE_H

#include <stdlib.h>

#include "core/vm.h"

static inline struct vm_config quiet_cfg(void)
{
	return (struct vm_config){
		.ram_size = 16 << 20, .serial_out_fd = -1, .serial_in_fd = -1,
	};
}

static inline int setup_vm(void **state)
{
	struct vm *vm = malloc(sizeof(*vm));
	struct vm_config cfg = quiet_cfg();
	if (!vm || vm_init(vm, &cfg)) {
		free(vm);
		return -1;
	}
	*state = vm;
	return 0;
}

static inline int teardown_vm(void **state)
{
	vm_destroy(*state);
	free(*state);
	return 0;
}

#endif
