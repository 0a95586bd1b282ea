/* Local APIC, xAPIC mode (Intel SDM vol. 3A, chapter "Advanced
 * Programmable Interrupt Controller"). One CPU: an IPI reaches only this
 * APIC, and only fixed, lowest-priority and NMI deliveries are performed
 * (INIT, SIPI and SMI IPIs are dropped). Not modelled: the TSC-deadline
 * timer mode (not advertised), the thermal and performance-counter
 * sources (their LVTs are plain storage), APR (reads 0), EOI-broadcast
 * suppression, relocation through IA32_APIC_BASE. Reserved offsets read 0
 * and ignore writes. */
#include "core/lapic.h"

#include <errno.h>
#include <string.h>

#include "core/clock.h"

#define ICR_DELIVERY_STATUS 0x1000
#define ICR_LO_WRITABLE     0x000ccfffu
#define ICR_DEST_LOGICAL    0x800
#define ICR_SHORTHAND(v)    (((v) >> 18) & 3)
#define SH_NONE  0
#define SH_SELF  1
#define SH_ALL   2
#define DM_LOWEST 0x100

static const uint32_t lvt_writable[NR_LVT] = {
	[LVT_TIMER]   = 0x000300ff,   /* vector, mask, periodic */
	[LVT_THERMAL] = 0x000107ff,
	[LVT_PERF]    = 0x000107ff,
	[LVT_LINT0]   = 0x0001a7ff,   /* vector, mode, polarity, trigger, mask */
	[LVT_LINT1]   = 0x0001a7ff,
	[LVT_ERROR]   = 0x000100ff,
};

static uint64_t now_of(const struct lapic *l)
{
	return l->clock ? vclock_now_ns(l->clock) : 0;
}

static int highest(const uint32_t r[8])
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

uint8_t lapic_ppr(const struct lapic *l)
{
	int isrv = highest(l->isr);
	uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);
	return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

/* A vector is deliverable when its priority class is above the PPR's. */
static void update(struct lapic *l)
{
	int v = highest(l->irr);
	l->intr = !l->global_off && lapic_enabled(l) && v >= 0 && (v & 0xf0) > (lapic_ppr(l) & 0xf0);
}

static void set_bit(uint32_t r[8], unsigned v)
{
	r[v >> 5] |= 1u << (v & 31);
}

static void clear_bit(uint32_t r[8], unsigned v)
{
	r[v >> 5] &= ~(1u << (v & 31));
}

static uint32_t lvt_value(const struct lapic *l, enum lapic_lvt i)
{
	return l->lvt[i] | (lapic_enabled(l) ? 0 : LAPIC_LVT_MASKED);
}

/* An error: latched for the next ESR write, signalled through the error
 * LVT. The LVT's vector is set directly: a bad one must not recurse. */
static void error(struct lapic *l, uint32_t bit)
{
	l->esr_pending |= bit;
	uint32_t lvt = lvt_value(l, LVT_ERROR);
	if (!(lvt & LAPIC_LVT_MASKED) && (lvt & 0xff) >= 16) {
		set_bit(l->irr, lvt & 0xff);
		update(l);
	}
}

void lapic_deliver(struct lapic *l, uint8_t vector, bool level)
{
	if (l->global_off)
		return;   /* a globally disabled APIC accepts nothing */
	if (vector < 16) {
		error(l, LAPIC_ESR_RECV_ILLEGAL);
		return;
	}
	set_bit(l->irr, vector);
	if (level)
		set_bit(l->tmr, vector);
	else
		clear_bit(l->tmr, vector);
	update(l);
}

void lapic_accept(struct lapic *l, uint8_t vector)
{
	lapic_deliver(l, vector, false);
}

void lapic_set_base(struct lapic *l, uint64_t apic_base)
{
	l->global_off = !(apic_base & LAPIC_BASE_EN);
	if (l->global_off)
		l->nmi = false;
	update(l);
}

int lapic_ack(struct lapic *l)
{
	if (!l->intr)
		return -1;
	int v = highest(l->irr);
	clear_bit(l->irr, (unsigned)v);
	set_bit(l->isr, (unsigned)v);
	update(l);
	return v;
}

static void eoi(struct lapic *l)
{
	int v = highest(l->isr);
	if (v < 0)
		return;
	clear_bit(l->isr, (unsigned)v);
	update(l);
	if (!(l->tmr[v >> 5] & (1u << (v & 31))))
		return;
	clear_bit(l->tmr, (unsigned)v);
	if (l->eoi_broadcast)
		l->eoi_broadcast(l->eoi_opaque, (uint8_t)v);
}

void lapic_set_tpr(struct lapic *l, uint8_t tpr)
{
	l->tpr = tpr;
	update(l);
}

