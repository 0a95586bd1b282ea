/* Local APIC: reset state, enable, TPR/PPR, self-IPIs (NMI ones too), the
 * global enable of IA32_APIC_BASE, acknowledge and
 * EOI order, the timer in one-shot and periodic modes with the divider,
 * access widths, and the MMIO page on a VM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "core/intr.h"
#include "core/lapic.h"
#include "core/vm.h"

static uint32_t rd(struct lapic *l, uint32_t off)
{
	return lapic_read(l, off, 0);
}

static void wr(struct lapic *l, uint32_t off, uint32_t v)
{
	lapic_write(l, off, v, 0);
}

static bool in(const uint32_t r[8], unsigned v)
{
	return r[v >> 5] & (1u << (v & 31));
}

static void enabled(struct lapic *l)
{
	lapic_init(l, NULL);
	wr(l, LAPIC_SVR, 0x1ff);
}

/* A whole VM, for the APIC on its MMIO page. */
static struct vm *new_vm(void)
{
	struct vm *vm = malloc(sizeof(*vm));
	struct vm_config cfg = { .ram_size = 16 << 20, .serial_out_fd = -1, .serial_in_fd = -1 };
	assert_non_null(vm);
	assert_int_equal(vm_init(vm, &cfg), 0);
	return vm;
}

static void free_vm(struct vm *vm)
{
	vm_destroy(vm);
	free(vm);
}

static void test_reset_state(void **state)
{
	(void)state;
	struct lapic l;
	lapic_init(&l, NULL);
	assert_int_equal(rd(&l, LAPIC_ID), 0);
	assert_int_equal(rd(&l, LAPIC_VER), 0x00050014);
	assert_int_equal(rd(&l, LAPIC_SVR), 0xff);
	assert_int_equal(rd(&l, LAPIC_DFR), 0xffffffff);
	assert_false(lapic_enabled(&l));
	/* Disabled: every LVT reads masked, but the PIC passes. */
	assert_int_equal(rd(&l, LAPIC_LVT_LINT0), 0x10700);
	assert_int_equal(rd(&l, LAPIC_LVT_LINT1), 0x10400);
	assert_int_equal(rd(&l, LAPIC_LVT_TIMER), 0x10000);
	assert_true(lapic_passes_pic(&l));
	/* Enabled: the firmware's virtual wire shows. */
	wr(&l, LAPIC_SVR, 0x1ff);
	assert_true(lapic_enabled(&l));
	assert_int_equal(rd(&l, LAPIC_LVT_LINT0), 0x700);
	assert_int_equal(rd(&l, LAPIC_LVT_LINT1), 0x400);
	assert_int_equal(rd(&l, LAPIC_LVT_ERROR), 0x10000);
	assert_true(lapic_passes_pic(&l));
	wr(&l, LAPIC_LVT_LINT0, 0x10700);
	assert_false(lapic_passes_pic(&l));
	wr(&l, LAPIC_LVT_LINT0, 0x00000);    /* fixed, unmasked: not ExtINT */
	assert_false(lapic_passes_pic(&l));

	/* Software disable masks the LVTs for good; writes stay masked. */
	wr(&l, LAPIC_LVT_LINT0, 0x700);
	wr(&l, LAPIC_SVR, 0x0ff);
	wr(&l, LAPIC_LVT_LINT1, 0x400);
	wr(&l, LAPIC_SVR, 0x1ff);
	assert_int_equal(rd(&l, LAPIC_LVT_LINT0), 0x10700);
	assert_int_equal(rd(&l, LAPIC_LVT_LINT1), 0x10400);

	/* Writable bits only. */
	wr(&l, LAPIC_ID, 0x0affffff);
	assert_int_equal(rd(&l, LAPIC_ID), 0x0a000000);
	wr(&l, LAPIC_LDR, 0x12345678);
	assert_int_equal(rd(&l, LAPIC_LDR), 0x12000000);
	wr(&l, LAPIC_DFR, 0x0);
	assert_int_equal(rd(&l, LAPIC_DFR), 0x0fffffff);
	wr(&l, LAPIC_LVT_TIMER, 0xffffffff);
	assert_int_equal(rd(&l, LAPIC_LVT_TIMER), 0x300ff);   /* no TSC-deadline */
	wr(&l, LAPIC_VER, 0);
	assert_int_equal(rd(&l, LAPIC_VER), 0x00050014);
}

