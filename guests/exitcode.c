/* exitcode.bin: ends through the debug-exit port with value 21, so the
 * VM's exit status is (21 << 1) | 1 = 43 on every engine. */
#include "lib/rt.h"

void guest_main(unsigned long magic, unsigned long info)
{
	(void)magic;
	(void)info;
	printf("leaving through debug-exit with value 21\n");
	exit_vm(21);
}
