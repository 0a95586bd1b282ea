/* VM lifetime and its standard devices, stop reasons, error text and
 * logging. */
#include "core/vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/debug_exit.h"
#include "core/pc_tables.h"

static int attach(struct vm *vm, enum bus_space sp, uint64_t base, uint64_t len,
                  bus_handler_fn fn, void *opaque, const char *name)
{
	int rc = bus_register(&vm->bus, sp, base, len, fn, opaque, name);
	if (rc)
		vm_fail(vm, rc, "cannot attach %s at %s %#llx: %s", name,
		        sp == BUS_PIO ? "port" : "address", (unsigned long long)base,
		        strerror(-rc));
	return rc;
}

/* The interrupt controllers and timers, in their reset state. */
static int attach_platform(struct vm *vm)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts)) {
		int e = errno;
		return vm_fail(vm, -e, "cannot read the wall clock: %s", strerror(e));
	}
	int64_t wall_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;

	pic_init(&vm->pic);
	pit_init(&vm->pit, &vm->clock, &vm->pic);
	lapic_init(&vm->lapic, &vm->clock);
	cmos_init(&vm->cmos, &vm->clock, &vm->pic, wall_ns - (int64_t)vclock_now_ns(&vm->clock));
	cmos_set_ram_size(&vm->cmos, vm->cfg.ram_size);

	int rc;
	if ((rc = attach(vm, BUS_PIO, PIC_MASTER_BASE, PIC_NR_PORTS, pic_master_io, &vm->pic,
	                 "pic-master")) ||
	    (rc = attach(vm, BUS_PIO, PIC_SLAVE_BASE, PIC_NR_PORTS, pic_slave_io, &vm->pic,
	                 "pic-slave")) ||
	    (rc = attach(vm, BUS_PIO, PIC_ELCR_BASE, PIC_ELCR_NR_PORTS, pic_elcr_io, &vm->pic,
	                 "elcr")) ||
	    (rc = attach(vm, BUS_PIO, PIT_BASE, PIT_NR_PORTS, pit_io, &vm->pit, "pit")) ||
	    (rc = attach(vm, BUS_PIO, PIT_PORT_B, 1, pit_port_b_io, &vm->pit, "port-b")) ||
	    (rc = attach(vm, BUS_PIO, CMOS_BASE, CMOS_NR_PORTS, cmos_io, &vm->cmos, "cmos")) ||
	    (rc = attach(vm, BUS_MMIO, LAPIC_BASE, LAPIC_SIZE, lapic_mmio, &vm->lapic, "lapic")))
		return rc;
	return 0;
}

int vm_init(struct vm *vm, const struct vm_config *cfg)
{
	memset(vm, 0, sizeof(*vm));
	if (!cfg)
		return vm_fail(vm, -EINVAL, "no VM configuration");
	vm->cfg = *cfg;

	int rc = vclock_init_rate(&vm->clock, cfg->tsc_khz);
	if (rc)
		return vm_fail(vm, rc, "cannot calibrate the TSC: %s", strerror(-rc));

	rc = gmem_init(&vm->mem, cfg->ram_size);
	if (rc)
		return vm_fail(vm, rc, "cannot map %llu bytes of guest RAM: %s",
		               (unsigned long long)cfg->ram_size, strerror(-rc));

	bus_init(&vm->bus);
	uart8250_init(&vm->com1, cfg->serial_out_fd, cfg->serial_in_fd);
	rc = bus_register(&vm->bus, BUS_PIO, COM1_BASE, UART_NR_PORTS, uart8250_io,
	                  &vm->com1, "com1");
	if (rc) {
		vm_fail(vm, rc, "cannot attach com1 at port %#x: %s", COM1_BASE, strerror(-rc));
		goto undo;
	}
	rc = bus_register(&vm->bus, BUS_PIO, DEBUG_EXIT_PORT, DEBUG_EXIT_NR_PORTS,
	                  debug_exit_io, vm, "debug-exit");
	if (rc) {
		vm_fail(vm, rc, "cannot attach debug-exit at port %#x: %s", DEBUG_EXIT_PORT,
		        strerror(-rc));
		goto undo;
	}
	rc = attach_platform(vm);
	if (rc)
		goto undo;

	rc = cpuid_model_init(&vm->cpuid, NULL, 0);
	if (rc) {
		vm_fail(vm, rc, "cannot build the CPUID model: %s", strerror(-rc));
		goto undo;
	}
	/* What PC firmware leaves in memory: the BIOS data area, the MP and
	 * ACPI tables (core/pc_tables.h). */
	rc = pc_tables_build(vm);
	if (rc)
		goto undo;
	vcpu_state_reset(&vm->vcpu);
	return 0;

undo:
	gmem_destroy(&vm->mem);
	bus_init(&vm->bus);
	return rc;
}

void vm_destroy(struct vm *vm)
{
	gmem_destroy(&vm->mem);
	bus_init(&vm->bus);
}

void vm_request_stop(struct vm *vm, enum vm_stop why, int exit_status)
{
	/* The first reason is the cause; later ones are consequences. */
	if (vm->stop != VM_RUNNING || why == VM_RUNNING)
		return;
	vm->stop = why;
	vm->exit_status = exit_status;
}

int vm_fail(struct vm *vm, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(vm->err, sizeof(vm->err), fmt, ap);
	va_end(ap);
	return err;
}

void vm_log(struct vm *vm, enum log_level lvl, const char *fmt, ...)
{
	if (!vm->cfg.log_fn || (int)lvl > vm->cfg.verbosity)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vm->cfg.log_fn(vm->cfg.log_opaque, lvl, msg);
}

const char *vm_stop_name(enum vm_stop s)
{
	switch (s) {
	case VM_RUNNING:          return "running";
	case VM_STOP_DEBUG_EXIT:  return "debug-exit";
	case VM_STOP_HALT:        return "halt";
	case VM_STOP_SHUTDOWN:    return "shutdown";
	case VM_STOP_ERROR:       return "error";
	case VM_STOP_UNSUPPORTED: return "unsupported";
	case VM_STOP_POLICY:      return "policy";
	}
	return "unknown";
}
