/* minios's user programs, linked at USER_BASE and copied into each
 * process's own address space; each process starts at one of the prog_*
 * functions, in ring 3 with interrupts enabled. They use no kernel code and
 * no data outside their own pages: only registers, their stack, their
 * heap and system calls. Every result depends on the program alone, never
 * on when it was preempted. */
#include <stdint.h>

#include "minios/minios.h"

static inline uint64_t sys_call(uint64_t nr, uint64_t a, uint64_t b)
{
	uint64_t r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return r;
}

static inline uint64_t sys_int80(uint64_t nr, uint64_t a, uint64_t b)
{
	uint64_t r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "D"(a), "S"(b)
			 : "memory");
	return r;
}

static void __attribute__((noreturn)) sys_exit(uint64_t status)
{
	sys_call(SYS_EXIT, status, 0);
	for (;;)
		;
}

/* 64-bit mixing step (splitmix64's finaliser). */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9UL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebUL;
	return x ^ (x >> 31);
}

/* 1: arithmetic only, and no system call between start and end: the
 * Collatz trajectories of 1..COMPUTE_N-1, their total length, their
 * highest point, and a hash of the lengths. */
#define COMPUTE_N	12000

void prog_compute(void)
{
	uint64_t pid = sys_call(SYS_GETPID, 0, 0);
	uint64_t total = 0, peak = 0, h = 0;

	for (uint64_t n = 1; n < COMPUTE_N; n++) {
		uint64_t x = n, len = 0;

		while (x != 1) {
			x = (x & 1) ? 3 * x + 1 : x >> 1;
			if (x > peak)
				peak = x;
			len++;
		}
		total += len;
		h = (h ^ len) * 0x100000001b3UL + n;
	}
	sys_int80(SYS_STORE, 0, total);
	sys_call(SYS_STORE, 1, peak);
	sys_int80(SYS_RESULT, mix(h ^ total << 20 ^ peak ^ pid), 0);
	sys_exit(0);
}

/* 2: thousands of calls through both instructions, the result built from
 * what they return: the kernel-side counter, the record slots, the pid. */
#define SYSCALL_ROUNDS	3072

void prog_syscalls(void)
{
	uint64_t acc = sys_int80(SYS_GETPID, 0, 0);

	for (uint64_t i = 0; i < SYSCALL_ROUNDS; i++) {
		uint64_t r = (i & 1) ? sys_call(SYS_ADD, i, 0) :
				       sys_int80(SYS_ADD, 3 * i + 1, 0);

		acc = acc * 31 + r;
		if ((i & 7) == 0)
			sys_int80(SYS_STORE, (i >> 3) & 7, acc);
		if ((i & 7) == 4)
			acc ^= sys_call(SYS_LOAD, (i >> 3) & 7, 0);
		if ((i & 15) == 9)
			acc += (i & 16) ? sys_call(SYS_GETPID, 0, 0) :
					  sys_int80(SYS_GETPID, 0, 0);
		if ((i & 63) == 63) {
			if (i & 64)
				sys_call(SYS_YIELD, 0, 0);
			else
				sys_int80(SYS_YIELD, 0, 0);
		}
	}
	/* Bad calls are answered, not fatal. */
	if (sys_call(NR_SYSCALLS + 5, 0, 0) != SYS_ERROR ||
	    sys_int80(SYS_LOAD, NR_SLOTS, 0) != SYS_ERROR)
		sys_exit(1);
	sys_call(SYS_RESULT, mix(acc), 0);
	sys_exit(0);
}

/* 3: fresh heap pages, each first read (it must be zero) and then written
 * with a pattern in eight places, with a yield every 32 pages and a sleep
 * every 64; a second pass reads every pattern back. One demand fault per
 * page. */
#define PAGER_PAGES	384

static uint64_t pattern(uint64_t page, uint64_t k)
{
	return mix(page << 8 | k) | 1;
}

void prog_pager(void)
{
	volatile uint64_t *heap = (volatile uint64_t *)USER_HEAP_BASE;
	uint64_t bad = 0, sum = 0;

	for (uint64_t p = 0; p < PAGER_PAGES; p++) {
		volatile uint64_t *q = heap + p * 512;

		if (q[(p * 7) & 511] != 0)
			bad++;
		for (uint64_t k = 0; k < 8; k++)
			q[k * 64 + (p & 63)] = pattern(p, k);
		if ((p & 31) == 15)
			sys_call(SYS_YIELD, 0, 0);
		if ((p & 63) == 63)
			sys_int80(SYS_SLEEP, 0, 0);
	}
	for (uint64_t p = 0; p < PAGER_PAGES; p++) {
		volatile uint64_t *q = heap + p * 512;

		for (uint64_t k = 0; k < 8; k++) {
			uint64_t v = q[k * 64 + (p & 63)];

			if (v != pattern(p, k))
				bad++;
			sum = (sum ^ v) * 0x100000001b3UL;
		}
		if (q[((p & 63) + 1) & 63] != 0)
			bad++;
	}
	sys_call(SYS_STORE, 0, bad);
	sys_int80(SYS_RESULT, mix(sum) ^ bad, 0);
	sys_exit(bad != 0);
}

/* 4: uses two heap pages, then reads kernel memory (the image's first
 * page, supervisor-only) and is killed by the page fault. */
#define KERNEL_PAGE	0x10000

void prog_intruder(void)
{
	volatile uint64_t *heap = (volatile uint64_t *)USER_HEAP_BASE;
	uint64_t pid = sys_int80(SYS_GETPID, 0, 0);

	heap[0] = pid;
	heap[512 + 1] = pid * 2;
	sys_call(SYS_YIELD, 0, 0);
	sys_int80(SYS_RESULT, heap[0] + heap[513], 0);
	sys_call(SYS_RESULT, *(volatile uint64_t *)KERNEL_PAGE, 0);
	sys_exit(0);
}

/* 5: tries HLT in ring 3 and is killed by the #GP. */
void prog_privileged(void)
{
	sys_call(SYS_RESULT, sys_int80(SYS_GETPID, 0, 0) << 8 | 0x42, 0);
	__asm__ volatile("hlt");
	sys_exit(0);
}
