/* minios's processor tables: the GDT in the order SYSCALL/SYSRET need, the
 * TSS, the IDT with the 32 exception gates of entry.S, the SYSCALL MSRs;
 * and the report of an exception the kernel cannot go on from. linuxabi's
 * kernel, which uses the same entry code, shares them. */
#include "lib/rt.h"
#include "lib/sysregs.h"
#include "lib/x86_64.h"
#include "minios/kernel.h"

/* Accessed bits preset: loading a selector then never writes the GDT. */
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

const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#9", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

void idt_set(unsigned int vector, uint64_t target, unsigned int dpl)
{
	idt[vector] = idt_gate64(target, SEL_KCODE, dpl, vector == VEC_DF ? 1 : 0);
}

void cpu_setup(void)
{
	struct table_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	tss.rsp[0] = (uintptr_t)kstack_top;	/* entries from ring 3 */
	tss.ist[0] = (uintptr_t)dfstack_top;	/* IST1: #DF */
	tss.iomap_base = sizeof(tss);		/* no I/O bitmap */
	gdt_load_with_tss(gdt, sizeof(gdt), &tss, SEL_TSS);
	load_segments();
	for (unsigned int v = 0; v < 32; v++)
		idt_set(v, exception_stubs[v], 0);
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
	syscall_setup((uintptr_t)syscall_entry, SEL_KCODE, SEL_UCODE32);
}

void kernel_fault(const struct frame *f)
{
	printf("FAIL: kernel %s error 0x%lx at %lx:%lx rsp %lx cr2 0x%lx\n",
	       exception_names[f->vector], f->error, f->cs, f->rip, f->rsp,
	       read_cr2());
	exit_vm(EXIT_EXCEPTION + (unsigned int)f->vector);
}
