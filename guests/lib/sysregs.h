/* Model-specific and control registers, for 64-bit ring-0 guest code.
 * Header only: a guest that does not include it is unchanged. */
#ifndef GUESTS_LIB_SYSREGS_H
#define GUESTS_LIB_SYSREGS_H

#include <stdint.h>

#include "lib/layout.h"
#include "lib/x86_64.h"

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

/* SYSCALL to entry with kernel CS kcode; SYSRET to the user selectors
 * from ucode32 on (the GDT order SYSRET needs); FMASK_BITS cleared. */
static inline void syscall_setup(uint64_t entry, uint16_t kcode, uint16_t ucode32)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (uint64_t)ucode32 << 48 | (uint64_t)kcode << 32);
	wrmsr(MSR_LSTAR, entry);
	wrmsr(MSR_FMASK, FMASK_BITS);
}

#endif
