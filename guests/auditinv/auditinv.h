/* auditinv.bin: what a 64-bit kernel can observe of the machine it runs
 * on (its own code, CPUID, the TSC against the 8254), printed so that
 * runs with and without an audit can be compared line by line. */
#ifndef GUESTS_AUDITINV_H
#define GUESTS_AUDITINV_H

#include "lib/rt.h"

/* The guest TSC, checked on every read never to go back. */
struct tsc_watch {
	uint64_t last;
	unsigned backwards;	/* reads that gave less than the one before */
};

uint64_t tsc_read(struct tsc_watch *w);

/* text.c: checksums of the image's code read in several ways. */
void text_report(void);
uint32_t text_checksum(void);

/* cpuid.c */
void cpuid_report(void);

/* timing.c */
void timing_report(struct tsc_watch *w);

#endif
