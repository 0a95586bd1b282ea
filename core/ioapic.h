/* 82093AA-style I/O APIC at PC_IOAPIC_BASE: 24 pins, each with a 64-bit
 * redirection entry, reached through the index (IOREGSEL, offset 0) and
 * window (IOWIN, offset 0x10) registers. Messages go to the one local
 * APIC; ISA IRQs arrive through core/irq.h. */
#ifndef HVMM_IOAPIC_H
#define HVMM_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pc_layout.h"

#define IOAPIC_BASE     PC_IOAPIC_BASE
#define IOAPIC_SIZE     0x1000
#define IOAPIC_PINS     PC_IOAPIC_PINS
#define IOAPIC_REGSEL   0x00
#define IOAPIC_WINDOW   0x10
/* Version 0x11 (no EOI register), highest entry PINS - 1 in bits 23:16:
 * what the MP and ACPI tables say (core/pc_layout.h). */
#define IOAPIC_VERSION  (PC_IOAPIC_VERSION | (IOAPIC_PINS - 1u) << 16)

/* Register indexes behind IOREGSEL. */
#define IOAPIC_REG_ID    0x00
#define IOAPIC_REG_VER   0x01
#define IOAPIC_REG_ARB   0x02
#define IOAPIC_REG_REDIR 0x10   /* pin n: low half 0x10 + 2n, high 0x11 + 2n */

/* Redirection entry bits. */
#define IOAPIC_VECTOR     0xffull
#define IOAPIC_DM_MASK    0x700ull
#define IOAPIC_DM_FIXED   0x000ull
#define IOAPIC_DM_LOWEST  0x100ull
#define IOAPIC_DM_NMI     0x400ull
#define IOAPIC_DM_EXTINT  0x700ull
#define IOAPIC_LOGICAL    0x800ull
#define IOAPIC_DELIVS     0x1000ull   /* read-only: a request waits */
#define IOAPIC_LOW_ACTIVE 0x2000ull
#define IOAPIC_REMOTE_IRR 0x4000ull   /* read-only: level request in service */
#define IOAPIC_LEVEL      0x8000ull
#define IOAPIC_MASKED     0x10000ull
#define IOAPIC_DEST_SHIFT 56

struct lapic;

struct ioapic {
	struct lapic *lapic;         /* where messages go; NULL: nowhere */
	uint8_t id;                  /* bits 27:24 of the ID register */
	uint8_t sel;                 /* IOREGSEL */
	uint64_t redir[IOAPIC_PINS]; /* DELIVS is computed, not stored */
	uint32_t lines;              /* input levels as driven */
	uint32_t irr;                /* requests not yet delivered */
	uint64_t nmi_dropped;        /* NMI, SMI and INIT messages: not modelled */
};

/* Reset: ID 0, every entry masked, edge, high-active, vector 0. */
void ioapic_init(struct ioapic *io, struct lapic *lapic);

/* Drive input pin (0-23). An edge-triggered pin requests on the line
 * becoming active, a level-triggered pin while it is active. -EINVAL
 * for a pin that does not exist. */
int ioapic_set_pin(struct ioapic *io, unsigned pin, bool level);

/* The local APIC's EOI broadcast: clear remote IRR of the level-triggered
 * pins with this vector, and deliver again those still active. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

/* Is some unmasked pin in ExtINT mode, passing the 8259's INTR to the
 * CPU? */
bool ioapic_passes_pic(const struct ioapic *io);

/* One register, by index. */
uint32_t ioapic_read(const struct ioapic *io, uint8_t index);
void ioapic_write(struct ioapic *io, uint8_t index, uint32_t val);

/* bus_handler_fn for the MMIO window (opaque: the ioapic): IOREGSEL
 * takes any write of its first byte; IOWIN wants aligned 32-bit accesses.
 * Other offsets read 0 and ignore writes. */
int ioapic_mmio(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);

#endif
