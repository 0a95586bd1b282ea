/* 8042 keyboard controller, no devices attached. The input buffer is
 * consumed at once (IBF never shows); the output buffer is one byte, and
 * a new byte replaces one the guest has not read. The A20 gate of the
 * output port is kept but not acted on: A20 is always enabled. */
#include "core/i8042.h"

#include <errno.h>
#include <string.h>

#define CMD_READ_CTR    0x20
#define CMD_WRITE_CTR   0x60
#define CMD_AUX_DISABLE 0xa7
#define CMD_AUX_ENABLE  0xa8
#define CMD_AUX_TEST    0xa9
#define CMD_SELF_TEST   0xaa
#define CMD_KBD_TEST    0xab
#define CMD_KBD_DISABLE 0xad
#define CMD_KBD_ENABLE  0xae
#define CMD_READ_INPUT  0xc0
#define CMD_READ_OUT    0xd0
#define CMD_WRITE_OUT   0xd1
#define CMD_WRITE_KBD   0xd2   /* next byte appears as keyboard data */
#define CMD_WRITE_AUX   0xd3   /* next byte appears as mouse data */
#define CMD_TO_AUX      0xd4   /* next byte goes to the mouse */
#define CMD_PULSE       0xf0   /* 0xf0-0xff: pulse output bits 3:0 low */

#define SELF_TEST_OK    0x55
#define NO_DEVICE       0xff   /* with STR_TIMEOUT: nothing answered */
#define INPUT_PORT      0xb0   /* keyboard not locked, colour display */

void i8042_init(struct i8042 *k)
{
	memset(k, 0, sizeof(*k));
	k->ctr = I8042_CTR_RESET;
	k->outport = I8042_OUT_RESET | I8042_OUT_A20;
}

/* The IRQ lines follow the output buffer and the command byte's enables. */
static void drive_irqs(struct i8042 *k)
{
	bool full = k->status & I8042_STR_OBF, aux = k->status & I8042_STR_AUXDATA;
	bool kbd = full && !aux && (k->ctr & I8042_CTR_KBDINT);
	bool mouse = full && aux && (k->ctr & I8042_CTR_AUXINT);
	if (kbd != k->kbd_level)
		irq_line_set(&k->kbd_line, k->kbd_level = kbd);
	if (mouse != k->aux_level)
		irq_line_set(&k->aux_line, k->aux_level = mouse);
}

/* flags: STR_AUXDATA and/or STR_TIMEOUT. */
static void put(struct i8042 *k, uint8_t v, uint8_t flags)
{
	k->out = v;
	k->status = (uint8_t)((k->status & I8042_STR_CMD) | I8042_STR_OBF | flags);
}

static void write_outport(struct i8042 *k, uint8_t v)
{
	k->outport = v;
	if (!(v & I8042_OUT_RESET))
		reset_line_pulse(&k->reset);
}

/* A data byte: the parameter of a pending command, or a byte for a device
 * that is not there. */
static void write_data(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;
	k->pending = 0;
	switch (cmd) {
	case CMD_WRITE_CTR:
		k->ctr = v;
		break;
	case CMD_WRITE_OUT:
		write_outport(k, v);
		break;
	case CMD_WRITE_KBD:
		put(k, v, 0);
		break;
	case CMD_WRITE_AUX:
		put(k, v, I8042_STR_AUXDATA);
		break;
	case CMD_TO_AUX:
		put(k, NO_DEVICE, I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
		break;
	default:
		/* Sending to the keyboard enables it, as on the 8042. */
		k->ctr &= (uint8_t)~I8042_CTR_KBDDIS;
		put(k, NO_DEVICE, I8042_STR_TIMEOUT);
		break;
	}
}

/* Commands that answer one byte or change the command byte. */
static bool simple_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_CTR:    put(k, k->ctr, 0); return true;
	case CMD_AUX_DISABLE: k->ctr |= I8042_CTR_AUXDIS; return true;
	case CMD_AUX_ENABLE:  k->ctr &= (uint8_t)~I8042_CTR_AUXDIS; return true;
	case CMD_AUX_TEST:    put(k, 0x00, 0); return true;
	case CMD_KBD_TEST:    put(k, 0x00, 0); return true;
	case CMD_KBD_DISABLE: k->ctr |= I8042_CTR_KBDDIS; return true;
	case CMD_KBD_ENABLE:  k->ctr &= (uint8_t)~I8042_CTR_KBDDIS; return true;
	case CMD_READ_INPUT:  put(k, INPUT_PORT, 0); return true;
	case CMD_READ_OUT:    put(k, k->outport, 0); return true;
	case CMD_SELF_TEST:
		k->ctr |= I8042_CTR_SYS;
		put(k, SELF_TEST_OK, 0);
		return true;
	}
	return false;
}

static void write_command(struct i8042 *k, uint8_t cmd)
{
	k->pending = 0;
	if (simple_command(k, cmd))
		return;
	switch (cmd) {
	case CMD_WRITE_CTR:
	case CMD_WRITE_OUT:
	case CMD_WRITE_KBD:
	case CMD_WRITE_AUX:
	case CMD_TO_AUX:
		k->pending = cmd;
		return;
	}
	if (cmd >= CMD_PULSE && !(cmd & I8042_OUT_RESET))
		reset_line_pulse(&k->reset);
	/* Anything else is ignored, as controllers ignore unknown commands. */
}

static int check(uint64_t offset, unsigned len)
{
	return offset != 0 || len != 1 ? -EINVAL : 0;
}

int i8042_data_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct i8042 *k = opaque;
	uint8_t *b = data;
	if (check(offset, len))
		return -EINVAL;
	if (is_write) {
		k->status &= (uint8_t)~I8042_STR_CMD;
		write_data(k, b[0]);
	} else {
		b[0] = k->out;   /* an empty buffer reads its last byte again */
		k->status &= (uint8_t)~(I8042_STR_OBF | I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
	}
	drive_irqs(k);
	return 0;
}

int i8042_cmd_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct i8042 *k = opaque;
	uint8_t *b = data;
	if (check(offset, len))
		return -EINVAL;
	if (!is_write) {
		b[0] = (uint8_t)(k->status | I8042_STR_NOINH |
		                 ((k->ctr & I8042_CTR_SYS) ? I8042_STR_SYS : 0));
		return 0;
	}
	k->status |= I8042_STR_CMD;
	write_command(k, b[0]);
	drive_irqs(k);
	return 0;
}
