/* The device table and the few lines of glue that connect each device to
 * the VM: its reset, its IRQ lines, its timer hooks. */
#include "core/devices.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/debug_exit.h"
#include "core/vm.h"

static struct irq_line line(struct vm *vm, const struct vm_device *d, unsigned i)
{
	return (struct irq_line){ &vm->isa, d->irq[i] };
}

/* A reset ends the run: the command reports it with its own status. */
static void guest_reset(void *opaque)
{
	struct vm *vm = opaque;
	vm_log(vm, LOG_INFO, "the guest reset the machine");
	vm_request_stop(vm, VM_STOP_RESET, VM_EXIT_RESET);
}

static int com1_init(struct vm *vm, const struct vm_device *d)
{
	uart8250_init(&vm->com1, vm->cfg.serial_out_fd, vm->cfg.serial_in_fd);
	vm->com1.line = line(vm, d, 0);
	return 0;
}

static int pic_setup(struct vm *vm, const struct vm_device *d)
{
	(void)d;
	pic_init(&vm->pic);
	return 0;
}

static int pit_setup(struct vm *vm, const struct vm_device *d)
{
	pit_init(&vm->pit, &vm->clock, line(vm, d, 0));
	return 0;
}

/* The RTC starts from the host's wall clock. */
static int cmos_setup(struct vm *vm, const struct vm_device *d)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts)) {
		int e = errno;
		return vm_fail(vm, -e, "cannot read the wall clock: %s", strerror(e));
	}
	int64_t wall_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	cmos_init(&vm->cmos, &vm->clock, line(vm, d, 0),
	          wall_ns - (int64_t)vclock_now_ns(&vm->clock));
	cmos_set_ram_size(&vm->cmos, vm->cfg.ram_size);
	return 0;
}

static int lapic_setup(struct vm *vm, const struct vm_device *d)
{
	(void)d;
	lapic_init(&vm->lapic, &vm->clock);
	return 0;
}

static void ioapic_eoi_hook(void *opaque, uint8_t vector)
{
	ioapic_eoi(opaque, vector);
}

static int ioapic_setup(struct vm *vm, const struct vm_device *d)
{
	(void)d;
	ioapic_init(&vm->ioapic, &vm->lapic);
	vm->lapic.eoi_broadcast = ioapic_eoi_hook;
	vm->lapic.eoi_opaque = &vm->ioapic;
	return 0;
}

static int i8042_setup(struct vm *vm, const struct vm_device *d)
{
	i8042_init(&vm->i8042);
	vm->i8042.kbd_line = line(vm, d, 0);
	vm->i8042.aux_line = line(vm, d, 1);
	vm->i8042.reset = (struct reset_line){ guest_reset, vm };
	return 0;
}

static int pci_host_setup(struct vm *vm, const struct vm_device *d)
{
	(void)d;
	pci_host_init(&vm->pci_host);
	vm->pci_host.reset = (struct reset_line){ guest_reset, vm };
	return 0;
}

static int acpi_pm_setup(struct vm *vm, const struct vm_device *d)
{
	(void)d;
	acpi_pm_init(&vm->acpi_pm);
	return 0;
}

static int crtc_setup(struct vm *vm, const struct vm_device *d)
{
	(void)d;
	crtc_init(&vm->crtc);
	return 0;
}

/* Timer hooks: the devices' own functions take their own types. */
static void pit_tick(void *dev, uint64_t now) { pit_update(dev, now); }
static uint64_t pit_due(const void *dev) { return pit_deadline(dev); }
static void lapic_tick(void *dev, uint64_t now) { lapic_timer_update(dev, now); }
static uint64_t lapic_due(const void *dev) { return lapic_timer_deadline(dev); }
static void cmos_tick(void *dev, uint64_t now) { cmos_update(dev, now); }
static uint64_t cmos_due(const void *dev) { return cmos_deadline(dev); }
static void com1_tick(void *dev, uint64_t now) { uart8250_poll_input(dev, now); }
static uint64_t com1_due(const void *dev) { return uart8250_deadline(dev); }

#define STATE(member) offsetof(struct vm, member)
#define PIO(base, len, fn, name) { BUS_PIO, base, len, fn, name }
#define MMIO(base, len, fn, name) { BUS_MMIO, base, len, fn, name }

