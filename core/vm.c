/* VM lifetime (its devices come from core/devices.c), stop reasons,
 * error text and logging. */
#include "core/vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/devices.h"
#include "core/pc_layout.h"
#include "core/pc_tables.h"
#include "core/reason.h"

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

/* -v: an access no device claims, once per address (a guest polls the
 * same absent port many times), the first VM_UNCLAIMED_REPORTED
 * addresses of each space by name and then one line for the rest. */
static void report_unclaimed(void *opaque, enum bus_space sp, uint64_t addr, unsigned len,
                             bool is_write)
{
	struct vm *vm = opaque;
	if (vm->cfg.verbosity < LOG_INFO)
		return;
	unsigned *n = &vm->nr_unclaimed_seen[sp];
	for (unsigned i = 0; i < *n && i < VM_UNCLAIMED_REPORTED; i++)
		if (vm->unclaimed_seen[sp][i] == addr)
			return;
	const char *space = sp == BUS_PIO ? "port" : "MMIO address";
	if (*n < VM_UNCLAIMED_REPORTED) {
		vm->unclaimed_seen[sp][*n] = addr;
		vm_log(vm, LOG_INFO, "%s 0x%llx: %u-byte %s claimed by no device (%s; reported once "
		       "per address)", space, (unsigned long long)addr, len, is_write ? "write" : "read",
		       is_write ? "ignored" : "reads all-ones");
	} else if (*n == VM_UNCLAIMED_REPORTED) {
		vm_log(vm, LOG_INFO, "more than %u %s claimed by no device: no more are reported",
		       VM_UNCLAIMED_REPORTED, sp == BUS_PIO ? "ports" : "MMIO addresses");
	} else {
		return;
	}
	(*n)++;
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

	pthread_mutex_init(&vm->async.lock, NULL);
	bus_init(&vm->bus);
	vm->bus.unclaimed = report_unclaimed;
	vm->bus.unclaimed_opaque = vm;
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
	pthread_mutex_destroy(&vm->async.lock);
	return rc;
}

void vm_destroy(struct vm *vm)
{
	gmem_destroy(&vm->mem);
	bus_init(&vm->bus);
	pthread_mutex_destroy(&vm->async.lock);
}

void vm_stop_async(struct vm *vm, enum vm_stop why, int exit_status, const char *reason)
{
	struct vm_async_stop *a = &vm->async;
	pthread_mutex_lock(&a->lock);
	if (atomic_load_explicit(&a->why, memory_order_relaxed) == VM_RUNNING) {
		a->exit_status = exit_status;
		snprintf(a->reason, sizeof(a->reason), "%s", reason);
		atomic_store_explicit(&a->why, (int)why, memory_order_release);
	}
	if (a->kick)
		a->kick(a->kick_opaque);
	pthread_mutex_unlock(&a->lock);
}

bool vm_take_async_stop(struct vm *vm)
{
	int why = atomic_load_explicit(&vm->async.why, memory_order_acquire);
	if (why == VM_RUNNING)
		return vm->stop != VM_RUNNING;
	if (vm->stop == VM_RUNNING) {
		snprintf(vm->err, sizeof(vm->err), "%s", vm->async.reason);
		vm_request_stop(vm, (enum vm_stop)why, vm->async.exit_status);
	}
	return true;
}

void vm_set_kick(struct vm *vm, void (*fn)(void *opaque), void *opaque)
{
	pthread_mutex_lock(&vm->async.lock);
	if (fn || vm->async.kick_opaque == opaque) {
		vm->async.kick = fn;
		vm->async.kick_opaque = fn ? opaque : NULL;
	}
	pthread_mutex_unlock(&vm->async.lock);
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
	reason_one_line(vm->err);
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
	case VM_STOP_SIGNAL:      return "signal";
	case VM_STOP_TIMEOUT:     return "timeout";
	case VM_STOP_LIMIT:       return "instruction-limit";
	}
	return "unknown";
}
