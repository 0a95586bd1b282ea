/* 8254: periodic and one-shot modes driven by explicit VM-clock times,
 * counter read-back, the latch and read-back commands, access modes, BCD,
 * and port 0x61 (channel 2 gate and output, refresh toggle). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/pic.h"
#include "core/pit.h"
#include "core/vm.h"

struct fx {
	struct pic pic;
	struct isa_irqs isa;   /* the PIC alone */
	struct pit pit;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	pic_init(&f->pic);
	f->isa.pic = &f->pic;
	f->pic.chip[0].imr = 0;
	pit_init(&f->pit, NULL, (struct irq_line){ &f->isa, 0 });
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* VM-clock time of PIT tick t. */
static uint64_t T(uint64_t t)
{
	return vclock_ticks_to_ns(t, PIT_HZ);
}

static void out8(struct pit *p, unsigned port, uint8_t v, uint64_t tick)
{
	assert_int_equal(pit_io_at(p, port - PIT_BASE, &v, 1, true, T(tick)), 0);
}

static uint8_t in8(struct pit *p, unsigned port, uint64_t tick)
{
	uint8_t v = 0;
	assert_int_equal(pit_io_at(p, port - PIT_BASE, &v, 1, false, T(tick)), 0);
	return v;
}

static uint16_t in16(struct pit *p, unsigned port, uint64_t tick)
{
	uint16_t lo = in8(p, port, tick);
	return (uint16_t)(lo | in8(p, port, tick) << 8);
}

static uint8_t port_b(struct pit *p, uint64_t tick)
{
	uint8_t v = 0;
	assert_int_equal(pit_port_b_io_at(p, 0, &v, 1, false, T(tick)), 0);
	return v;
}

static void set_port_b(struct pit *p, uint8_t v, uint64_t tick)
{
	assert_int_equal(pit_port_b_io_at(p, 0, &v, 1, true, T(tick)), 0);
}

static void test_unprogrammed(void **state)
{
	struct fx *f = *state;
	assert_int_equal(pit_deadline(&f->pit), UINT64_MAX);
	pit_update(&f->pit, T(1000000));
	assert_int_equal(f->pit.irq0_edges, 0);
	assert_false(f->pic.intr);
}

static void test_mode2_periodic(void **state)
{
	struct fx *f = *state;
	struct pit *p = &f->pit;
	out8(p, 0x43, 0x34, 0);          /* ch0, lo/hi, mode 2 */
	out8(p, 0x40, 1000 & 0xff, 0);
	assert_int_equal(pit_deadline(p), UINT64_MAX);   /* count not complete */
	out8(p, 0x40, 1000 >> 8, 0);
	assert_int_equal(pit_deadline(p), T(1000));

	assert_int_equal(in16(p, 0x40, 250), 750);
	assert_int_equal(in16(p, 0x40, 999), 1);
	assert_int_equal(in16(p, 0x40, 1000), 1000);     /* reloaded */
	assert_true(pit_out(p, 0, T(998)));
	assert_false(pit_out(p, 0, T(999)));             /* low for the tick at 1 */

	pit_update(p, T(1000) - 1);
	assert_int_equal(p->irq0_edges, 0);
	pit_update(p, T(1000));
	assert_int_equal(p->irq0_edges, 1);
	assert_true(f->pic.intr);
	assert_int_equal(pic_ack(&f->pic), 0x08);
	assert_int_equal(pit_deadline(p), T(2000));

	/* Late by three and a half periods: one edge, next on the grid. */
	pit_update(p, T(5500));
	assert_int_equal(p->irq0_edges, 2);
	assert_int_equal(pit_deadline(p), T(6000));
	pit_update(p, T(5999));
	assert_int_equal(p->irq0_edges, 2);
}

