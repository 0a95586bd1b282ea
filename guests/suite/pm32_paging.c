/* suite32 with paging: 32-bit paging, then PAE with NX. Page faults with
 * the error code (SDM vol. 3, 4.7: P=1, W/R=2, U/S=4, RSVD=8, I/D=0x10)
 * and CR2, CR0.WP, U/S from ring 3, A/D bits, INVLPG, a 4 MiB page, and in
 * PAE a reserved bit and a fetch from an NX page. The first 4 MiB (2 MiB
 * under PAE) are identity-mapped with U/S=1 so ring 3 can run the image;
 * the test pages sit at 0x400000 and up. */
#include "suite/pm32.h"

#define PG_P	0x001
#define PG_W	0x002
#define PG_U	0x004
#define PG_A	0x020
#define PG_D	0x040
#define PG_PS	0x080
#define PG_NX	(1ULL << 63)
#define PG_RSVD	(1ULL << 51)	/* above any MAXPHYADDR below 52 */

#define T_NP	0x400000	/* not present */
#define T_RO	0x401000	/* user, read-only */
#define T_SUP	0x402000	/* supervisor, writable */
#define T_USR	0x403000	/* user, writable */
#define T_AD	0x404000	/* user, writable, for A/D */
#define T_INV	0x405000	/* present, then not, for INVLPG */
#define T_ALIAS	0x406000	/* maps physical 0x800000 */
#define T_NX	0x407000	/* NX (PAE) */
#define T_X	0x408000	/* executable (PAE) */
#define T_RES	0x409000	/* reserved bit set (PAE) */
#define BIG	0x800000	/* a 4 MiB page (32-bit paging) */

static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint32_t pt32_low[1024] __attribute__((aligned(4096)));
static uint32_t pt32_test[1024] __attribute__((aligned(4096)));
static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd64[512] __attribute__((aligned(4096)));
static uint64_t pt64_low[512] __attribute__((aligned(4096)));
static uint64_t pt64_test[512] __attribute__((aligned(4096)));
static int pae;
static volatile ulong user_sink;

static void set_test_pte(ulong lin, uint64_t v)
{
	unsigned int i = (lin >> 12) & (pae ? 511 : 1023);

	if (pae)
		pt64_test[i] = v;
	else
		pt32_test[i] = (uint32_t)v;
}

static uint64_t test_pte(ulong lin)
{
	return pae ? pt64_test[(lin >> 12) & 511] :
		     pt32_test[(lin >> 12) & 1023];
}

static void fill_test_ptes(void)
{
	set_test_pte(T_NP, 0);
	set_test_pte(T_RO, T_RO | PG_P | PG_U);
	set_test_pte(T_SUP, T_SUP | PG_P | PG_W);
	set_test_pte(T_USR, T_USR | PG_P | PG_W | PG_U);
	set_test_pte(T_AD, T_AD | PG_P | PG_W | PG_U);
	set_test_pte(T_INV, T_INV | PG_P | PG_W);
	set_test_pte(T_ALIAS, BIG | PG_P | PG_W);
	if (pae) {
		set_test_pte(T_NX, T_NX | PG_P | PG_W | PG_NX);
		set_test_pte(T_X, T_X | PG_P | PG_W);
		set_test_pte(T_RES, T_RES | PG_P | PG_W | PG_RSVD);
	}
}

static ulong read_at(ulong a)
{
	ulong v = 0;

	__asm__ volatile(FAULTS("movl (%1), %k0") : "+r"(v) : "r"(a)
			 : "memory");
	return v;
}

static void write_at(ulong a)
{
	__asm__ volatile(FAULTS("movl $0x5a5a5a5a, (%0)") : : "r"(a)
			 : "memory");
}

/* Ring 3 can pass no arguments: the address goes in a global. */
static volatile ulong user_addr;
static void u_read(void) { user_sink = read_at(user_addr); }
static void u_write(void) { write_at(user_addr); }

static void cr0_wp(int on)
{
	ulong cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = on ? cr0 | 0x10000 : cr0 & ~0x10000UL;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}