static void test_tpr_ppr(void **state)
{
	(void)state;
	struct lapic l;
	lapic_init(&l, NULL);
	lapic_accept(&l, 0x45);
	assert_false(l.intr);                /* held while disabled */
	wr(&l, LAPIC_SVR, 0x1ff);
	assert_true(l.intr);
	assert_true(in(l.irr, 0x45));
	assert_int_equal(rd(&l, LAPIC_IRR + 0x20), 1u << 5);

	wr(&l, LAPIC_TPR, 0x50);
	assert_int_equal(rd(&l, LAPIC_PPR), 0x50);
	assert_false(l.intr);
	wr(&l, LAPIC_TPR, 0x4f);             /* same class: still blocked */
	assert_false(l.intr);
	wr(&l, LAPIC_TPR, 0x3f);
	assert_true(l.intr);
	assert_int_equal(lapic_ack(&l), 0x45);
	assert_int_equal(rd(&l, LAPIC_PPR), 0x40);   /* ISR class over TPR */
	wr(&l, LAPIC_TPR, 0x60);
	assert_int_equal(rd(&l, LAPIC_PPR), 0x60);
	assert_int_equal(lapic_ack(&l), -1);
}

static void test_ack_eoi_order(void **state)
{
	(void)state;
	struct lapic l;
	enabled(&l);
	lapic_accept(&l, 0x30);
	lapic_accept(&l, 0x80);
	assert_int_equal(lapic_ack(&l), 0x80);
	assert_true(in(l.isr, 0x80));
	assert_false(in(l.irr, 0x80));
	assert_false(l.intr);                /* 0x30 is below the one in service */
	lapic_accept(&l, 0x90);
	assert_true(l.intr);                 /* a higher class nests */
	assert_int_equal(lapic_ack(&l), 0x90);
	assert_int_equal(rd(&l, LAPIC_ISR + 0x40), (1u << 0) | (1u << 16));
	wr(&l, LAPIC_EOI, 0);
	assert_false(in(l.isr, 0x90));
	assert_true(in(l.isr, 0x80));
	assert_false(l.intr);
	wr(&l, LAPIC_EOI, 0);
	assert_true(l.intr);
	assert_int_equal(lapic_ack(&l), 0x30);
	wr(&l, LAPIC_EOI, 0);
	wr(&l, LAPIC_EOI, 0);                /* nothing in service: no effect */
	assert_int_equal(l.isr[1], 0);

	/* Same class, higher vector first. */
	lapic_accept(&l, 0x51);
	lapic_accept(&l, 0x5e);
	assert_int_equal(lapic_ack(&l), 0x5e);
	assert_false(l.intr);
	wr(&l, LAPIC_EOI, 0);
	assert_int_equal(lapic_ack(&l), 0x51);

	/* Vectors 0-15 are illegal. */
	lapic_accept(&l, 0x05);
	assert_false(in(l.irr, 0x05));
	wr(&l, LAPIC_ESR, 0);
	assert_int_equal(rd(&l, LAPIC_ESR), LAPIC_ESR_RECV_ILLEGAL);
	wr(&l, LAPIC_ESR, 0);
	assert_int_equal(rd(&l, LAPIC_ESR), 0);
}

