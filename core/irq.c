/* ISA interrupt routing to the 8259 pair and the I/O APIC. IRQ 2 is the
 * 8259's cascade input and no ISA device drives it; its I/O APIC pin
 * belongs to IRQ 0. */
#include "core/irq.h"

#include <errno.h>

#include "core/ioapic.h"
#include "core/pic.h"

int isa_irq_set(const struct isa_irqs *isa, unsigned irq, bool level)
{
	if (irq >= ISA_NR_IRQS || irq == PIC_CASCADE_IRQ)
		return -EINVAL;
	if (isa->pic)
		pic_set_irq(isa->pic, irq, level);
	if (isa->ioapic)
		ioapic_set_pin(isa->ioapic, isa_irq_gsi(irq), level);
	return 0;
}

int isa_irq_pulse(const struct isa_irqs *isa, unsigned irq)
{
	int rc = isa_irq_set(isa, irq, true);
	return rc ? rc : isa_irq_set(isa, irq, false);
}
