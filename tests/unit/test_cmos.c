/* MC146818 RTC and CMOS: time in BCD and binary, 12/24 hours, setting the
 * time, register C clear-on-read, the periodic, update and alarm
 * interrupts on IRQ 8, UIP, NVRAM and the memory-size bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/cmos.h"
#include "core/pic.h"
#include "core/vm.h"

#define S 1000000000ull
/* 2024-02-29 23:59:58 UTC, a Thursday in a leap year. */
#define LEAP_EVE 1709251198ll

struct fx {
	struct pic pic;
	struct isa_irqs isa;   /* the PIC alone */
	struct cmos c;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	pic_init(&f->pic);
	f->isa.pic = &f->pic;
	f->pic.chip[1].imr = 0;
	cmos_init(&f->c, NULL, (struct irq_line){ &f->isa, CMOS_IRQ }, LEAP_EVE * (int64_t)S);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint8_t get(struct cmos *c, uint8_t idx, uint64_t now)
{
	uint8_t v = 0;
	assert_int_equal(cmos_io_at(c, 0, &idx, 1, true, now), 0);
	assert_int_equal(cmos_io_at(c, 1, &v, 1, false, now), 0);
	return v;
}

static void put(struct cmos *c, uint8_t idx, uint8_t v, uint64_t now)
{
	assert_int_equal(cmos_io_at(c, 0, &idx, 1, true, now), 0);
	assert_int_equal(cmos_io_at(c, 1, &v, 1, true, now), 0);
}

static void test_bcd_time(void **state)
{
	struct fx *f = *state;
	struct cmos *c = &f->c;
	assert_int_equal(get(c, RTC_SEC, 0), 0x58);
	assert_int_equal(get(c, RTC_MIN, 0), 0x59);
	assert_int_equal(get(c, RTC_HOUR, 0), 0x23);
	assert_int_equal(get(c, RTC_WDAY, 0), 5);
	assert_int_equal(get(c, RTC_MDAY, 0), 0x29);
	assert_int_equal(get(c, RTC_MONTH, 0), 0x02);
	assert_int_equal(get(c, RTC_YEAR, 0), 0x24);
	assert_int_equal(get(c, RTC_CENTURY, 0), 0x20);
	assert_int_equal(get(c, RTC_SEC, S - 1), 0x58);
	assert_int_equal(get(c, RTC_SEC, S), 0x59);
	/* Two seconds on: March 1st, a Friday. */
	uint64_t t = 2 * S + 1;
	assert_int_equal(get(c, RTC_SEC, t), 0x00);
	assert_int_equal(get(c, RTC_HOUR, t), 0x00);
	assert_int_equal(get(c, RTC_MDAY, t), 0x01);
	assert_int_equal(get(c, RTC_MONTH, t), 0x03);
	assert_int_equal(get(c, RTC_WDAY, t), 6);
	assert_int_equal(get(c, RTC_REG_A, 0), 0x26);
	assert_int_equal(get(c, RTC_REG_B, 0), 0x02);
	assert_int_equal(get(c, RTC_REG_D, 0), 0x80);
}

static void test_binary_and_12h(void **state)
{
	struct fx *f = *state;
	struct cmos *c = &f->c;
	put(c, RTC_REG_B, RTC_B_DM | RTC_B_24H, 0);
	assert_int_equal(get(c, RTC_SEC, 0), 58);
	assert_int_equal(get(c, RTC_HOUR, 0), 23);
	assert_int_equal(get(c, RTC_YEAR, 0), 24);
	assert_int_equal(get(c, RTC_CENTURY, 0), 20);
	/* 12-hour: 23:59 is 11 PM, midnight is 12 AM. */
	put(c, RTC_REG_B, RTC_B_DM, 0);
	assert_int_equal(get(c, RTC_HOUR, 0), 0x80 | 11);
	put(c, RTC_REG_B, 0, 0);
	assert_int_equal(get(c, RTC_HOUR, 0), 0x91);
	assert_int_equal(get(c, RTC_HOUR, 2 * S), 0x12);
}

/* Under SET, which holds the clock while the guest writes it: the date
 * and time, BCD, each a register write at time 0. */
static void put_date(struct cmos *c, uint8_t century, uint8_t year, uint8_t month, uint8_t mday,
                     uint8_t hour, uint8_t min, uint8_t sec)
{
	put(c, RTC_REG_B, RTC_B_SET | RTC_B_24H, 0);
	put(c, RTC_HOUR, hour, 0);
	put(c, RTC_MIN, min, 0);
	put(c, RTC_SEC, sec, 0);
	put(c, RTC_YEAR, year, 0);
	put(c, RTC_CENTURY, century, 0);
	put(c, RTC_MONTH, month, 0);
	put(c, RTC_MDAY, mday, 0);
}

static void test_set_time(void **state)
{
	struct fx *f = *state;
	struct cmos *c = &f->c;
	put_date(c, 0x19, 0x99, 0x12, 0x31, 0x10, 0x20, 0x30);
	assert_int_equal(get(c, RTC_SEC, 5 * S), 0x30);      /* held */
	put(c, RTC_REG_B, RTC_B_24H, 10 * S);
	assert_int_equal(get(c, RTC_SEC, 10 * S), 0x30);
	assert_int_equal(get(c, RTC_SEC, 11 * S), 0x31);
	assert_int_equal(get(c, RTC_HOUR, 11 * S), 0x10);
	assert_int_equal(get(c, RTC_YEAR, 11 * S), 0x99);
	assert_int_equal(get(c, RTC_CENTURY, 11 * S), 0x19);
	assert_int_equal(get(c, RTC_WDAY, 11 * S), 6);       /* 1999-12-31: Friday */
	/* Without SET a write takes effect at once and keeps the phase. */
	put(c, RTC_MIN, 0x00, 11 * S + S / 2);
	assert_int_equal(get(c, RTC_MIN, 11 * S + S / 2), 0x00);
	assert_int_equal(get(c, RTC_SEC, 12 * S - 1), 0x31);
	assert_int_equal(get(c, RTC_SEC, 12 * S), 0x32);
	/* The day of week is derived, not stored. */
	put(c, RTC_WDAY, 0x01, 12 * S);
	assert_int_equal(get(c, RTC_WDAY, 12 * S), 6);
}

/* Any year the registers can hold, far past 2262 (where nanoseconds
 * since 1970 overflow 64 bits) and before 1678, keeps counting. */
static void test_far_years(void **state)
{
	struct fx *f = *state;
	struct cmos *c = &f->c;
	static const uint8_t centuries[] = { 0x25, 0x99, 0x00 };
	for (unsigned i = 0; i < sizeof(centuries); i++) {
		put_date(c, centuries[i], 0x99, 0x12, 0x31, 0x23, 0x59, 0x59);
		put(c, RTC_REG_B, RTC_B_24H, 0);
		assert_int_equal(get(c, RTC_CENTURY, S - 1), centuries[i]);
		assert_int_equal(get(c, RTC_YEAR, S - 1), 0x99);
		assert_int_equal(get(c, RTC_SEC, S - 1), 0x59);
		/* A second later the next century begins. */
		assert_int_equal(get(c, RTC_SEC, S), 0x00);
		assert_int_equal(get(c, RTC_YEAR, S), 0x00);
		assert_int_equal(get(c, RTC_MDAY, S), 0x01);
		assert_int_equal(get(c, RTC_CENTURY, S), centuries[i] == 0x99 ? 0xa0 :
		                 centuries[i] + 1);
	}
	/* The update interrupt still comes a second after the time is set. */
	put(c, RTC_REG_B, RTC_B_UIE | RTC_B_24H, 0);
	assert_int_equal(cmos_deadline(c), S);
}

static void test_periodic_irq8(void **state)
{
	struct fx *f = *state;
	struct cmos *c = &f->c;
	assert_int_equal(cmos_deadline(c), UINT64_MAX);
	put(c, RTC_REG_A, 0x26, 0);          /* 1024 Hz */
	put(c, RTC_REG_B, RTC_B_PIE | RTC_B_24H, 0);
	uint64_t period = vclock_ticks_to_ns(32, CMOS_HZ);
	assert_int_equal(cmos_deadline(c), period);
	cmos_update(c, period - 1);
	assert_false(c->irq);
	cmos_update(c, period);
	assert_true(c->irq);
	assert_true(f->pic.intr);
	assert_int_equal(pic_ack(&f->pic), 0x70);
	assert_int_equal(cmos_deadline(c), vclock_ticks_to_ns(64, CMOS_HZ));

	/* Register C tells and clears; the line falls. */
	assert_int_equal(get(c, RTC_REG_C, period + 10), RTC_C_IRQF | RTC_C_PF);
	assert_false(c->irq);
	assert_int_equal(get(c, RTC_REG_C, period + 20), 0);

	/* The read lowered the line, so the next period is a new edge in
	 * the PIC; missed periods count once. */
	cmos_update(c, 5 * period + 3);
	assert_true(c->irq);
	assert_int_equal(f->pic.chip[1].irr & 1, 1);
	assert_int_equal(cmos_deadline(c), vclock_ticks_to_ns(6 * 32, CMOS_HZ));
	/* While C is not read the line stays up: no second edge. */
	f->pic.chip[1].irr = 0;
	cmos_update(c, 6 * period);
	assert_true(c->irq);
	assert_int_equal(f->pic.chip[1].irr & 1, 0);
	get(c, RTC_REG_C, 6 * period);

	/* Rate 15 is 2 Hz; rate 0 stops. */
	put(c, RTC_REG_A, 0x2f, S);
	assert_int_equal(cmos_deadline(c), S + S / 2);
	put(c, RTC_REG_A, 0x20, S);
	assert_int_equal(cmos_deadline(c), UINT64_MAX);
	/* PF sets without PIE, for polling, but raises nothing. */
	put(c, RTC_REG_A, 0x26, S);
	put(c, RTC_REG_B, RTC_B_24H, S);
	assert_int_equal(get(c, RTC_REG_C, S + period) & RTC_C_PF, RTC_C_PF);
	assert_false(c->irq);
}

static void test_update_and_alarm(void **state)
{
	struct fx *f = *state;
	struct cmos *c = &f->c;
	get(c, RTC_REG_C, 0);
	put(c, RTC_REG_B, RTC_B_UIE | RTC_B_24H, 0);
	assert_int_equal(cmos_deadline(c), S);
	cmos_update(c, S);
	assert_true(c->irq);
	/* PF runs at the default 1024 Hz whether enabled or not. */
	assert_int_equal(get(c, RTC_REG_C, S), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	assert_int_equal(cmos_deadline(c), 2 * S);

	/* Alarm at 00:00:05 on March 1st (7 s after start); hours don't care. */
	put(c, RTC_SEC_ALARM, 0x05, S);
	put(c, RTC_MIN_ALARM, 0x00, S);
	put(c, RTC_HOUR_ALARM, 0xc0, S);
	put(c, RTC_REG_B, RTC_B_AIE | RTC_B_24H, S);
	for (uint64_t t = 2; t < 7; t++)
		cmos_update(c, t * S);
	assert_false(c->irq);
	cmos_update(c, 7 * S);
	assert_true(c->irq);
	assert_int_equal(get(c, RTC_REG_C, 7 * S) & ~RTC_C_PF, RTC_C_IRQF | RTC_C_AF | RTC_C_UF);

	/* UIP in the last 244 us of a second. */
	assert_int_equal(get(c, RTC_REG_A, 8 * S - 244001) & RTC_A_UIP, 0);
	assert_int_equal(get(c, RTC_REG_A, 8 * S - 244000) & RTC_A_UIP, RTC_A_UIP);
	assert_int_equal(get(c, RTC_REG_A, 8 * S) & RTC_A_UIP, 0);

	/* SET clears UIE and stops updates. */
	put(c, RTC_REG_B, RTC_B_UIE | RTC_B_24H, 8 * S);
	put(c, RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H, 8 * S);
	assert_int_equal(get(c, RTC_REG_B, 8 * S), RTC_B_SET | RTC_B_24H);
	assert_int_equal(cmos_deadline(c), UINT64_MAX);
}

static void test_nvram_and_index(void **state)
{
	struct fx *f = *state;
	struct cmos *c = &f->c;
	put(c, 0x40, 0xa5, 0);
	put(c, 0x7f, 0x5a, 0);
	assert_int_equal(get(c, 0x40, 0), 0xa5);
	assert_int_equal(get(c, 0x7f, 0), 0x5a);
	/* Bit 7 of the index disables NMI and does not select. */
	uint8_t idx = 0x80 | 0x40, v = 0;
	assert_int_equal(cmos_io_at(c, 0, &idx, 1, true, 0), 0);
	assert_true(c->nmi_disabled);
	assert_int_equal(cmos_io_at(c, 1, &v, 1, false, 0), 0);
	assert_int_equal(v, 0xa5);
	assert_int_equal(cmos_io_at(c, 0, &v, 1, false, 0), 0);
	assert_int_equal(v, 0xff);             /* index is write-only */
	/* Register D and C are read-only. */
	put(c, RTC_REG_D, 0x00, 0);
	assert_int_equal(get(c, RTC_REG_D, 0), 0x80);
	/* A 16-bit access writes the index then the data. */
	uint16_t w = 0x3341;
	assert_int_equal(cmos_io_at(c, 0, &w, 2, true, 0), 0);
	assert_int_equal(get(c, 0x41, 0), 0x33);
	assert_int_equal(cmos_io_at(c, 1, &w, 2, true, 0), -EINVAL);
}

static void test_memory_bytes(void **state)
{
	(void)state;
	struct vm *vm = malloc(sizeof(*vm));
	struct vm_config cfg = { .ram_size = 64 << 20, .serial_out_fd = -1, .serial_in_fd = -1 };
	assert_non_null(vm);
	assert_int_equal(vm_init(vm, &cfg), 0);
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, 0x71)->name, "cmos");
	struct cmos *c = &vm->cmos;
	assert_int_equal(c->ram[0x15] | c->ram[0x16] << 8, 640);
	assert_int_equal(c->ram[0x17] | c->ram[0x18] << 8, 63 * 1024);
	assert_int_equal(c->ram[0x30] | c->ram[0x31] << 8, 63 * 1024);
	assert_int_equal(c->ram[0x34] | c->ram[0x35] << 8, (48 << 20) >> 16);
	unsigned sum = 0;
	for (unsigned i = 0x10; i <= 0x2d; i++)
		sum += c->ram[i];
	assert_int_equal(c->ram[0x2e] << 8 | c->ram[0x2f], sum);

	/* RAM past 3 GiB lies above the hole; the KiB count saturates. */
	cmos_set_ram_size(c, 5ull << 30);
	assert_int_equal(c->ram[0x17] | c->ram[0x18] << 8, 0xffff);
	assert_int_equal(c->ram[0x34] | c->ram[0x35] << 8, ((3ull << 30) - (16 << 20)) >> 16);
	assert_int_equal(c->ram[0x5b] | c->ram[0x5c] << 8 | c->ram[0x5d] << 16,
	                 (2ull << 30) >> 16);

	/* The VM's RTC shows the host's present year. */
	uint8_t idx = RTC_CENTURY, v = 0;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x70, &idx, 1, true), 0);
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x71, &v, 1, false), 0);
	assert_int_equal(v, 0x20);
	vm_destroy(vm);
	free(vm);
}

int main(void)
{
#define F(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		F(test_bcd_time),
		F(test_binary_and_12h),
		F(test_set_time),
		F(test_far_years),
		F(test_periodic_irq8),
		F(test_update_and_alarm),
		F(test_nvram_and_index),
		cmocka_unit_test(test_memory_bytes),
	};
	return cmocka_run_group_tests_name("cmos", tests, NULL, NULL);
}
