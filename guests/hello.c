/* hello32.bin and hello64.bin: flat images that greet from the mode the
 * entry code switched to, after checking that mode is really in effect. */
#include "lib/rt.h"

static unsigned long read_cr0(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

void guest_main(unsigned long magic, unsigned long info)
{
	(void)magic;
	(void)info;
#ifdef __x86_64__
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
	if (!(lo & EFER_LMA) || !(read_cr0() & CR0_PG))
		panic("long mode is not active");
	printf("Hello from 64-bit long mode\n");
#else
	if ((read_cr0() & (CR0_PE | CR0_PG)) != CR0_PE)
		panic("not in protected mode without paging");
	printf("Hello from 32-bit protected mode\n");
#endif
}
