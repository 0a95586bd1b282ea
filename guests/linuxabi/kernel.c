/* linuxabi.elf's kernel: runs one static Linux x86-64 program (the host's
 * gcc -static and C library, carried in the image by image.S) as a ring-3
 * process and serves its system calls. It is a multiboot image: the
 * program alone is too large for a flat image below 640 KiB.
 *
 * Set-up: minios's GDT, TSS, IDT, entry code and SYSCALL MSRs
 * (minios/cpu.c, minios/entry.S), SSE for user code (CR0.MP, CR4.OSFXSR
 * and OSXMMEXCPT; x87 and MXCSR initialised; no XSAVE, which the CPU model
 * does not have), the user half of the address space (mm.c), then the
 * program (exec.c). The kernel itself stays off
 * SSE (-mgeneral-regs-only) and so never saves or restores that state. */
#include "lib/multiboot.h"
#include "lib/rt.h"
#include "lib/sysregs.h"
#include "linuxabi/linuxabi.h"

#define CR0_MP		(1UL << 1)
#define CR0_EM		(1UL << 2)
#define CR0_TS		(1UL << 3)
#define CR0_NE		(1UL << 5)
#define CR4_OSFXSR	(1UL << 9)
#define CR4_OSXMMEXCPT	(1UL << 10)
#define CODE_BYTES	16	/* shown for an exception in ring 3 */

uint64_t ram_top;

extern char __image_end[];

static void setup_cpu(void)
{
	uint32_t mxcsr = 0x1f80;
	uint64_t cr0, cr4;

	cpu_setup();
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	/* FCW 0x37f and MXCSR 0x1f80, as Linux starts a process. */
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
}

/* The end of the program. Status 0 halts (hvmm's exit status 0); any
 * other ends the VM through the debug-exit port with the status
 * (EXIT_FAIL where it would look like an exception's code). What is
 * printed leaves out counts that follow the C library's version (calls
 * made, pages touched): the expected output holds for any build. */
void user_exit(uint64_t status, const char *why)
{
	printf("linuxabi: exit %lu%s%s\n", status, why ? ", " : "", why ? why : "");
	if (!status)
		halt();
	exit_vm(status < EXIT_EXCEPTION ? (unsigned int)status : EXIT_FAIL);
}

/* An exception the kernel cannot resolve in ring 3: what, where, and the
 * instruction bytes there; then the VM ends with the exception's code. */
static void user_fault_report(const struct frame *f)
{
	printf("linuxabi: %s in ring 3, error 0x%lx, at rip 0x%lx rsp 0x%lx",
	       exception_names[f->vector], f->error, f->rip, f->rsp);
	if (f->vector == VEC_PF)
		printf(" cr2 0x%lx", read_cr2());
	printf("\nlinuxabi: code at rip:");
	for (unsigned int i = 0; i < CODE_BYTES; i++)
		if (!user_access(f->rip + i, 1, 0))
			printf(" %02x", *(const unsigned char *)(uintptr_t)(f->rip + i));
	printf("\nlinuxabi: after %lu system calls\n", syscall_count());
	exit_vm(EXIT_EXCEPTION + (unsigned int)f->vector);
}

void trap(struct frame *f)
{
	if (f->vector == 2)
		return;		/* NMI: nothing to do */
	if (f->vector >= 32 || (f->cs & 3) != 3 || f->vector == VEC_DF)
		kernel_fault(f);
	if (f->vector == VEC_PF && !user_fault(read_cr2(), (f->error & 2) != 0))
		return;		/* a page of a region, mapped on first touch */
	user_fault_report(f);
}

/* 0: back to the caller with SYSRETQ. */
int syscall_trap(struct frame *f)
{
	linux_syscall(f);
	return 0;
}

void guest_main(unsigned long magic, unsigned long info)
{
	const struct multiboot_info *mb = (const void *)(uintptr_t)info;

	printf("linuxabi: 64-bit kernel starting\n");
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !(mb->flags & MULTIBOOT_INFO_MEMORY))
		panic("not started by a multiboot loader with a memory size");
	ram_top = 0x100000UL + (uint64_t)mb->mem_upper * 1024;
	if ((uintptr_t)__image_end > USER_LOW || ram_top < 2 * USER_LOW)
		panic("image end 0x%lx, memory top 0x%lx: the image must end below 0x%lx, "
		      "memory reach 0x%lx", (uintptr_t)__image_end, ram_top, USER_LOW,
		      2 * USER_LOW);
	setup_cpu();
	umm_init(ram_top);
	exec_program(&top_frame);
	printf("linuxabi: program loaded\n");
	enter_frame(&top_frame);
}