static void test_self_ipi(void **state)
{
	(void)state;
	struct lapic l;
	enabled(&l);
	wr(&l, LAPIC_ICR_LO, 0x40000 | 0x55);        /* shorthand self */
	assert_true(in(l.irr, 0x55));
	assert_int_equal(rd(&l, LAPIC_ICR_LO), 0x40055);   /* never pending */

	wr(&l, LAPIC_ID, 0x03000000);
	wr(&l, LAPIC_ICR_HI, 0x03000000);
	wr(&l, LAPIC_ICR_LO, 0x66);                  /* physical, to own ID */
	assert_true(in(l.irr, 0x66));
	wr(&l, LAPIC_ICR_HI, 0x05000000);
	wr(&l, LAPIC_ICR_LO, 0x67);                  /* another APIC */
	assert_false(in(l.irr, 0x67));
	wr(&l, LAPIC_ICR_LO, 0xc0000 | 0x68);        /* all excluding self */
	assert_false(in(l.irr, 0x68));
	wr(&l, LAPIC_ICR_LO, 0x80000 | 0x69);        /* all including self */
	assert_true(in(l.irr, 0x69));
	wr(&l, LAPIC_ICR_LO, 0x40000 | 0x400 | 0x6a);   /* NMI: no vector */
	assert_false(in(l.irr, 0x6a));
	assert_true(l.nmi);
	/* Logical, flat model. */
	wr(&l, LAPIC_LDR, 0x04000000);
	wr(&l, LAPIC_ICR_HI, 0x06000000);
	wr(&l, LAPIC_ICR_LO, 0x800 | 0x6b);
	assert_true(in(l.irr, 0x6b));
	wr(&l, LAPIC_ICR_HI, 0x01000000);
	wr(&l, LAPIC_ICR_LO, 0x800 | 0x6c);
	assert_false(in(l.irr, 0x6c));

	/* An illegal vector is a send error, through the error LVT. */
	wr(&l, LAPIC_LVT_ERROR, 0xfe);
	wr(&l, LAPIC_ICR_LO, 0x40000 | 0x02);
	assert_false(in(l.irr, 0x02));
	assert_true(in(l.irr, 0xfe));
	wr(&l, LAPIC_ESR, 0);
	assert_int_equal(rd(&l, LAPIC_ESR), LAPIC_ESR_SEND_ILLEGAL);
}

/* NMI IPIs to this APIC reach the CPU once each (vm_intr_take_nmi); the
 * vector does not matter, not even an illegal one. */
static void test_nmi_ipi(void **state)
{
	(void)state;
	struct vm *vm = new_vm();
	static const struct { uint32_t hi, lo; bool to_self; } cases[] = {
		{ 0, 0x40000 | 0x400, true },                /* self */
		{ 0, 0x80000 | 0x400 | 0x02, true },         /* all including self */
		{ 0, 0xc0000 | 0x400, false },               /* all excluding self */
		{ 0x00000000u, 0x400, true },                /* physical, own ID 0 */
		{ 0x05000000u, 0x400, false },               /* another APIC */
	};
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint32_t v = cases[k].hi;
		assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00310, &v, 4, true), 0);
		v = cases[k].lo;
		assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00300, &v, 4, true), 0);
		assert_int_equal(vm_intr_take_nmi(vm), cases[k].to_self);
		assert_false(vm_intr_take_nmi(vm));
		assert_false(vm_intr_pending(vm));
	}
	free_vm(vm);
}

/* IA32_APIC_BASE.EN clear: the page is unclaimed (all-ones, writes
 * dropped), no interrupt reaches the CPU and none is accepted, the 8259
 * passes; set again, the APIC answers with its registers as they were. */
static void test_global_disable(void **state)
{
	(void)state;
	struct vm *vm = new_vm();
	uint32_t v = 0x1ff;
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee000f0, &v, 4, true), 0);
	v = 0x50000;                                          /* LINT0 masked */
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00350, &v, 4, true), 0);
	v = 0x40000 | 0x77;
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00300, &v, 4, true), 0);
	assert_true(vm_intr_pending(vm));
	assert_false(lapic_passes_pic(&vm->lapic));

	vm_intr_set_apic_base(vm, 0xfee00100ull);             /* BSP, EN clear */
	assert_false(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), -1);
	assert_true(lapic_passes_pic(&vm->lapic));
	v = 0;
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00030, &v, 4, false), -ENOENT);
	assert_int_equal(v, 0xffffffffu);
	v = 0xff;                                             /* software disable: dropped */
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee000f0, &v, 4, true), -ENOENT);
	v = 0x40000 | 0x400;                                  /* NMI IPI: dropped */
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00300, &v, 4, true), -ENOENT);
	assert_false(vm_intr_take_nmi(vm));
	lapic_deliver(&vm->lapic, 0x88, false);               /* nothing accepted */
	assert_false(in(vm->lapic.irr, 0x88));

	vm_intr_set_apic_base(vm, 0xfee00900ull);
	assert_true(lapic_enabled(&vm->lapic));
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00030, &v, 4, false), 0);
	assert_int_equal(v, 0x50014);
	assert_int_equal(vm_intr_ack(vm), 0x77);
	free_vm(vm);
}

