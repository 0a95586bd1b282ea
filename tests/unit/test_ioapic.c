/* I/O APIC: registers, redirection entries, edge and level delivery to the
 * local APIC, remote IRR and its EOI, masks, polarity, destinations,
 * ExtINT, and ISA IRQ routing on the VM (IRQ 0 -> pin 2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/intr.h"
#include "core/ioapic.h"
#include "core/lapic.h"
#include "core/vm.h"
#include "tests/unit/vm_fixture.h"

struct fx {
	struct lapic l;
	struct ioapic io;
};

static void eoi_hook(void *opaque, uint8_t vector)
{
	ioapic_eoi(opaque, vector);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	lapic_init(&f->l, NULL);
	lapic_write(&f->l, LAPIC_SVR, 0x1ff, 0);   /* software-enabled */
	ioapic_init(&f->io, &f->l);
	f->l.eoi_broadcast = eoi_hook;
	f->l.eoi_opaque = &f->io;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint32_t mmio_rd(struct ioapic *io, uint8_t index)
{
	uint32_t v = 0;
	assert_int_equal(ioapic_mmio(io, IOAPIC_REGSEL, &index, 1, true), 0);
	assert_int_equal(ioapic_mmio(io, IOAPIC_WINDOW, &v, 4, false), 0);
	return v;
}

static void mmio_wr(struct ioapic *io, uint8_t index, uint32_t v)
{
	uint32_t sel = index;
	assert_int_equal(ioapic_mmio(io, IOAPIC_REGSEL, &sel, 4, true), 0);
	assert_int_equal(ioapic_mmio(io, IOAPIC_WINDOW, &v, 4, true), 0);
}

static void route(struct ioapic *io, unsigned pin, uint64_t e)
{
	mmio_wr(io, (uint8_t)(IOAPIC_REG_REDIR + 2 * pin + 1), (uint32_t)(e >> 32));
	mmio_wr(io, (uint8_t)(IOAPIC_REG_REDIR + 2 * pin), (uint32_t)e);
}

static uint64_t entry(struct ioapic *io, unsigned pin)
{
	return mmio_rd(io, (uint8_t)(IOAPIC_REG_REDIR + 2 * pin)) |
	       (uint64_t)mmio_rd(io, (uint8_t)(IOAPIC_REG_REDIR + 2 * pin + 1)) << 32;
}

static void eoi(struct lapic *l)
{
	lapic_write(l, LAPIC_EOI, 0, 0);
}

static void test_registers(void **state)
{
	struct fx *f = *state;
	assert_int_equal(mmio_rd(&f->io, IOAPIC_REG_VER), 0x00170011);
	assert_int_equal(mmio_rd(&f->io, IOAPIC_REG_ID), PC_IOAPIC_ID << 24);   /* the tables' ID */
	mmio_wr(&f->io, IOAPIC_REG_ID, 0x0a000000);
	assert_int_equal(mmio_rd(&f->io, IOAPIC_REG_ID), 0x0a000000);
	mmio_wr(&f->io, IOAPIC_REG_VER, 0);                /* read-only */
	assert_int_equal(mmio_rd(&f->io, IOAPIC_REG_VER), 0x00170011);
	uint8_t sel = 0;
	assert_int_equal(ioapic_mmio(&f->io, IOAPIC_REGSEL, &sel, 1, false), 0);
	assert_int_equal(sel, IOAPIC_REG_VER);
	for (unsigned p = 0; p < IOAPIC_PINS; p++)
		assert_int_equal(entry(&f->io, p), IOAPIC_MASKED);
	/* Read-only bits keep their value; the rest reads back. */
	route(&f->io, 5, 0xff00000000000000ull | IOAPIC_MASKED | IOAPIC_LEVEL |
	                 IOAPIC_LOW_ACTIVE | IOAPIC_LOGICAL | IOAPIC_DM_LOWEST | 0x41 |
	                 IOAPIC_REMOTE_IRR | IOAPIC_DELIVS);
	assert_int_equal(entry(&f->io, 5), 0xff00000000000000ull | IOAPIC_MASKED |
	                 IOAPIC_LEVEL | IOAPIC_LOW_ACTIVE | IOAPIC_LOGICAL |
	                 IOAPIC_DM_LOWEST | 0x41);           /* idle line: nothing waits */
	ioapic_set_pin(&f->io, 5, true);                     /* asserted, masked: waits */
	assert_true(entry(&f->io, 5) & IOAPIC_DELIVS);
	assert_int_equal(mmio_rd(&f->io, IOAPIC_REG_REDIR + 2 * IOAPIC_PINS), 0);
	assert_int_equal(ioapic_set_pin(&f->io, IOAPIC_PINS, true), -EINVAL);
}

