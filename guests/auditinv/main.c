/* auditinv.bin: reads its own code, CPUID and the clocks at CPL 0 and
 * prints only what must not depend on the run: a monitor that watches
 * the kernel (hvmm's audit) must leave every line as it is. */
#include "auditinv/auditinv.h"

uint64_t tsc_read(struct tsc_watch *w)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t t = (uint64_t)hi << 32 | lo;
	if (t < w->last)
		w->backwards++;
	w->last = t;
	return t;
}

void guest_main(unsigned long magic, unsigned long info)
{
	struct tsc_watch w = { 0, 0 };
	unsigned cs;

	(void)magic;
	(void)info;
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	printf("auditinv: running at CPL %u\n", cs & 3);
	tsc_read(&w);
	uint32_t before = text_checksum();
	text_report();
	cpuid_report();
	timing_report(&w);
	/* Nothing the guest did, nor the monitor, may have changed its code. */
	printf("text unchanged at the end: %s\n",
	       text_checksum() == before ? "yes" : "no");
	tsc_read(&w);
	printf("tsc never went back: %s\n", w.backwards ? "no" : "yes");
}
