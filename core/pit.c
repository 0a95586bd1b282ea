/* 8254 programmable interval timer (Intel 8254 datasheet). Counting is
 * not simulated tick by tick: a channel remembers the PIT tick at which it
 * was loaded, and its counter and OUT are functions of the ticks elapsed
 * since. Ticks are whole periods of the 1.193182 MHz input counted from VM
 * clock 0, so deadlines fall on one fixed grid and never drift.
 *
 * Modelled: all three channels in modes 0-5, binary and BCD counting,
 * lsb/msb/lsb-then-msb access, the counter latch command, the read-back
 * command (count and status), the gate of channel 2 through port 0x61.
 * Simplified: a count written while a mode 2/3 channel runs restarts it at
 * once instead of at the end of the current period; the one-tick delay
 * between a count write and the start of counting is not modelled; mode 3
 * with an odd count is treated as the next lower even count for the
 * counter value (OUT keeps the datasheet's longer high half). */
#include "core/pit.h"

#include <errno.h>
#include <string.h>

#include "core/clock.h"

#define CW_SC(v)    (((v) >> 6) & 3)
#define CW_RW(v)    (((v) >> 4) & 3)
#define CW_MODE(v)  (((v) >> 1) & 7)
#define CW_BCD      0x01
#define SC_READBACK 3
#define RB_NO_COUNT  0x20
#define RB_NO_STATUS 0x10

#define PORTB_GATE2  0x01
#define PORTB_RW     0x0f   /* bits the guest controls */
#define PORTB_REFRESH 0x10
#define PORTB_OUT2   0x20

static uint64_t now_of(const struct pit *pit)
{
	return pit->clock ? vclock_now_ns(pit->clock) : 0;
}

static uint64_t tick_of(uint64_t ns)
{
	return vclock_ns_to_ticks(ns, PIT_HZ);
}

/* Ticks counted at tick now; a clock read slightly behind the load (a
 * TSC from another CPU) counts as zero. */
static uint64_t elapsed(const struct pit_channel *c, uint64_t now)
{
	if (c->frozen)
		return c->frozen_t;
	return now > c->load_tick ? now - c->load_tick : 0;
}

static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

static uint32_t from_bcd(uint16_t v)
{
	/* Digits above 9 are not valid BCD; the hardware counts them
	 * anyway, this model clamps them to 9. */
	uint32_t r = 0;
	for (int shift = 12; shift >= 0; shift -= 4) {
		uint32_t d = (v >> shift) & 0xf;
		r = r * 10 + (d > 9 ? 9 : d);
	}
	return r;
}

/* Counter value at tick now, in counts (not yet encoded). */
static uint32_t counter_value(const struct pit_channel *c, uint64_t now)
{
	uint32_t n = c->count, mod = modulus(c);
	if (!c->armed)
		return n % mod;
	uint64_t t = elapsed(c, now);
	switch (c->mode) {
	case 1:
	case 5:
		if (!c->triggered)
			return n % mod;
		/* counts down from the trigger like mode 0 */
		__attribute__((fallthrough));
	case 0:
	case 4:
		/* Counts through zero and wraps, as the hardware does. */
		return (uint32_t)(((uint64_t)n % mod + mod - t % mod) % mod);
	case 2:
		return (uint32_t)((n - t % n) % mod);
	default: {   /* 3: two decrements per tick, reloaded each half */
		uint64_t hi = (n + 1) / 2, p = t % n;
		uint64_t q = p < hi ? p : p - hi;
		uint64_t even = n & ~1u;
		uint64_t v = even > 2 * q ? even - 2 * q : 2;
		return (uint32_t)(v % mod);
	}
	}
}

static bool out_level(const struct pit_channel *c, uint64_t now)
{
	if (!c->armed)
		return c->mode != 0;   /* mode 0 sets OUT low on the control word */
	uint64_t n = c->count, t = elapsed(c, now);
	switch (c->mode) {
	case 0:
		return t >= n;
	case 1:
		return !c->triggered || t >= n;
	case 2:
		return c->frozen || t % n != n - 1;
	case 3:
		return c->frozen || t % n < (n + 1) / 2;
	case 4:
		return t != n;
	default:   /* 5 */
		return !c->triggered || t != n;
	}
}

