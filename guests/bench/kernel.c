/* The benchmark kernel: sets up what every loop may need (user-accessible
 * low memory, 4 KiB pages over the data area, a second PML4, GDT with TSS,
 * IDT, SYSCALL MSRs, the data filled with known values), reads the
 * iteration count from the parameter block, runs the image's one loop in
 * ring 0 or ring 3, and reports on COM1:
 *   bench <name>: iterations <n>, instructions per iteration <k>, ring <r>
 *   bench <name>: checksum 0x<16 hex digits>
 *   bench <name>: work <w> <units>
 *   bench: done
 * The set-up is the same for every iteration count, so a run with 1
 * iteration measures everything but the loop. */
#include "lib/pic_pit.h"
#include "lib/rt.h"
#include "lib/sysregs.h"
#include "lib/x86_64.h"
#include "bench/bench.h"

struct exc_frame {
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
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
uint64_t data_pt[512] __attribute__((aligned(4096)));
/* The CR3 loop switches between lm_pml4 and this copy of it: two address
 * spaces with the same contents, as two processes sharing a kernel. */
uint64_t alt_pml4[512] __attribute__((aligned(4096)));

extern const volatile struct bench_param bench_param;
extern uint64_t lm_pml4[512], lm_pdpt[512], lm_pd[4 * 512];
extern char kstack_top[];
extern const uint64_t exception_stubs[32];
void load_kernel_segments(void);
uint64_t user_call(uint64_t (*fn)(uint64_t), uint64_t iters);
void int_r0_entry(void);
void int_r3_entry(void);
void return_entry(void);
void syscall_entry(void);
void exception_handler(const struct exc_frame *f) __attribute__((noreturn));

#define LSR_TEMT	0x40	/* transmitter (holding and shift register) empty */

/* Ends the guest on all three emulators: the Bochs shutdown sequence,
 * then isa-debug-exit (QEMU, hvmm), then cli;hlt. The UART must have sent
 * the last byte first: Bochs would quit with it still in the shift
 * register and never write it out. */
static void __attribute__((noreturn)) bench_exit(unsigned int code)
{
	while (!(inb(COM1_LSR) & LSR_TEMT))
		;
	for (const char *s = "Shutdown"; *s; s++)
		__asm__ volatile("outb %0, %1" : : "a"(*s), "d"(BOCHS_SHUTDOWN_PORT));
	exit_vm(code);
}

static void __attribute__((noreturn)) fail(const char *what)
{
	printf("bench: FAIL: %s\n", what);
	bench_exit(EXIT_FAIL);
}

/* Low 2 MiB (the image, its stacks) and the data area user-accessible,
 * so the ring-3 loops can run from the image itself and use the data;
 * U/S=1 on every level, since the CPU combines them. The data area gets
 * 4 KiB pages so that the array and CR3 loops go through a realistic
 * number of TLB entries. */
static void setup_pages(void)
{
	uint64_t cr3;

	lm_pml4[0] |= PTE_U;
	lm_pdpt[0] |= PTE_U;
	lm_pd[0] |= PTE_U;
	for (unsigned int i = 0; i < 512; i++)
		data_pt[i] = (BENCH_DATA + ((uint64_t)i << 12)) | PTE_P | PTE_W | PTE_U;
	lm_pd[BENCH_DATA >> 21] = (uintptr_t)data_pt | PTE_P | PTE_W | PTE_U;
	for (unsigned int i = 0; i < 512; i++)
		alt_pml4[i] = lm_pml4[i];
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

static void setup_gdt_tss(void)
{
	tss.rsp[0] = (uintptr_t)kstack_top;
	tss.iomap_base = sizeof(tss);	/* no I/O bitmap */
	gdt_load_with_tss(gdt, sizeof(gdt), &tss, SEL_TSS);
	load_kernel_segments();
}

void set_gate(unsigned int vector, uint64_t target, unsigned int dpl)
{
	idt[vector] = idt_gate64(target, SEL_KCODE, dpl, 0);
}

/* The loops with nothing more to set up. */
void __attribute__((weak)) bench_setup(uint64_t iters)
{
	(void)iters;
}

/* Periodic IRQ 0 from the PIT (mode 2, PIT_HZ / reload) on VEC_TIMER,
 * the only unmasked line; entry.S timer_entry counts the ticks up to
 * limit and acknowledges each. Ticks arrive once a loop runs with IF. */
void bench_timer_start(uint16_t reload, uint64_t limit)
{
	extern uint64_t tick_limit;
	void timer_entry(void);

	tick_limit = limit;
	set_gate(VEC_TIMER, (uintptr_t)timer_entry, 0);
	pic_init(VEC_TIMER, VEC_TIMER + 8, 0xfe, 0xff);
	pit_start(PIT_MODE_RATE, reload);
}

static void setup_idt(void)
{
	struct table_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	for (unsigned int v = 0; v < 32; v++)
		set_gate(v, exception_stubs[v], 0);
	set_gate(VEC_INT_R0, (uintptr_t)int_r0_entry, 0);
	set_gate(VEC_INT_R3, (uintptr_t)int_r3_entry, 3);
	set_gate(VEC_RETURN, (uintptr_t)return_entry, 3);
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

static void setup_syscall(void)
{
	syscall_setup((uintptr_t)syscall_entry, SEL_KCODE, SEL_UCODE32);
}

/* Known, position-dependent contents (xorshift64), so that the array and
 * CR3 checksums are the same on every engine. */
static void fill_data(void)
{
	uint64_t *p = (uint64_t *)(uintptr_t)BENCH_DATA, x = 0x2545f4914f6cdd1d;

	for (unsigned int i = 0; i < BENCH_ARRAY_BYTES / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
}

void guest_main(unsigned long magic, unsigned long info)
{
	uint64_t iters, sum;

	(void)magic;
	(void)info;
	for (unsigned int i = 0; i < 8; i++)
		if (bench_param.magic[i] != BENCH_MAGIC[i])
			fail("parameter block has lost its magic");
	iters = bench_param.iters;
	if (iters == 0)
		fail("iteration count 0");
	setup_pages();
	setup_gdt_tss();
	setup_idt();
	setup_syscall();
	if (bench_fill_data)
		fill_data();
	bench_setup(iters);
	printf("bench %s: iterations %lu, instructions per iteration %lu, "
	       "ring %lu\n", bench_name, iters, bench_insns_per_iter,
	       bench_ring);
	sum = bench_ring ? user_call(bench_loop, iters) : bench_loop(iters);
	printf("bench %s: checksum 0x%016lx\n", bench_name, sum);
	printf("bench %s: work %lu %s\n", bench_name, iters * bench_work_per_iter,
	       bench_units);
	printf("bench: done\n");
	bench_exit(0);
}

void exception_handler(const struct exc_frame *f)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	printf("bench: FAIL: exception %lu error 0x%lx at %lx:%lx rflags 0x%lx "
	       "rsp %lx:%lx cr2 0x%lx\n", f->vector, f->error, f->cs, f->rip,
	       f->rflags, f->ss, f->rsp, cr2);
	bench_exit(EXIT_EXCEPTION + (unsigned int)f->vector);
}