void lapic_init(struct lapic *l, const struct vclock *clock)
{
	memset(l, 0, sizeof(*l));
	l->clock = clock;
	l->dfr = 0xffffffff;
	l->svr = 0xff;
	for (int i = 0; i < NR_LVT; i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
	l->lvt[LVT_LINT0] = LAPIC_DM_EXTINT;
	l->lvt[LVT_LINT1] = LAPIC_DM_NMI;
	l->timer_shift = 1;   /* DCR 0: divide by 2 */
	l->timer_deadline_ns = UINT64_MAX;
}

/* Timer. The count runs down from timer_start_count at timer_start_ns,
 * one count per 2^timer_shift ns; periodic mode reloads timer_initial. */

static bool timer_periodic(const struct lapic *l)
{
	return l->lvt[LVT_TIMER] & LAPIC_LVT_PERIODIC;
}

static uint32_t timer_count(const struct lapic *l, uint64_t now)
{
	if (!l->timer_initial)
		return 0;
	uint64_t t = now > l->timer_start_ns ? (now - l->timer_start_ns) >> l->timer_shift : 0;
	if (t < l->timer_start_count)
		return (uint32_t)(l->timer_start_count - t);
	if (!timer_periodic(l))
		return 0;
	return (uint32_t)(l->timer_initial - (t - l->timer_start_count) % l->timer_initial);
}

/* Next expiry strictly after the ones already served at now. */
static void timer_arm(struct lapic *l, uint64_t now)
{
	l->timer_deadline_ns = UINT64_MAX;
	if (!l->timer_initial)
		return;
	uint64_t first = l->timer_start_ns + ((uint64_t)l->timer_start_count << l->timer_shift);
	if (now < first) {
		l->timer_deadline_ns = first;
	} else if (timer_periodic(l)) {
		uint64_t period = (uint64_t)l->timer_initial << l->timer_shift;
		l->timer_deadline_ns = first + ((now - first) / period + 1) * period;
	}
}

void lapic_timer_update(struct lapic *l, uint64_t now_ns)
{
	if (l->timer_deadline_ns == UINT64_MAX || now_ns < l->timer_deadline_ns)
		return;
	uint32_t lvt = lvt_value(l, LVT_TIMER);
	if (!(lvt & LAPIC_LVT_MASKED))
		lapic_accept(l, (uint8_t)lvt);
	timer_arm(l, now_ns);
}

static void set_dcr(struct lapic *l, uint32_t v, uint64_t now)
{
	/* The count continues from where it is at the new rate. */
	uint32_t cur = timer_count(l, now);
	l->timer_dcr = v & 0xb;
	unsigned code = ((l->timer_dcr >> 1) & 4) | (l->timer_dcr & 3);
	l->timer_shift = code == 7 ? 0 : code + 1;
	if (l->timer_initial) {
		l->timer_start_ns = now;
		l->timer_start_count = cur;
		timer_arm(l, now);
	}
}

/* Which of the IPI's destinations is this APIC? */
static bool ipi_to_self(const struct lapic *l, uint32_t lo)
{
	uint8_t dest = (uint8_t)(l->icr_hi >> 24);
	switch (ICR_SHORTHAND(lo)) {
	case SH_SELF:
	case SH_ALL:
		return true;
	case SH_NONE:
		break;
	default:
		return false;   /* all excluding self */
	}
	return lapic_match_dest(l, dest, lo & ICR_DEST_LOGICAL);
}

bool lapic_match_dest(const struct lapic *l, uint8_t dest, bool logical)
{
	if (dest == 0xff)
		return true;   /* broadcast, physical or logical */
	if (!logical)
		return dest == l->id;
	uint8_t ldr = (uint8_t)(l->ldr >> 24);
	if ((l->dfr >> 28) == 0xf)   /* flat model: one bit per APIC */
		return (ldr & dest) != 0;
	/* cluster model: cluster in bits 7:4, members in bits 3:0 */
	return (ldr & 0xf0) == (dest & 0xf0) && (ldr & dest & 0x0f) != 0;
}

static void send_ipi(struct lapic *l, uint32_t lo)
{
	uint32_t dm = lo & LAPIC_DM_MASK;
	uint8_t vec = (uint8_t)lo;
	if (dm == LAPIC_DM_NMI) {
		/* The vector is ignored; the CPU takes the NMI at its next
		 * boundary (core/intr.h). */
		if (ipi_to_self(l, lo))
			l->nmi = true;
		return;
	}
	if (dm != LAPIC_DM_FIXED && dm != DM_LOWEST)
		return;
	if (vec < 16) {
		error(l, LAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	if (ipi_to_self(l, lo))
		lapic_accept(l, vec);
}

static void set_svr(struct lapic *l, uint32_t v)
{
	bool was = lapic_enabled(l);
	l->svr = v & 0x3ff;   /* vector, enable, focus check; no EOI suppression */
	if (was && !lapic_enabled(l)) {
		/* Software disable masks every LVT until it is rewritten. */
		for (int i = 0; i < NR_LVT; i++)
			l->lvt[i] |= LAPIC_LVT_MASKED;
	}
	update(l);
}

static bool lvt_index(uint32_t off, enum lapic_lvt *i)
{
	if (off < LAPIC_LVT_TIMER || off > LAPIC_LVT_ERROR)
		return false;
	*i = (enum lapic_lvt)((off - LAPIC_LVT_TIMER) >> 4);
	return true;
}

uint32_t lapic_read(struct lapic *l, uint32_t off, uint64_t now_ns)
{
	enum lapic_lvt i;
	if (off >= LAPIC_ISR && off < LAPIC_ISR + 0x80)
		return l->isr[(off - LAPIC_ISR) >> 4];
	if (off >= LAPIC_TMR && off < LAPIC_TMR + 0x80)
		return l->tmr[(off - LAPIC_TMR) >> 4];
	if (off >= LAPIC_IRR && off < LAPIC_IRR + 0x80)
		return l->irr[(off - LAPIC_IRR) >> 4];
	if (lvt_index(off, &i))
		return lvt_value(l, i);
	switch (off) {
	case LAPIC_ID:        return (uint32_t)l->id << 24;
	case LAPIC_VER:       return LAPIC_VERSION;
	case LAPIC_TPR:       return l->tpr;
	case LAPIC_PPR:       return lapic_ppr(l);
	case LAPIC_LDR:       return l->ldr;
	case LAPIC_DFR:       return l->dfr;
	case LAPIC_SVR:       return l->svr;
	case LAPIC_ESR:       return l->esr;
	case LAPIC_ICR_LO:    return l->icr_lo;
	case LAPIC_ICR_HI:    return l->icr_hi;
	case LAPIC_TIMER_ICR: return l->timer_initial;
	case LAPIC_TIMER_CCR: return timer_count(l, now_ns);
	case LAPIC_TIMER_DCR: return l->timer_dcr;
	default:              return 0;   /* APR, EOI, reserved */
	}
}

void lapic_write(struct lapic *l, uint32_t off, uint32_t v, uint64_t now_ns)
{
	enum lapic_lvt i;
	/* An expiry that fell due before this write is served under the old
	 * settings, as the hardware would have done. */
	if (off == LAPIC_LVT_TIMER || off == LAPIC_TIMER_ICR || off == LAPIC_TIMER_DCR)
		lapic_timer_update(l, now_ns);
	if (lvt_index(off, &i)) {
		l->lvt[i] = (v & lvt_writable[i]) | (lapic_enabled(l) ? 0 : LAPIC_LVT_MASKED);
		if (i == LVT_TIMER)
			timer_arm(l, now_ns);   /* one-shot and periodic differ */
		return;
	}
	switch (off) {
	case LAPIC_ID:
		l->id = (uint8_t)(v >> 24);
		break;
	case LAPIC_TPR:
		lapic_set_tpr(l, (uint8_t)v);
		break;
	case LAPIC_EOI:
		eoi(l);
		break;
	case LAPIC_LDR:
		l->ldr = v & 0xff000000u;
		break;
	case LAPIC_DFR:
		l->dfr = (v & 0xf0000000u) | 0x0fffffffu;
		break;
	case LAPIC_SVR:
		set_svr(l, v);
		break;
	case LAPIC_ESR:
		/* A write latches the errors seen since the previous one. */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case LAPIC_ICR_HI:
		l->icr_hi = v & 0xff000000u;
		break;
	case LAPIC_ICR_LO:
		/* Delivery is immediate: the status bit never shows pending. */
		l->icr_lo = v & ICR_LO_WRITABLE & ~ICR_DELIVERY_STATUS;
		send_ipi(l, l->icr_lo);
		break;
	case LAPIC_TIMER_ICR:
		l->timer_initial = v;
		l->timer_start_count = v;
		l->timer_start_ns = now_ns;
		timer_arm(l, now_ns);
		break;
	case LAPIC_TIMER_DCR:
		set_dcr(l, v, now_ns);
		break;
	default:
		break;   /* read-only or reserved */
	}
}

int lapic_mmio_at(struct lapic *l, uint64_t offset, void *data, unsigned len, bool is_write,
                  uint64_t now_ns)
{
	uint8_t *b = data;
	if (offset >= LAPIC_SIZE || len > LAPIC_SIZE - offset)
		return -EINVAL;
	uint32_t reg = (uint32_t)offset & ~0xfu, sub = (uint32_t)offset & 0xf;
	if (is_write) {
		if (len == 4 && sub == 0)
			lapic_write(l, reg, (uint32_t)b[0] | (uint32_t)b[1] << 8 |
			                    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24, now_ns);
		return 0;
	}
	uint32_t v = sub < 4 ? lapic_read(l, reg, now_ns) : 0;
	for (unsigned k = 0; k < len; k++) {
		unsigned byte = sub + k;
		b[k] = byte < 4 ? (uint8_t)(v >> (8 * byte)) : 0;
	}
	return 0;
}

int lapic_mmio(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct lapic *l = opaque;
	if (l->global_off) {
		/* Off the bus: the access is unclaimed. */
		if (!is_write)
			memset(data, 0xff, len);
		return -ENOENT;
	}
	return lapic_mmio_at(l, offset, data, len, is_write, now_of(l));
}
