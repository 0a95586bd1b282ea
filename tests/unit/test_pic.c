/* 8259A pair: initialisation, masks, priority, EOI, spurious answers,
 * the cascade, auto-EOI, ELCR and the state the VM starts with. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "core/pic.h"
#include "core/vm.h"

static void wr(struct pic *p, unsigned chip, unsigned port, uint8_t v)
{
	int (*fn)(void *, uint64_t, void *, unsigned, bool) = chip ? pic_slave_io : pic_master_io;
	assert_int_equal(fn(p, port, &v, 1, true), 0);
}

static uint8_t rd(struct pic *p, unsigned chip, unsigned port)
{
	int (*fn)(void *, uint64_t, void *, unsigned, bool) = chip ? pic_slave_io : pic_master_io;
	uint8_t v = 0;
	assert_int_equal(fn(p, port, &v, 1, false), 0);
	return v;
}

/* The sequence Linux and most firmware use: cascade, 8086 mode. */
static void init_pair(struct pic *p, uint8_t icw4)
{
	pic_init(p);
	wr(p, 0, 0, 0x11);
	wr(p, 0, 1, 0x20);
	wr(p, 0, 1, 0x04);
	wr(p, 0, 1, icw4);
	wr(p, 1, 0, 0x11);
	wr(p, 1, 1, 0x28);
	wr(p, 1, 1, 0x02);
	wr(p, 1, 1, icw4);
}

static uint8_t isr(struct pic *p, unsigned chip)
{
	wr(p, chip, 0, 0x0b);   /* OCW3: read ISR */
	uint8_t v = rd(p, chip, 0);
	wr(p, chip, 0, 0x0a);   /* back to IRR */
	return v;
}

static void test_init_sequence(void **state)
{
	(void)state;
	struct pic p;
	init_pair(&p, 0x01);
	assert_int_equal(p.chip[0].base, 0x20);
	assert_int_equal(p.chip[1].base, 0x28);
	assert_int_equal(p.chip[0].init_step, 0);
	assert_int_equal(p.chip[1].init_step, 0);
	assert_int_equal(rd(&p, 0, 1), 0x00);   /* ICW1 clears the mask */
	wr(&p, 0, 1, 0xfa);                     /* OCW1 */
	assert_int_equal(rd(&p, 0, 1), 0xfa);
	wr(&p, 1, 1, 0x5a);
	assert_int_equal(rd(&p, 1, 1), 0x5a);

	/* A single chip without ICW4 takes ICW2 only. */
	wr(&p, 0, 0, 0x12);
	wr(&p, 0, 1, 0x40);
	assert_int_equal(p.chip[0].init_step, 0);
	assert_int_equal(p.chip[0].base, 0x40);
	wr(&p, 0, 1, 0x33);
	assert_int_equal(rd(&p, 0, 1), 0x33);   /* next write is OCW1 */
	/* ICW2 keeps only bits 7:3. */
	init_pair(&p, 0x01);
	wr(&p, 0, 0, 0x11);
	wr(&p, 0, 1, 0x47);
	assert_int_equal(p.chip[0].base, 0x40);
}

static void test_reset_state_on_vm(void **state)
{
	(void)state;
	struct vm *vm = malloc(sizeof(*vm));
	struct vm_config cfg = { .ram_size = 16 << 20, .serial_out_fd = -1, .serial_in_fd = -1 };
	assert_non_null(vm);
	assert_int_equal(vm_init(vm, &cfg), 0);
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, 0x20)->name, "pic-master");
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, 0xa1)->name, "pic-slave");
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, 0x4d1)->name, "elcr");
	uint8_t v;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x21, &v, 1, false), 0);
	assert_int_equal(v, 0xfb);   /* only the cascade unmasked */
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0xa1, &v, 1, false), 0);
	assert_int_equal(v, 0xff);
	assert_int_equal(vm->pic.chip[0].base, 0x08);
	assert_int_equal(vm->pic.chip[1].base, 0x70);
	assert_false(vm->pic.intr);

	/* Unmask IRQ 1 through the bus; a request then reaches INTR. */
	v = 0xf9;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x21, &v, 1, true), 0);
	assert_int_equal(pic_set_irq(&vm->pic, 1, true), 0);
	assert_true(vm->pic.intr);
	assert_int_equal(pic_ack(&vm->pic), 0x09);

	/* A 16-bit access covers both ports of a chip. */
	uint16_t w = 0;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x20, &w, 2, false), 0);
	assert_int_equal(w >> 8, 0xf9);
	vm_destroy(vm);
	free(vm);
}

