/* The guest's clocks: TSC ticks against the latched count of the 8254's
 * channel 2 (gated through port 0x61, the counter Linux calibrates the
 * TSC with) over 10 ms, a few times over. Raw counts depend on the host, so only verdicts are
 * printed; they would change if watching the kernel slowed the guest's
 * TSC against its timer or made either jump. */
#include "auditinv/auditinv.h"
#include "lib/pic_pit.h"

#define PIT_CH2		0x42
#define PORT_B		0x61
#define PORTB_GATE2	0x01
#define PORTB_SPEAKER	0x02
#define PORTB_OUT2	0x20
#define PIT_CH2_MODE0	0xb0	/* channel 2, low then high byte, mode 0 */
#define PIT_CH2_LATCH	0x80

#define ROUNDS		5
#define TRIES		8
#define COUNT		11932	/* 10 ms of PIT ticks */

/* Channel 2's count read at a TSC time known within slack ticks, and
 * OUT2 (high once the count passed zero). */
struct sample {
	uint64_t tsc, slack;
	uint16_t count;
	int out;
};

static struct sample sample_once(struct tsc_watch *w)
{
	uint64_t before = tsc_read(w);
	int out = (inb(PORT_B) & PORTB_OUT2) != 0;
	outb(PIT_CMD, PIT_CH2_LATCH);
	uint16_t lo = inb(PIT_CH2), hi = inb(PIT_CH2);
	uint64_t after = tsc_read(w);
	return (struct sample){ .tsc = before / 2 + after / 2, .slack = after - before,
				.count = (uint16_t)(lo | hi << 8), .out = out };
}

/* The tightest of a few samples: the host may stop the guest inside an
 * instruction (scheduling, an audit buffer written out), which widens one
 * sample, not the clocks' rates. */
static struct sample sample(struct tsc_watch *w)
{
	struct sample best = sample_once(w);

	for (int i = 1; i < TRIES; i++) {
		struct sample s = sample_once(w);
		if (s.slack < best.slack)
			best = s;
	}
	return best;
}

struct round {
	uint64_t ticks;	/* TSC ticks between the two samples */
	uint64_t pit;	/* PIT ticks between them */
	int tight;	/* both ends known within 1% of ticks, no wrap */
};

/* Channel 2 counts down from 0xffff (55 ms) with its gate up; samples
 * before and after COUNT of its ticks give both clocks' advance. */
static struct round countdown(struct tsc_watch *w)
{
	uint8_t b = inb(PORT_B) & (uint8_t)~(PORTB_GATE2 | PORTB_SPEAKER) & 0x0f;

	outb(PORT_B, b);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
	outb(PORT_B, b | PORTB_GATE2);
	struct sample s0 = sample(w), s;
	do
		s = sample_once(w);
	while (!s.out && (uint16_t)(s0.count - s.count) < COUNT);
	struct sample s1 = sample(w);
	outb(PORT_B, b);
	struct round r = { .ticks = s1.tsc - s0.tsc, .pit = (uint16_t)(s0.count - s1.count) };
	r.tight = !s1.out && r.pit && (s0.slack + s1.slack) * 100 <= r.ticks;
	return r;
}

static struct round measure(struct tsc_watch *w)
{
	struct round r = countdown(w);

	for (int i = 1; i < TRIES && !r.tight; i++)
		r = countdown(w);
	return r;
}

static const char *yes(int v)
{
	return v ? "yes" : "no";
}

void timing_report(struct tsc_watch *w)
{
	uint64_t khz[ROUNDS];
	int all_tight = 1, steady = 1;

	for (int i = 0; i < ROUNDS; i++) {
		struct round r = measure(w);
		all_tight &= r.tight;
		khz[i] = r.pit ? r.ticks * PIT_HZ / (r.pit * 1000) : 0;
		uint64_t d = khz[i] > khz[0] ? khz[i] - khz[0] : khz[0] - khz[i];
		steady &= d * 50 <= khz[0];
	}
	printf("tsc/pit: %d rounds of %d PIT ticks or more, each timed within 1%%: %s\n",
	       ROUNDS, COUNT, yes(all_tight));
	printf("tsc/pit: every rate within 2%% of the first: %s\n", yes(steady));
	printf("tsc rate between 100 MHz and 10 GHz: %s\n",
	       yes(khz[0] >= 100000 && khz[0] <= 10000000));
}
