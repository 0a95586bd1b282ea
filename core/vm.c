/* VM lifetime (its devices come from core/devices.c), stop reasons,
 * error text and logging. */
#include "core/vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/devices.h"
#include "core/pc_layout.h"
#include "core/pc_tables.h"

/* What sits at the reset vector: mov dl, 0xf9; mov dh, 0x0c; mov al, 6;
 * out dx, al; hlt; jmp $-1. Byte operations only, so that the bytes mean
 * the same in real, protected and long mode: a jump to F000:FFF0 (or to
 * 0xffff0 in any mode) ends at the 0xcf9 reset. */
static const uint8_t reset_stub[] = {
	0xb2, 0xf9, 0xb6, 0x0c, 0xb0, 0x06, 0xee, 0xf4, 0xeb, 0xfd,
};

static int write_reset_stub(struct vm *vm)
{
	if (gmem_low_ram_end(&vm->mem) < PC_BIOS_END)
		return 0;   /* no BIOS area: nothing can jump there */
	int rc = gmem_load(&vm->mem, PC_RESET_VECTOR, reset_stub, sizeof(reset_stub));
	if (rc)
		return vm_fail(vm, rc, "cannot write the reset vector: %s", strerror(-rc));
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
	vm->stats.tsc_khz = vm->clock.tsc_khz;

	rc = gmem_init(&vm->mem, cfg->ram_size);
	if (rc)
		return vm_fail(vm, rc, "cannot map %llu bytes of guest RAM: %s",
		               (unsigned long long)cfg->ram_size, strerror(-rc));

	bus_init(&vm->bus);
	rc = vm_devices_attach(vm);
	if (!rc)
		rc = write_reset_stub(vm);
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
	case VM_STOP_RESET:       return "reset";
	}
	return "unknown";
}
