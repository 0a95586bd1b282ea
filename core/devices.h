/* The PC's devices as one table: each row names a device, where its state
 * lives in struct vm, how it is reset and wired, the port and MMIO ranges
 * its handlers serve, its timer hooks and the ISA IRQ lines it drives.
 * vm_init attaches the rows in order; core/intr.c runs the timer hooks.
 * Adding a device is its own file plus one row in core/devices.c. */
#ifndef HVMM_DEVICES_H
#define HVMM_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "core/bus.h"

#define DEV_MAX_RANGES 3
#define DEV_MAX_IRQS   2
#define DEV_STATE_VM   0   /* state offset of a device that acts on the VM */

struct vm;
struct vm_device;

struct dev_range {
	enum bus_space space;
	uint64_t base, len;      /* len 0 ends the list */
	bus_handler_fn fn;       /* opaque: the device's state */
	const char *name;        /* on the bus; NULL: the device's name */
};

/* Reset the device's state and connect its lines. 0 or -errno (with
 * vm->err set). */
typedef int (*dev_init_fn)(struct vm *vm, const struct vm_device *d);
/* Raise what fell due by now_ns (dev: the device's state). */
typedef void (*dev_update_fn)(void *dev, uint64_t now_ns);
/* VM-clock time at which update has something to do, or UINT64_MAX. */
typedef uint64_t (*dev_deadline_fn)(const void *dev);

struct vm_device {
	const char *name;
	size_t state;                 /* offsetof(struct vm, the state) */
	dev_init_fn init;
	struct dev_range range[DEV_MAX_RANGES];
	dev_update_fn update;         /* NULL: no timers */
	dev_deadline_fn deadline;
	uint8_t nr_irqs;
	uint8_t irq[DEV_MAX_IRQS];    /* ISA IRQs driven, in the device's order */
};

/* The table, in attach order. */
const struct vm_device *vm_devices(unsigned *nr);

/* The state a row's handlers and hooks receive. */
void *vm_device_state(struct vm *vm, const struct vm_device *d);

/* Reset every device and register its ranges. 0 or -errno (vm->err set). */
int vm_devices_attach(struct vm *vm);

#endif
