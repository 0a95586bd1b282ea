/* ring3.bin, ring 0 half: maps the user pages with U/S=1, sets up a GDT in
 * the order SYSCALL/SYSRET need, a 64-bit TSS, an IDT (exceptions and a
 * DPL-3 INT 0x80 gate) and the SYSCALL MSRs, then drops to ring 3 with
 * IRETQ. Calls from ring 3 are served by ring3_call. */
#include "lib/rt.h"
#include "lib/sysregs.h"
#include "lib/x86_64.h"
#include "ring3/ring3.h"

/* The frame exception_common builds. */
struct exc_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct call_ret {
	uint64_t value;
	uint64_t cpl;
};

/* Accessed bits preset: loading a selector then never writes the GDT. */
static uint64_t gdt[8] __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffff,	/* SEL_KCODE: 64-bit, DPL 0 */
	0x00cf93000000ffff,	/* SEL_KDATA: DPL 0 */
	0x00cffb000000ffff,	/* SEL_UCODE32: DPL 3, unused but SYSRET's layout */
	0x00cff3000000ffff,	/* SEL_UDATA: DPL 3 */
	0x00affb000000ffff,	/* SEL_UCODE64: 64-bit, DPL 3 */
	0, 0,			/* SEL_TSS: 16 bytes, built at run time */
};
static struct tss64 tss __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint64_t user_pt[512] __attribute__((aligned(4096)));
static unsigned int int80_calls, syscall_calls;

extern uint64_t lm_pml4[512], lm_pdpt[512], lm_pd[4 * 512];
extern char __user_text_start[], __user_text_end[];
extern char __user_data_start[], __user_data_end[];
extern char kstack_top[];
extern const uint64_t exception_stubs[32];
void load_kernel_segments(void);
void enter_user(uint64_t rip, uint64_t rsp) __attribute__((noreturn));
void int80_entry(void);
void syscall_entry(void);
struct call_ret ring3_call(uint64_t nr, uint64_t a, uint64_t b,
			   uint64_t origin, uint64_t via_syscall);
void exception_handler(const struct exc_frame *f) __attribute__((noreturn));

static unsigned int current_cpl(void)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

static int in_range(uint64_t a, const char *start, const char *end)
{
	return a >= (uintptr_t)start && a < (uintptr_t)end;
}

/* The first 2 MiB get a page table of their own: page 0 unmapped (to
 * catch null pointers), user text read-only and user data writable with
 * U/S=1, everything else supervisor-only. The upper levels need U/S=1 too,
 * since the CPU combines all levels. */
static void setup_user_pages(void)
{
	uint64_t cr3;

	for (unsigned int i = 1; i < 512; i++) {
		uint64_t addr = (uint64_t)i << 12;
		uint64_t flags = PTE_P | PTE_W;

		if (in_range(addr, __user_text_start, __user_text_end))
			flags = PTE_P | PTE_U;
		else if (in_range(addr, __user_data_start, __user_data_end))
			flags = PTE_P | PTE_W | PTE_U;
		user_pt[i] = addr | flags;
	}
	lm_pd[0] = (uintptr_t)user_pt | PTE_P | PTE_W | PTE_U;
	lm_pdpt[0] |= PTE_U;
	lm_pml4[0] |= PTE_U;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

static void setup_gdt_tss(void)
{
	tss.rsp[0] = (uintptr_t)kstack_top;
	tss.iomap_base = sizeof(tss);	/* no I/O bitmap: ring 3 has no ports */
	gdt_load_with_tss(gdt, sizeof(gdt), &tss, SEL_TSS);
	load_kernel_segments();
}

static void set_gate(unsigned int vector, uint64_t target, unsigned int dpl)
{
	idt[vector] = idt_gate64(target, SEL_KCODE, dpl, 0);
}

static void setup_idt(void)
{
	struct table_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	for (unsigned int v = 0; v < 32; v++)
		set_gate(v, exception_stubs[v], 0);
	set_gate(0x80, (uintptr_t)int80_entry, 3);
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

static void setup_syscall(void)
{
	syscall_setup((uintptr_t)syscall_entry, SEL_KCODE, SEL_UCODE32);
}

void guest_main(unsigned long magic, unsigned long info)
{
	(void)magic;
	(void)info;
	setup_user_pages();
	setup_gdt_tss();
	setup_idt();
	setup_syscall();
	printf("ring 0: user pages, GDT, TSS, IDT and SYSCALL MSRs set up\n");
	/* The user entry is a function: enter with RSP as after a call. */
	enter_user((uintptr_t)user_main,
		   (uintptr_t)(user_stack + USER_STACK_SIZE - 8));
}

/* INT 0x80 reports the CPL of the interrupted CS; SYSCALL saves no CS, so
 * the caller counts as ring 3 when it returns into the user text. */
struct call_ret ring3_call(uint64_t nr, uint64_t a, uint64_t b,
			   uint64_t origin, uint64_t via_syscall)
{
	const char *how = via_syscall ? "syscall" : "int 0x80";
	uint64_t cpl;

	if (current_cpl() != 0)
		panic("%s handler runs at cpl %u", how, current_cpl());
	if (via_syscall) {
		syscall_calls++;
		cpl = in_range(origin, __user_text_start, __user_text_end) ? 3 : 0;
	} else {
		int80_calls++;
		cpl = origin & 3;
	}
	if (cpl != 3)
		panic("%s entered from cpl %lu (origin 0x%lx)", how, cpl, origin);

	switch (nr) {
	case SYS_ADD:
		return (struct call_ret){ a + b, cpl };
	case SYS_MUL:
		return (struct call_ret){ a * b, cpl };
	case SYS_WRITE:
		if (a < (uintptr_t)__user_text_start ||
		    a > (uintptr_t)__user_data_end ||
		    b > (uintptr_t)__user_data_end - a)
			panic("write of 0x%lx bytes at 0x%lx outside user memory",
			      b, a);
		serial_write((const char *)(uintptr_t)a, b);
		return (struct call_ret){ b, cpl };
	case SYS_EXIT:
		if (a) {
			printf("ring 0: ring 3 reported failure %lu\n", a);
			exit_vm(EXIT_FAIL);
		}
		printf("ring 0: exit requested from cpl %lu after %u int 0x80 "
		       "and %u syscall entries\n", cpl, int80_calls,
		       syscall_calls);
		halt();
	default:
		panic("unknown call %lu from ring 3", nr);
	}
}

void exception_handler(const struct exc_frame *f)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	printf("FAIL: exception %lu error 0x%lx at %lx:%lx rflags 0x%lx "
	       "rsp %lx:%lx cr2 0x%lx\n", f->vector, f->error, f->cs, f->rip,
	       f->rflags, f->ss, f->rsp, cr2);
	exit_vm(EXIT_EXCEPTION + (unsigned int)f->vector);
}
