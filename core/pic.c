/* 8259A programmable interrupt controller pair (Intel 8259A datasheet).
 * Modelled: the ICW1-ICW4 sequence, OCW1 mask, OCW2 EOI (non-specific,
 * specific, with or without rotation, set priority), OCW3 (IRR/ISR read
 * select, special mask, poll), auto-EOI, special fully nested mode, edge
 * and level triggering (ICW1.LTIM or the ELCR), the cascade on IR2 and the
 * spurious IR7 answer. Not modelled: 8080/8085 mode and buffered mode
 * (the bits are accepted and ignored). */
#include "core/pic.h"

#include <errno.h>
#include <string.h>

#define ICW1_IC4   0x01
#define ICW1_SNGL  0x02
#define ICW1_LTIM  0x08
#define ICW1_INIT  0x10
#define ICW4_AEOI  0x02
#define ICW4_SFNM  0x10
#define OCW3_SEL   0x08   /* with bit 4 clear: OCW3 rather than OCW2 */
#define OCW3_RR    0x02
#define OCW3_RIS   0x01
#define OCW3_POLL  0x04
#define OCW3_ESMM  0x40
#define OCW3_SMM   0x20

static void chip_reset(struct pic_chip *c, bool is_master)
{
	memset(c, 0, sizeof(*c));
	c->is_master = is_master;
	/* IRQ 0-2 (timer, keyboard, cascade) and IRQ 8 and 13 (RTC, FPU) are
	 * edge-only on the PC chipsets that have an ELCR. */
	c->elcr_mask = is_master ? 0xf8 : 0xde;
}

/* Firmware leaves both chips initialised for the PC vectors. */
void pic_init(struct pic *pic)
{
	chip_reset(&pic->chip[0], true);
	chip_reset(&pic->chip[1], false);
	pic->chip[0].base = PIC_RESET_MASTER_BASE;
	pic->chip[0].icw3 = 1u << PIC_CASCADE_IRQ;
	pic->chip[0].imr = (uint8_t)~(1u << PIC_CASCADE_IRQ);
	pic->chip[1].base = PIC_RESET_SLAVE_BASE;
	pic->chip[1].icw3 = PIC_CASCADE_IRQ;
	pic->chip[1].imr = 0xff;
	pic->intr = false;
}

static bool is_level(const struct pic_chip *c, unsigned n)
{
	return c->ltim || (c->elcr & (1u << n));
}

static void chip_set_line(struct pic_chip *c, unsigned n, bool level)
{
	uint8_t bit = (uint8_t)(1u << n);
	if (level) {
		if (is_level(c, n) || !(c->lines & bit))
			c->irr |= bit;
		c->lines |= bit;
	} else {
		c->lines &= (uint8_t)~bit;
		/* A level request goes away with its line; an edge stays latched. */
		if (is_level(c, n))
			c->irr &= (uint8_t)~bit;
	}
}

/* Priority rank of input n: 0 is the highest. */
static unsigned rank(const struct pic_chip *c, unsigned n)
{
	return (n - c->top) & 7;
}

/* Input with the highest priority in mask, or -1. */
static int highest(const struct pic_chip *c, uint8_t mask)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned n = (c->top + i) & 7;
		if (mask & (1u << n))
			return (int)n;
	}
	return -1;
}

/* The request the chip would signal on INTR, or -1: an unmasked request
 * with a higher priority than everything in service. */
static int chip_pending(const struct pic_chip *c)
{
	int req = highest(c, c->irr & (uint8_t)~c->imr);
	if (req < 0)
		return -1;
	uint8_t cur = c->isr;
	if (c->special_mask)
		cur &= (uint8_t)~c->imr;   /* masked levels do not block lower ones */
	if (c->sfnm && c->is_master)
		cur &= (uint8_t)~c->icw3;  /* a slave may nest its own requests */
	int svc = highest(c, cur);
	if (svc >= 0 && rank(c, (unsigned)req) >= rank(c, (unsigned)svc))
		return -1;
	return req;
}

/* Recompute the cascade line and the master's INTR. */
static void pic_update(struct pic *pic)
{
	struct pic_chip *m = &pic->chip[0];
	chip_set_line(m, PIC_CASCADE_IRQ, chip_pending(&pic->chip[1]) >= 0);
	pic->intr = chip_pending(m) >= 0;
}

int pic_set_irq(struct pic *pic, unsigned irq, bool level)
{
	if (irq >= 16 || irq == PIC_CASCADE_IRQ)
		return -EINVAL;
	chip_set_line(&pic->chip[irq >> 3], irq & 7, level);
	pic_update(pic);
	return 0;
}

int pic_pulse_irq(struct pic *pic, unsigned irq)
{
	int rc = pic_set_irq(pic, irq, true);
	return rc ? rc : pic_set_irq(pic, irq, false);
}

static void chip_ack(struct pic_chip *c, unsigned n)
{
	uint8_t bit = (uint8_t)(1u << n);
	if (!is_level(c, n))
		c->irr &= (uint8_t)~bit;
	if (!c->aeoi)
		c->isr |= bit;
	else if (c->rotate_aeoi)
		c->top = (uint8_t)((n + 1) & 7);
}