static const struct vm_device table[] = {
	{ .name = "com1", .state = STATE(com1), .init = com1_init,
	  .range = { PIO(COM1_BASE, UART_NR_PORTS, uart8250_io, NULL) },
	  .update = com1_tick, .deadline = com1_due, .nr_irqs = 1, .irq = { COM1_IRQ } },
	{ .name = "debug-exit", .state = DEV_STATE_VM,
	  .range = { PIO(DEBUG_EXIT_PORT, DEBUG_EXIT_NR_PORTS, debug_exit_io, NULL) } },
	{ .name = "pic", .state = STATE(pic), .init = pic_setup,
	  .range = { PIO(PIC_MASTER_BASE, PIC_NR_PORTS, pic_master_io, "pic-master"),
	             PIO(PIC_SLAVE_BASE, PIC_NR_PORTS, pic_slave_io, "pic-slave"),
	             PIO(PIC_ELCR_BASE, PIC_ELCR_NR_PORTS, pic_elcr_io, "elcr") } },
	{ .name = "pit", .state = STATE(pit), .init = pit_setup,
	  .range = { PIO(PIT_BASE, PIT_NR_PORTS, pit_io, NULL),
	             PIO(PIT_PORT_B, 1, pit_port_b_io, "port-b") },
	  .update = pit_tick, .deadline = pit_due, .nr_irqs = 1, .irq = { 0 } },
	{ .name = "cmos", .state = STATE(cmos), .init = cmos_setup,
	  .range = { PIO(CMOS_BASE, CMOS_NR_PORTS, cmos_io, NULL) },
	  .update = cmos_tick, .deadline = cmos_due, .nr_irqs = 1, .irq = { CMOS_IRQ } },
	{ .name = "lapic", .state = STATE(lapic), .init = lapic_setup,
	  .range = { MMIO(LAPIC_BASE, LAPIC_SIZE, lapic_mmio, NULL) },
	  .update = lapic_tick, .deadline = lapic_due },
	{ .name = "ioapic", .state = STATE(ioapic), .init = ioapic_setup,
	  .range = { MMIO(IOAPIC_BASE, IOAPIC_SIZE, ioapic_mmio, NULL) } },
	{ .name = "i8042", .state = STATE(i8042), .init = i8042_setup,
	  .range = { PIO(I8042_DATA_PORT, 1, i8042_data_io, "i8042-data"),
	             PIO(I8042_CMD_PORT, 1, i8042_cmd_io, "i8042-cmd") },
	  .nr_irqs = 2, .irq = { I8042_KBD_IRQ, I8042_AUX_IRQ } },
	{ .name = "pci-host", .state = STATE(pci_host), .init = pci_host_setup,
	  .range = { PIO(PCI_HOST_BASE, PCI_HOST_NR_PORTS, pci_host_io, NULL) } },
	{ .name = "crtc", .state = STATE(crtc), .init = crtc_setup,
	  .range = { PIO(CRTC_BASE, CRTC_NR_PORTS, crtc_io, NULL) } },
	{ .name = "acpi-pm", .state = STATE(acpi_pm), .init = acpi_pm_setup,
	  .range = { PIO(ACPI_PM_BASE, ACPI_PM_NR_PORTS, acpi_pm_io, NULL) } },
};

const struct vm_device *vm_devices(unsigned *nr)
{
	*nr = sizeof(table) / sizeof(table[0]);
	return table;
}

void *vm_device_state(struct vm *vm, const struct vm_device *d)
{
	return (char *)vm + d->state;
}

static int attach_range(struct vm *vm, const struct vm_device *d, const struct dev_range *r)
{
	const char *name = r->name ? r->name : d->name;
	int rc = bus_register(&vm->bus, r->space, r->base, r->len, r->fn,
	                      vm_device_state(vm, d), name);
	if (rc)
		vm_fail(vm, rc, "cannot attach %s at %s %#llx: %s", name,
		        r->space == BUS_PIO ? "port" : "address", (unsigned long long)r->base,
		        strerror(-rc));
	return rc;
}

int vm_devices_attach(struct vm *vm)
{
	vm->isa = (struct isa_irqs){ &vm->pic, &vm->ioapic };
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct vm_device *d = &table[i];
		int rc = d->init ? d->init(vm, d) : 0;
		for (unsigned k = 0; !rc && k < DEV_MAX_RANGES && d->range[k].len; k++)
			rc = attach_range(vm, d, &d->range[k]);
		if (rc)
			return rc;
	}
	return 0;
}
