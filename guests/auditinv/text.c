/* The image's code section, [_start, __text_end) (lib/flat.ld), read
 * directly, through a second mapping, by string instructions and as a
 * copy: a monitor that patched the code (breakpoints, probes) or showed
 * different bytes to different kinds of read would change a line. */
#include "auditinv/auditinv.h"

extern const uint8_t _start[], __text_end[];
extern uint64_t lm_pd[4 * 512];

/* Virtual 1 GiB maps physical 0-2 MiB again, read-only (one 2 MiB page). */
#define ALIAS_BASE 0x40000000ul
#define COPY_MAX   0x10000

#define FNV_BASIS 2166136261u
#define FNV_PRIME 16777619u

/* FNV-1a, one byte at a time, through volatile reads. */
static uint32_t fnv(const volatile uint8_t *p, size_t n)
{
	uint32_t h = FNV_BASIS;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

/* The same sum with every byte fetched by LODSB. */
static uint32_t fnv_lodsb(const uint8_t *p, size_t n)
{
	uint32_t h = FNV_BASIS;

	__asm__ volatile("1: lodsb\n\t"
			 "movzbl %%al, %%eax\n\t"
			 "xorl %%eax, %[h]\n\t"
			 "imull %[prime], %[h], %[h]\n\t"
			 "loop 1b"
			 : [h] "+r"(h), "+S"(p), "+c"(n)
			 : [prime] "i"(FNV_PRIME)
			 : "rax", "cc", "memory");
	return h;
}

/* Bytes left when REPE CMPSB stopped (0: all equal). */
static size_t cmpsb_left(const void *a, const void *b, size_t n)
{
	__asm__ volatile("cld\n\trepe cmpsb"
			 : "+S"(a), "+D"(b), "+c"(n) : : "cc", "memory");
	return n;
}

static const uint8_t *alias(const uint8_t *p)
{
	return (const uint8_t *)((uintptr_t)p + ALIAS_BASE);
}

uint32_t text_checksum(void)
{
	return fnv(_start, (size_t)(__text_end - _start));
}

static const char *same(uint32_t a, uint32_t b)
{
	return a == b ? "same" : "different";
}

void text_report(void)
{
	static uint8_t copy[COPY_MAX];
	size_t n = (size_t)(__text_end - _start);
	uint32_t sum = text_checksum();

	if (n == 0 || n > COPY_MAX)
		panic("text size 0x%zx out of range", n);
	lm_pd[ALIAS_BASE >> 21] = 0 | PTE_P | PTE_PS;
	__asm__ volatile("invlpg (%0)" : : "r"(ALIAS_BASE) : "memory");

	printf("text: 0x%zx bytes at %p, checksum 0x%08x\n", n, (const void *)_start, sum);
	printf("text through a second mapping: %s\n", same(fnv(alias(_start), n), sum));
	printf("text by lodsb: %s\n", same(fnv_lodsb(_start, n), sum));
	const uint8_t *src = _start;
	uint8_t *dst = copy;
	size_t cnt = n;
	__asm__ volatile("cld\n\trep movsb" : "+S"(src), "+D"(dst), "+c"(cnt) : : "memory");
	printf("text copied by rep movsb: %s\n", same(fnv(copy, n), sum));
	size_t left = cmpsb_left(_start, alias(_start), n);
	printf("text against the second mapping by repe cmpsb: %s\n",
	       left ? "different" : "equal");
}