static void test_timer_one_shot(void **state)
{
	(void)state;
	struct lapic l;
	enabled(&l);
	lapic_write(&l, LAPIC_TIMER_DCR, 0x3, 0);    /* divide by 16 */
	lapic_write(&l, LAPIC_LVT_TIMER, 0x40, 0);
	assert_int_equal(lapic_timer_deadline(&l), UINT64_MAX);
	lapic_write(&l, LAPIC_TIMER_ICR, 1000, 1000);
	assert_int_equal(lapic_timer_deadline(&l), 1000 + 16000);
	assert_int_equal(lapic_read(&l, LAPIC_TIMER_CCR, 1000), 1000);
	assert_int_equal(lapic_read(&l, LAPIC_TIMER_CCR, 1000 + 1600), 900);
	assert_int_equal(lapic_read(&l, LAPIC_TIMER_ICR, 5000), 1000);

	lapic_timer_update(&l, 16999);
	assert_false(in(l.irr, 0x40));
	lapic_timer_update(&l, 17000);
	assert_true(in(l.irr, 0x40));
	assert_true(l.intr);
	assert_int_equal(lapic_timer_deadline(&l), UINT64_MAX);
	assert_int_equal(lapic_read(&l, LAPIC_TIMER_CCR, 20000), 0);

	/* Masked: it counts and expires, nothing is raised. */
	l.irr[2] = 0;
	lapic_write(&l, LAPIC_LVT_TIMER, 0x10040, 30000);
	lapic_write(&l, LAPIC_TIMER_ICR, 10, 30000);
	lapic_timer_update(&l, 30160);
	assert_false(in(l.irr, 0x40));
	assert_int_equal(lapic_timer_deadline(&l), UINT64_MAX);

	/* Initial count 0 stops the timer. */
	lapic_write(&l, LAPIC_TIMER_ICR, 100, 40000);
	lapic_write(&l, LAPIC_TIMER_ICR, 0, 40010);
	assert_int_equal(lapic_timer_deadline(&l), UINT64_MAX);
	assert_int_equal(lapic_read(&l, LAPIC_TIMER_CCR, 40010), 0);
}

static void test_timer_periodic(void **state)
{
	(void)state;
	struct lapic l;
	enabled(&l);
	lapic_write(&l, LAPIC_TIMER_DCR, 0xb, 0);    /* divide by 1 */
	lapic_write(&l, LAPIC_LVT_TIMER, 0x20041, 0);
	lapic_write(&l, LAPIC_TIMER_ICR, 500, 0);
	assert_int_equal(lapic_timer_deadline(&l), 500);
	lapic_timer_update(&l, 500);
	assert_int_equal(lapic_ack(&l), 0x41);
	assert_int_equal(lapic_timer_deadline(&l), 1000);
	/* Missed periods coalesce; the grid stays. */
	lapic_timer_update(&l, 2750);
	assert_true(in(l.irr, 0x41));
	assert_int_equal(lapic_timer_deadline(&l), 3000);
	assert_int_equal(lapic_read(&l, LAPIC_TIMER_CCR, 2750), 250);

	/* A new divider applies from the current count on. */
	lapic_write(&l, LAPIC_TIMER_DCR, 0x0, 2750);   /* divide by 2 */
	assert_int_equal(lapic_timer_deadline(&l), 2750 + 2 * 250);
	assert_int_equal(lapic_read(&l, LAPIC_TIMER_CCR, 2850), 200);
	lapic_timer_update(&l, 3250);
	assert_int_equal(lapic_timer_deadline(&l), 3250 + 1000);
	assert_int_equal(lapic_read(&l, LAPIC_TIMER_CCR, 3250), 500);

	/* Divide values: 128 and 1. */
	lapic_write(&l, LAPIC_TIMER_DCR, 0xa, 10000);
	assert_int_equal(l.timer_shift, 7);
	lapic_write(&l, LAPIC_TIMER_ICR, 3, 10000);
	assert_int_equal(lapic_timer_deadline(&l), 10000 + 3 * 128);

	/* Switching to one-shot after expiry leaves it stopped. */
	lapic_timer_update(&l, 10384);
	lapic_write(&l, LAPIC_LVT_TIMER, 0x41, 10400);
	assert_int_equal(lapic_timer_deadline(&l), UINT64_MAX);
}

