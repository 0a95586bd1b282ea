/* 8254 programmable interval timer at ports 0x40-0x43, with the PC's
 * system control port B (0x61) that gates channel 2 and shows its output.
 * Channel 0's output drives ISA IRQ 0. The counters run off the VM
 * clock at 1.193182 MHz: their values are computed from it when read, and
 * channel 0's next output edge is a deadline that pit_update() serves. */
#ifndef HVMM_PIT_H
#define HVMM_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_BASE       0x40
#define PIT_NR_PORTS   4
#define PIT_PORT_B     0x61
#define PIT_HZ         1193182ull
#define PIT_NO_TICK    UINT64_MAX

#include "core/irq.h"

struct vclock;

struct pit_channel {
	uint8_t mode;          /* 0-5 */
	uint8_t rw;            /* access: 1 lsb, 2 msb, 3 lsb then msb */
	bool bcd;
	uint32_t count;        /* reload value in counts: 1-65536 (1-10000 BCD) */
	uint8_t wlsb;          /* first byte of a two-byte count write */
	bool write_msb_next, read_msb_next;
	bool count_latched, status_latched;
	uint16_t latch;
	uint8_t status;
	bool null_count;       /* control word written, count not yet loaded */
	bool armed;            /* a count is loaded */
	bool triggered;        /* modes 1 and 5: a gate edge started counting */
	bool gate;
	bool frozen;           /* gate low stops counting (modes 0, 2, 3, 4) */
	uint64_t frozen_t;     /* ticks counted when the gate fell */
	uint64_t load_tick;    /* PIT tick at which counting (re)started */
	uint64_t next_tick;    /* channel 0: next rising edge of OUT */
};

struct pit {
	const struct vclock *clock;   /* NULL: time stands at 0 */
	struct irq_line irq0;         /* channel 0's output */
	struct pit_channel ch[3];
	uint8_t port_b;               /* port 0x61 bits 3:0 as written */
	bool refresh;                 /* port 0x61 bit 4: flips on every read */
	uint64_t deadline_ns;         /* channel 0's next edge, or UINT64_MAX */
	uint64_t irq0_edges;          /* edges sent to IRQ 0, coalesced ones once */
};

/* Every channel starts unprogrammed: no count loaded, nothing counts
 * until a control word and a count are written. */
void pit_init(struct pit *pit, const struct vclock *clock, struct irq_line irq0);

/* bus_handler_fn for ports 0x40-0x43 and for port 0x61 (opaque: the
 * pit), reading the VM clock; the _at forms take the time explicitly. A
 * wider access touches consecutive ports, one byte each. */
int pit_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);
int pit_port_b_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);
int pit_io_at(struct pit *pit, uint64_t offset, void *data, unsigned len, bool is_write,
              uint64_t now_ns);
int pit_port_b_io_at(struct pit *pit, uint64_t offset, void *data, unsigned len,
                     bool is_write, uint64_t now_ns);

/* Raise IRQ 0 once if channel 0's output rose since the last update
 * (missed periods coalesce into one edge; the period grid is kept). */
void pit_update(struct pit *pit, uint64_t now_ns);

/* VM-clock time of channel 0's next edge, or UINT64_MAX. */
static inline uint64_t pit_deadline(const struct pit *pit)
{
	return pit->deadline_ns;
}

/* The counter and OUT of channel ch as the hardware shows them at now. */
uint16_t pit_counter(const struct pit *pit, unsigned ch, uint64_t now_ns);
bool pit_out(const struct pit *pit, unsigned ch, uint64_t now_ns);

#endif
