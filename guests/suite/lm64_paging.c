/* suite64 page faults under 4-level paging: not-present, write, U/S from
 * ring 3, CR0.WP, NX instruction fetch (I/D = 0x10), a reserved bit, A/D
 * and INVLPG (SDM vol. 3, 4.7). The first 2 MiB page gets U/S=1 at every
 * level so ring 3 runs the image; the test pages at 0x400000 get a page
 * table of their own. */
#include "suite/lm64.h"

#define PG_P	0x001
#define PG_W	0x002
#define PG_U	0x004
#define PG_A	0x020
#define PG_D	0x040
#define PG_NX	(1UL << 63)
#define PG_RSVD	(1UL << 51)

#define T_NP	0x400000UL
#define T_RO	0x401000UL
#define T_SUP	0x402000UL
#define T_USR	0x403000UL
#define T_AD	0x404000UL
#define T_INV	0x405000UL
#define T_NX	0x406000UL
#define T_X	0x407000UL
#define T_RES	0x408000UL
#define T_UNX	0x409000UL	/* user, NX */

extern uint64_t lm_pml4[512], lm_pdpt[512], lm_pd[4 * 512];
static uint64_t pt[512] __attribute__((aligned(4096)));
static volatile ulong user_addr, user_sink;

#define PTE(a) pt[((a) >> 12) & 511]

static ulong read_at(ulong a)
{
	ulong v = 0;

	__asm__ volatile(FAULTS("movq (%1), %0") : "+r"(v) : "r"(a)
			 : "memory");
	return v;
}

static void write_at(ulong a)
{
	__asm__ volatile(FAULTS("movl $0x5a5a5a5a, (%0)") : : "r"(a)
			 : "memory");
}

/* Calls a (a RET there); a fetch fault resumes at 9 with the return
 * address still pushed, hence RSP from R11. */
static void fetch_at(ulong a)
{
	__asm__ volatile(ARM_AT("9f") "mov %0, trap_where(%%rip)\n\t"
			 "mov %%rsp, %%r11\n\tcall *%0\n9:\t"
			 "mov %%r11, %%rsp\n\t" DISARM
			 : : "r"(a) : "r11", "memory");
}

static void u_read(void) { user_sink = read_at(user_addr); }
static void u_write(void) { write_at(user_addr); }
static void u_fetch(void) { fetch_at(user_addr); }

static void cr0_wp(int on)
{
	ulong cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = on ? cr0 | 0x10000 : cr0 & ~0x10000UL;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}

void lm64_paging_checks(void)
{
	ulong cr3;

	for (ulong a = T_NP; a < T_NP + 0x200000; a += 0x1000)
		PTE(a) = a | PG_P | PG_W;
	PTE(T_NP) = 0;
	PTE(T_RO) = T_RO | PG_P | PG_U;
	PTE(T_USR) = T_USR | PG_P | PG_W | PG_U;
	PTE(T_AD) = T_AD | PG_P | PG_W | PG_U;
	PTE(T_NX) = T_NX | PG_P | PG_W | PG_NX;
	PTE(T_RES) = T_RES | PG_P | PG_W | PG_RSVD;
	PTE(T_UNX) = T_UNX | PG_P | PG_W | PG_U | PG_NX;
	lm_pd[T_NP >> 21] = (uintptr_t)pt | PG_P | PG_W | PG_U;
	lm_pd[0] |= PG_U;
	lm_pdpt[0] |= PG_U;
	lm_pml4[0] |= PG_U;
	__asm__ volatile("mov %%cr3, %0\n\tmov %0, %%cr3" : "=r"(cr3)
			 : : "memory");

	trap_clear(); read_at(T_NP + 0x18);
	check_pf(0, T_NP + 0x18, "read not-present");
	trap_clear(); write_at(T_NP + 0xffc);
	check_pf(2, T_NP + 0xffc, "write not-present");
	cr0_wp(0);
	trap_clear(); write_at(T_RO);
	check_trap(NO_TRAP, 0, "cpl0 write read-only, wp=0");
	cr0_wp(1);
	trap_clear(); write_at(T_RO + 8);
	check_pf(3, T_RO + 8, "cpl0 write read-only, wp=1");
	trap_clear(); user_addr = T_SUP + 8; user_call(u_read, 0x2);
	check_pf(5, T_SUP + 8, "cpl3 read supervisor");
	trap_clear(); user_addr = T_SUP; user_call(u_write, 0x2);
	check_pf(7, T_SUP, "cpl3 write supervisor");
	trap_clear(); user_addr = T_RO + 16; user_call(u_write, 0x2);
	check_pf(7, T_RO + 16, "cpl3 write read-only");
	trap_clear(); user_addr = T_NP; user_call(u_read, 0x2);
	check_pf(4, T_NP, "cpl3 read not-present");
	trap_clear(); user_addr = T_USR; user_call(u_write, 0x2);
	check_trap(NO_TRAP, 0, "cpl3 write user page");

	*(uint8_t *)T_NX = 0xc3;	/* ret */
	*(uint8_t *)T_X = 0xc3;
	*(uint8_t *)T_UNX = 0xc3;
	trap_clear(); fetch_at(T_NX);
	check_pf(0x11, T_NX, "cpl0 fetch from an nx page");
	trap_clear(); fetch_at(T_X);
	check_trap(NO_TRAP, 0, "cpl0 fetch from an executable page");
	trap_clear(); user_addr = T_UNX; user_call(u_fetch, 0x2);
	check_pf(0x15, T_UNX, "cpl3 fetch from a user nx page");
	trap_clear(); user_addr = T_X; user_call(u_fetch, 0x2);
	check_pf(0x15, T_X, "cpl3 fetch from a supervisor page");
	trap_clear(); read_at(T_RES + 0x20);
	check_pf_dev(9, T_RES + 0x20, 8, "read with a reserved bit set");
	trap_clear(); write_at(T_RES + 0x20);
	check_pf_dev(0xb, T_RES + 0x20, 0xa, "write with a reserved bit set");

	read_at(T_AD);
	check(PG_A, PTE(T_AD) & (PG_A | PG_D), "read sets A only");
	write_at(T_AD);
	check(PG_A | PG_D, PTE(T_AD) & (PG_A | PG_D), "write sets A and D");
	read_at(T_INV);
	PTE(T_INV) = 0;
	__asm__ volatile("invlpg (%0)" : : "r"(T_INV) : "memory");
	trap_clear(); read_at(T_INV);
	check_pf(0, T_INV, "read after pte cleared and invlpg");
	cr0_wp(0);
}