/* First rising edge of OUT after tick p, or PIT_NO_TICK. */
static uint64_t edge_after(const struct pit_channel *c, uint64_t p)
{
	if (!c->armed || c->frozen)
		return PIT_NO_TICK;
	uint64_t n = c->count, e;
	switch (c->mode) {
	case 0:
		e = c->load_tick + n;
		return e > p ? e : PIT_NO_TICK;
	case 4:
		e = c->load_tick + n + 1;   /* OUT is low for the tick at zero */
		return e > p ? e : PIT_NO_TICK;
	case 2:
	case 3:
		/* Rising edges at every reload: load + k * n, k >= 1. */
		if (p < c->load_tick)
			return c->load_tick + n;
		return c->load_tick + ((p - c->load_tick) / n + 1) * n;
	default:
		/* Modes 1 and 5 need a gate edge; only channel 2 has a gate. */
		return PIT_NO_TICK;
	}
}

/* Only channel 0 is wired to an interrupt: keep its deadline. */
static void schedule(struct pit *pit, uint64_t after_tick)
{
	struct pit_channel *c = &pit->ch[0];
	c->next_tick = edge_after(c, after_tick);
	pit->deadline_ns = c->next_tick == PIT_NO_TICK ? UINT64_MAX
	                   : vclock_ticks_to_ns(c->next_tick, PIT_HZ);
}

void pit_init(struct pit *pit, const struct vclock *clock, struct irq_line irq0)
{
	memset(pit, 0, sizeof(*pit));
	pit->clock = clock;
	pit->irq0 = irq0;
	for (unsigned i = 0; i < 3; i++) {
		struct pit_channel *c = &pit->ch[i];
		c->rw = 3;
		c->count = 65536;
		c->null_count = true;
		c->gate = i != 2;   /* channels 0 and 1 are gated on for good */
		c->next_tick = PIT_NO_TICK;
	}
	pit->deadline_ns = UINT64_MAX;
}

void pit_update(struct pit *pit, uint64_t now_ns)
{
	struct pit_channel *c = &pit->ch[0];
	uint64_t now = tick_of(now_ns);
	if (c->next_tick == PIT_NO_TICK || now < c->next_tick)
		return;
	pit->irq0_edges++;
	irq_line_pulse(&pit->irq0);
	schedule(pit, now);
}

uint16_t pit_counter(const struct pit *pit, unsigned ch, uint64_t now_ns)
{
	const struct pit_channel *c = &pit->ch[ch % 3];
	uint32_t v = counter_value(c, tick_of(now_ns));
	return c->bcd ? to_bcd(v) : (uint16_t)v;
}

bool pit_out(const struct pit *pit, unsigned ch, uint64_t now_ns)
{
	return out_level(&pit->ch[ch % 3], tick_of(now_ns));
}

static void load_count(struct pit *pit, unsigned ch, uint16_t raw, uint64_t now)
{
	struct pit_channel *c = &pit->ch[ch];
	uint32_t n = c->bcd ? from_bcd(raw) : raw;
	c->count = n ? n : modulus(c);
	c->null_count = false;
	c->armed = true;
	c->triggered = false;
	c->load_tick = now;
	/* A low gate holds modes 0, 2, 3 and 4 at the loaded count. */
	c->frozen = !c->gate && c->mode != 1 && c->mode != 5;
	c->frozen_t = 0;
	if (ch == 0)
		schedule(pit, now);
}

static void write_counter(struct pit *pit, unsigned ch, uint8_t v, uint64_t now)
{
	struct pit_channel *c = &pit->ch[ch];
	switch (c->rw) {
	case 1:
		load_count(pit, ch, v, now);
		break;
	case 2:
		load_count(pit, ch, (uint16_t)(v << 8), now);
		break;
	default:
		if (!c->write_msb_next) {
			c->wlsb = v;
			c->write_msb_next = true;
			if (c->mode == 0) {
				/* The first byte stops a mode 0 count (OUT goes low). */
				c->armed = false;
				if (ch == 0)
					schedule(pit, now);
			}
			break;
		}
		c->write_msb_next = false;
		load_count(pit, ch, (uint16_t)(c->wlsb | v << 8), now);
		break;
	}
}

/* A latched count or status is read once; a live count is read as the
 * access mode says, lsb then msb alternating for mode 3. */
static uint8_t read_counter(struct pit *pit, unsigned ch, uint64_t now)
{
	struct pit_channel *c = &pit->ch[ch];
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	uint16_t v;
	if (c->count_latched) {
		v = c->latch;
	} else {
		uint32_t raw = counter_value(c, now);
		v = c->bcd ? to_bcd(raw) : (uint16_t)raw;
	}
	uint8_t b;
	bool done = true;
	switch (c->rw) {
	case 1:
		b = (uint8_t)v;
		break;
	case 2:
		b = (uint8_t)(v >> 8);
		break;
	default:
		b = c->read_msb_next ? (uint8_t)(v >> 8) : (uint8_t)v;
		done = c->read_msb_next;
		c->read_msb_next = !c->read_msb_next;
		break;
	}
	if (done)
		c->count_latched = false;
	return b;
}