static void test_mode3_square(void **state)
{
	struct fx *f = *state;
	struct pit *p = &f->pit;
	out8(p, 0x43, 0x36, 100);        /* ch0, lo/hi, mode 3 */
	out8(p, 0x40, 0x00, 100);
	out8(p, 0x40, 0x00, 100);        /* 0 is 65536 */
	assert_int_equal(p->ch[0].count, 65536);
	assert_int_equal(pit_deadline(p), T(100 + 65536));

	out8(p, 0x43, 0x36, 200);
	out8(p, 0x40, 1000 & 0xff, 200);
	out8(p, 0x40, 1000 >> 8, 200);
	assert_true(pit_out(p, 0, T(200)));
	assert_true(pit_out(p, 0, T(699)));
	assert_false(pit_out(p, 0, T(700)));
	assert_false(pit_out(p, 0, T(1199)));
	assert_true(pit_out(p, 0, T(1200)));
	/* Counts by two, twice a period. */
	assert_int_equal(in16(p, 0x40, 300), 800);
	assert_int_equal(in16(p, 0x40, 800), 800);
	assert_int_equal(pit_deadline(p), T(1200));
	pit_update(p, T(1200));
	assert_int_equal(p->irq0_edges, 1);
	assert_int_equal(pit_deadline(p), T(2200));
	/* Modes 6 and 7 are 2 and 3. */
	out8(p, 0x43, 0x3e, 0);
	assert_int_equal(p->ch[0].mode, 3);
}

static void test_mode0_one_shot(void **state)
{
	struct fx *f = *state;
	struct pit *p = &f->pit;
	out8(p, 0x43, 0x30, 0);          /* ch0, lo/hi, mode 0 */
	assert_false(pit_out(p, 0, T(0)));
	out8(p, 0x40, 100, 10);
	out8(p, 0x40, 0, 10);
	assert_false(pit_out(p, 0, T(109)));
	assert_true(pit_out(p, 0, T(110)));
	assert_int_equal(in16(p, 0x40, 60), 50);
	assert_int_equal(in16(p, 0x40, 160), 65486);   /* wraps after zero */

	pit_update(p, T(109));
	assert_int_equal(p->irq0_edges, 0);
	pit_update(p, T(500));
	assert_int_equal(p->irq0_edges, 1);
	assert_int_equal(pit_deadline(p), UINT64_MAX);  /* once only */
	pit_update(p, T(100000));
	assert_int_equal(p->irq0_edges, 1);

	/* The first byte of a new count stops counting. */
	out8(p, 0x40, 50, 1000);
	assert_int_equal(pit_deadline(p), UINT64_MAX);
	assert_false(pit_out(p, 0, T(2000)));
	out8(p, 0x40, 0, 1000);
	assert_int_equal(pit_deadline(p), T(1050));
	/* A due edge is raised before a reprogramming replaces it. */
	out8(p, 0x43, 0x30, 1100);
	assert_int_equal(p->irq0_edges, 2);
}

static void test_latch_and_readback(void **state)
{
	struct fx *f = *state;
	struct pit *p = &f->pit;
	out8(p, 0x43, 0x34, 0);
	out8(p, 0x40, 1000 & 0xff, 0);
	out8(p, 0x40, 1000 >> 8, 0);

	out8(p, 0x43, 0x00, 300);        /* latch ch0 */
	out8(p, 0x43, 0x00, 350);        /* ignored: still latched */
	assert_int_equal(in16(p, 0x40, 600), 700);
	assert_int_equal(in16(p, 0x40, 600), 400);      /* live again */

	/* A live lo/hi count reads low byte, then high byte. */
	assert_int_equal(in8(p, 0x40, 600), 400 & 0xff);
	assert_int_equal(in8(p, 0x40, 600), 400 >> 8);

	/* Read-back: status then count of channel 0. */
	out8(p, 0x43, 0xc2, 100);
	assert_int_equal(in8(p, 0x40, 900), 0x80 | 0x30 | 0x04);
	assert_int_equal(in16(p, 0x40, 900), 900);
	/* Status only, after a control word: null count is set. */
	out8(p, 0x43, 0x34, 1000);
	out8(p, 0x43, 0xe2, 1000);
	assert_int_equal(in8(p, 0x40, 1000) & 0x40, 0x40);
	out8(p, 0x40, 10, 1000);
	out8(p, 0x40, 0, 1000);
	out8(p, 0x43, 0xe2, 1000);
	assert_int_equal(in8(p, 0x40, 1000) & 0x40, 0);
	/* The control port does not read. */
	assert_int_equal(in8(p, 0x43, 0), 0xff);
	uint8_t v;
	assert_int_equal(pit_io_at(p, 4, &v, 1, false, 0), -EINVAL);
}

