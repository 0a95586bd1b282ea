/* MC146818A real-time clock and CMOS RAM (Motorola MC146818A datasheet).
 * The time is not kept in registers: it is the host's UTC time at VM
 * start plus the VM clock, rebased when the guest sets it, and broken down
 * into calendar fields on each read. Flags are brought up to date from the
 * VM clock whenever they are looked at or a deadline passes.
 *
 * Modelled: time and alarm registers in BCD or binary, 12 or 24 hours,
 * the century at 0x32, SET (updates held while the guest writes the
 * time), UIP during the last 244 us of every second, the periodic rate,
 * PF/AF/UF with their enables and IRQF on IRQ 8, register C cleared on
 * read, register D's VRT. Not modelled: the divider bits of register A
 * (the clock always runs), square-wave output, daylight saving (DSE is
 * stored only). The day of week is derived from the date; writes to it
 * are ignored. */
#include "core/cmos.h"

#include <errno.h>
#include <string.h>

#include "core/clock.h"
#include "core/memory.h"

#define NS_PER_S 1000000000ull
#define UIP_NS   244000ull   /* UIP rises this long before the update */

struct rtc_tm {
	int sec, min, hour, wday, mday, mon, year;
};

static uint64_t now_of(const struct cmos *c)
{
	return c->clock ? vclock_now_ns(c->clock) : 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Days since 1970-01-01 of a proleptic Gregorian date, counting in
 * 400-year eras that start on March 1 so that leap days end a year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, struct rtc_tm *t)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	t->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->year = (int)(yoe + era * 400 + (t->mon <= 2));
}

static void tm_from_sec(int64_t s, struct rtc_tm *t)
{
	int64_t days = floor_div(s, 86400), rem = s - days * 86400;
	civil_from_days(days, t);
	t->hour = (int)(rem / 3600);
	t->min = (int)(rem / 60 % 60);
	t->sec = (int)(rem % 60);
	t->wday = (int)((days % 7 + 11) % 7) + 1;   /* 1970-01-01 was a Thursday; Sunday is 1 */
}

static int64_t sec_from_tm(const struct rtc_tm *t)
{
	return days_from_civil(t->year, t->mon, t->mday) * 86400 +
	       t->hour * 3600 + t->min * 60 + t->sec;
}

static bool binary(const struct cmos *c)
{
	return c->ram[RTC_REG_B] & RTC_B_DM;
}

