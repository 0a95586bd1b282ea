/* The 8259A pair as the PC wires it: master at ports 0x20-0x21, slave at
 * 0xa0-0xa1 cascaded on the master's IR2, and the edge/level control
 * registers (ELCR) at 0x4d0-0x4d1. IRQ n is master input n (n < 8) or
 * slave input n - 8. */
#ifndef HVMM_PIC_H
#define HVMM_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_BASE 0x20
#define PIC_SLAVE_BASE  0xa0
#define PIC_NR_PORTS    2
#define PIC_ELCR_BASE   0x4d0
#define PIC_ELCR_NR_PORTS 2
#define PIC_CASCADE_IRQ 2

/* Vector bases and masks the VM starts with, as firmware leaves them:
 * both chips initialised, every input but the cascade masked. */
#define PIC_RESET_MASTER_BASE 0x08
#define PIC_RESET_SLAVE_BASE  0x70

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t lines;       /* input levels last seen, for edge detection */
	uint8_t elcr;        /* inputs in level mode (ELCR) */
	uint8_t elcr_mask;   /* ELCR bits that exist */
	uint8_t base;        /* ICW2: vector of input 0 */
	uint8_t icw3;
	uint8_t top;         /* input with the highest priority (rotation) */
	uint8_t init_step;   /* 0: operational; 2, 3, 4: next ICW expected */
	bool need_icw4, single, ltim;
	bool aeoi, rotate_aeoi, sfnm;
	bool read_isr;       /* OCW3: a read of port 0 returns ISR, not IRR */
	bool special_mask;
	bool poll;           /* OCW3 poll command: next port 0 read polls */
	bool is_master;
};

struct pic {
	struct pic_chip chip[2];   /* [0] master, [1] slave */
	bool intr;                 /* master INTR output, kept current */
};

void pic_init(struct pic *pic);

/* Drive the input line of IRQ irq (0-15, not the cascade input 2).
 * Edge-mode inputs latch a request on a rising edge; level-mode inputs
 * follow the line. Returns 0 or -EINVAL. */
int pic_set_irq(struct pic *pic, unsigned irq, bool level);

/* A rising then a falling edge: one request on an edge-mode input. */
int pic_pulse_irq(struct pic *pic, unsigned irq);

/* The interrupt-acknowledge cycle: the vector of the highest-priority
 * request, put in service (cascaded through the slave when it is IR2).
 * With no request left, the chip's spurious vector (IR7 of the master,
 * or of the slave after a cascade), nothing put in service. */
int pic_ack(struct pic *pic);

/* bus_handler_fn for the master (ports 0x20-0x21), the slave (0xa0-0xa1)
 * and the ELCR pair (0x4d0-0x4d1); opaque is the struct pic. A wider
 * access touches consecutive ports, one byte each. */
int pic_master_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);
int pic_slave_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);
int pic_elcr_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);

#endif
