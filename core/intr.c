/* Interrupt routing between the devices and the CPU. The local APIC
 * delivers its own vectors; the 8259's INTR passes through LINT0 when that
 * is ExtINT and unmasked, or when the APIC is software-disabled (the
 * "virtual wire" of firmware). APIC vectors are served first. */
#include "core/intr.h"

#include "core/vm.h"

#define COM1_IRQ 4

bool vm_intr_pending(struct vm *vm)
{
	return vm->lapic.intr || (vm->pic.intr && lapic_passes_pic(&vm->lapic));
}

int vm_intr_ack(struct vm *vm)
{
	int v = lapic_ack(&vm->lapic);
	if (v >= 0)
		return v;
	if (vm->pic.intr && lapic_passes_pic(&vm->lapic))
		return pic_ack(&vm->pic);
	return -1;
}

void vm_timers_update(struct vm *vm)
{
	uint64_t now = vclock_now_ns(&vm->clock);
	pit_update(&vm->pit, now);
	lapic_timer_update(&vm->lapic, now);
	cmos_update(&vm->cmos, now);
	/* COM1's line is a level the UART computes; sampling it here keeps
	 * IRQ 4 as current as the timers. */
	pic_set_irq(&vm->pic, COM1_IRQ, uart8250_irq_asserted(&vm->com1));
}

uint64_t vm_timers_deadline(struct vm *vm)
{
	uint64_t d = pit_deadline(&vm->pit);
	uint64_t t = lapic_timer_deadline(&vm->lapic);
	if (t < d)
		d = t;
	t = cmos_deadline(&vm->cmos);
	return t < d ? t : d;
}

uint64_t vm_intr_get_cr8(struct vm *vm)
{
	return vm->lapic.tpr >> 4;
}

void vm_intr_set_cr8(struct vm *vm, uint64_t cr8)
{
	lapic_set_tpr(&vm->lapic, (uint8_t)((cr8 & 0xf) << 4));
}