static void test_mask_and_priority(void **state)
{
	(void)state;
	struct pic p;
	init_pair(&p, 0x01);
	assert_false(p.intr);

	pic_set_irq(&p, 3, true);
	pic_set_irq(&p, 1, true);
	assert_int_equal(rd(&p, 0, 0), 0x0a);   /* IRR */
	assert_true(p.intr);
	assert_int_equal(pic_ack(&p), 0x21);    /* IRQ 1 beats IRQ 3 */
	assert_int_equal(isr(&p, 0), 0x02);
	assert_false(p.intr);                   /* IRQ 3 waits for the EOI */

	pic_set_irq(&p, 0, true);               /* higher than what is in service */
	assert_true(p.intr);
	assert_int_equal(pic_ack(&p), 0x20);
	assert_int_equal(isr(&p, 0), 0x03);
	wr(&p, 0, 0, 0x20);                     /* non-specific EOI: IRQ 0 */
	assert_int_equal(isr(&p, 0), 0x02);
	assert_false(p.intr);
	wr(&p, 0, 0, 0x20);
	assert_int_equal(isr(&p, 0), 0x00);
	assert_true(p.intr);

	/* Masking holds the request in IRR; unmasking releases it. */
	wr(&p, 0, 1, 0x08);
	assert_false(p.intr);
	assert_int_equal(rd(&p, 0, 0), 0x08);
	wr(&p, 0, 1, 0x00);
	assert_true(p.intr);
	assert_int_equal(pic_ack(&p), 0x23);
	wr(&p, 0, 0, 0x63);                     /* specific EOI for IRQ 3 */
	assert_int_equal(isr(&p, 0), 0x00);

	assert_int_equal(pic_set_irq(&p, 16, true), -EINVAL);
	assert_int_equal(pic_set_irq(&p, 2, true), -EINVAL);
}

static void test_edge_detection(void **state)
{
	(void)state;
	struct pic p;
	init_pair(&p, 0x01);
	pic_set_irq(&p, 4, true);
	assert_int_equal(pic_ack(&p), 0x24);
	wr(&p, 0, 0, 0x20);
	pic_set_irq(&p, 4, true);               /* still high: no new edge */
	assert_false(p.intr);
	pic_set_irq(&p, 4, false);
	pic_set_irq(&p, 4, true);
	assert_true(p.intr);
	/* An edge request stays latched after the line falls. */
	pic_set_irq(&p, 4, false);
	assert_true(p.intr);
	assert_int_equal(pic_ack(&p), 0x24);
	wr(&p, 0, 0, 0x20);
	/* A pulse is one request. */
	assert_int_equal(pic_pulse_irq(&p, 5), 0);
	assert_int_equal(pic_ack(&p), 0x25);
	wr(&p, 0, 0, 0x20);
	assert_false(p.intr);
}

static void test_spurious(void **state)
{
	(void)state;
	struct pic p;
	init_pair(&p, 0x01);
	/* The request is masked between INTR and INTA. */
	pic_set_irq(&p, 5, true);
	assert_true(p.intr);
	wr(&p, 0, 1, 0x20);
	assert_false(p.intr);
	assert_int_equal(pic_ack(&p), 0x27);
	assert_int_equal(isr(&p, 0), 0x00);     /* spurious IR7 is not in service */

	/* A level-mode line falls before the acknowledge. */
	wr(&p, 0, 1, 0x00);
	pic_set_irq(&p, 5, false);
	uint8_t elcr = 0x20;
	assert_int_equal(pic_elcr_io(&p, 0, &elcr, 1, true), 0);
	p.chip[0].irr = 0;
	pic_set_irq(&p, 5, true);
	assert_true(p.intr);
	pic_set_irq(&p, 5, false);
	assert_false(p.intr);
	assert_int_equal(pic_ack(&p), 0x27);

	/* The same on the slave: the master's cascade input stays latched,
	 * the slave answers its own IR7. */
	elcr = 0x04;   /* IRQ 10 level */
	assert_int_equal(pic_elcr_io(&p, 1, &elcr, 1, true), 0);
	pic_set_irq(&p, 10, true);
	assert_true(p.intr);
	pic_set_irq(&p, 10, false);
	assert_true(p.intr);
	assert_int_equal(pic_ack(&p), 0x2f);
	assert_int_equal(isr(&p, 0), 0x04);     /* the master did acknowledge IR2 */
	assert_int_equal(isr(&p, 1), 0x00);
}