static void test_edge(void **state)
{
	struct fx *f = *state;
	route(&f->io, 4, 0x31);
	ioapic_set_pin(&f->io, 4, true);
	assert_true(f->l.intr);
	assert_int_equal(lapic_ack(&f->l), 0x31);
	assert_int_equal(f->l.tmr[1], 0);                /* edge: TMR clear */
	ioapic_set_pin(&f->io, 4, true);                 /* no new edge */
	assert_false(f->l.intr);
	eoi(&f->l);
	ioapic_set_pin(&f->io, 4, false);
	ioapic_set_pin(&f->io, 4, true);
	assert_int_equal(lapic_ack(&f->l), 0x31);
	eoi(&f->l);

	/* An edge that comes while masked waits, shown as delivery status. */
	ioapic_set_pin(&f->io, 4, false);
	route(&f->io, 4, IOAPIC_MASKED | 0x31);
	ioapic_set_pin(&f->io, 4, true);
	assert_false(f->l.intr);
	assert_true(entry(&f->io, 4) & IOAPIC_DELIVS);
	route(&f->io, 4, 0x31);
	assert_false(entry(&f->io, 4) & IOAPIC_DELIVS);
	assert_int_equal(lapic_ack(&f->l), 0x31);
}

static void test_level_remote_irr(void **state)
{
	struct fx *f = *state;
	route(&f->io, 9, IOAPIC_LEVEL | 0x52);
	ioapic_set_pin(&f->io, 9, true);
	assert_true(entry(&f->io, 9) & IOAPIC_REMOTE_IRR);
	assert_int_equal(lapic_ack(&f->l), 0x52);
	assert_int_equal(f->l.tmr[0x52 >> 5], 1u << (0x52 & 31));
	/* Still active at the EOI: remote IRR clears and it comes again. */
	eoi(&f->l);
	assert_true(entry(&f->io, 9) & IOAPIC_REMOTE_IRR);
	assert_int_equal(lapic_ack(&f->l), 0x52);
	/* Inactive by the EOI: nothing more. */
	ioapic_set_pin(&f->io, 9, false);
	eoi(&f->l);
	assert_false(entry(&f->io, 9) & IOAPIC_REMOTE_IRR);
	assert_false(f->l.intr);
	assert_int_equal(f->l.tmr[0x52 >> 5], 0);
	/* An edge vector's EOI does not touch level pins. */
	route(&f->io, 3, 0x53);
	ioapic_set_pin(&f->io, 9, true);
	ioapic_set_pin(&f->io, 3, true);
	assert_int_equal(lapic_ack(&f->l), 0x53);
	eoi(&f->l);
	assert_true(entry(&f->io, 9) & IOAPIC_REMOTE_IRR);
}

