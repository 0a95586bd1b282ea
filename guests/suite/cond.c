/* SETcc, CMOVcc and Jcc over all 16 conditions, each under five flag
 * states, plus LOOP/LOOPE/LOOPNE/JCXZ. A check covers the 16 conditions of
 * one state as a mask, bit n set when condition n (the opcode's low
 * nibble: O NO B AE E NE BE A S NS P NP L GE LE G) holds. The masks are
 * worked out from the SDM's condition table (Jcc, appendix B). */
#include "suite/suite.h"

struct state {
	unsigned int flags, mask;
	const char *name;
};

static const struct state states[] = {
	{ 0, 0xaaaa, "none" },
	{ F_CF | F_ZF | F_PF, 0x6656, "cf zf pf" },
	{ F_SF, 0x59aa, "sf" },
	{ F_SF | F_OF, 0xa9a9, "sf of" },
	{ F_OF | F_ZF, 0x5a59, "of zf" },
};

#define CC(X) X(o, 0) X(no, 1) X(b, 2) X(ae, 3) X(e, 4) X(ne, 5) X(be, 6) \
	X(a, 7) X(s, 8) X(ns, 9) X(p, 10) X(np, 11) X(l, 12) X(ge, 13) \
	X(le, 14) X(g, 15)

static unsigned int set_mask(ulong flags)
{
	unsigned int m = 0;
	ulong r;

#define SET(cc, n) \
	__asm__ volatile("push %1\n\t" POPF "set" #cc " %b0" : "=q"(r) \
			 : "r"(flags) : "cc"); \
	m |= (unsigned int)(r & 1) << n;
	CC(SET)
	return m;
}

static unsigned int cmov_mask(ulong flags)
{
	unsigned int m = 0;
	ulong r;

#define CMOV(cc, n) \
	r = 0; \
	__asm__ volatile("push %2\n\t" POPF "cmov" #cc "l %k1, %k0" \
			 : "+r"(r) : "r"((ulong)1), "r"(flags) : "cc"); \
	m |= (unsigned int)r << n;
	CC(CMOV)
	return m;
}

static unsigned int jcc_mask(ulong flags)
{
	unsigned int m = 0;
	ulong r;

#define JCC(cc, n) \
	__asm__ volatile("push %1\n\t" POPF "mov $1, %k0\n\tj" #cc " 1f\n\t" \
			 "mov $0, %k0\n1:" : "=&r"(r) : "r"(flags) : "cc"); \
	m |= (unsigned int)r << n;
	CC(JCC)
	return m;
}

static void loops(void)
{
	ulong c, n;

	c = 3; n = 0;
	__asm__ volatile("1:\tinc %1\n\tloop 1b" : "+c"(c), "+r"(n) : : "cc");
	check(3, n, "loop runs cx times");
	check(0, c, "loop leaves cx 0");
	/* LOOPE goes on while ZF is set: n & 4 first clears it at n 4. */
	c = 5; n = 0;
	__asm__ volatile("1:\tinc %1\n\ttest $4, %1\n\tloope 1b"
			 : "+c"(c), "+r"(n) : : "cc");
	check(1, c, "loope stops on zf=0");
	c = 5; n = 0;
	__asm__ volatile("1:\tinc %1\n\tcmp $2, %1\n\tloopne 1b"
			 : "+c"(c), "+r"(n) : : "cc");
	check(2, n, "loopne stops on zf=1");
	c = 0; n = 0;
#ifdef __x86_64__
	__asm__ volatile("jrcxz 1f\n\tmov $1, %1\n1:" : "+c"(c), "+r"(n));
#elif defined(GUEST_REAL_MODE)
	__asm__ volatile("jcxz 1f\n\tmov $1, %1\n1:" : "+c"(c), "+r"(n));
#else
	__asm__ volatile("jecxz 1f\n\tmov $1, %1\n1:" : "+c"(c), "+r"(n));
#endif
	check(0, n, "jcxz taken on 0");
}

void cond_checks(void)
{
	for (unsigned int i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		const struct state *s = &states[i];
		ulong fl = 0x2 | s->flags;

		check(s->mask, set_mask(fl), "setcc flags %s", s->name);
		check(s->mask, cmov_mask(fl), "cmovcc flags %s", s->name);
		check(s->mask, jcc_mask(fl), "jcc flags %s", s->name);
	}
	loops();
}
