/* ISA interrupt lines as the PC wires them: ISA IRQ n reaches both the
 * 8259 pair (IRQ n) and the I/O APIC. The I/O APIC pin is n, except for
 * IRQ 0 (the PIT), which is pin 2 on PCs; the platform tables say so
 * (IRQ 0 -> GSI 2). A device holds one struct irq_line per output and
 * drives it without knowing which controller the guest uses. */
#ifndef HVMM_IRQ_H
#define HVMM_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#define ISA_NR_IRQS 16

struct pic;
struct ioapic;

/* The controllers every ISA line reaches; a NULL one is not wired. */
struct isa_irqs {
	struct pic *pic;
	struct ioapic *ioapic;
};

/* One device output: ISA IRQ irq of isa; isa NULL: unconnected. */
struct irq_line {
	const struct isa_irqs *isa;
	uint8_t irq;
};

/* The I/O APIC pin (global system interrupt) of ISA IRQ irq. */
static inline unsigned isa_irq_gsi(unsigned irq)
{
	return irq == 0 ? 2 : irq;
}

/* Drive ISA IRQ irq (0-15) on every wired controller. -EINVAL for an
 * IRQ that does not exist. */
int isa_irq_set(const struct isa_irqs *isa, unsigned irq, bool level);

/* A rising then a falling edge: one request on an edge-triggered input. */
int isa_irq_pulse(const struct isa_irqs *isa, unsigned irq);

static inline void irq_line_set(const struct irq_line *l, bool level)
{
	if (l->isa)
		isa_irq_set(l->isa, l->irq, level);
}

static inline void irq_line_pulse(const struct irq_line *l)
{
	if (l->isa)
		isa_irq_pulse(l->isa, l->irq);
}

#endif