int pic_ack(struct pic *pic)
{
	struct pic_chip *m = &pic->chip[0], *s = &pic->chip[1];
	int vec;
	int n = chip_pending(m);
	if (n < 0) {
		vec = m->base | 7;   /* the request went away: spurious IR7 */
	} else {
		chip_ack(m, (unsigned)n);
		if (n == PIC_CASCADE_IRQ && !m->single) {
			/* The slave drops its INT during the cycle: a request still
			 * waiting there (auto-EOI) raises a fresh edge afterwards. */
			m->lines &= (uint8_t)~(1u << PIC_CASCADE_IRQ);
			int k = chip_pending(s);
			if (k < 0) {
				vec = s->base | 7;
			} else {
				chip_ack(s, (unsigned)k);
				vec = s->base + k;
			}
		} else {
			vec = m->base + n;
		}
	}
	pic_update(pic);
	return vec;
}

static void icw1(struct pic_chip *c, uint8_t v)
{
	/* Initialisation clears the mask, the in-service bits, the special
	 * mask and the rotation, and rearms the edge detectors: an input that
	 * is already high must fall and rise again to request. */
	c->imr = 0;
	c->isr = 0;
	c->top = 0;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->aeoi = false;
	c->rotate_aeoi = false;
	c->sfnm = false;
	c->need_icw4 = v & ICW1_IC4;
	c->single = v & ICW1_SNGL;
	c->ltim = v & ICW1_LTIM;
	c->irr = c->lines & (uint8_t)(c->ltim ? 0xff : c->elcr);
	c->init_step = 2;
}

static void ocw2(struct pic_chip *c, uint8_t v)
{
	unsigned cmd = v >> 5, lvl = v & 7;
	int n;

	switch (cmd) {
	case 1:   /* non-specific EOI */
	case 5:   /* rotate on non-specific EOI */
		n = highest(c, c->isr);
		if (n < 0)
			return;
		c->isr &= (uint8_t)~(1u << n);
		if (cmd == 5)
			c->top = (uint8_t)((n + 1) & 7);
		return;
	case 3:   /* specific EOI */
	case 7:   /* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << lvl);
		if (cmd == 7)
			c->top = (uint8_t)((lvl + 1) & 7);
		return;
	case 4:
		c->rotate_aeoi = true;
		return;
	case 0:
		c->rotate_aeoi = false;
		return;
	case 6:   /* set priority: lvl becomes the lowest */
		c->top = (uint8_t)((lvl + 1) & 7);
		return;
	default:  /* 2: no operation */
		return;
	}
}

static void ocw3(struct pic_chip *c, uint8_t v)
{
	if (v & OCW3_RR)
		c->read_isr = v & OCW3_RIS;
	if (v & OCW3_ESMM)
		c->special_mask = v & OCW3_SMM;
	c->poll = v & OCW3_POLL;
}

static void chip_write(struct pic_chip *c, unsigned port, uint8_t v)
{
	if (port == 0) {
		if (v & ICW1_INIT)
			icw1(c, v);
		else if (v & OCW3_SEL)
			ocw3(c, v);
		else
			ocw2(c, v);
		return;
	}
	switch (c->init_step) {
	case 2:
		c->base = v & 0xf8;
		c->init_step = !c->single ? 3 : c->need_icw4 ? 4 : 0;
		break;
	case 3:
		c->icw3 = v;
		c->init_step = c->need_icw4 ? 4 : 0;
		break;
	case 4:
		c->aeoi = v & ICW4_AEOI;
		c->sfnm = v & ICW4_SFNM;
		c->init_step = 0;
		break;
	default:
		c->imr = v;   /* OCW1 */
		break;
	}
}

/* The poll command: the highest request is acknowledged as by INTA and
 * reported as 0x80 | level, or 0 when none is pending. */
static uint8_t chip_poll(struct pic *pic, struct pic_chip *c)
{
	c->poll = false;
	int n = chip_pending(c);
	if (n < 0)
		return 0;
	chip_ack(c, (unsigned)n);
	pic_update(pic);
	return (uint8_t)(0x80 | n);
}

static uint8_t chip_read(struct pic *pic, struct pic_chip *c, unsigned port)
{
	if (c->poll)
		return chip_poll(pic, c);
	if (port == 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

static int chip_io(struct pic *pic, unsigned idx, uint64_t offset, void *data,
                   unsigned len, bool is_write)
{
	struct pic_chip *c = &pic->chip[idx];
	uint8_t *b = data;

	if (offset >= PIC_NR_PORTS || len > PIC_NR_PORTS - offset)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++) {
		unsigned port = (unsigned)offset + i;
		if (is_write)
			chip_write(c, port, b[i]);
		else
			b[i] = chip_read(pic, c, port);
	}
	if (is_write)
		pic_update(pic);
	return 0;
}

int pic_master_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	return chip_io(opaque, 0, offset, data, len, is_write);
}

int pic_slave_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	return chip_io(opaque, 1, offset, data, len, is_write);
}

int pic_elcr_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct pic *pic = opaque;
	uint8_t *b = data;

	if (offset >= PIC_ELCR_NR_PORTS || len > PIC_ELCR_NR_PORTS - offset)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++) {
		struct pic_chip *c = &pic->chip[offset + i];
		if (!is_write) {
			b[i] = c->elcr;
			continue;
		}
		c->elcr = b[i] & c->elcr_mask;
		/* Inputs now in level mode request as long as they are high. */
		c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->lines & c->elcr));
	}
	if (is_write)
		pic_update(pic);
	return 0;
}
