/* hello32.elf and hello64.elf: multiboot images that greet and print the
 * command line they were given. The 64-bit one reads the boot information
 * from long mode, through the identity mapping. */
#include "lib/multiboot.h"
#include "lib/rt.h"

#ifdef __x86_64__
#define MODE "64-bit long mode"
#else
#define MODE "32-bit protected mode"
#endif

void guest_main(unsigned long magic, unsigned long info)
{
	const struct multiboot_info *mbi = (const void *)info;
	const char *cmdline = NULL;

	if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !mbi)
		panic("bad multiboot handover: magic 0x%lx info 0x%lx",
		      magic, info);
	if (mbi->flags & MULTIBOOT_INFO_CMDLINE)
		cmdline = (const char *)(uintptr_t)mbi->cmdline;
	if (!cmdline || !*cmdline)
		cmdline = "(none)";
	printf("Hello from " MODE " (multiboot)\n");
	printf("cmdline: %s\n", cmdline);
}
