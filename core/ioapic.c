/* I/O APIC (Intel 82093AA datasheet). One CPU: a message reaches the local
 * APIC when its destination matches (physical ID or logical LDR match),
 * and lowest-priority delivery is fixed delivery. Delivery is immediate,
 * so delivery status shows only requests held back by the mask or by a
 * level request's remote IRR. Edge requests that arrive while masked are
 * kept and delivered on unmasking. Not modelled: NMI, SMI and INIT
 * messages (counted and dropped), the arbitration ID (reads as the ID). */
#include "core/ioapic.h"

#include <errno.h>
#include <string.h>

#include "core/lapic.h"

#define REDIR_WRITABLE 0xff0000000001afffull   /* not DELIVS, remote IRR */

void ioapic_init(struct ioapic *io, struct lapic *lapic)
{
	memset(io, 0, sizeof(*io));
	io->id = PC_IOAPIC_ID;       /* as the MP and ACPI tables give it */
	io->lapic = lapic;
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->redir[i] = IOAPIC_MASKED;
}

/* The devices drive their lines as asserted or not (core/irq.h), the
 * electrical polarity already applied: the polarity bit only says how the
 * board wires the pin (ACPI's active-low SCI), so it is kept and read back
 * but does not invert. Inverting turned an idle SCI into an interrupt
 * storm ("irq 9: nobody cared" under Linux). */
static bool pin_active(const struct ioapic *io, unsigned pin)
{
	return io->lines & (1u << pin);
}

/* Send pin's message; true if the local APIC took it. */
static bool send(struct ioapic *io, uint64_t e)
{
	uint64_t dm = e & IOAPIC_DM_MASK;
	if (dm == IOAPIC_DM_EXTINT)
		return true;   /* the 8259 answers the acknowledge: see intr.c */
	if (dm != IOAPIC_DM_FIXED && dm != IOAPIC_DM_LOWEST) {
		io->nmi_dropped++;
		return false;
	}
	uint8_t dest = (uint8_t)(e >> IOAPIC_DEST_SHIFT);
	if (!io->lapic || !lapic_match_dest(io->lapic, dest, e & IOAPIC_LOGICAL))
		return false;
	lapic_deliver(io->lapic, (uint8_t)(e & IOAPIC_VECTOR), e & IOAPIC_LEVEL);
	return true;
}

/* Deliver pin's request if nothing holds it back. A level request is
 * kept (it follows the line) and blocked by remote IRR until the EOI. */
static void service(struct ioapic *io, unsigned pin)
{
	uint32_t bit = 1u << pin;
	uint64_t *e = &io->redir[pin];
	if (!(io->irr & bit) || (*e & IOAPIC_MASKED))
		return;
	if (!(*e & IOAPIC_LEVEL)) {
		io->irr &= ~bit;
		send(io, *e);
		return;
	}
	if (*e & IOAPIC_REMOTE_IRR)
		return;
	if (send(io, *e) && (*e & IOAPIC_DM_MASK) != IOAPIC_DM_EXTINT)
		*e |= IOAPIC_REMOTE_IRR;
}

/* Recompute pin's request from its line after the line or the entry
 * changed; was: whether it was active before. */
static void sense(struct ioapic *io, unsigned pin, bool was)
{
	uint32_t bit = 1u << pin;
	bool now = pin_active(io, pin);
	if (io->redir[pin] & IOAPIC_LEVEL)
		io->irr = now ? io->irr | bit : io->irr & ~bit;
	else if (now && !was)
		io->irr |= bit;
	service(io, pin);
}

int ioapic_set_pin(struct ioapic *io, unsigned pin, bool level)
{
	if (pin >= IOAPIC_PINS)
		return -EINVAL;
	bool was = pin_active(io, pin);
	io->lines = level ? io->lines | 1u << pin : io->lines & ~(1u << pin);
	sense(io, pin, was);
	return 0;
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		uint64_t *e = &io->redir[i];
		if (!(*e & IOAPIC_REMOTE_IRR) || (*e & IOAPIC_VECTOR) != vector)
			continue;
		*e &= ~IOAPIC_REMOTE_IRR;
		service(io, i);
	}
}

bool ioapic_passes_pic(const struct ioapic *io)
{
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		if ((io->redir[i] & (IOAPIC_MASKED | IOAPIC_DM_MASK)) == IOAPIC_DM_EXTINT)
			return true;
	return false;
}

static uint64_t entry_value(const struct ioapic *io, unsigned pin)
{
	return io->redir[pin] | ((io->irr & (1u << pin)) ? IOAPIC_DELIVS : 0);
}

uint32_t ioapic_read(const struct ioapic *io, uint8_t index)
{
	switch (index) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		return (uint32_t)(io->id & 0xf) << 24;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION;
	}
	unsigned pin = (index - IOAPIC_REG_REDIR) / 2u;
	if (index < IOAPIC_REG_REDIR || pin >= IOAPIC_PINS)
		return 0;
	uint64_t e = entry_value(io, pin);
	return (uint32_t)(index & 1 ? e >> 32 : e);
}

static void write_entry(struct ioapic *io, unsigned pin, bool high, uint32_t val)
{
	uint64_t *e = &io->redir[pin];
	bool was = pin_active(io, pin);
	uint64_t v = high ? (*e & 0xffffffffull) | (uint64_t)val << 32
	                  : (*e & ~0xffffffffull) | val;
	*e = (v & REDIR_WRITABLE) | (*e & IOAPIC_REMOTE_IRR);
	if (!(*e & IOAPIC_LEVEL))
		*e &= ~IOAPIC_REMOTE_IRR;   /* only level requests are in service */
	sense(io, pin, was);
}

void ioapic_write(struct ioapic *io, uint8_t index, uint32_t val)
{
	if (index == IOAPIC_REG_ID) {
		io->id = (uint8_t)((val >> 24) & 0xf);
		return;
	}
	unsigned pin = (index - IOAPIC_REG_REDIR) / 2u;
	if (index < IOAPIC_REG_REDIR || pin >= IOAPIC_PINS)
		return;   /* version, arbitration and reserved are read-only */
	write_entry(io, pin, index & 1, val);
}

int ioapic_mmio(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct ioapic *io = opaque;
	uint8_t *b = data;
	if (offset >= IOAPIC_SIZE || len > IOAPIC_SIZE - offset)
		return -EINVAL;
	if (offset == IOAPIC_WINDOW && len == 4) {
		if (!is_write) {
			uint32_t v = ioapic_read(io, io->sel);
			memcpy(data, &v, 4);   /* x86 is little-endian */
			return 0;
		}
		uint32_t v;
		memcpy(&v, data, 4);
		ioapic_write(io, io->sel, v);
		return 0;
	}
	if (is_write) {
		if (offset == IOAPIC_REGSEL)
			io->sel = b[0];
		return 0;
	}
	memset(data, 0, len);
	if (offset == IOAPIC_REGSEL)
		b[0] = io->sel;
	return 0;
}
