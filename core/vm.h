/* The VM: the allocator module of the reference model. One guest memory,
 * one bus with its devices, one CPUID model and the canonical vCPU state.
 * Engines run the vCPU over it; nothing here knows which engine runs. */
#ifndef HVMM_VM_H
#define HVMM_VM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "clock.h"
#include "cmos.h"
#include "cpuid.h"
#include "acpi_pm.h"
#include "audit.h"
#include "crtc.h"
#include "i8042.h"
#include "ioapic.h"
#include "irq.h"
#include "lapic.h"
#include "memory.h"
#include "pci_host.h"
#include "pic.h"
#include "pit.h"
#include "stats.h"
#include "uart8250.h"
#include "vcpu_state.h"

/* Why the VM stopped. */
enum vm_stop {
	VM_RUNNING = 0,
	VM_STOP_DEBUG_EXIT,    /* guest wrote port 0xf4 */
	VM_STOP_HALT,          /* HLT with interrupts off and nothing pending */
	VM_STOP_SHUTDOWN,      /* triple fault */
	VM_STOP_ERROR,         /* the monitor could not go on: see vm->err */
	VM_STOP_UNSUPPORTED,   /* guest used something hvmm does not model */
	VM_STOP_POLICY,        /* a policy rule said stop */
	VM_STOP_RESET,         /* the guest reset the machine (8042, 0xcf9) */
};

/* Process exit status for a stop other than debug-exit (which is odd). */
#define VM_EXIT_OK        0
#define VM_EXIT_USAGE     2
#define VM_EXIT_FAILURE   4
#define VM_EXIT_RESET     6   /* the guest reset the machine */
#define VM_EXIT_SANDBOX   32  /* the command's sandbox stopped a forbidden system call */

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

typedef void (*vm_log_fn)(void *opaque, enum log_level lvl, const char *msg);

struct vm_config {
	uint64_t ram_size;
	int serial_out_fd;
	int serial_in_fd;
	int verbosity;             /* highest log level passed to log_fn */
	uint64_t tsc_khz;          /* host TSC rate if known (another VM's
	                              vm->clock.tsc_khz); 0: measure it */
	vm_log_fn log_fn;          /* the command's printer */
	void *log_opaque;
};

struct vm {
	struct vm_config cfg;
	struct vclock clock;       /* device time and the guest TSC's rate */
	struct guest_mem mem;
	struct io_bus bus;
	struct cpuid_model cpuid;
	struct uart8250 com1;
	struct pic pic;
	struct pit pit;
	struct lapic lapic;
	struct cmos cmos;
	struct ioapic ioapic;
	struct isa_irqs isa;       /* where ISA IRQ lines go: pic, ioapic */
	struct i8042 i8042;
	struct pci_host pci_host;
	struct crtc crtc;
	struct acpi_pm acpi_pm;
	struct vcpu_state vcpu;
	struct vm_stats stats;
	struct audit *audit;       /* the command's, NULL without --audit */

	enum vm_stop stop;
	int exit_status;           /* process exit status once stopped */
	char err[256];             /* one-line reason for the last failure */
};

/* Map memory and attach the standard devices. Returns 0 or -errno (with
 * vm->err set). */
int vm_init(struct vm *vm, const struct vm_config *cfg);
void vm_destroy(struct vm *vm);

/* Record the first reason the VM stops; later calls keep the first. */
void vm_request_stop(struct vm *vm, enum vm_stop why, int exit_status);

/* Set vm->err (printf-style) and return err (a -errno), for one-line
 * "return vm_fail(vm, -EINVAL, "...")" error paths. */
int vm_fail(struct vm *vm, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Log through the command's printer, if the level is enabled. */
void vm_log(struct vm *vm, enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

const char *vm_stop_name(enum vm_stop s);

#endif
