/* COM1 output for the guests; the entry code has set the UART up
 * (lib/com1_init.h). */
#include "lib/rt.h"

void serial_putc(char c)
{
	while (!(inb(COM1_LSR) & LSR_THRE))
		;
	outb(COM1, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	while (n--)
		serial_putc(*s++);
}

static void put_serial(void *ctx, char c)
{
	(void)ctx;
	serial_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
	return vformat(put_serial, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
