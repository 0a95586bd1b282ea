/* Check reporting and the exception record, shared by every mode. Values
 * print in hex through a formatter of their own: the runtime's printf has
 * no 64-bit conversions in 32-bit builds. */
#include "suite/suite.h"

#define DEV_NOTE " (known hw deviation, see tests/suite/hw-deviations.md)"

static unsigned int checks, failed;
static char name[96];

volatile struct trap_info trap;
volatile ulong trap_resume;
volatile ulong trap_where;
volatile ulong trap_nm_clts;

static const char *hex(char *buf, uint64_t v)
{
	char tmp[17];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < n; i++)
		buf[2 + i] = tmp[n - 1 - i];
	buf[2 + n] = 0;
	return buf;
}

static void set_name(const char *fmt, va_list ap)
{
	vsnprintf(name, sizeof(name), fmt, ap);
}

static void pass(const char *note)
{
	checks++;
	printf("PASS %s/%s%s\n", suite_mode, name, note);
}

static void fail_start(void)
{
	checks++;
	failed++;
	printf("FAIL %s/%s: wanted ", suite_mode, name);
}

void check(uint64_t want, uint64_t got, const char *fmt, ...)
{
	char a[20], b[20];
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	if (want == got) {
		pass("");
		return;
	}
	fail_start();
	printf("%s got %s\n", hex(a, want), hex(b, got));
}

void check_vf(uint64_t want, unsigned int wflags, uint64_t got,
	      unsigned int gflags, unsigned int mask, const char *fmt, ...)
{
	char a[20], b[20];
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	wflags &= mask;
	gflags &= mask;
	if (want == got && wflags == gflags) {
		pass("");
		return;
	}
	fail_start();
	printf("%s flags 0x%x got %s flags 0x%x (flags mask 0x%x)\n",
	       hex(a, want), wflags, hex(b, got), gflags, mask);
}

void check_dev(uint64_t want, uint64_t got, uint64_t deviation,
	       const char *fmt, ...)
{
	char a[20], b[20];
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	if (want == got) {
		pass("");
		return;
	}
	if (got == deviation) {
		pass(DEV_NOTE);
		return;
	}
	fail_start();
	printf("%s got %s\n", hex(a, want), hex(b, got));
}

/* Passes when no exception was taken since trap_clear and same holds, or
 * with the deviation note when dev holds. */
static void report_g(int same, int dev, const char *want, const char *got)
{
	char c[20];

	if (trap.vector == NO_TRAP && (same || dev)) {
		pass(same ? "" : DEV_NOTE);
		return;
	}
	fail_start();
	if (trap.vector == NO_TRAP)
		printf("%s got %s\n", want, got);
	else
		printf("%s got vector %lu at %s\n", want, trap.vector,
		       hex(c, trap.ip));
}

static void compare_g(uint64_t want, uint64_t got, int dev)
{
	char a[20], b[20];

	report_g(want == got, dev, hex(a, want), hex(b, got));
}

static void compare_x(uint64_t whi, uint64_t wlo, uint64_t ghi, uint64_t glo,
		      int dev)
{
	char a[20], b[20], w[44], g[44];

	snprintf(w, sizeof(w), "%s:%s", hex(a, whi), hex(b, wlo));
	snprintf(g, sizeof(g), "%s:%s", hex(a, ghi), hex(b, glo));
	report_g(whi == ghi && wlo == glo, dev, w, g);
}

void check_g(uint64_t want, uint64_t got, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	compare_g(want, got, 0);
}

void check_g_dev(uint64_t want, uint64_t got, uint64_t deviation,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	compare_g(want, got, got == deviation);
}

void check_x(uint64_t whi, uint64_t wlo, uint64_t ghi, uint64_t glo,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	compare_x(whi, wlo, ghi, glo, 0);
}

void check_x_dev(uint64_t whi, uint64_t wlo, uint64_t ghi, uint64_t glo,
		 uint64_t dhi, uint64_t dlo, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	compare_x(whi, wlo, ghi, glo, ghi == dhi && glo == dlo);
}

void check_skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	checks++;
	printf("PASS %s/%s (skipped: %s)\n", suite_mode, name, why);
}

void suite_done(void)
{
	printf("%s: %u checks, %u failed\n", suite_mode, checks, failed);
	if (failed)
		exit_vm(EXIT_FAIL);
	halt();
}

void trap_clear(void)
{
	trap.vector = NO_TRAP;
	trap.error = 0;
	trap.cr2 = 0;
	trap.ip = 0;
	trap.cs = 0;
	trap.sp = 0;
	trap.count = 0;
	trap_where = 0;
}

int trap_record(ulong vector, ulong error, ulong cr2, ulong *ip, ulong cs,
		ulong sp)
{
	ulong resume = trap_resume;

	trap.vector = vector;
	trap.error = error;
	trap.cr2 = cr2;
	trap.ip = *ip;
	trap.cs = cs;
	trap.sp = sp;
	trap.count++;
	if (vector == 7 && trap_nm_clts) {
		/* A lazy FPU switch: clear TS, run the instruction again. */
		trap_nm_clts = 0;
		__asm__ volatile("clts" : : : "memory");
		return 1;
	}
	if (!resume)
		return 0;
	trap_resume = 0;
	*ip = resume;
	return 1;
}

static int trap_matches(ulong vector, ulong error, int with_cr2, ulong cr2)
{
	return trap.vector == vector && trap.count == (vector != NO_TRAP) &&
	       (vector == NO_TRAP ||
		(trap.error == error && trap.ip == trap_where &&
		 (!with_cr2 || trap.cr2 == cr2)));
}

/* dev_vector: the documented deviation, or 0 with dev_error NO_TRAP for
 * none. */
static void trap_compare_dev(ulong vector, ulong error, int with_cr2,
			     ulong cr2, ulong dev_vector, ulong dev_error)
{
	char a[20], b[20], c[20];

	if (trap_matches(vector, error, with_cr2, cr2)) {
		pass("");
		return;
	}
	if (dev_error != NO_TRAP &&
	    trap_matches(dev_vector, dev_error, with_cr2, cr2)) {
		pass(DEV_NOTE);
		return;
	}
	fail_start();
	if (vector == NO_TRAP)
		printf("no exception");
	else
		printf("vector %lu error %s at %s", vector, hex(a, error),
		       hex(b, trap_where));
	if (with_cr2)
		printf(" cr2 %s", hex(a, cr2));
	if (trap.vector == NO_TRAP)
		printf(" got no exception\n");
	else
		printf(" got vector %lu error %s at %s cr2 %s (%lu taken)\n",
		       trap.vector, hex(a, trap.error), hex(b, trap.ip),
		       hex(c, trap.cr2), trap.count);
}

static void trap_compare(ulong vector, ulong error, int with_cr2, ulong cr2)
{
	trap_compare_dev(vector, error, with_cr2, cr2, 0, NO_TRAP);
}

void check_trap(ulong vector, ulong error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	trap_compare(vector, error, 0, 0);
}

void check_pf(ulong error, ulong cr2, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	trap_compare(14, error, 1, cr2);
}

void check_trap_dev(ulong vector, ulong error, ulong dev_vector,
		    ulong dev_error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	trap_compare_dev(vector, error, 0, 0, dev_vector, dev_error);
}

void check_pf_dev(ulong error, ulong cr2, ulong dev_error, const char *fmt,
		  ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_name(fmt, ap);
	va_end(ap);
	trap_compare_dev(14, error, 1, cr2, 14, dev_error);
}
