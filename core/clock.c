/* The VM clock. The host TSC is calibrated once against CLOCK_MONOTONIC;
 * afterwards every reading is one RDTSC and a 128-bit scaling, with no
 * system call. Products go through 128 bits because ns * kHz overflows 64
 * bits after a few hours of a multi-GHz TSC. */
#include "core/clock.h"

#include <errno.h>
#include <time.h>
#include <x86intrin.h>

#define NS_PER_MS 1000000ull
#define NS_PER_S  1000000000ull
#define CALIBRATE_NS (2 * NS_PER_MS)

static int mono_ns(uint64_t *ns)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return -errno;
	*ns = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	return 0;
}

/* A (monotonic time, TSC) pair; the TSC is read between two clock reads
 * and paired with their midpoint, which halves the error of a preemption
 * between the reads. */
static int sample(uint64_t *ns, uint64_t *tsc)
{
	uint64_t a = 0, b = 0;
	int rc = mono_ns(&a);
	if (rc)
		return rc;
	*tsc = __rdtsc();
	rc = mono_ns(&b);
	if (rc)
		return rc;
	*ns = a + (b - a) / 2;
	return 0;
}

int vclock_init_rate(struct vclock *c, uint64_t tsc_khz)
{
	if (!tsc_khz)
		return vclock_init(c);
	c->tsc_khz = tsc_khz;
	c->tsc0 = __rdtsc();
	return 0;
}

int vclock_init(struct vclock *c)
{
	uint64_t ns0, tsc0, ns1, tsc1;
	int rc = sample(&ns0, &tsc0);
	if (rc)
		return rc;
	/* Sleep rather than spin: the measurement only needs both ends. */
	struct timespec d = { 0, (long)CALIBRATE_NS };
	while (nanosleep(&d, &d) && errno == EINTR)
		;
	rc = sample(&ns1, &tsc1);
	if (rc)
		return rc;
	if (ns1 <= ns0 || tsc1 <= tsc0)
		return -EIO;   /* no usable TSC */
	unsigned __int128 khz = (unsigned __int128)(tsc1 - tsc0) * NS_PER_MS / (ns1 - ns0);
	if (khz == 0 || khz > UINT32_MAX)
		return -EIO;
	c->tsc_khz = (uint64_t)khz;
	c->tsc0 = tsc1;
	return 0;
}

uint64_t vclock_tsc_to_ns(const struct vclock *c, uint64_t tsc)
{
	if (!c->tsc_khz)
		return 0;
	unsigned __int128 ns = (unsigned __int128)tsc * NS_PER_MS / c->tsc_khz;
	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

uint64_t vclock_ns_to_tsc(const struct vclock *c, uint64_t ns)
{
	unsigned __int128 t = (unsigned __int128)ns * c->tsc_khz / NS_PER_MS;
	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

uint64_t vclock_host_tsc(const struct vclock *c)
{
	return __rdtsc() - c->paused;
}

void vclock_pause(struct vclock *c, uint64_t ticks)
{
	if (!c->tsc_is_host)
		c->paused += ticks;
}

uint64_t vclock_now_ns(const struct vclock *c)
{
	uint64_t tsc = vclock_host_tsc(c);
	/* A TSC behind tsc0 (another CPU's, slightly off) is time zero. */
	return tsc > c->tsc0 ? vclock_tsc_to_ns(c, tsc - c->tsc0) : 0;
}

uint64_t vclock_ns_to_ticks(uint64_t ns, uint64_t hz)
{
	return (uint64_t)((unsigned __int128)ns * hz / NS_PER_S);
}

uint64_t vclock_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	if (!hz)
		return UINT64_MAX;
	unsigned __int128 ns = ((unsigned __int128)ticks * NS_PER_S + hz - 1) / hz;
	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}