static void latch_count(struct pit_channel *c, uint64_t now)
{
	/* A second latch before the first is read is ignored. */
	if (c->count_latched)
		return;
	uint32_t raw = counter_value(c, now);
	c->latch = c->bcd ? to_bcd(raw) : (uint16_t)raw;
	c->count_latched = true;
	c->read_msb_next = false;
}

static void latch_status(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((out_level(c, now) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
	                      c->rw << 4 | c->mode << 1 | (c->bcd ? CW_BCD : 0));
	c->status_latched = true;
}

static void write_control(struct pit *pit, uint8_t v, uint64_t now)
{
	unsigned sc = CW_SC(v);
	if (sc == SC_READBACK) {
		for (unsigned i = 0; i < 3; i++) {
			if (!(v & (2u << i)))
				continue;
			/* Status first: it reports the state before the latch. */
			if (!(v & RB_NO_STATUS))
				latch_status(&pit->ch[i], now);
			if (!(v & RB_NO_COUNT))
				latch_count(&pit->ch[i], now);
		}
		return;
	}
	struct pit_channel *c = &pit->ch[sc];
	if (CW_RW(v) == 0) {
		latch_count(c, now);
		return;
	}
	unsigned mode = CW_MODE(v);
	c->mode = (uint8_t)(mode >= 6 ? mode - 4 : mode);   /* 6, 7 alias 2, 3 */
	c->rw = (uint8_t)CW_RW(v);
	c->bcd = v & CW_BCD;
	c->null_count = true;
	c->armed = false;
	c->triggered = false;
	c->frozen = false;
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->count_latched = false;
	c->status_latched = false;
	if (sc == 0)
		schedule(pit, now);
}

int pit_io_at(struct pit *pit, uint64_t offset, void *data, unsigned len, bool is_write,
              uint64_t now_ns)
{
	uint8_t *b = data;
	uint64_t now = tick_of(now_ns);

	if (offset >= PIT_NR_PORTS || len > PIT_NR_PORTS - offset)
		return -EINVAL;
	/* An edge that fell due before a reprogramming is raised first. */
	if (is_write)
		pit_update(pit, now_ns);
	for (unsigned i = 0; i < len; i++) {
		unsigned port = (unsigned)offset + i;
		if (port == 3) {
			if (is_write)
				write_control(pit, b[i], now);
			else
				b[i] = 0xff;   /* the control register cannot be read */
		} else if (is_write) {
			write_counter(pit, port, b[i], now);
		} else {
			b[i] = read_counter(pit, port, now);
		}
	}
	return 0;
}

int pit_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct pit *pit = opaque;
	return pit_io_at(pit, offset, data, len, is_write, now_of(pit));
}

static void set_gate2(struct pit *pit, bool level, uint64_t now)
{
	struct pit_channel *c = &pit->ch[2];
	if (level == c->gate)
		return;
	c->gate = level;
	if (!c->armed)
		return;
	if (!level) {
		if (c->mode != 1 && c->mode != 5) {
			c->frozen_t = elapsed(c, now);
			c->frozen = true;
		}
		return;
	}
	switch (c->mode) {
	case 0:
	case 4:
		/* Counting resumes where it stopped. */
		c->load_tick = now - c->frozen_t;
		c->frozen = false;
		break;
	default:
		/* Modes 1 and 5 start, modes 2 and 3 reload, on a rising gate. */
		c->triggered = true;
		c->frozen = false;
		c->load_tick = now;
		break;
	}
}

int pit_port_b_io_at(struct pit *pit, uint64_t offset, void *data, unsigned len,
                     bool is_write, uint64_t now_ns)
{
	uint8_t *b = data;
	if (offset != 0 || len != 1)
		return -EINVAL;
	if (is_write) {
		pit->port_b = b[0] & PORTB_RW;
		set_gate2(pit, b[0] & PORTB_GATE2, tick_of(now_ns));
		return 0;
	}
	/* Guests time short delays by the refresh bit changing: make it
	 * change on every read. */
	pit->refresh = !pit->refresh;
	b[0] = (uint8_t)(pit->port_b | (pit->refresh ? PORTB_REFRESH : 0) |
	                 (pit_out(pit, 2, now_ns) ? PORTB_OUT2 : 0));
	return 0;
}

int pit_port_b_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct pit *pit = opaque;
	return pit_port_b_io_at(pit, offset, data, len, is_write, now_of(pit));
}
