/* 8042 keyboard controller at ports 0x60 (data) and 0x64 (status and
 * command), with no keyboard or mouse attached: the controller answers
 * its own commands (self-test, command byte, interface tests, port
 * enables, output-buffer writes) and reports a timeout with 0xff for
 * bytes sent to a device, as AT controllers do when nothing answers.
 * Output-port bit 0 and the 0xf0-0xff pulse commands pull the reset
 * line; the output buffer raises IRQ 1 (keyboard) or IRQ 12 (mouse)
 * when the command byte enables it. */
#ifndef HVMM_I8042_H
#define HVMM_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "core/irq.h"
#include "core/reset_line.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT  0x64
#define I8042_KBD_IRQ   1
#define I8042_AUX_IRQ   12

/* Status register bits. */
#define I8042_STR_OBF     0x01
#define I8042_STR_SYS     0x04
#define I8042_STR_CMD     0x08   /* last write went to port 0x64 */
#define I8042_STR_NOINH   0x10   /* keyboard not inhibited */
#define I8042_STR_AUXDATA 0x20
#define I8042_STR_TIMEOUT 0x40

/* Command byte bits. */
#define I8042_CTR_KBDINT  0x01
#define I8042_CTR_AUXINT  0x02
#define I8042_CTR_SYS     0x04
#define I8042_CTR_KBDDIS  0x10
#define I8042_CTR_AUXDIS  0x20
#define I8042_CTR_XLATE   0x40
/* As firmware leaves it: keyboard interrupt, translation, mouse off. */
#define I8042_CTR_RESET   (I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_AUXDIS | I8042_CTR_XLATE)

/* Output port bits. */
#define I8042_OUT_RESET   0x01   /* active low: 0 resets the CPU */
#define I8042_OUT_A20     0x02

struct i8042 {
	uint8_t status;      /* OBF, CMD, AUXDATA, TIMEOUT; the rest computed */
	uint8_t out;         /* output buffer */
	uint8_t ctr;         /* command byte */
	uint8_t outport;
	uint8_t pending;     /* command waiting for its data byte, or 0 */
	struct irq_line kbd_line, aux_line;   /* unconnected after init */
	bool kbd_level, aux_level;
	struct reset_line reset;
};

void i8042_init(struct i8042 *k);

/* bus_handler_fn for port 0x60 and for port 0x64 (opaque: the i8042). */
int i8042_data_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);
int i8042_cmd_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);

#endif
