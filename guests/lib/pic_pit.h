/* The legacy interrupt controller pair (8259A master and slave) and the
 * interval timer (8254), programmed through port I/O. Header only. */
#ifndef GUESTS_LIB_PIC_PIT_H
#define GUESTS_LIB_PIC_PIT_H

#include "lib/rt.h"

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1
#define PIC_ICW1_INIT	0x11	/* edge triggered, cascade, ICW4 follows */
#define PIC_ICW4_8086	0x01
#define PIC_EOI		0x20	/* OCW2: non-specific end of interrupt */
#define PIC_READ_ISR	0x0b	/* OCW3: the next command-port read gives ISR */
#define PIC_CASCADE_IRQ	2	/* the slave's INT is on the master's IRQ 2 */

#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define PIT_HZ		1193182	/* input clock of the 8254 counters */
#define PIT_MODE_RATE	2	/* mode 2: rate generator */
#define PIT_MODE_SQUARE	3	/* mode 3: square wave */

/* ICW1-4 to both controllers: IRQ 0-7 on vectors base1..base1+7, IRQ 8-15
 * on base2..base2+7 (both multiples of 8), then the interrupt masks (a set
 * bit masks that IRQ). */
static inline void pic_init(uint8_t base1, uint8_t base2, uint8_t mask1,
			    uint8_t mask2)
{
	outb(PIC1_CMD, PIC_ICW1_INIT);
	outb(PIC2_CMD, PIC_ICW1_INIT);
	outb(PIC1_DATA, base1);
	outb(PIC2_DATA, base2);
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);	/* ICW3: where the slave is */
	outb(PIC2_DATA, PIC_CASCADE_IRQ);	/* ICW3: the slave's identity */
	outb(PIC1_DATA, PIC_ICW4_8086);
	outb(PIC2_DATA, PIC_ICW4_8086);
	outb(PIC1_DATA, mask1);
	outb(PIC2_DATA, mask2);
}

static inline void pic_set_masks(uint8_t mask1, uint8_t mask2)
{
	outb(PIC1_DATA, mask1);
	outb(PIC2_DATA, mask2);
}

/* The in-service register of the master (slave = 0) or the slave. */
static inline uint8_t pic_read_isr(int slave)
{
	uint16_t cmd = slave ? PIC2_CMD : PIC1_CMD;

	outb(cmd, PIC_READ_ISR);
	return inb(cmd);
}

/* End of interrupt for IRQ irq (0-15): the slave's IRQs need both. */
static inline void pic_eoi(unsigned int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
}

/* Counter 0, low then high byte of reload, binary counting, in mode 2 or
 * 3: a periodic IRQ 0 at PIT_HZ / reload. */
static inline void pit_start(unsigned int mode, uint16_t reload)
{
	outb(PIT_CMD, (uint8_t)(0x30 | (mode << 1)));
	outb(PIT_CH0, (uint8_t)reload);
	outb(PIT_CH0, (uint8_t)(reload >> 8));
}

#endif
