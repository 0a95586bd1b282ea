/* The device table on the VM (ranges, IRQ lines, timer hooks), the PCI
 * host ports and the 0xcf9 reset, the CRT controller, port 0x80, and the
 * reset-vector stub run by the interpreter from real and long mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "core/devices.h"
#include "core/intr.h"
#include "tests/unit/sw_fixture.h"
#include "tests/unit/vm_fixture.h"

static int io(struct vm *vm, uint16_t port, uint32_t *v, unsigned len, bool is_write)
{
	return bus_access(&vm->bus, BUS_PIO, port, v, len, is_write);
}

/* Every row's ranges are on the bus under its handler and state. */
static void test_table_attached(void **state)
{
	struct vm *vm = *state;
	unsigned nr;
	const struct vm_device *d = vm_devices(&nr);
	assert_true(nr >= 10);
	for (unsigned i = 0; i < nr; i++) {
		assert_true(d[i].nr_irqs <= DEV_MAX_IRQS);
		for (unsigned k = 0; k < d[i].nr_irqs; k++)
			assert_true(d[i].irq[k] < ISA_NR_IRQS);
		assert_true((d[i].update == NULL) == (d[i].deadline == NULL));
		for (unsigned k = 0; k < DEV_MAX_RANGES && d[i].range[k].len; k++) {
			const struct dev_range *r = &d[i].range[k];
			const struct bus_range *b = bus_find(&vm->bus, r->space, r->base);
			assert_non_null(b);
			assert_ptr_equal(b->fn, r->fn);
			assert_ptr_equal(b->opaque, vm_device_state(vm, &d[i]));
			assert_string_equal(b->name, r->name ? r->name : d[i].name);
		}
	}
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, 0x64)->name, "i8042-cmd");
	assert_ptr_equal(bus_find(&vm->bus, BUS_PIO, 0xf4)->opaque, vm);
	assert_ptr_equal(vm->com1.line.isa, &vm->isa);
	assert_int_equal(vm->com1.line.irq, COM1_IRQ);
	assert_int_equal(vm->i8042.aux_line.irq, 12);
	/* Nothing runs at reset, COM1 waits for no input. */
	assert_int_equal(vm_timers_deadline(vm), UINT64_MAX);
}

static void test_pci_host(void **state)
{
	struct vm *vm = *state;
	uint32_t v = 0x80001234;
	assert_int_equal(io(vm, 0xcf8, &v, 4, true), 0);
	v = 0;
	assert_int_equal(io(vm, 0xcf8, &v, 4, false), 0);
	assert_int_equal(v, 0x80001234);
	for (unsigned len = 1; len <= 4; len *= 2) {
		v = 0;
		assert_int_equal(io(vm, 0xcfc, &v, len, false), 0);
		assert_int_equal(v, len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1);
	}
	v = 0;
	assert_int_equal(io(vm, 0xcfe, &v, 2, false), 0);
	assert_int_equal(v, 0xffff);
	v = 0x12;
	assert_int_equal(io(vm, 0xcf8, &v, 1, true), 0);   /* not decoded */
	v = 0;
	assert_int_equal(io(vm, 0xcf8, &v, 4, false), 0);
	assert_int_equal(v, 0x80001234);
	/* 0xcf9 without RST_CPU is kept; with it the VM resets. */
	v = PCI_RCR_SYS_RST;
	assert_int_equal(io(vm, 0xcf9, &v, 1, true), 0);
	v = 0;
	assert_int_equal(io(vm, 0xcf9, &v, 1, false), 0);
	assert_int_equal(v, PCI_RCR_SYS_RST);
	assert_int_equal(vm->stop, VM_RUNNING);
	v = 6;
	assert_int_equal(io(vm, 0xcf9, &v, 1, true), 0);
	assert_int_equal(vm->stop, VM_STOP_RESET);
	assert_int_equal(vm->exit_status, VM_EXIT_RESET);
	assert_string_equal(vm_stop_name(vm->stop), "reset");
}