static void test_access_modes_and_bcd(void **state)
{
	struct fx *f = *state;
	struct pit *p = &f->pit;
	out8(p, 0x43, 0x14, 0);          /* ch0, lsb only, mode 2 */
	out8(p, 0x40, 0x50, 0);
	assert_int_equal(p->ch[0].count, 0x50);
	assert_int_equal(in8(p, 0x40, 0x10), 0x40);
	out8(p, 0x43, 0x24, 0);          /* msb only */
	out8(p, 0x40, 0x02, 0);
	assert_int_equal(p->ch[0].count, 0x200);
	assert_int_equal(in8(p, 0x40, 0x100), 0x01);

	out8(p, 0x43, 0x35, 0);          /* lo/hi, mode 2, BCD */
	out8(p, 0x40, 0x00, 0);
	out8(p, 0x40, 0x10, 0);          /* 1000 */
	assert_int_equal(p->ch[0].count, 1000);
	assert_int_equal(in16(p, 0x40, 1), 0x0999);
	assert_int_equal(pit_deadline(p), T(1000));
	out8(p, 0x43, 0x35, 0);
	out8(p, 0x40, 0x00, 0);
	out8(p, 0x40, 0x00, 0);          /* 0 is 10000 in BCD */
	assert_int_equal(p->ch[0].count, 10000);
}

static void test_port_b_and_channel2(void **state)
{
	struct fx *f = *state;
	struct pit *p = &f->pit;
	/* Refresh toggles on every read. */
	uint8_t a = port_b(p, 0), b = port_b(p, 0);
	assert_int_equal((a ^ b) & 0x10, 0x10);

	/* Mode 0 on channel 2 with the gate low: the count waits. */
	out8(p, 0x43, 0xb0, 0);
	out8(p, 0x42, 1000 & 0xff, 0);
	out8(p, 0x42, 1000 >> 8, 0);
	assert_int_equal(in16(p, 0x42, 500), 1000);
	assert_int_equal(port_b(p, 500) & 0x21, 0x00);
	set_port_b(p, 0x03, 500);        /* gate on, speaker data */
	assert_int_equal(port_b(p, 500) & 0x0f, 0x03);
	assert_int_equal(in16(p, 0x42, 600), 900);
	assert_int_equal(port_b(p, 1499) & 0x20, 0x00);
	assert_int_equal(port_b(p, 1500) & 0x20, 0x20);
	/* Gate off holds the count, gate on resumes it. */
	set_port_b(p, 0x00, 700);
	assert_int_equal(in16(p, 0x42, 5000), 800);
	set_port_b(p, 0x01, 5000);
	assert_int_equal(in16(p, 0x42, 5100), 700);
	/* Channel 2 raises no interrupt. */
	pit_update(p, T(100000));
	assert_int_equal(p->irq0_edges, 0);

	/* Mode 2: a rising gate reloads; gate low forces OUT high. */
	out8(p, 0x43, 0xb4, 0);
	out8(p, 0x42, 100, 0);
	out8(p, 0x42, 0, 0);
	assert_int_equal(in16(p, 0x42, 30), 70);
	set_port_b(p, 0x00, 99);
	assert_true(pit_out(p, 2, T(99)));
	set_port_b(p, 0x01, 200);
	assert_int_equal(in16(p, 0x42, 210), 90);

	/* Mode 1: one-shot started by the gate's rising edge. */
	set_port_b(p, 0x00, 300);
	out8(p, 0x43, 0xb2, 300);
	out8(p, 0x42, 50, 300);
	out8(p, 0x42, 0, 300);
	assert_true(pit_out(p, 2, T(400)));
	set_port_b(p, 0x01, 400);
	assert_false(pit_out(p, 2, T(449)));
	assert_true(pit_out(p, 2, T(450)));

	uint8_t v = 0;
	assert_int_equal(pit_port_b_io_at(p, 0, &v, 2, false, 0), -EINVAL);
}

