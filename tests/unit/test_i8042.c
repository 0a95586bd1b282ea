/* 8042 keyboard controller: what Linux's i8042 probe does (flush, self
 * test, command byte, port enables, loop and interface tests), bytes to a
 * missing device, the IRQ lines and the reset commands. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "core/i8042.h"
#include "core/pic.h"

struct fx {
	struct i8042 k;
	struct pic pic;
	struct isa_irqs isa;
	int resets;
};

static void count_reset(void *opaque)
{
	((struct fx *)opaque)->resets++;
}

static void fx_init(struct fx *f)
{
	i8042_init(&f->k);
	pic_init(&f->pic);
	f->pic.chip[0].imr = 0;
	f->pic.chip[1].imr = 0;
	f->isa = (struct isa_irqs){ .pic = &f->pic };
	f->k.kbd_line = (struct irq_line){ &f->isa, I8042_KBD_IRQ };
	f->k.aux_line = (struct irq_line){ &f->isa, I8042_AUX_IRQ };
	f->k.reset = (struct reset_line){ count_reset, f };
	f->resets = 0;
}

static uint8_t status(struct fx *f)
{
	uint8_t v = 0;
	assert_int_equal(i8042_cmd_io(&f->k, 0, &v, 1, false), 0);
	return v;
}

static void cmd(struct fx *f, uint8_t v)
{
	assert_int_equal(i8042_cmd_io(&f->k, 0, &v, 1, true), 0);
}

static void put(struct fx *f, uint8_t v)
{
	assert_int_equal(i8042_data_io(&f->k, 0, &v, 1, true), 0);
}

static uint8_t get(struct fx *f)
{
	uint8_t v = 0;
	assert_int_equal(i8042_data_io(&f->k, 0, &v, 1, false), 0);
	return v;
}

/* The answer to a command: present in the buffer, then gone. */
static uint8_t answer(struct fx *f, uint8_t c)
{
	cmd(f, c);
	assert_true(status(f) & I8042_STR_OBF);
	uint8_t v = get(f);
	assert_false(status(f) & I8042_STR_OBF);
	return v;
}

static void test_probe(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	uint8_t s = status(&f);
	assert_int_not_equal(s, 0xff);                 /* a controller is there */
	assert_int_equal(s & (I8042_STR_OBF | 0x02), 0);
	assert_int_equal(answer(&f, 0xaa), 0x55);
	assert_true(status(&f) & I8042_STR_SYS);
	assert_int_equal(answer(&f, 0x20), I8042_CTR_RESET);
	cmd(&f, 0x60);
	assert_true(status(&f) & I8042_STR_CMD);
	put(&f, 0x44);
	assert_false(status(&f) & I8042_STR_CMD);
	assert_int_equal(answer(&f, 0x20), 0x44);
	cmd(&f, 0xad);
	cmd(&f, 0xa7);
	assert_int_equal(answer(&f, 0x20), 0x44 | I8042_CTR_KBDDIS | I8042_CTR_AUXDIS);
	cmd(&f, 0xae);
	cmd(&f, 0xa8);
	assert_int_equal(answer(&f, 0x20), 0x44);
	assert_int_equal(answer(&f, 0xa9), 0x00);
	assert_int_equal(answer(&f, 0xab), 0x00);
	/* The AUX loop: the byte comes back as mouse data. */
	cmd(&f, 0xd3);
	put(&f, 0x5a);
	assert_int_equal(status(&f) & (I8042_STR_OBF | I8042_STR_AUXDATA),
	                 I8042_STR_OBF | I8042_STR_AUXDATA);
	assert_int_equal(get(&f), 0x5a);
	cmd(&f, 0x12);                                /* unknown: ignored */
	assert_false(status(&f) & I8042_STR_OBF);
}

static void test_no_devices(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	put(&f, 0xf2);                                /* keyboard GET ID */
	assert_int_equal(status(&f) & (I8042_STR_OBF | I8042_STR_TIMEOUT | I8042_STR_AUXDATA),
	                 I8042_STR_OBF | I8042_STR_TIMEOUT);
	assert_int_equal(get(&f), 0xff);
	assert_false(status(&f) & I8042_STR_TIMEOUT);
	cmd(&f, 0xd4);
	put(&f, 0xf2);                                /* mouse GET ID */
	assert_int_equal(status(&f) & (I8042_STR_TIMEOUT | I8042_STR_AUXDATA),
	                 I8042_STR_TIMEOUT | I8042_STR_AUXDATA);
	assert_int_equal(get(&f), 0xff);
}

static void test_irqs(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	cmd(&f, 0xd2);
	put(&f, 0x1c);                                /* keyboard data, KBDINT on */
	assert_true(f.pic.intr);
	assert_int_equal(pic_ack(&f.pic), PIC_RESET_MASTER_BASE + 1);
	assert_int_equal(get(&f), 0x1c);
	assert_false(f.pic.chip[0].lines & 0x02);    /* the line fell */
	cmd(&f, 0x60);
	put(&f, I8042_CTR_AUXINT);
	cmd(&f, 0xd3);
	put(&f, 0xa5);                                /* Linux's AUX IRQ test */
	assert_true(f.pic.chip[1].lines & 0x10);
	assert_int_equal(get(&f), 0xa5);
	assert_false(f.pic.chip[1].lines & 0x10);
	cmd(&f, 0xd2);
	put(&f, 0x1c);                                /* KBDINT off: no IRQ 1 */
	assert_false(f.pic.chip[0].lines & 0x02);
}

static void test_reset(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	assert_int_equal(answer(&f, 0xd0), I8042_OUT_RESET | I8042_OUT_A20);
	cmd(&f, 0xff);                                /* pulse nothing */
	assert_int_equal(f.resets, 0);
	cmd(&f, 0xfe);
	assert_int_equal(f.resets, 1);
	cmd(&f, 0xd1);
	put(&f, I8042_OUT_RESET);                     /* A20 off: no reset */
	assert_int_equal(f.resets, 1);
	cmd(&f, 0xd1);
	put(&f, 0x00);
	assert_int_equal(f.resets, 2);
	uint8_t v = 0;
	assert_int_equal(i8042_data_io(&f.k, 0, &v, 2, false), -EINVAL);
	assert_int_equal(i8042_cmd_io(&f.k, 1, &v, 1, false), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_no_devices),
		cmocka_unit_test(test_irqs),
		cmocka_unit_test(test_reset),
	};
	return cmocka_run_group_tests_name("i8042", tests, NULL, NULL);
}