static void test_cascade(void **state)
{
	(void)state;
	struct pic p;
	init_pair(&p, 0x01);
	pic_set_irq(&p, 12, true);
	assert_true(p.intr);
	assert_int_equal(pic_ack(&p), 0x2c);
	assert_int_equal(isr(&p, 0), 0x04);
	assert_int_equal(isr(&p, 1), 0x10);

	/* IRQ 1 outranks the cascade in service; IRQ 3 does not. */
	pic_set_irq(&p, 3, true);
	assert_false(p.intr);
	pic_set_irq(&p, 1, true);
	assert_int_equal(pic_ack(&p), 0x21);
	wr(&p, 0, 0, 0x20);                     /* EOI for IRQ 1 */

	/* A higher slave request waits behind the master's IR2 in service
	 * (fully nested mode) and IRQ 3 behind it. */
	pic_set_irq(&p, 8, true);
	assert_false(p.intr);
	wr(&p, 1, 0, 0x20);                     /* slave EOI: IRQ 12 */
	wr(&p, 0, 0, 0x20);                     /* master EOI: IR2 */
	assert_true(p.intr);
	assert_int_equal(pic_ack(&p), 0x28);
	wr(&p, 1, 0, 0x20);
	wr(&p, 0, 0, 0x20);
	assert_int_equal(pic_ack(&p), 0x23);

	/* A masked slave input never reaches the master. */
	wr(&p, 0, 0, 0x20);
	wr(&p, 1, 1, 0x01);
	pic_set_irq(&p, 8, false);
	pic_set_irq(&p, 8, true);
	assert_false(p.intr);
	/* A masked cascade input hides the whole slave. */
	wr(&p, 1, 1, 0x00);
	wr(&p, 0, 1, 0x04);
	assert_false(p.intr);
	wr(&p, 0, 1, 0x00);
	assert_int_equal(pic_ack(&p), 0x28);
}

static void test_auto_eoi(void **state)
{
	(void)state;
	struct pic p;
	init_pair(&p, 0x03);
	pic_set_irq(&p, 6, true);
	pic_set_irq(&p, 14, true);
	pic_set_irq(&p, 15, true);
	assert_int_equal(pic_ack(&p), 0x2e);
	assert_int_equal(isr(&p, 0), 0);
	assert_int_equal(isr(&p, 1), 0);
	/* The slave's next request needs no EOI either. */
	assert_true(p.intr);
	assert_int_equal(pic_ack(&p), 0x2f);
	assert_int_equal(pic_ack(&p), 0x26);
	assert_false(p.intr);
}

static void test_rotation_and_poll(void **state)
{
	(void)state;
	struct pic p;
	init_pair(&p, 0x01);
	pic_set_irq(&p, 1, true);
	assert_int_equal(pic_ack(&p), 0x21);
	wr(&p, 0, 0, 0xa0);                     /* rotate on non-specific EOI */
	/* IRQ 1 is now the lowest: IRQ 2.. 7, 0, 1 in that order. */
	pic_set_irq(&p, 0, true);
	pic_set_irq(&p, 5, true);
	assert_int_equal(pic_ack(&p), 0x25);
	wr(&p, 0, 0, 0x20);
	assert_int_equal(pic_ack(&p), 0x20);
	wr(&p, 0, 0, 0x20);
	wr(&p, 0, 0, 0xc7);                     /* set priority: IRQ 7 lowest */
	assert_int_equal(p.chip[0].top, 0);

	/* Poll: the request is acknowledged by the read. */
	pic_set_irq(&p, 6, true);
	wr(&p, 0, 0, 0x0c);
	assert_int_equal(rd(&p, 0, 0), 0x86);
	assert_int_equal(isr(&p, 0), 0x40);
	wr(&p, 0, 0, 0x0c);
	assert_int_equal(rd(&p, 0, 0), 0x00);
}

static void test_elcr(void **state)
{
	(void)state;
	struct pic p;
	init_pair(&p, 0x01);
	uint16_t w = 0xffff;
	assert_int_equal(pic_elcr_io(&p, 0, &w, 2, true), 0);
	w = 0;
	assert_int_equal(pic_elcr_io(&p, 0, &w, 2, false), 0);
	assert_int_equal(w, 0xdef8);            /* IRQ 0-2, 8, 13 stay edge */

	/* A level input requests again after EOI while it stays high. */
	pic_set_irq(&p, 11, true);
	assert_int_equal(pic_ack(&p), 0x2b);
	assert_false(p.intr);
	wr(&p, 1, 0, 0x20);
	wr(&p, 0, 0, 0x20);
	assert_true(p.intr);
	assert_int_equal(pic_ack(&p), 0x2b);
	pic_set_irq(&p, 11, false);             /* the handler quiets the device */
	wr(&p, 1, 0, 0x20);
	wr(&p, 0, 0, 0x20);
	assert_false(p.intr);
	assert_int_equal(pic_elcr_io(&p, 2, &w, 1, false), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_sequence),
		cmocka_unit_test(test_reset_state_on_vm),
		cmocka_unit_test(test_mask_and_priority),
		cmocka_unit_test(test_edge_detection),
		cmocka_unit_test(test_spurious),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_auto_eoi),
		cmocka_unit_test(test_rotation_and_poll),
		cmocka_unit_test(test_elcr),
	};
	return cmocka_run_group_tests_name("pic", tests, NULL, NULL);
}
