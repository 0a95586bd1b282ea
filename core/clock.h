/* The VM clock: host time in nanoseconds since the VM started, read from
 * the host TSC and scaled by its measured frequency, so that device
 * timers and the guest TSC (host TSC + offset in both engines) advance
 * at the same rate. */
#ifndef HVMM_CLOCK_H
#define HVMM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct vclock {
	uint64_t tsc0;      /* host TSC at VM start */
	uint64_t tsc_khz;   /* host TSC ticks per millisecond */
	/* The guest TSC is the host TSC, in both engines: set where the
	 * host's KVM ignores TSC offsets (docs/hosts.md), so that a
	 * migration never makes the TSC jump. A guest write of the TSC is
	 * then ignored. */
	bool tsc_is_host;
	/* Host TSC ticks during which guest time stood still: the monitor's
	 * own work that the guest must not see, such as writing the audit.
	 * Stays 0 where tsc_is_host. */
	uint64_t paused;
};

/* Measure the host TSC against CLOCK_MONOTONIC (a few ms). 0 or -errno. */
int vclock_init(struct vclock *c);

/* Start the clock at a known TSC rate (kHz) instead of measuring it;
 * 0 measures. For programs that make many VMs on one host. */
int vclock_init_rate(struct vclock *c, uint64_t tsc_khz);

/* The host TSC with the paused ticks taken out: what the engines add
 * their TSC offsets to. */
uint64_t vclock_host_tsc(const struct vclock *c);

/* Take ticks host TSC ticks, just spent, out of guest time. */
void vclock_pause(struct vclock *c, uint64_t ticks);

/* Nanoseconds of guest time since vclock_init. */
uint64_t vclock_now_ns(const struct vclock *c);

/* Conversions between VM-clock nanoseconds and host TSC ticks. */
uint64_t vclock_ns_to_tsc(const struct vclock *c, uint64_t ns);
uint64_t vclock_tsc_to_ns(const struct vclock *c, uint64_t tsc);

/* Ticks of an hz-Hz clock that starts with the VM clock: the number of
 * whole ticks elapsed at ns, and the first ns at which ticks have elapsed
 * (rounded up, saturating), so that timers stay on their tick grid. */
uint64_t vclock_ns_to_ticks(uint64_t ns, uint64_t hz);
uint64_t vclock_ticks_to_ns(uint64_t ticks, uint64_t hz);

#endif
