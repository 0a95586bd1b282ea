/* The VM: the allocator module of the reference model. One guest memory,
 * one bus with its devices, one CPUID model and the canonical vCPU state.
 * Engines run the vCPU over it; nothing here knows which engine runs. */
#ifndef HVMM_VM_H
#define HVMM_VM_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
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
	VM_STOP_SIGNAL,        /* SIGINT, SIGTERM or SIGHUP ended the run */
	VM_STOP_TIMEOUT,       /* the run's time limit (--timeout) passed */
	VM_STOP_LIMIT,         /* the interpreter ran cfg.max_instructions */
};

/* Process exit status for a stop other than debug-exit (which is odd):
 * each an even number of its own. */
#define VM_EXIT_OK          0
#define VM_EXIT_USAGE       2
#define VM_EXIT_FAILURE     4   /* the monitor failed, or an unsupported instruction */
#define VM_EXIT_RESET       6   /* the guest reset the machine */
#define VM_EXIT_TRIPLE_FAULT 8  /* the guest triple-faulted (VM_STOP_SHUTDOWN) */
#define VM_EXIT_TIMEOUT     10
#define VM_EXIT_LIMIT       12  /* the instruction limit */
#define VM_EXIT_SIGNAL      14
#define VM_EXIT_SANDBOX     32  /* the command's sandbox stopped a forbidden system call */

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Distinct unclaimed addresses -v reports per space; the rest are
 * summed up in one line. */
#define VM_UNCLAIMED_REPORTED 16

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
	uint64_t max_instructions; /* stop once the interpreter ran this many
	                              (VM_STOP_LIMIT); 0: no limit */
};

/* A stop asked for by another thread (the command's signal and timeout
 * watcher): the run loops poll `why` (vm_poll_stop), and the engine that
 * cannot poll while the guest runs (KVM) registers a kick that gets it
 * out. The lock keeps the kick from running while it is unregistered. */
struct vm_async_stop {
	atomic_int why;            /* enum vm_stop; VM_RUNNING: none asked */
	int exit_status;
	char reason[96];           /* written before `why`, read after */
	pthread_mutex_t lock;
	void (*kick)(void *opaque);
	void *kick_opaque;
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
	const char *engine;        /* name of the engine that last held the vCPU */
	struct vm_async_stop async;
	/* Ports and MMIO addresses reported as claimed by no device (-v). */
	uint64_t unclaimed_seen[NR_BUS_SPACES][VM_UNCLAIMED_REPORTED];
	unsigned nr_unclaimed_seen[NR_BUS_SPACES];

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

/* From any thread: ask the VM to stop with why and exit_status, reason
 * becoming vm->err. The first request wins; the engine running the
 * guest is kicked. */
void vm_stop_async(struct vm *vm, enum vm_stop why, int exit_status, const char *reason);

/* The vCPU's thread: take a stop asked for by another thread into
 * vm->stop. Whether one was. */
bool vm_take_async_stop(struct vm *vm);

/* A run loop's poll: whether the VM is to stop, a stop asked for by
 * another thread taken in. One relaxed load while none is. */
static inline bool vm_poll_stop(struct vm *vm)
{
	if (vm->stop != VM_RUNNING)
		return true;
	if (atomic_load_explicit(&vm->async.why, memory_order_relaxed) == VM_RUNNING)
		return false;
	return vm_take_async_stop(vm);
}

/* Whether the VM stopped at another thread's request, not the guest's
 * doing or the monitor's. */
static inline bool vm_stopped_async(struct vm *vm)
{
	return vm->stop != VM_RUNNING &&
	       (int)vm->stop == atomic_load_explicit(&vm->async.why, memory_order_relaxed);
}

/* Register the kick (fn, opaque) of the engine that runs the guest where
 * it cannot poll; fn runs on another thread. fn NULL unregisters the
 * kick registered with this opaque (an engine's teardown). */
void vm_set_kick(struct vm *vm, void (*fn)(void *opaque), void *opaque);

/* Set vm->err (printf-style) and return err (a -errno), for one-line
 * "return vm_fail(vm, -EINVAL, "...")" error paths. */
int vm_fail(struct vm *vm, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Log through the command's printer, if the level is enabled. */
void vm_log(struct vm *vm, enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

const char *vm_stop_name(enum vm_stop s);

#endif
