/* MC146818-compatible real-time clock and CMOS memory at ports 0x70
 * (index, bit 7 disables NMI) and 0x71 (data). The time starts from the
 * host's wall clock (UTC) and advances with the VM clock; the periodic,
 * alarm and update-ended interrupts go to IRQ 8 of the PIC. */
#ifndef HVMM_CMOS_H
#define HVMM_CMOS_H

#include <stdbool.h>
#include <stdint.h>

#define CMOS_BASE      0x70
#define CMOS_NR_PORTS  2
#define CMOS_IRQ       8
#define CMOS_HZ        32768ull      /* time base: the 32.768 kHz crystal */

/* Register indexes. */
#define RTC_SEC        0x00
#define RTC_SEC_ALARM  0x01
#define RTC_MIN        0x02
#define RTC_MIN_ALARM  0x03
#define RTC_HOUR       0x04
#define RTC_HOUR_ALARM 0x05
#define RTC_WDAY       0x06
#define RTC_MDAY       0x07
#define RTC_MONTH      0x08
#define RTC_YEAR       0x09
#define RTC_REG_A      0x0a
#define RTC_REG_B      0x0b
#define RTC_REG_C      0x0c
#define RTC_REG_D      0x0d
#define RTC_CENTURY    0x32

#define RTC_A_UIP      0x80
#define RTC_B_SET      0x80
#define RTC_B_PIE      0x40
#define RTC_B_AIE      0x20
#define RTC_B_UIE      0x10
#define RTC_B_DM       0x04   /* binary, not BCD */
#define RTC_B_24H      0x02
#define RTC_C_IRQF     0x80
#define RTC_C_PF       0x40
#define RTC_C_AF       0x20
#define RTC_C_UF       0x10
#define RTC_D_VRT      0x80

#include "core/irq.h"

struct vclock;

struct cmos {
	const struct vclock *clock;   /* NULL: time stands at 0 */
	struct irq_line line;         /* IRQ 8 */
	uint8_t index;
	bool nmi_disabled;            /* bit 7 of the last index write */
	uint8_t ram[128];             /* registers A, B, alarms and NVRAM */
	uint8_t flags;                /* register C: PF, AF, UF */
	bool irq;                     /* IRQ 8 line (register C IRQF) */
	int64_t wall0_s;              /* UTC at VM clock 0: seconds since 1970 */
	uint64_t wall0_sub_ns;        /* ... and nanoseconds into that second */
	int64_t frozen_s;             /* the time while SET holds updates */
	int64_t last_sec;             /* second the flags were computed for */
	uint64_t last_pidx;           /* periodic tick the flags were computed for */
	uint64_t deadline_ns;         /* next interrupt, or UINT64_MAX */
};

/* wall0_ns: UTC time (ns since 1970) that VM clock 0 stands for.
 * Registers A = 0x26 (32.768 kHz, 1024 Hz rate), B = 0x02 (24 h, BCD,
 * no interrupts), D = VRT. */
void cmos_init(struct cmos *c, const struct vclock *clock, struct irq_line line,
               int64_t wall0_ns);

/* Record the RAM size in the conventional bytes: base memory (0x15-0x16),
 * KiB above 1 MiB (0x17-0x18, 0x30-0x31), 64 KiB blocks above 16 MiB
 * below the hole (0x34-0x35) and above 4 GiB (0x5b-0x5d), with the
 * checksum at 0x2e-0x2f. */
void cmos_set_ram_size(struct cmos *c, uint64_t ram_size);

/* bus_handler_fn for ports 0x70-0x71 (opaque: the cmos), reading the VM
 * clock; cmos_io_at takes the time explicitly. */
int cmos_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);
int cmos_io_at(struct cmos *c, uint64_t offset, void *data, unsigned len, bool is_write,
               uint64_t now_ns);

/* Set the flags that fell due and drive IRQ 8. */
void cmos_update(struct cmos *c, uint64_t now_ns);

static inline uint64_t cmos_deadline(const struct cmos *c)
{
	return c->deadline_ns;
}

#endif
