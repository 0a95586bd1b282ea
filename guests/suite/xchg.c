/* XCHG, XADD, CMPXCHG (8/16/32), CMPXCHG8B and LOCK. SDM: CMPXCHG
 * compares the accumulator with the destination and sets the flags as
 * CMP does; on a mismatch it loads the accumulator. CMPXCHG8B compares
 * EDX:EAX with the quadword, ZF says which way it went. LOCK on a register
 * destination raises #UD. */
#include "suite/suite.h"

static volatile uint32_t mem32;
static volatile uint64_t mem64 __attribute__((aligned(8)));

static void exchange(void)
{
	ulong r, a, fl;

	mem32 = 0x11112222; r = 0x33334444;
	__asm__ volatile("xchgl %k0, %1" : "+r"(r), "+m"(mem32));
	check(0x11112222, r & 0xffffffff, "xchg32 r,m old value");
	check(0x33334444, mem32, "xchg32 r,m new value");
	r = 0x1234; a = 0x5678;
	__asm__ volatile("xchgb %b0, %h1" : "+Q"(r), "+Q"(a));
	check(0x1256, r & 0xffff, "xchg8 r,ah (low byte)");
	check(0x3478, a & 0xffff, "xchg8 r,ah (ah)");

	mem32 = 0x7fffffff; r = 1; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("lock xaddl %k[r], %[m]") : [r] "+r"(r),
			 [m] "+m"(mem32), [fl] "+r"(fl) : : "cc");
	check_vf(0x80000000, F_OF | F_SF | F_AF | F_PF, mem32, fl, F_ARITH,
		 "xadd32 m,r sum and flags");
	check(0x7fffffff, r & 0xffffffff, "xadd32 m,r old value to source");
	r = 0xff; a = 0x01; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("xaddb %b[a], %b[r]") : [r] "+q"(r),
			 [a] "+q"(a), [fl] "+r"(fl) : : "cc");
	check_vf(0x00, F_ZF | F_CF | F_AF | F_PF, r & 0xff, fl, F_ARITH,
		 "xadd8 r,r sum and flags");
	check(0xff, a & 0xff, "xadd8 r,r old value to source");
}

static void compare_exchange(void)
{
	ulong a, fl;

	mem32 = 0x1000; a = 0x1000; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("lock cmpxchgl %k[s], %[m]") : "+a"(a),
			 [m] "+m"(mem32), [fl] "+r"(fl)
			 : [s] "r"((ulong)0x2000) : "cc");
	check_vf(0x2000, F_ZF | F_PF, mem32, fl, F_ARITH,
		 "cmpxchg32 equal stores");
	check(0x1000, a & 0xffffffff, "cmpxchg32 equal keeps eax");
	mem32 = 0x1000; a = 0x0fff; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("cmpxchgl %k[s], %[m]") : "+a"(a),
			 [m] "+m"(mem32), [fl] "+r"(fl)
			 : [s] "r"((ulong)0x2000) : "cc");
	check_vf(0x1000, F_SF | F_CF | F_PF, mem32, fl, F_ARITH,
		 "cmpxchg32 differ keeps memory");
	check(0x1000, a & 0xffffffff, "cmpxchg32 differ loads eax");
	a = 0x1280; fl = 0x2;
	{
		ulong d = 0x3480;

		__asm__ volatile(WITH_FLAGS("cmpxchgb %b[s], %b[d]")
				 : "+a"(a), [d] "+q"(d), [fl] "+r"(fl)
				 : [s] "q"((ulong)0x56) : "cc");
		check_vf(0x3456, F_ZF | F_PF, d & 0xffff, fl, F_ARITH,
			 "cmpxchg8 r,r equal");
	}
	a = 0x0001; fl = 0x2;
	{
		ulong d = 0x8000;

		__asm__ volatile(WITH_FLAGS("cmpxchgw %w[s], %w[d]")
				 : "+a"(a), [d] "+r"(d), [fl] "+r"(fl)
				 : [s] "r"((ulong)0x1111) : "cc");
		check_vf(0x8000, F_OF | F_SF | F_CF, a & 0xffff, fl,
			 F_ARITH, "cmpxchg16 r,r differ");
	}
}

static void cmpxchg8b(void)
{
	uint32_t lo = 0x55667788, hi = 0x11223344;
	ulong fl = 0x2;

	mem64 = 0x1122334455667788ULL;
	__asm__ volatile(WITH_FLAGS("lock cmpxchg8b %[m]") : "+a"(lo),
			 "+d"(hi), [m] "+m"(mem64), [fl] "+r"(fl)
			 : "b"(0xddeeff00), "c"(0x99aabbcc) : "cc");
	check_vf(0x99aabbccddeeff00ULL, F_ZF, mem64, fl, F_ZF,
		 "cmpxchg8b equal stores ecx:ebx");
	lo = 0; hi = 0; fl = 0x2 | F_ZF;
	__asm__ volatile(WITH_FLAGS("cmpxchg8b %[m]") : "+a"(lo),
			 "+d"(hi), [m] "+m"(mem64), [fl] "+r"(fl)
			 : "b"(1), "c"(2) : "cc");
	check_vf(0x99aabbccddeeff00ULL, 0, (uint64_t)hi << 32 | lo, fl, F_ZF,
		 "cmpxchg8b differ loads edx:eax");
	check(0x99aabbccddeeff00ULL, mem64, "cmpxchg8b differ keeps memory");
}

static void lock_checks(void)
{
	trap_clear();
	/* The assembler refuses these: f0 01 c3 is lock add %eax,%ebx. */
	__asm__ volatile(FAULTS(".byte 0xf0, 0x01, 0xc3") : : : "ebx", "cc",
			 "memory");
	check_trap(6, 0, "lock add r,r raises #ud");
	trap_clear();
	__asm__ volatile(FAULTS(".byte 0xf0, 0x90") : : : "cc", "memory");
	check_trap(6, 0, "lock nop raises #ud");
	mem32 = 5;
	trap_clear();
	__asm__ volatile(FAULTS("lock incl %0") : "+m"(mem32) : : "cc");
	check_trap(NO_TRAP, 0, "lock inc m");
	check(6, mem32, "lock inc m result");
}

void xchg_checks(void)
{
	exchange();
	compare_exchange();
	cmpxchg8b();
	lock_checks();
}
