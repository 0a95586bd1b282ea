/* Ending a guest: success is cli;hlt (no interrupt can wake it), failure
 * a nonzero write to the isa-debug-exit port. */
#include "lib/rt.h"

void halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void exit_vm(unsigned int code)
{
	outb(DEBUG_EXIT_PORT, (uint8_t)code);
	halt();		/* where no debug-exit device is present */
}

void panic(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit_vm(EXIT_FAIL);
}
