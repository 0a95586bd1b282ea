/* The breakpoints DR0-DR3 (Intel SDM Vol. 3, 17.2.4-17.2.6, 17.3.1).
 * DR7 arms them (L or G bit); R/W 00 is an instruction breakpoint, a fault
 * before the instruction at that linear address unless RF is set; R/W 01
 * (writes) and 11 (reads and writes) are data breakpoints on the LEN
 * bytes at the address aligned down to LEN, traps after the instruction.
 * Hits are reported in DR6 B0-B3. I/O breakpoints (R/W 10 with CR4.DE)
 * are not modelled. */
#include "swvmm/debug.h"

static unsigned bp_rw(uint64_t dr7, unsigned n)
{
	return (dr7 >> (16 + 4 * n)) & 3;
}

/* LEN 00, 01, 10, 11: 1, 2, 8 (long mode; undefined elsewhere), 4 bytes. */
static uint64_t bp_len(uint64_t dr7, unsigned n)
{
	static const uint8_t len[4] = { 1, 2, 8, 4 };
	return len[(dr7 >> (18 + 4 * n)) & 3];
}

void sw_dbg_arm(struct sw_cpu *c)
{
	uint64_t dr7 = c->s.dr[7];

	c->dbg_exec = c->dbg_data = 0;
	for (unsigned n = 0; n < 4; n++) {
		if (!((dr7 >> (2 * n)) & 3))
			continue;
		unsigned rw = bp_rw(dr7, n);
		if (rw == 0)
			c->dbg_exec |= (uint8_t)(1u << n);
		else if (rw != 2)
			c->dbg_data |= (uint8_t)(1u << n);
	}
}

void sw_dbg_exec(struct sw_cpu *c, uint64_t lin)
{
	uint64_t hit = 0;

	for (unsigned n = 0; n < 4; n++)
		if (((c->dbg_exec >> n) & 1) && c->s.dr[n] == lin)
			hit |= 1ull << n;
	if (hit) {
		c->s.dr[6] |= hit;
		sw_raise(c, EXC_DB, SW_NO_ERRCODE);
	}
}

void sw_dbg_data(struct sw_cpu *c, uint64_t lin, unsigned size, bool write)
{
	uint64_t dr7 = c->s.dr[7];

	for (unsigned n = 0; n < 4; n++) {
		if (!((c->dbg_data >> n) & 1) || (!write && bp_rw(dr7, n) == 1))
			continue;
		uint64_t len = bp_len(dr7, n), a = c->s.dr[n] & ~(len - 1);
		if (a - lin < size || lin - a < len)   /* the ranges overlap */
			c->db_trap |= 1ull << n;
	}
}
