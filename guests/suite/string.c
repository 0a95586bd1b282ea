/* MOVS, STOS, LODS, CMPS, SCAS with and without REP/REPE/REPNE, forwards
 * and backwards (DF), and a zero count. The registers' end values follow
 * the SDM: each iteration steps SI/DI by the element size, REP stops with
 * the count 0, REPE/REPNE stop early on the ZF condition with the count
 * already decremented for the last compared element. Segment overrides
 * are checked by each mode (their segments differ). */
#include "suite/suite.h"

static char src[16] = "0123456789abcdef";
static char dst[16];

static void movs_stos(void)
{
	ulong si = (uintptr_t)src, di = (uintptr_t)dst, c = 5;

	memset(dst, '.', sizeof(dst));
	__asm__ volatile("cld\n\trep movsb" : "+S"(si), "+D"(di), "+c"(c)
			 : : "memory");
	check(0, c, "rep movsb count");
	check(5, si - (uintptr_t)src, "rep movsb si");
	check(5, di - (uintptr_t)dst, "rep movsb di");
	check(0, memcmp(dst, "01234.", 6), "rep movsb data");

	/* Backwards by words: from the last word of each buffer. */
	memset(dst, '.', sizeof(dst));
	si = (uintptr_t)src + 6; di = (uintptr_t)dst + 6; c = 3;
	__asm__ volatile("std\n\trep movsw\n\tcld" : "+S"(si), "+D"(di),
			 "+c"(c) : : "memory");
	check(0, c, "std rep movsw count");
	check((ulong)-6, si - ((uintptr_t)src + 6), "std rep movsw si");
	check(0, memcmp(dst, "..234567..", 10), "std rep movsw data");

	di = (uintptr_t)dst; c = 3;
	__asm__ volatile("cld\n\trep stosl" : "+D"(di), "+c"(c)
			 : "a"((ulong)0x41424344) : "memory");
	check(12, di - (uintptr_t)dst, "rep stosd di");
	check(0, memcmp(dst, "DCBADCBADCBA.", 13), "rep stosd data");

	/* A zero count does nothing, not even to the flags. */
	di = (uintptr_t)dst; c = 0;
	{
		ulong fl = 0x2 | F_CF | F_ZF;

		__asm__ volatile(WITH_FLAGS("rep stosb") : "+D"(di), "+c"(c),
				 [fl] "+r"(fl) : "a"((ulong)0) : "memory", "cc");
		check_vf(0, F_CF | F_ZF, di - (uintptr_t)dst, fl, F_ARITH,
			 "rep stosb count 0");
	}
}

static void lods_cmps_scas(void)
{
	ulong si, di, c, a, fl;

	si = (uintptr_t)src + 3; a = 0;
	__asm__ volatile("std\n\tlodsb\n\tcld" : "+S"(si), "+a"(a) : "m"(src));
	check('3', a & 0xff, "std lodsb value");
	check((uintptr_t)src + 2, si, "std lodsb si");

	memcpy(dst, "0123x", 5);
	si = (uintptr_t)src; di = (uintptr_t)dst; c = 8; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("cld\n\trepe cmpsb") : "+S"(si), "+D"(di),
			 "+c"(c), [fl] "+r"(fl) : "m"(src), "m"(dst) : "cc");
	/* '4' - 'x' = 0x34 - 0x78 = 0xbc: borrows from bits 7 and 3. */
	check_vf(3, F_CF | F_SF | F_AF, c, fl, F_ARITH,
		 "repe cmpsb stops at mismatch");
	check(5, si - (uintptr_t)src, "repe cmpsb si");

	di = (uintptr_t)src; c = 16; a = 'a'; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("cld\n\trepne scasb") : "+D"(di), "+c"(c),
			 [fl] "+r"(fl) : "a"(a), "m"(src) : "cc");
	check_vf(5, F_ZF | F_PF, c, fl, F_ARITH, "repne scasb finds");
	check(11, di - (uintptr_t)src, "repne scasb di");

	di = (uintptr_t)src; c = 4; a = 'z'; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("cld\n\trepne scasb") : "+D"(di), "+c"(c),
			 [fl] "+r"(fl) : "a"(a), "m"(src) : "cc");
	/* SCAS compares AL - [DI]: last 'z' - '3' = 0x7a - 0x33 = 0x47. */
	check_vf(0, F_PF, c, fl, F_ARITH,
		 "repne scasb runs out");

	memcpy(dst, "0124", 4);
	si = (uintptr_t)src; di = (uintptr_t)dst; c = 2; fl = 0x2;
	__asm__ volatile(WITH_FLAGS("cld\n\trepe cmpsw") : "+S"(si), "+D"(di),
			 "+c"(c), [fl] "+r"(fl) : "m"(src), "m"(dst) : "cc");
	/* Second word: 0x3332 - 0x3432 = 0xff00. */
	check_vf(0, F_CF | F_SF | F_PF, c, fl, F_ARITH,
		 "repe cmpsw last word differs");
}

void string_checks(void)
{
	movs_stos();
	lods_cmps_scas();
}
