/* linuxabi.elf's kernel: runs one static Linux x86-64 program (the host's
 * gcc -static and C library, carried in the image by image.S) as a ring-3
 * process and serves its system calls. It is a multiboot image: the
 * program alone is too large for a flat image below 640 KiB.
 *
 * Set-up: the user half of the address space (mm.c), minios's GDT layout
 * and entry code, the SYSCALL MSRs, SSE for user code (CR0.MP, CR4.OSFXSR
 * and OSXMMEXCPT; x87 initialised; no XSAVE, which the CPU model does not
 * have), then the program (exec.c). The kernel itself stays off SSE
 * (-mgeneral-regs-only) and so never saves or restores that state. */
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

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffff,	/* SEL_KCODE: 64-bit, DPL 0 */
	0x00cf93000000ffff,	/* SEL_KDATA: DPL 0 */
	0x00cffb000000ffff,	/* SEL_UCODE32: DPL 3, unused, SYSRET's layout */
	0x00cff3000000ffff,	/* SEL_UDATA: DPL 3 */
	0x00affb000000ffff,	/* SEL_UCODE64: 64-bit, DPL 3 */
	0, 0,			/* SEL_TSS, built at run time */
};
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));

uint64_t ram_top;

extern char kstack_top[], dfstack_top[], __image_end[];
extern struct frame top_frame;	/* the top of the kernel stack */
extern const uint64_t exception_stubs[32];
void load_segments(void);
void syscall_entry(void);
void enter_frame(struct frame *f) __attribute__((noreturn));
void trap(struct frame *f);
int syscall_trap(struct frame *f);

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#9", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

static void setup_cpu(void)
{
	struct table_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	uint64_t cr0, cr4;

	tss.rsp[0] = (uintptr_t)kstack_top;	/* entries from ring 3 */
	tss.ist[0] = (uintptr_t)dfstack_top;	/* IST1: #DF */
	tss.iomap_base = sizeof(tss);		/* no I/O bitmap */
	gdt_load_with_tss(gdt, sizeof(gdt), &tss, SEL_TSS);
	load_segments();
	for (unsigned int v = 0; v < 32; v++)
		idt[v] = idt_gate64(exception_stubs[v], SEL_KCODE, 0, v == VEC_DF);
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
	syscall_setup((uintptr_t)syscall_entry, SEL_KCODE, SEL_UCODE32);

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	__asm__ volatile("fninit");	/* FCW 0x37f, as Linux starts a process */
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

static void kernel_fault(const struct frame *f)
{
	printf("FAIL: kernel %s error 0x%lx at %lx:%lx rsp %lx cr2 0x%lx\n",
	       exception_names[f->vector], f->error, f->cs, f->rip, f->rsp, read_cr2());
	exit_vm(EXIT_EXCEPTION + (unsigned int)f->vector);
}

/* An exception the kernel cannot resolve in ring 3: what, where, and the
 * instruction bytes there; then the VM ends with the exception's code. */
static void user_fault_report(const struct frame *f)
{
	printf("linuxabi: %s in ring 3, error 0x%lx, at rip 0x%lx rsp 0x%lx", exception_names[f->vector],
	       f->error, f->rip, f->rsp);
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
