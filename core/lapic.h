/* The local APIC in xAPIC mode, memory-mapped at 0xfee00000 (one 4 KiB
 * page). Interrupts reach it from its own timer, self-IPIs and the error
 * LVT; the 8259's INTR reaches the CPU past it through LINT0 (see
 * lapic_passes_pic). The timer counts the VM clock at LAPIC_BUS_HZ before
 * the divider. */
#ifndef HVMM_LAPIC_H
#define HVMM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_BASE     0xfee00000ull
#define LAPIC_SIZE     0x1000
#define LAPIC_VERSION  0x00050014u   /* version 0x14, six LVT entries (max index 5) */
/* Timer input clock: one count per VM-clock nanosecond before the divide
 * configuration; guests calibrate it against the PIT as on hardware. */
#define LAPIC_BUS_HZ   1000000000ull

/* Register offsets. */
#define LAPIC_ID       0x020
#define LAPIC_VER      0x030
#define LAPIC_TPR      0x080
#define LAPIC_APR      0x090
#define LAPIC_PPR      0x0a0
#define LAPIC_EOI      0x0b0
#define LAPIC_LDR      0x0d0
#define LAPIC_DFR      0x0e0
#define LAPIC_SVR      0x0f0
#define LAPIC_ISR      0x100
#define LAPIC_TMR      0x180
#define LAPIC_IRR      0x200
#define LAPIC_ESR      0x280
#define LAPIC_ICR_LO   0x300
#define LAPIC_ICR_HI   0x310
#define LAPIC_LVT_TIMER   0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF    0x340
#define LAPIC_LVT_LINT0   0x350
#define LAPIC_LVT_LINT1   0x360
#define LAPIC_LVT_ERROR   0x370
#define LAPIC_TIMER_ICR   0x380
#define LAPIC_TIMER_CCR   0x390
#define LAPIC_TIMER_DCR   0x3e0

#define LAPIC_SVR_ENABLE  0x100
#define LAPIC_LVT_MASKED  0x10000
#define LAPIC_LVT_PERIODIC 0x20000
#define LAPIC_DM_MASK     0x700
#define LAPIC_DM_FIXED    0x000
#define LAPIC_DM_NMI      0x400
#define LAPIC_DM_EXTINT   0x700

/* ESR bits. */
#define LAPIC_ESR_SEND_ILLEGAL 0x20
#define LAPIC_ESR_RECV_ILLEGAL 0x40
#define LAPIC_ESR_ILLEGAL_REG  0x80

enum lapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, NR_LVT };

struct vclock;

struct lapic {
	const struct vclock *clock;   /* NULL: time stands at 0 */
	uint8_t id;
	uint8_t tpr;
	uint32_t ldr, dfr, svr;
	uint32_t esr;                 /* as last latched by an ESR write */
	uint32_t esr_pending;         /* errors since that write */
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[NR_LVT];         /* as stored; reads add the mask while disabled */
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t timer_initial, timer_dcr;
	unsigned timer_shift;         /* log2 of the divider */
	uint64_t timer_start_ns;      /* time at which the count was timer_start_count */
	uint32_t timer_start_count;
	uint64_t timer_deadline_ns;   /* next expiry, or UINT64_MAX */
	bool intr;                    /* a vector is deliverable now, kept current */
	bool nmi;                     /* an NMI sent to this APIC (ICR), not yet
	                                 taken by the CPU (vm_intr_take_nmi) */
	bool global_off;              /* IA32_APIC_BASE.EN clear: off the bus,
	                                 delivering and accepting nothing */
	/* The EOI of a level-triggered vector (its TMR bit set) is broadcast
	 * to the I/O APIC, which clears that vector's remote IRR. */
	void (*eoi_broadcast)(void *opaque, uint8_t vector);
	void *eoi_opaque;
};

/* The state firmware leaves ("virtual wire"): software-disabled (SVR
 * 0xff), LINT0 ExtINT and LINT1 NMI unmasked, other LVTs masked. */
void lapic_init(struct lapic *l, const struct vclock *clock);

/* bus_handler_fn for the MMIO page (opaque: the lapic), reading the VM
 * clock; lapic_mmio_at takes the time explicitly. Aligned 32-bit accesses
 * at the start of a 16-byte register act on it. Other reads return the
 * register's bytes under the access (0 past its first 4 bytes); other
 * writes are ignored. */
int lapic_mmio(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);
int lapic_mmio_at(struct lapic *l, uint64_t offset, void *data, unsigned len, bool is_write,
                  uint64_t now_ns);

/* One register, by offset. */
uint32_t lapic_read(struct lapic *l, uint32_t offset, uint64_t now_ns);
void lapic_write(struct lapic *l, uint32_t offset, uint32_t val, uint64_t now_ns);

static inline bool lapic_enabled(const struct lapic *l)
{
	return l->svr & LAPIC_SVR_ENABLE;
}

/* IA32_APIC_BASE as the CPU holds it: bit 11 (EN) clear takes the APIC
 * off its MMIO page (reads return the unclaimed all-ones, writes are
 * dropped) and stops all its interrupts (SDM Vol. 3, 10.4.3); the 8259's
 * INTR then reaches the CPU directly. The registers keep their values.
 * The base address is not followed (the page stays at LAPIC_BASE). */
#define LAPIC_BASE_EN (1ull << 11)
void lapic_set_base(struct lapic *l, uint64_t apic_base);

/* A fixed interrupt for vector arrives (timer, IPI, LVT): set in IRR,
 * edge-triggered. Vectors 0-15 are refused with a receive error. */
void lapic_accept(struct lapic *l, uint8_t vector);

/* An interrupt message from the I/O APIC: as lapic_accept, and a level-
 * triggered one sets the vector's TMR bit so that its EOI is broadcast. */
void lapic_deliver(struct lapic *l, uint8_t vector, bool level);

/* Is this APIC a destination of dest, physical (its ID, or 0xff) or
 * logical (flat or cluster match against LDR)? */
bool lapic_match_dest(const struct lapic *l, uint8_t dest, bool logical);

/* The acknowledge: the highest deliverable vector moves from IRR to ISR
 * and is returned; -1 when none is deliverable. */
int lapic_ack(struct lapic *l);

/* Does the 8259's INTR reach the CPU? Yes while LINT0 is ExtINT and
 * unmasked, or while the APIC is software- or globally disabled. */
static inline bool lapic_passes_pic(const struct lapic *l)
{
	if (l->global_off || !lapic_enabled(l))
		return true;
	return (l->lvt[LVT_LINT0] & (LAPIC_LVT_MASKED | LAPIC_DM_MASK)) == LAPIC_DM_EXTINT;
}

uint8_t lapic_ppr(const struct lapic *l);
void lapic_set_tpr(struct lapic *l, uint8_t tpr);

/* Fire the timer if it expired (periodic ones coalesce missed periods
 * and stay on their grid). */
void lapic_timer_update(struct lapic *l, uint64_t now_ns);

static inline uint64_t lapic_timer_deadline(const struct lapic *l)
{
	return l->timer_deadline_ns;
}

#endif
