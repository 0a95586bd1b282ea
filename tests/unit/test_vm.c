/* VM wiring: devices on the bus, stop reasons (those asked for by another
 * thread too), error text, logging (unclaimed accesses too). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/debug_exit.h"
#include "core/vm.h"
#include "tests/unit/vm_fixture.h"


static void test_init_layout(void **state)
{
	struct vm *vm = *state;
	assert_int_equal(vm->stop, VM_RUNNING);
	assert_int_equal(vm->mem.ram_size, 16 << 20);
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, 0x3f8)->name, "com1");
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, 0x3ff)->name, "com1");
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, DEBUG_EXIT_PORT)->name, "debug-exit");
	assert_null(bus_find(&vm->bus, BUS_PIO, 0x3f7));
	assert_true(vm->cpuid.nr > 0);
	assert_string_equal(vm->err, "");
}

static void test_init_failure(void **state)
{
	(void)state;
	struct vm vm;
	struct vm_config cfg = quiet_cfg();
	cfg.ram_size = 12345;
	assert_int_equal(vm_init(&vm, &cfg), -EINVAL);
	assert_non_null(strstr(vm.err, "12345"));
	assert_int_equal(vm.mem.nr, 0);
	assert_int_equal(vm.bus.nr[BUS_PIO], 0);
	assert_int_equal(vm_init(&vm, NULL), -EINVAL);
	assert_true(vm.err[0] != '\0');
}

static void test_debug_exit(void **state)
{
	struct vm *vm = *state;
	uint8_t v = 0x10;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0xf4, &v, 1, true), 0);
	assert_int_equal(vm->stop, VM_STOP_DEBUG_EXIT);
	assert_int_equal(vm->exit_status, (0x10 << 1) | 1);
	assert_string_equal(vm_stop_name(vm->stop), "debug-exit");

	/* Reads return all-ones and do not stop anything. */
	uint8_t r = 0;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0xf4, &r, 1, false), 0);
	assert_int_equal(r, 0xff);
}

static void test_debug_exit_wide(void **state)
{
	struct vm *vm = *state;
	/* outl to 0xf4, as guests written for QEMU's iosize=4 do. */
	uint32_t v = 0x21;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0xf4, &v, 4, true), 0);
	assert_int_equal(vm->stop, VM_STOP_DEBUG_EXIT);
	assert_int_equal(vm->exit_status, 0x43);
}

static void test_first_stop_wins(void **state)
{
	struct vm *vm = *state;
	vm_request_stop(vm, VM_RUNNING, 9);      /* not a reason */
	assert_int_equal(vm->stop, VM_RUNNING);
	vm_request_stop(vm, VM_STOP_HALT, VM_EXIT_OK);
	uint8_t v = 3;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0xf4, &v, 1, true), 0);
	vm_request_stop(vm, VM_STOP_ERROR, VM_EXIT_FAILURE);
	assert_int_equal(vm->stop, VM_STOP_HALT);
	assert_int_equal(vm->exit_status, VM_EXIT_OK);
}

static void test_uart_on_bus(void **state)
{
	struct vm *vm = *state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	vm->com1.out_fd = p[1];
	uint8_t c = 'A';
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x3f8, &c, 1, true), 0);
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x3fd, &c, 1, false), 0);
	assert_int_equal(c & 0x60, 0x60);
	char got = 0;
	assert_int_equal(read(p[0], &got, 1), 1);
	assert_int_equal(got, 'A');
	vm->com1.out_fd = -1;
	close(p[0]);
	close(p[1]);
}

static void test_fail_formats(void **state)
{
	struct vm *vm = *state;
	assert_int_equal(vm_fail(vm, -ENOSPC, "port %#x: %s", 0x60, "busy"), -ENOSPC);
	assert_string_equal(vm->err, "port 0x60: busy");
	/* Long messages are cut, never overflow. */
	char big[600];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(vm_fail(vm, -EIO, "%s", big), -EIO);
	assert_int_equal(strlen(vm->err), sizeof(vm->err) - 1);
}

struct log_capture {
	int calls;
	enum log_level last_lvl;
	char last[160];
};

static void capture_log(void *opaque, enum log_level lvl, const char *msg)
{
	struct log_capture *c = opaque;
	c->calls++;
	c->last_lvl = lvl;
	strncpy(c->last, msg, sizeof(c->last) - 1);
}

static void test_log_levels(void **state)
{
	struct vm *vm = *state;
	struct log_capture cap = { 0 };

	vm_log(vm, LOG_ERROR, "no printer");     /* log_fn NULL: nothing happens */

	vm->cfg.log_fn = capture_log;
	vm->cfg.log_opaque = &cap;
	vm->cfg.verbosity = LOG_WARN;
	vm_log(vm, LOG_INFO, "hidden %d", 1);
	vm_log(vm, LOG_DEBUG, "hidden %d", 2);
	assert_int_equal(cap.calls, 0);
	vm_log(vm, LOG_WARN, "shown %d", 3);
	assert_int_equal(cap.calls, 1);
	assert_int_equal(cap.last_lvl, LOG_WARN);
	assert_string_equal(cap.last, "shown 3");
	vm_log(vm, LOG_ERROR, "err");
	assert_int_equal(cap.calls, 2);

	vm->cfg.verbosity = LOG_DEBUG;
	vm_log(vm, LOG_DEBUG, "dbg %s", "on");
	assert_int_equal(cap.calls, 3);
	assert_string_equal(cap.last, "dbg on");
	vm->cfg.log_fn = NULL;
}

