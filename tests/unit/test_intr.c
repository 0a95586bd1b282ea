/* Interrupt routing on a VM: the 8259 through LINT0 ExtINT, a masked
 * LINT0 blocking it, APIC vectors first, the timers' deadlines and the
 * update from the VM clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "core/intr.h"
#include "core/vm.h"
#include "tests/unit/vm_fixture.h"


static void outb(struct vm *vm, uint16_t port, uint8_t v)
{
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, port, &v, 1, true), 0);
}

static void apic_write(struct vm *vm, uint32_t off, uint32_t v)
{
	assert_int_equal(bus_access(&vm->bus, BUS_MMIO, LAPIC_BASE + off, &v, 4, true), 0);
}

/* The PIC as Linux programs it: vectors 0x20 and 0x28, all unmasked. */
static void program_pic(struct vm *vm)
{
	outb(vm, 0x20, 0x11);
	outb(vm, 0x21, 0x20);
	outb(vm, 0x21, 0x04);
	outb(vm, 0x21, 0x01);
	outb(vm, 0xa0, 0x11);
	outb(vm, 0xa1, 0x28);
	outb(vm, 0xa1, 0x02);
	outb(vm, 0xa1, 0x01);
}

static void test_idle(void **state)
{
	struct vm *vm = *state;
	assert_false(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), -1);
	assert_int_equal(vm_timers_deadline(vm), UINT64_MAX);
	vm_timers_update(vm);
	assert_false(vm_intr_pending(vm));
	/* Firmware's masks hold back a request until the guest unmasks. */
	pic_pulse_irq(&vm->pic, 1);
	assert_false(vm_intr_pending(vm));
	outb(vm, 0x21, 0xf9);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x09);
}

static void test_pic_through_lint0(void **state)
{
	struct vm *vm = *state;
	program_pic(vm);
	/* APIC software-disabled: the 8259 reaches the CPU. */
	pic_pulse_irq(&vm->pic, 3);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x23);
	assert_false(vm_intr_pending(vm));
	outb(vm, 0x20, 0x20);

	/* Enabled with LINT0 ExtINT unmasked: still through. */
	apic_write(vm, LAPIC_SVR, 0x1ff);
	pic_pulse_irq(&vm->pic, 3);
	assert_true(vm_intr_pending(vm));

	/* LINT0 masked: the request waits in the PIC. */
	apic_write(vm, LAPIC_LVT_LINT0, 0x10700);
	assert_true(vm->pic.intr);
	assert_false(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), -1);
	assert_int_equal(vm->pic.chip[0].irr & 0x08, 0x08);
	/* Disabling the APIC opens the wire again. */
	apic_write(vm, LAPIC_SVR, 0x0ff);
	assert_true(vm_intr_pending(vm));
	apic_write(vm, LAPIC_SVR, 0x1ff);
	assert_false(vm_intr_pending(vm));
	apic_write(vm, LAPIC_LVT_LINT0, 0x700);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x23);
}

static void test_apic_before_pic(void **state)
{
	struct vm *vm = *state;
	program_pic(vm);
	apic_write(vm, LAPIC_SVR, 0x1ff);
	pic_pulse_irq(&vm->pic, 0);
	apic_write(vm, LAPIC_ICR_LO, 0x40000 | 0x31);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x31);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x20);
	assert_false(vm_intr_pending(vm));

	/* The TPR holds back APIC vectors, not ExtINT. */
	vm_intr_set_cr8(vm, 0xf);
	apic_write(vm, LAPIC_ICR_LO, 0x40000 | 0x41);
	outb(vm, 0x20, 0x20);
	pic_pulse_irq(&vm->pic, 1);
	assert_int_equal(vm_intr_ack(vm), 0x21);
	assert_false(vm_intr_pending(vm));
	vm_intr_set_cr8(vm, 0);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x41);
}

static void test_pit_to_vector(void **state)
{
	struct vm *vm = *state;
	program_pic(vm);
	uint64_t t0 = 1000000;
	uint8_t v = 0x34;
	pit_io_at(&vm->pit, 3, &v, 1, true, t0);
	v = 0x9c;                            /* 11932: 10 ms */
	pit_io_at(&vm->pit, 0, &v, 1, true, t0);
	v = 0x2e;
	pit_io_at(&vm->pit, 0, &v, 1, true, t0);
	uint64_t d = vm_timers_deadline(vm);
	assert_true(d > t0 + 9999000 && d < t0 + 10001000);
	pit_update(&vm->pit, d - 1);
	assert_false(vm_intr_pending(vm));
	pit_update(&vm->pit, d);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x20);
	/* Without an EOI the next tick waits in IRR. */
	pit_update(&vm->pit, vm_timers_deadline(vm));
	assert_false(vm_intr_pending(vm));
	outb(vm, 0x20, 0x20);
	assert_true(vm_intr_pending(vm));
}