static void test_i8042_reset_on_vm(void **state)
{
	struct vm *vm = *state;
	uint32_t v = 0xfe;
	assert_int_equal(io(vm, 0x64, &v, 1, true), 0);
	assert_int_equal(vm->stop, VM_STOP_RESET);
	assert_int_equal(vm->exit_status, VM_EXIT_RESET);
}

static void test_crtc_and_post(void **state)
{
	struct vm *vm = *state;
	uint32_t v = 0x0e;
	assert_int_equal(io(vm, 0x3d4, &v, 1, true), 0);
	v = 0x07;
	assert_int_equal(io(vm, 0x3d5, &v, 1, true), 0);
	v = 0xab0f;                                        /* outw: index 0x0f, data 0xab */
	assert_int_equal(io(vm, 0x3d4, &v, 2, true), 0);
	v = 0x0e;
	assert_int_equal(io(vm, 0x3d4, &v, 1, true), 0);
	v = 0;
	assert_int_equal(io(vm, 0x3d4, &v, 2, false), 0);
	assert_int_equal(v, 0x070e);
	assert_int_equal(vm->crtc.reg[0x0f], 0xab);
	assert_int_equal(crtc_io(&vm->crtc, 1, &v, 2, false), -EINVAL);
	/* Port 0x80 (POST codes, I/O delays): writes go nowhere, harmlessly. */
	v = 0x55;
	assert_int_equal(io(vm, 0x80, &v, 1, true), -ENOENT);
	assert_int_equal(vm->stop, VM_RUNNING);
}

/* The stub at F000:FFF0 ends in the 0xcf9 reset, from any mode. */
/* The FADT's PM1a blocks answer: no fixed event pending (an unclaimed
 * port's all-ones read looked like every event at once, an SCI storm
 * that took Linux four minutes to boot), SCI_EN set, PM1_EN kept. */
static void test_acpi_pm1(void **state)
{
	struct vm *vm = *state;
	uint16_t v = 0xffff;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, ACPI_PM_BASE, &v, 2, false), 0);
	assert_int_equal(v, 0);
	v = 0xffff;                                   /* write 1 to clear */
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, ACPI_PM_BASE, &v, 2, true), 0);
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, ACPI_PM_BASE, &v, 2, false), 0);
	assert_int_equal(v, 0);
	v = 0x0121;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, ACPI_PM_BASE + 2, &v, 2, true), 0);
	v = 0;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, ACPI_PM_BASE + 2, &v, 2, false), 0);
	assert_int_equal(v, 0x0121);
	v = 0x2000 | (5u << 10);                      /* SLP_EN with a type */
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, ACPI_PM_BASE + 4, &v, 2, true), 0);
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, ACPI_PM_BASE + 4, &v, 2, false), 0);
	assert_int_equal(v, (5u << 10) | ACPI_PM1_SCI_EN);
	uint8_t b;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, ACPI_PM_BASE + 5, &b, 1, false), 0);
	assert_int_equal(b, 5u << 2);
}

static void test_reset_stub_real(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_REAL);
	assert_non_null(fx);
	FX_CODE(fx, 0xea, 0xf0, 0xff, 0x00, 0xf0);       /* jmp far f000:fff0 */
	assert_int_equal(fx_run(fx, 20), RUN_EXIT_STOPPED);
	assert_int_equal(fx->vm.stop, VM_STOP_RESET);
	assert_int_equal(fx->vm.exit_status, VM_EXIT_RESET);
	fx_free(fx);
}

static void test_reset_stub_long(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	/* mov eax, 0xffff0; jmp rax */
	FX_CODE(fx, 0xb8, 0xf0, 0xff, 0x0f, 0x00, 0xff, 0xe0);
	assert_int_equal(fx_run(fx, 20), RUN_EXIT_STOPPED);
	assert_int_equal(fx->vm.stop, VM_STOP_RESET);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_attached, setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_pci_host, setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_i8042_reset_on_vm, setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_crtc_and_post, setup_vm, teardown_vm),
		cmocka_unit_test_setup_teardown(test_acpi_pm1, setup_vm, teardown_vm),
		cmocka_unit_test(test_reset_stub_real),
		cmocka_unit_test(test_reset_stub_long),
	};
	return cmocka_run_group_tests_name("devices", tests, NULL, NULL);
}