static void count_kick(void *opaque)
{
	(*(int *)opaque)++;
}

/* A stop asked for by another thread: the run loops take it in at their
 * next poll, the first request wins, and the registered kick runs. */
static void test_async_stop(void **state)
{
	struct vm *vm = *state;
	int kicks = 0, other = 0;
	assert_false(vm_poll_stop(vm));
	vm_set_kick(vm, count_kick, &kicks);
	vm_set_kick(vm, NULL, &other);          /* not the registered one: kept */
	vm_stop_async(vm, VM_STOP_TIMEOUT, VM_EXIT_TIMEOUT, "--timeout=1 passed");
	vm_stop_async(vm, VM_STOP_SIGNAL, VM_EXIT_SIGNAL, "SIGTERM");
	assert_int_equal(kicks, 2);
	assert_int_equal(vm->stop, VM_RUNNING);   /* not until the vCPU's thread polls */
	assert_true(vm_poll_stop(vm));
	assert_int_equal(vm->stop, VM_STOP_TIMEOUT);
	assert_int_equal(vm->exit_status, VM_EXIT_TIMEOUT);
	assert_string_equal(vm->err, "--timeout=1 passed");
	assert_true(vm_stopped_async(vm));
	vm_set_kick(vm, NULL, &kicks);
	vm_stop_async(vm, VM_STOP_SIGNAL, VM_EXIT_SIGNAL, "SIGTERM");
	assert_int_equal(kicks, 2);
}

/* A stop of the guest's own comes first: an asked-for one later changes
 * nothing, and the stop is not "async". */
static void test_async_stop_after_guest(void **state)
{
	struct vm *vm = *state;
	vm_request_stop(vm, VM_STOP_HALT, VM_EXIT_OK);
	vm_stop_async(vm, VM_STOP_SIGNAL, VM_EXIT_SIGNAL, "SIGINT");
	assert_true(vm_poll_stop(vm));
	assert_int_equal(vm->stop, VM_STOP_HALT);
	assert_int_equal(vm->exit_status, VM_EXIT_OK);
	assert_false(vm_stopped_async(vm));
}

/* -v: each unclaimed port or MMIO address once, then one line for the
 * rest; nothing below -v, and nothing for a claimed one. */
static void test_unclaimed_reported(void **state)
{
	struct vm *vm = *state;
	struct log_capture cap = { 0 };
	uint8_t b = 0;
	uint32_t d = 0;
	vm->cfg.log_fn = capture_log;
	vm->cfg.log_opaque = &cap;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x80, &b, 1, true), -ENOENT);
	assert_int_equal(cap.calls, 0);
	vm->cfg.verbosity = LOG_INFO;
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfeb00000, &d, 4, false), -ENOENT);
	assert_int_equal(d, 0xffffffff);
	assert_int_equal(cap.calls, 1);
	assert_int_equal(cap.last_lvl, LOG_INFO);
	assert_string_equal(cap.last, "MMIO address 0xfeb00000: 4-byte read claimed by no device "
	                    "(reads all-ones; reported once per address)");
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfeb00000, &d, 4, false), -ENOENT);
	assert_int_equal(cap.calls, 1);
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x3f8, &b, 1, true), 0);
	assert_int_equal(cap.calls, 1);
	for (unsigned port = 0x300; port < 0x300 + VM_UNCLAIMED_REPORTED + 5; port++)
		bus_access(&vm->bus, BUS_PIO, port, &b, 1, true);
	assert_int_equal(cap.calls, 1 + VM_UNCLAIMED_REPORTED + 1);
	assert_string_equal(cap.last, "more than 16 ports claimed by no device: no more are "
	                    "reported");
	vm->cfg.log_fn = NULL;
}

static void test_stop_names(void **state)
{
	(void)state;
	assert_string_equal(vm_stop_name(VM_RUNNING), "running");
	assert_string_equal(vm_stop_name(VM_STOP_HALT), "halt");
	assert_string_equal(vm_stop_name(VM_STOP_SHUTDOWN), "shutdown");
	assert_string_equal(vm_stop_name(VM_STOP_ERROR), "error");
	assert_string_equal(vm_stop_name(VM_STOP_UNSUPPORTED), "unsupported");
	assert_string_equal(vm_stop_name(VM_STOP_SIGNAL), "signal");
	assert_string_equal(vm_stop_name(VM_STOP_TIMEOUT), "timeout");
	assert_string_equal(vm_stop_name(VM_STOP_LIMIT), "instruction-limit");
	assert_string_equal(vm_stop_name((enum vm_stop)99), "unknown");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_vm, teardown_vm)
	const struct CMUnitTest tests[] = {
		T(test_init_layout),
		cmocka_unit_test(test_init_failure),
		T(test_debug_exit),
		T(test_debug_exit_wide),
		T(test_first_stop_wins),
		T(test_uart_on_bus),
		T(test_fail_formats),
		T(test_log_levels),
		T(test_async_stop),
		T(test_async_stop_after_guest),
		T(test_unclaimed_reported),
		cmocka_unit_test(test_stop_names),
	};
	return cmocka_run_group_tests_name("vm", tests, NULL, NULL);
}