static void test_deadline_is_min(void **state)
{
	struct vm *vm = *state;
	lapic_write(&vm->lapic, LAPIC_TIMER_DCR, 0xb, 0);
	lapic_write(&vm->lapic, LAPIC_TIMER_ICR, 5000000, 0);
	assert_int_equal(vm_timers_deadline(vm), 5000000);
	uint8_t v = 0x30;
	pit_io_at(&vm->pit, 3, &v, 1, true, 0);
	v = 100;
	pit_io_at(&vm->pit, 0, &v, 1, true, 0);
	v = 0;
	pit_io_at(&vm->pit, 0, &v, 1, true, 0);
	assert_int_equal(vm_timers_deadline(vm), vclock_ticks_to_ns(100, PIT_HZ));
	uint8_t idx = RTC_REG_B, b = RTC_B_PIE | RTC_B_24H;
	cmos_io_at(&vm->cmos, 0, &idx, 1, true, 0);
	cmos_io_at(&vm->cmos, 1, &b, 1, true, 0);
	assert_int_equal(vm_timers_deadline(vm), vclock_ticks_to_ns(100, PIT_HZ));
	v = 0x30;                            /* a control word stops channel 0 */
	pit_io_at(&vm->pit, 3, &v, 1, true, 0);
	assert_int_equal(vm_timers_deadline(vm), vclock_ticks_to_ns(32, CMOS_HZ));
}

static void test_update_from_clock(void **state)
{
	struct vm *vm = *state;
	apic_write(vm, LAPIC_SVR, 0x1ff);
	apic_write(vm, LAPIC_LVT_TIMER, 0x50);
	apic_write(vm, LAPIC_TIMER_DCR, 0xb);
	apic_write(vm, LAPIC_TIMER_ICR, 1000);   /* 1 us on the VM clock */
	uint64_t d = vm_timers_deadline(vm);
	assert_true(d != UINT64_MAX);
	while (vclock_now_ns(&vm->clock) < d)
		;
	assert_false(vm_intr_pending(vm));       /* only updates raise it */
	vm_timers_update(vm);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x50);
	assert_int_equal(vm_timers_deadline(vm), UINT64_MAX);
}

static void test_uart_irq4(void **state)
{
	struct vm *vm = *state;
	program_pic(vm);
	outb(vm, 0x3fc, 0x08);                   /* OUT2 */
	outb(vm, 0x3f9, 0x02);                   /* THR empty interrupt */
	vm_timers_update(vm);
	assert_true(vm_intr_pending(vm));
	assert_int_equal(vm_intr_ack(vm), 0x24);
}

static void test_clock(void **state)
{
	struct vm *vm = *state;
	assert_true(vm->clock.tsc_khz > 0);
	uint64_t a = vclock_now_ns(&vm->clock), b = vclock_now_ns(&vm->clock);
	assert_true(b >= a);
	/* Conversions round-trip within a tick. */
	uint64_t tsc = vclock_ns_to_tsc(&vm->clock, 123456789);
	uint64_t ns = vclock_tsc_to_ns(&vm->clock, tsc);
	assert_true(ns <= 123456789 && 123456789 - ns <= 1);
	/* Large values do not overflow: ten years. */
	uint64_t ten_years = 10ull * 365 * 86400 * 1000000000ull;
	uint64_t t = vclock_ns_to_tsc(&vm->clock, ten_years);
	assert_true(vclock_tsc_to_ns(&vm->clock, t) + 1 >= ten_years);
	assert_int_equal(vclock_ns_to_ticks(1000000000, PIT_HZ), PIT_HZ);
	assert_int_equal(vclock_ticks_to_ns(PIT_HZ, PIT_HZ), 1000000000);
	assert_int_equal(vclock_ticks_to_ns(1, PIT_HZ), 839);   /* rounded up */
	assert_int_equal(vclock_ticks_to_ns(UINT64_MAX, PIT_HZ), UINT64_MAX);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_vm, teardown_vm)
	const struct CMUnitTest tests[] = {
		T(test_idle),
		T(test_pic_through_lint0),
		T(test_apic_before_pic),
		T(test_pit_to_vector),
		T(test_deadline_is_min),
		T(test_update_from_clock),
		T(test_uart_irq4),
		T(test_clock),
	};
	return cmocka_run_group_tests_name("intr", tests, NULL, NULL);
}