static uint8_t encode(const struct cmos *c, int v)
{
	return binary(c) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int decode(const struct cmos *c, uint8_t v)
{
	return binary(c) ? v : (v >> 4) * 10 + (v & 0xf);
}

static uint8_t encode_hour(const struct cmos *c, int h)
{
	if (c->ram[RTC_REG_B] & RTC_B_24H)
		return encode(c, h);
	int h12 = h % 12 ? h % 12 : 12;
	return (uint8_t)(encode(c, h12) | (h >= 12 ? 0x80 : 0));
}

static int decode_hour(const struct cmos *c, uint8_t v)
{
	if (c->ram[RTC_REG_B] & RTC_B_24H)
		return decode(c, v);
	return decode(c, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

static bool held(const struct cmos *c)
{
	return c->ram[RTC_REG_B] & RTC_B_SET;
}

/* The wall clock at now is wall0_s seconds plus wall0_sub + now
 * nanoseconds: whole seconds keep any year a guest can write (0 to 16665)
 * in range, where nanoseconds since 1970 would overflow after 2262. */
static uint64_t ns_into_wall0(const struct cmos *c, uint64_t now)
{
	return c->wall0_sub_ns + now;   /* no overflow: now stays below 2^63 */
}

/* Where the running clock is within its second. */
static uint64_t phase_ns(const struct cmos *c, uint64_t now)
{
	return ns_into_wall0(c, now) % NS_PER_S;
}

static int64_t cur_sec(const struct cmos *c, uint64_t now)
{
	return held(c) ? c->frozen_s : c->wall0_s + (int64_t)(ns_into_wall0(c, now) / NS_PER_S);
}

/* Make the wall clock read second s and phase ns into it at now. */
static void set_wall(struct cmos *c, int64_t s, uint64_t phase, uint64_t now)
{
	c->wall0_sub_ns = (phase + NS_PER_S - now % NS_PER_S) % NS_PER_S;
	c->wall0_s = s - (int64_t)(ns_into_wall0(c, now) / NS_PER_S);
}

/* Make the wall clock read s at now, keeping the phase within the second. */
static void set_time(struct cmos *c, int64_t s, uint64_t now)
{
	if (held(c)) {
		c->frozen_s = s;
		return;
	}
	set_wall(c, s, phase_ns(c, now), now);
	c->last_sec = s;
}

/* Periodic interrupt period in 32.768 kHz ticks for rate select rs, or 0. */
static uint64_t period_ticks(const struct cmos *c)
{
	unsigned rs = c->ram[RTC_REG_A] & 0xf;
	if (rs == 0)
		return 0;
	return rs <= 2 ? 1ull << (rs + 6) : 1ull << (rs - 1);   /* 1, 2 alias 8, 9 */
}

static uint64_t periodic_index(const struct cmos *c, uint64_t now)
{
	uint64_t p = period_ticks(c);
	return p ? vclock_ns_to_ticks(now, CMOS_HZ) / p : 0;
}

static bool alarm_field(uint8_t alarm, uint8_t cur)
{
	return (alarm & 0xc0) == 0xc0 || alarm == cur;   /* 11xxxxxx: any */
}

static bool alarm_matches(const struct cmos *c, int64_t s)
{
	struct rtc_tm t;
	tm_from_sec(s, &t);
	return alarm_field(c->ram[RTC_SEC_ALARM], encode(c, t.sec)) &&
	       alarm_field(c->ram[RTC_MIN_ALARM], encode(c, t.min)) &&
	       alarm_field(c->ram[RTC_HOUR_ALARM], encode_hour(c, t.hour));
}

static void drive_irq(struct cmos *c)
{
	bool level = c->flags & c->ram[RTC_REG_B] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
	if (level == c->irq)
		return;
	c->irq = level;
	irq_line_set(&c->line, level);
}

static void schedule(struct cmos *c)
{
	uint8_t b = c->ram[RTC_REG_B];
	uint64_t d = UINT64_MAX, p = period_ticks(c);
	if ((b & RTC_B_PIE) && p)
		d = vclock_ticks_to_ns((c->last_pidx + 1) * p, CMOS_HZ);
	if ((b & (RTC_B_UIE | RTC_B_AIE)) && !held(c)) {
		/* The VM-clock time at which second last_sec + 1 begins. */
		int64_t secs = c->last_sec + 1 - c->wall0_s;
		uint64_t n = secs <= 0 ? 0 :
		             (uint64_t)secs > UINT64_MAX / NS_PER_S ? UINT64_MAX :
		             (uint64_t)secs * NS_PER_S - c->wall0_sub_ns;
		if (n < d)
			d = n;
	}
	c->deadline_ns = d;
}

/* Bring PF, UF and AF up to now; periods and seconds missed in between
 * set their flag once. */
static void catch_up(struct cmos *c, uint64_t now)
{
	if (period_ticks(c)) {
		uint64_t p = periodic_index(c, now);
		if (p > c->last_pidx)
			c->flags |= RTC_C_PF;
		c->last_pidx = p;
	}
	if (!held(c)) {
		int64_t s = cur_sec(c, now);
		if (s > c->last_sec) {
			c->flags |= RTC_C_UF;
			if (alarm_matches(c, s))
				c->flags |= RTC_C_AF;
		}
		c->last_sec = s;
	}
	drive_irq(c);
	schedule(c);
}

void cmos_update(struct cmos *c, uint64_t now_ns)
{
	if (now_ns >= c->deadline_ns)
		catch_up(c, now_ns);
}

void cmos_init(struct cmos *c, const struct vclock *clock, struct irq_line line,
               int64_t wall0_ns)
{
	memset(c, 0, sizeof(*c));
	c->clock = clock;
	c->line = line;
	int64_t s = floor_div(wall0_ns, (int64_t)NS_PER_S);
	set_wall(c, s, (uint64_t)wall0_ns - (uint64_t)s * NS_PER_S, 0);
	c->ram[RTC_REG_A] = 0x26;
	c->ram[RTC_REG_B] = RTC_B_24H;
	c->last_sec = cur_sec(c, 0);
	c->deadline_ns = UINT64_MAX;
}

static void put16(struct cmos *c, unsigned idx, uint64_t v)
{
	if (v > 0xffff)
		v = 0xffff;
	c->ram[idx] = (uint8_t)v;
	c->ram[idx + 1] = (uint8_t)(v >> 8);
}

void cmos_set_ram_size(struct cmos *c, uint64_t ram_size)
{
	const uint64_t MiB = 1ull << 20;
	uint64_t low = ram_size < GMEM_HOLE_START ? ram_size : GMEM_HOLE_START;
	uint64_t high = ram_size - low;

	put16(c, 0x15, 640);
	put16(c, 0x17, low > MiB ? (low - MiB) >> 10 : 0);
	put16(c, 0x30, low > MiB ? (low - MiB) >> 10 : 0);
	put16(c, 0x34, low > 16 * MiB ? (low - 16 * MiB) >> 16 : 0);
	uint64_t h = high >> 16;
	if (h > 0xffffff)
		h = 0xffffff;
	c->ram[0x5b] = (uint8_t)h;
	c->ram[0x5c] = (uint8_t)(h >> 8);
	c->ram[0x5d] = (uint8_t)(h >> 16);

	unsigned sum = 0;
	for (unsigned i = 0x10; i <= 0x2d; i++)
		sum += c->ram[i];
	c->ram[0x2e] = (uint8_t)(sum >> 8);
	c->ram[0x2f] = (uint8_t)sum;
}

static uint8_t read_time(const struct cmos *c, unsigned idx, uint64_t now)
{
	struct rtc_tm t;
	tm_from_sec(cur_sec(c, now), &t);
	switch (idx) {
	case RTC_SEC:     return encode(c, t.sec);
	case RTC_MIN:     return encode(c, t.min);
	case RTC_HOUR:    return encode_hour(c, t.hour);
	case RTC_WDAY:    return encode(c, t.wday);
	case RTC_MDAY:    return encode(c, t.mday);
	case RTC_MONTH:   return encode(c, t.mon);
	case RTC_YEAR:    return encode(c, t.year % 100);
	default:          return encode(c, t.year / 100);   /* century */
	}
}

static void write_time(struct cmos *c, unsigned idx, uint8_t v, uint64_t now)
{
	struct rtc_tm t;
	tm_from_sec(cur_sec(c, now), &t);
	switch (idx) {
	case RTC_SEC:     t.sec = decode(c, v); break;
	case RTC_MIN:     t.min = decode(c, v); break;
	case RTC_HOUR:    t.hour = decode_hour(c, v); break;
	case RTC_MDAY:    t.mday = decode(c, v); break;
	case RTC_MONTH:   t.mon = decode(c, v); break;
	case RTC_YEAR:    t.year = t.year / 100 * 100 + decode(c, v); break;
	case RTC_CENTURY: t.year = decode(c, v) * 100 + t.year % 100; break;
	default:          return;   /* the day of week follows the date */
	}
	/* Out-of-range fields carry into the next ones, as the date arithmetic
	 * does; a month outside 1-12 would not, so it is clamped. */
	if (t.mon < 1)
		t.mon = 1;
	if (t.mon > 12)
		t.mon = 12;
	set_time(c, sec_from_tm(&t), now);
}

static bool is_time(unsigned idx)
{
	return idx == RTC_SEC || idx == RTC_MIN || idx == RTC_HOUR || idx == RTC_WDAY ||
	       idx == RTC_MDAY || idx == RTC_MONTH || idx == RTC_YEAR || idx == RTC_CENTURY;
}

static uint8_t reg_read(struct cmos *c, unsigned idx, uint64_t now)
{
	if (is_time(idx))
		return read_time(c, idx, now);
	switch (idx) {
	case RTC_REG_A: {
		bool uip = !held(c) && phase_ns(c, now) >= NS_PER_S - UIP_NS;
		return (uint8_t)((c->ram[RTC_REG_A] & 0x7f) | (uip ? RTC_A_UIP : 0));
	}
	case RTC_REG_C: {
		/* Reading C acknowledges: every flag and the IRQ clear. */
		catch_up(c, now);
		uint8_t v = (uint8_t)(c->flags | (c->irq ? RTC_C_IRQF : 0));
		c->flags = 0;
		drive_irq(c);
		return v;
	}
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		return c->ram[idx];
	}
}

static void reg_write(struct cmos *c, unsigned idx, uint8_t v, uint64_t now)
{
	if (is_time(idx)) {
		write_time(c, idx, v, now);
		schedule(c);
		return;
	}
	switch (idx) {
	case RTC_REG_A:
		catch_up(c, now);
		c->ram[RTC_REG_A] = v & 0x7f;
		c->last_pidx = periodic_index(c, now);   /* a new rate starts now */
		schedule(c);
		break;
	case RTC_REG_B: {
		catch_up(c, now);
		bool was_held = held(c);
		if (v & RTC_B_SET)
			v &= (uint8_t)~RTC_B_UIE;   /* SET clears UIE */
		if (!was_held && (v & RTC_B_SET))
			c->frozen_s = cur_sec(c, now);
		c->ram[RTC_REG_B] = v;
		if (was_held && !held(c)) {
			/* Counting restarts with a whole second to the next update. */
			set_wall(c, c->frozen_s, 0, now);
			c->last_sec = c->frozen_s;
		}
		drive_irq(c);
		schedule(c);
		break;
	}
	case RTC_REG_C:
	case RTC_REG_D:
		break;   /* read-only */
	default:
		c->ram[idx] = v;
		break;
	}
}

int cmos_io_at(struct cmos *c, uint64_t offset, void *data, unsigned len, bool is_write,
               uint64_t now_ns)
{
	uint8_t *b = data;
	if (offset >= CMOS_NR_PORTS || len > CMOS_NR_PORTS - offset)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++) {
		bool index_port = offset + i == 0;
		if (index_port && is_write) {
			c->index = b[i] & 0x7f;
			c->nmi_disabled = b[i] & 0x80;
		} else if (index_port) {
			b[i] = 0xff;   /* the index register is write-only */
		} else if (is_write) {
			reg_write(c, c->index, b[i], now_ns);
		} else {
			b[i] = reg_read(c, c->index, now_ns);
		}
	}
	return 0;
}

int cmos_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct cmos *c = opaque;
	return cmos_io_at(c, offset, data, len, is_write, now_of(c));
}