/* Linux's pit_calibrate_tsc and quick_pit_calibrate: gate channel 2 on
 * through port 0x61 (speaker off), load a mode 0 count, and poll port 0x61
 * bit 5 (OUT2) until it rises, or read the counter's msb going down. In
 * modes 2 and 3 OUT2 follows the count as well. */
static void test_out2_for_calibration(void **state)
{
	struct pit *p = &((struct fx *)*state)->pit;
	set_port_b(p, (uint8_t)((port_b(p, 0) & ~0x02) | 0x01), 0);
	out8(p, 0x43, 0xb0, 10);                        /* ch 2, lsb/msb, mode 0 */
	out8(p, 0x42, 0x9b, 10);                        /* 11931: 10 ms */
	out8(p, 0x42, 0x2e, 10);
	assert_int_equal(port_b(p, 10) & 0x20, 0);
	assert_int_equal(port_b(p, 10 + 11930) & 0x20, 0);
	assert_int_equal(port_b(p, 10 + 11931) & 0x20, 0x20);
	assert_int_equal(port_b(p, 10 + 60000) & 0x20, 0x20);   /* stays high */

	/* quick_pit_calibrate: count 0xffff, msb read after a dummy lsb. */
	out8(p, 0x43, 0xb0, 100000);
	out8(p, 0x42, 0xff, 100000);
	out8(p, 0x42, 0xff, 100000);
	in8(p, 0x42, 100000 + 256);
	assert_int_equal(in8(p, 0x42, 100000 + 256), 0xfe);

	/* Mode 2: OUT2 low for the last tick of each period. */
	out8(p, 0x43, 0xb4, 200000);
	out8(p, 0x42, 10, 200000);
	out8(p, 0x42, 0, 200000);
	assert_int_equal(port_b(p, 200000 + 8) & 0x20, 0x20);
	assert_int_equal(port_b(p, 200000 + 9) & 0x20, 0);
	assert_int_equal(port_b(p, 200000 + 10) & 0x20, 0x20);
	/* Mode 3: a square wave, high for the first half. */
	out8(p, 0x43, 0xb6, 300000);
	out8(p, 0x42, 10, 300000);
	out8(p, 0x42, 0, 300000);
	assert_int_equal(port_b(p, 300000 + 4) & 0x20, 0x20);
	assert_int_equal(port_b(p, 300000 + 5) & 0x20, 0);
	assert_int_equal(port_b(p, 300000 + 10) & 0x20, 0x20);
}

static void test_on_vm_bus(void **state)
{
	(void)state;
	struct vm *vm = malloc(sizeof(*vm));
	struct vm_config cfg = { .ram_size = 16 << 20, .serial_out_fd = -1, .serial_in_fd = -1 };
	assert_non_null(vm);
	assert_int_equal(vm_init(vm, &cfg), 0);
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, 0x43)->name, "pit");
	assert_string_equal(bus_find(&vm->bus, BUS_PIO, 0x61)->name, "port-b");
	assert_ptr_equal(vm->pit.irq0.isa->pic, &vm->pic);
	assert_int_equal(vm->pit.irq0.irq, 0);
	/* A count through the bus runs on the VM clock. */
	uint8_t v = 0x34;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x43, &v, 1, true), 0);
	v = 0xff;
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x40, &v, 1, true), 0);
	assert_int_equal(bus_access(&vm->bus, BUS_PIO, 0x40, &v, 1, true), 0);
	assert_true(vm->pit.deadline_ns != UINT64_MAX);
	assert_true(vm->pit.deadline_ns <= vclock_now_ns(&vm->clock) + T(65535) + 1);
	vm_destroy(vm);
	free(vm);
}

int main(void)
{
#define F(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		F(test_unprogrammed),
		F(test_mode2_periodic),
		F(test_mode3_square),
		F(test_mode0_one_shot),
		F(test_latch_and_readback),
		F(test_access_modes_and_bcd),
		F(test_port_b_and_channel2),
		F(test_out2_for_calibration),
		cmocka_unit_test(test_on_vm_bus),
	};
	return cmocka_run_group_tests_name("pit", tests, NULL, NULL);
}
