/* What the loader tests share: a VM of guest memory and vCPU only (no
 * devices), as a cmocka fixture whose state is the struct vm, scratch
 * files for images, modules and initrds, and a check of an error's
 * reason. Include after cmocka.h. */
#ifndef HVMM_TEST_LOADER_FIXTURE_H
#define HVMM_TEST_LOADER_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vm.h"

#define MiB (1ull << 20)

static inline int setup(void **state)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm || gmem_init(&vm->mem, 16 * MiB)) {
		free(vm);
		return -1;
	}
	vcpu_state_reset(&vm->vcpu);
	*state = vm;
	return 0;
}

static inline int teardown(void **state)
{
	struct vm *vm = *state;
	gmem_destroy(&vm->mem);
	free(vm);
	return 0;
}

static inline void resize(struct vm *vm, uint64_t ram)
{
	gmem_destroy(&vm->mem);
	assert_int_equal(gmem_init(&vm->mem, ram), 0);
}

static inline void expect_err(struct vm *vm, int r, const char *needle)
{
	assert_true(r < 0);
	if (!strstr(vm->err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", vm->err, needle);
}

/* A temporary file holding data; drop_file removes it and frees the name. */
static inline char *make_file(const void *data, size_t size)
{
	char *path = strdup("/tmp/hvmm-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, size), (ssize_t)size);
	close(fd);
	return path;
}

static inline void drop_file(char *path)
{
	unlink(path);
	free(path);
}

#endif