static void pf_checks(const char *m)
{
	uint8_t *x = (uint8_t *)T_X;

	trap_clear(); read_at(T_NP + 0x10);
	check_pf(0, T_NP + 0x10, "%s read not-present", m);
	trap_clear(); write_at(T_NP + 0xffc);
	check_pf(2, T_NP + 0xffc, "%s write not-present", m);
	cr0_wp(0);
	trap_clear(); write_at(T_RO);
	check_trap(NO_TRAP, 0, "%s cpl0 write read-only, wp=0", m);
	cr0_wp(1);
	trap_clear(); write_at(T_RO + 4);
	check_pf(3, T_RO + 4, "%s cpl0 write read-only, wp=1", m);
	cr0_wp(0);
	trap_clear(); read_at(T_SUP);
	check_trap(NO_TRAP, 0, "%s cpl0 read supervisor", m);

	trap_clear(); user_addr = T_SUP + 8; user_call(u_read, 0x2);
	check_pf(5, T_SUP + 8, "%s cpl3 read supervisor", m);
	trap_clear(); user_addr = T_SUP + 12; user_call(u_write, 0x2);
	check_pf(7, T_SUP + 12, "%s cpl3 write supervisor", m);
	trap_clear(); user_addr = T_RO + 16; user_call(u_write, 0x2);
	check_pf(7, T_RO + 16, "%s cpl3 write read-only, wp=0", m);
	trap_clear(); user_addr = T_NP; user_call(u_read, 0x2);
	check_pf(4, T_NP, "%s cpl3 read not-present", m);
	trap_clear(); user_addr = T_USR; user_call(u_write, 0x2);
	check_trap(NO_TRAP, 0, "%s cpl3 write user page", m);

	read_at(T_AD);
	check(PG_A, test_pte(T_AD) & (PG_A | PG_D), "%s read sets A only", m);
	write_at(T_AD);
	check(PG_A | PG_D, test_pte(T_AD) & (PG_A | PG_D),
	      "%s write sets A and D", m);

	trap_clear(); read_at(T_INV);
	set_test_pte(T_INV, 0);
	__asm__ volatile("invlpg (%0)" : : "r"(T_INV) : "memory");
	trap_clear(); read_at(T_INV);
	check_pf(0, T_INV, "%s read after pte cleared and invlpg", m);

	*(volatile uint32_t *)(T_ALIAS + 0x10) = 0x12345678;
	if (!pae) {
		check(0x12345678, *(volatile uint32_t *)(BIG + 0x10),
		      "%s 4 MiB page maps its frame", m);
		check(PG_A, pd32[BIG >> 22] & PG_A, "%s 4 MiB page accessed",
		      m);
		return;
	}
	x[0] = 0xc3;	/* ret */
	*(uint8_t *)T_NX = 0xc3;
	trap_clear();
	__asm__ volatile(ARM_AT("9f") WHERE_AT("%c0") "jmp *%1\n9:\t" DISARM
			 : : "i"(T_NX), "r"((ulong)T_NX) : "memory");
	check_pf(0x11, T_NX, "%s fetch from an nx page", m);
	trap_clear();
	__asm__ volatile("call *%0" : : "r"((ulong)T_X) : "memory");
	check_trap(NO_TRAP, 0, "%s fetch from an executable page", m);
	trap_clear(); read_at(T_RES + 0x20);
	check_pf_dev(9, T_RES + 0x20, 8, "%s read with a reserved bit set",
		     m);
}

static void paging32(void)
{
	ulong cr0, cr4;

	for (unsigned int i = 0; i < 1024; i++)
		pt32_low[i] = (i << 12) | PG_P | PG_W | PG_U;
	pd32[0] = (uintptr_t)pt32_low | PG_P | PG_W | PG_U;
	pd32[T_NP >> 22] = (uintptr_t)pt32_test | PG_P | PG_W | PG_U;
	pd32[BIG >> 22] = BIG | PG_PS | PG_P | PG_W;
	pae = 0;
	fill_test_ptes();
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | 0x10));	/* PSE */
	__asm__ volatile("mov %0, %%cr3" : : "r"(pd32) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | 0x80000000UL)
			 : "memory");
	pf_checks("paging32");
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
}

static void paging_pae(void)
{
	ulong cr0, cr4;
	uint32_t lo, hi;

	for (unsigned int i = 0; i < 512; i++)
		pt64_low[i] = ((uint64_t)i << 12) | PG_P | PG_W | PG_U;
	pd64[0] = (uintptr_t)pt64_low | PG_P | PG_W | PG_U;
	pd64[T_NP >> 21] = (uintptr_t)pt64_test | PG_P | PG_W | PG_U;
	pdpt[0] = (uintptr_t)pd64 | PG_P;	/* PDPTEs have no R/W, U/S */
	pae = 1;
	fill_test_ptes();
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080));
	__asm__ volatile("wrmsr" : : "a"(lo | 0x800), "d"(hi),
			 "c"(0xc0000080));		/* NXE */
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | 0x20));	/* PAE */
	__asm__ volatile("mov %0, %%cr3" : : "r"(pdpt) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | 0x80000000UL)
			 : "memory");
	pf_checks("pae");
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}

void pm32_paging_checks(void)
{
	paging32();
	paging_pae();
}