static void test_polarity_and_dest(void **state)
{
	struct fx *f = *state;
	/* A low-active level pin (ACPI's SCI): the line is given as asserted
	 * or not, so an idle line requests nothing; an asserted one does. */
	route(&f->io, 10, IOAPIC_LEVEL | IOAPIC_LOW_ACTIVE | 0x60);
	assert_false(f->l.intr);
	assert_true(entry(&f->io, 10) & IOAPIC_LOW_ACTIVE);     /* kept, read back */
	ioapic_set_pin(&f->io, 10, true);
	assert_int_equal(lapic_ack(&f->l), 0x60);
	ioapic_set_pin(&f->io, 10, false);
	eoi(&f->l);
	assert_false(f->l.intr);

	/* Physical destination 1 is not APIC 0: the message is lost. */
	route(&f->io, 11, 0x0100000000000000ull | 0x61);
	ioapic_set_pin(&f->io, 11, true);
	assert_false(f->l.intr);
	/* Logical flat destination matching LDR bit 0. */
	lapic_write(&f->l, LAPIC_LDR, 0x01000000, 0);
	route(&f->io, 12, 0x0100000000000000ull | IOAPIC_LOGICAL | 0x62);
	ioapic_set_pin(&f->io, 12, true);
	assert_int_equal(lapic_ack(&f->l), 0x62);
	/* NMI messages are counted, not delivered. */
	route(&f->io, 13, IOAPIC_DM_NMI);
	ioapic_set_pin(&f->io, 13, true);
	assert_int_equal(f->io.nmi_dropped, 1);
	assert_false(f->l.intr);
}

static void test_extint(void **state)
{
	struct fx *f = *state;
	assert_false(ioapic_passes_pic(&f->io));
	route(&f->io, 0, IOAPIC_DM_EXTINT);
	assert_true(ioapic_passes_pic(&f->io));
	route(&f->io, 0, IOAPIC_DM_EXTINT | IOAPIC_MASKED);
	assert_false(ioapic_passes_pic(&f->io));
}

static void vm_route(struct vm *vm, unsigned pin, uint32_t lo)
{
	uint8_t index = (uint8_t)(IOAPIC_REG_REDIR + 2 * pin);
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, IOAPIC_BASE, &index, 1, true), 0);
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, IOAPIC_BASE + IOAPIC_WINDOW, &lo, 4, true),
	                 0);
}

/* ISA IRQ 0 is pin 2, IRQ 4 pin 4; both reach the PIC as well. */
static void test_isa_routing_on_vm(void **state)
{
	struct vm *vm = *state;
	assert_string_equal(bus_find(&vm->bus, BUS_MMIO, IOAPIC_BASE)->name, "ioapic");
	lapic_write(&vm->lapic, LAPIC_SVR, 0x1ff, 0);
	lapic_write(&vm->lapic, LAPIC_LVT_LINT0, LAPIC_LVT_MASKED, 0);
	vm_route(vm, 2, 0x30);
	vm_route(vm, 4, IOAPIC_LEVEL | 0x34);
	isa_irq_pulse(&vm->isa, 0);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x30);
	assert_int_equal(vm->pic.chip[0].irr & 1, 1);    /* the PIC saw it too */
	lapic_write(&vm->lapic, LAPIC_EOI, 0, 0);
	isa_irq_set(&vm->isa, 4, true);
	assert_int_equal(vm_intr_ack(vm), 0x34);
	isa_irq_set(&vm->isa, 4, false);
	lapic_write(&vm->lapic, LAPIC_EOI, 0, 0);         /* through the VM's hook */
	assert_false(vm->ioapic.redir[4] & IOAPIC_REMOTE_IRR);
	assert_false(vm_intr_pending(vm));
	/* An ExtINT pin lets the 8259 through while LINT0 is masked. */
	vm->pic.chip[0].imr = 0xf9;                      /* IRQ 1 and the cascade */
	isa_irq_pulse(&vm->isa, 1);
	assert_false(vm_intr_pending(vm));
	vm_route(vm, 0, IOAPIC_DM_EXTINT);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), PIC_RESET_MASTER_BASE + 1);
	assert_int_equal(isa_irq_set(&vm->isa, 2, true), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_remote_irr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_polarity_and_dest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isa_routing_on_vm, setup_vm, teardown_vm),
	};
	return cmocka_run_group_tests_name("ioapic", tests, NULL, NULL);
}
