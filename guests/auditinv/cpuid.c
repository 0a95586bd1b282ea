/* CPUID as the kernel sees it. hvmm's model (core/cpuid.c) has no field
 * that varies from run to run (the initial APIC ID in leaf 1 EBX is that
 * of the only CPU), so every register is printed whole. */
#include "auditinv/auditinv.h"

struct regs4 {
	uint32_t a, b, c, d;
};

static struct regs4 cpuid(uint32_t leaf, uint32_t sub)
{
	struct regs4 r;

	__asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
			 : "a"(leaf), "c"(sub));
	return r;
}

static const uint32_t leaves[][2] = {
	{ 0, 0 }, { 1, 0 }, { 7, 0 }, { 0xd, 0 }, { 0xd, 1 },
	{ 0x80000000, 0 }, { 0x80000001, 0 }, { 0x80000008, 0 },
};

void cpuid_report(void)
{
	unsigned differ = 0;

	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct regs4 r = cpuid(leaves[i][0], leaves[i][1]);
		struct regs4 again = cpuid(leaves[i][0], leaves[i][1]);
		printf("cpuid %08x.%u: %08x %08x %08x %08x\n", leaves[i][0],
		       leaves[i][1], r.a, r.b, r.c, r.d);
		differ += memcmp(&r, &again, sizeof(r)) != 0;
	}
	/* The brand string, 16 bytes a leaf. */
	char brand[49];
	for (uint32_t k = 0; k < 3; k++) {
		struct regs4 r = cpuid(0x80000002 + k, 0);
		memcpy(brand + 16 * k, &r, 16);
	}
	brand[48] = 0;
	printf("cpuid brand: '%s'\n", brand);
	printf("cpuid asked twice gives the same: %s\n", differ ? "no" : "yes");
}
