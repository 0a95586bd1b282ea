/* ring3.bin, ring 3 half: calls the kernel through INT 0x80 and SYSCALL,
 * prints each result (through a write call, having no port access),
 * checks it and that it is back at CPL 3, then asks the kernel to halt.
 * Linked onto the user pages, together with lib/fmt.c and lib/string.c. */
#include "lib/rt.h"
#include "ring3/ring3.h"

struct result {
	uint64_t value;
	uint64_t cpl;		/* the CPL the kernel saw the call come from */
};

struct call {
	int via_syscall;
	uint64_t nr, a, b, expect;
};

uint8_t user_stack[USER_STACK_SIZE] __attribute__((aligned(16)));

static const struct call calls[] = {
	{ 0, SYS_ADD, 3, 4, 7 },
	{ 1, SYS_MUL, 6, 7, 42 },
	{ 0, SYS_MUL, 12345, 6789, 83810205 },
	{ 1, SYS_ADD, 5, 8, 13 },
	{ 0, SYS_ADD, 100, 23, 123 },
	{ 1, SYS_MUL, 1000, 1000, 1000000 },
};

static struct result call_int80(uint64_t nr, uint64_t a, uint64_t b)
{
	struct result r;

	__asm__ volatile("int $0x80"
			 : "=a"(r.value), "=d"(r.cpl)
			 : "a"(nr), "D"(a), "S"(b)
			 : "memory");
	return r;
}

static struct result call_syscall(uint64_t nr, uint64_t a, uint64_t b)
{
	struct result r;

	__asm__ volatile("syscall"
			 : "=a"(r.value), "=d"(r.cpl)
			 : "a"(nr), "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return r;
}

static unsigned int current_cpl(void)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

static void uprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void uprintf(const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	call_syscall(SYS_WRITE, (uintptr_t)buf, (uint64_t)n);
}

static void __attribute__((noreturn)) ufail(const char *what, uint64_t got)
{
	uprintf("FAIL: ring 3: %s (got %lu)\n", what, got);
	call_syscall(SYS_EXIT, 2, 0);
	for (;;)
		;
}

void user_main(void)
{
	if (current_cpl() != 3)
		ufail("not started at cpl 3", current_cpl());
	for (unsigned int i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call *c = &calls[i];
		struct result r = c->via_syscall ?
			call_syscall(c->nr, c->a, c->b) :
			call_int80(c->nr, c->a, c->b);

		uprintf("%s: nr=%lu args=(%lu,%lu) -> %lu (entered from cpl %lu)\n",
			c->via_syscall ? "syscall" : "int 0x80", c->nr, c->a,
			c->b, r.value, r.cpl);
		if (r.value != c->expect)
			ufail("wrong result", r.value);
		if (r.cpl != 3)
			ufail("kernel saw another cpl", r.cpl);
		if (current_cpl() != 3)
			ufail("not back at cpl 3", current_cpl());
	}
	uprintf("ring 3: all results right, back at cpl 3 after each call\n");
	call_syscall(SYS_EXIT, 0, 0);
	ufail("exit call returned", 0);
}
