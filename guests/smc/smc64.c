/* smc64.bin: code that rewrites itself while it runs, checked each time:
 * the instruction right after a store, a function in another page, the
 * same function through a second virtual mapping of its page (written
 * through one address and executed through the other), and a string copy
 * of new code over old. */
#include "lib/rt.h"

unsigned smc_next(unsigned v);
unsigned smc_far(void);
unsigned smc_copy(void);
extern volatile uint32_t smc_far_imm;
extern uint64_t lm_pd[4 * 512];

/* Virtual 1 GiB maps physical 0-2 MiB a second time (one 2 MiB page). */
#define ALIAS_BASE 0x40000000ul

typedef unsigned (*fn_t)(void);

static void *alias(const void *p)
{
	return (void *)((uintptr_t)p + ALIAS_BASE);
}

static void check(const char *what, unsigned got, unsigned want)
{
	if (got != want)
		panic("%s: got 0x%x, expected 0x%x", what, got, want);
}

/* rep movsb, so that the copy is one string instruction. */
static void copy_bytes(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

void guest_main(unsigned long magic, unsigned long info)
{
	(void)magic;
	(void)info;

	for (unsigned v = 0x20; v < 0x28; v++)
		check("next instruction", smc_next(v), v);
	printf("smc: next instruction ok\n");

	check("other page", smc_far(), 0x11);
	for (unsigned v = 0x100; v < 0x108; v++) {
		smc_far_imm = v;
		check("other page", smc_far(), v);
	}
	printf("smc: other page ok\n");

	lm_pd[ALIAS_BASE >> 21] = 0 | PTE_P | PTE_W | PTE_PS;
	__asm__ volatile("invlpg (%0)" : : "r"(ALIAS_BASE) : "memory");
	volatile uint32_t *imm_alias = alias((const void *)&smc_far_imm);
	fn_t far_alias = (fn_t)alias((const void *)smc_far);
	for (unsigned v = 0x200; v < 0x208; v++) {
		*imm_alias = v;
		check("write through alias", smc_far(), v);
		smc_far_imm = v + 0x1000;
		check("run through alias", far_alias(), v + 0x1000);
	}
	printf("smc: alias ok\n");

	static const uint8_t new_code[] = { 0xb8, 0x42, 0x00, 0x00, 0x00, 0xc3 };
	check("before copy", smc_copy(), 0x11);
	copy_bytes((void *)smc_copy, new_code, sizeof(new_code));
	check("string copy", smc_copy(), 0x42);
	printf("smc: string copy ok\n");
}