static void test_access_widths(void **state)
{
	(void)state;
	struct lapic l;
	enabled(&l);
	uint32_t v = 0;
	assert_int_equal(lapic_mmio_at(&l, LAPIC_VER, &v, 4, false, 0), 0);
	assert_int_equal(v, 0x50014);
	uint8_t b = 0;
	assert_int_equal(lapic_mmio_at(&l, LAPIC_VER, &b, 1, false, 0), 0);
	assert_int_equal(b, 0x14);
	assert_int_equal(lapic_mmio_at(&l, LAPIC_VER + 2, &b, 1, false, 0), 0);
	assert_int_equal(b, 0x05);
	assert_int_equal(lapic_mmio_at(&l, LAPIC_VER + 4, &v, 4, false, 0), 0);
	assert_int_equal(v, 0);
	uint64_t q = ~0ull;
	assert_int_equal(lapic_mmio_at(&l, LAPIC_VER, &q, 8, false, 0), 0);
	assert_int_equal(q, 0x50014);
	/* Narrow or misaligned writes are ignored. */
	uint16_t h = 0x80;
	assert_int_equal(lapic_mmio_at(&l, LAPIC_TPR, &h, 2, true, 0), 0);
	v = 0x80;
	assert_int_equal(lapic_mmio_at(&l, LAPIC_TPR + 4, &v, 4, true, 0), 0);
	assert_int_equal(rd(&l, LAPIC_TPR), 0);
	assert_int_equal(lapic_mmio_at(&l, LAPIC_TPR, &v, 4, true, 0), 0);
	assert_int_equal(rd(&l, LAPIC_TPR), 0x80);
	/* Reserved registers read 0. */
	assert_int_equal(rd(&l, 0x2f0), 0);
	assert_int_equal(rd(&l, 0x800), 0);
	assert_int_equal(lapic_mmio_at(&l, 0xffc, &v, 8, false, 0), -EINVAL);
}

static void test_on_vm(void **state)
{
	(void)state;
	struct vm *vm = new_vm();
	assert_string_equal(bus_find(&vm->bus, BUS_MMIO, 0xfee00000)->name, "lapic");
	assert_string_equal(bus_find(&vm->bus, BUS_MMIO, 0xfee00fff)->name, "lapic");
	uint32_t v = 0;
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00030, &v, 4, false), 0);
	assert_int_equal(v, 0x50014);
	v = 0x1ff;
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee000f0, &v, 4, true), 0);
	assert_true(lapic_enabled(&vm->lapic));

	/* CR8 is TPR bits 7:4. */
	vm_intr_set_cr8(vm, 5);
	assert_int_equal(vm->lapic.tpr, 0x50);
	assert_int_equal(vm_intr_get_cr8(vm), 5);
	v = 0xa7;
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00080, &v, 4, true), 0);
	assert_int_equal(vm_intr_get_cr8(vm), 0xa);
	vm_intr_set_cr8(vm, 0x13);           /* only bits 3:0 exist */
	assert_int_equal(vm->lapic.tpr, 0x30);

	/* A self-IPI through the page reaches INTR. */
	vm_intr_set_cr8(vm, 0);
	v = 0x40000 | 0x77;
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee00300, &v, 4, true), 0);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x77);
	assert_false(vm_intr_pending(vm));
	v = 0;
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, 0xfee000b0, &v, 4, true), 0);
	assert_int_equal(vm->lapic.isr[3], 0);
	free_vm(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_tpr_ppr),
		cmocka_unit_test(test_ack_eoi_order),
		cmocka_unit_test(test_self_ipi),
		cmocka_unit_test(test_nmi_ipi),
		cmocka_unit_test(test_global_disable),
		cmocka_unit_test(test_timer_one_shot),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_access_widths),
		cmocka_unit_test(test_on_vm),
	};
	return cmocka_run_group_tests_name("lapic", tests, NULL, NULL);
}
