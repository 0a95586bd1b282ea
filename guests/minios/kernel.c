/* minios: a small 64-bit kernel that runs a few ring-3 processes, each in
 * an address space of its own, preempted by the 8254 timer through the
 * 8259 interrupt controllers, with system calls through both SYSCALL and
 * INT 0x80 and a heap filled page by page on demand. When every process
 * has ended it prints one line per process and a checksum, none of which
 * depends on when the timer interrupts fell. See README.md. */
#include "lib/pic_pit.h"
#include "lib/rt.h"
#include "lib/sysregs.h"
#include "lib/x86_64.h"
#include "minios/kernel.h"

/* A tick costs the processes a kernel entry and exit, which can take a
 * couple of milliseconds where a monitor runs kernel code and user code in
 * different engines under emulation; 10 ms leaves them room there. */
#define TIMER_HZ	100
#define PIT_RELOAD	((PIT_HZ + TIMER_HZ / 2) / TIMER_HZ)	/* 11932 */
/* Unmasked: IRQ 0 (the timer) and IRQ 2 (the cascade). */
#define PIC1_MASK	0xfa
#define PIC2_MASK	0xff

#define LAPIC_VERSION	0x030
#define LAPIC_SVR	0x0f0
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_DM_NMI	0x400
#define LAPIC_DM_EXTINT	0x700

#define REASON_SIZE	64

enum proc_state { UNUSED, RUNNABLE, SLEEPING, DONE };

struct proc {
	unsigned int pid;
	const char *name;
	void (*entry)(void);
	enum proc_state state;
	uint64_t cr3;
	struct frame frame;	/* the saved registers while not running */
	uint64_t wake_tick;	/* SLEEPING: runnable again at this tick */
	/* The record the process fills in and the kernel reports. */
	uint64_t result;
	uint64_t counter;	/* SYS_ADD */
	uint64_t slots[NR_SLOTS];
	uint64_t syscalls, int80s;	/* calls in all, and how many by INT 0x80 */
	uint64_t faults;	/* heap pages mapped on demand */
	uint64_t status;	/* exit status; ~0 when killed */
	char reason[REASON_SIZE];
};

/* The user programs (user.c), linked at USER_BASE. */
void prog_compute(void);
void prog_syscalls(void);
void prog_pager(void);
void prog_intruder(void);
void prog_privileged(void);

/* Run-queue order: the compute process never yields, so it goes first;
 * with no timer interrupt at all it runs to its end before the others,
 * which yield to each other, start. */
static struct proc procs[] = {
	{ .pid = 1, .name = "compute", .entry = prog_compute },
	{ .pid = 2, .name = "syscalls", .entry = prog_syscalls },
	{ .pid = 3, .name = "pager", .entry = prog_pager },
	{ .pid = 4, .name = "intruder", .entry = prog_intruder },
	{ .pid = 5, .name = "privileged", .entry = prog_privileged },
};
#define NPROC (sizeof(procs) / sizeof(procs[0]))

static struct proc *current;
static unsigned int alive;
/* Timer ticks: they steer scheduling only and are never reported. */
static uint64_t ticks;

extern char __user_load[];
extern char __user_data_start[], __user_data_end[];
extern const uint64_t irq_stubs[16];
extern const uint64_t int80_stub, spurious_stub;

/* ---- Set-up ---- */

/* The gates cpu_setup leaves to minios: IRQs, INT 0x80, APIC spurious. */
static void setup_idt(void)
{
	for (unsigned int i = 0; i < 16; i++)
		idt_set(VEC_IRQ0 + i, irq_stubs[i], 0);
	idt_set(VEC_INT80, int80_stub, 3);
	idt_set(VEC_APIC_SPURIOUS, spurious_stub, 0);
}

static uint32_t lapic_read(unsigned int reg)
{
	return *(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg);
}

static void lapic_write(unsigned int reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(LAPIC_BASE + reg) = v;
}

/* The local APIC in virtual-wire mode, as a PC firmware leaves it: the
 * 8259's INTR through LINT0 (ExtINT), NMI through LINT1. The APIC must be
 * software-enabled for its LVT entries to be unmasked. */
static void setup_lapic(void)
{
	uint32_t version = lapic_read(LAPIC_VERSION);

	printf("lapic version 0x%02x, max lvt %u\n", version & 0xff,
	       (version >> 16) & 0xff);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_APIC_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LAPIC_DM_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LAPIC_DM_NMI);
}

static void setup_timer(void)
{
	pic_init(VEC_IRQ0, VEC_IRQ8, PIC1_MASK, PIC2_MASK);
	pit_start(PIT_MODE_RATE, PIT_RELOAD);
	printf("8259 pair at vectors 0x%x and 0x%x, 8254 counter 0 at %u Hz\n",
	       VEC_IRQ0, VEC_IRQ8, TIMER_HZ);
}

/* The process's private copy of the user image, its stack and its first
 * frame: ring 3, interrupts enabled, RSP as right after a call. */
static void proc_create(struct proc *p)
{
	uint64_t va, pa;

	p->cr3 = space_create();
	if (!p->cr3)
		panic("no memory for pid %u's page tables", p->pid);
	for (va = USER_BASE; va < (uintptr_t)__user_data_end; va += PAGE_SIZE) {
		uint64_t flags = PTE_P | PTE_U;

		if (va >= (uintptr_t)__user_data_start)
			flags |= PTE_W;
		pa = frame_alloc();
		if (!pa)
			panic("no memory for pid %u's image", p->pid);
		copy_page(pa, __user_load + (va - USER_BASE));
		if (space_map(p->cr3, va, pa, flags))
			panic("cannot map pid %u's image", p->pid);
	}
	for (unsigned int i = 1; i <= USER_STACK_PAGES; i++) {
		pa = frame_alloc();
		if (!pa || space_map(p->cr3, USER_STACK_TOP - i * PAGE_SIZE, pa,
				     PTE_P | PTE_W | PTE_U))
			panic("no memory for pid %u's stack", p->pid);
	}
	p->frame = (struct frame){
		.rip = (uintptr_t)p->entry,
		.cs = SEL_UCODE64 | RPL3,
		.rflags = 0x202,		/* IF and the reserved bit 1 */
		.rsp = USER_STACK_TOP - 8,
		.ss = SEL_UDATA | RPL3,
		.rdi = p->pid,
	};
	p->state = RUNNABLE;
	alive++;
}

/* ---- Scheduling ---- */

/* Round robin: the next runnable process after cur, cur itself last. */
static struct proc *pick_next(struct proc *cur)
{
	unsigned int start = cur ? (unsigned int)(cur - procs) + 1 : 0;

	for (unsigned int i = 0; i < NPROC; i++) {
		struct proc *p = &procs[(start + i) % NPROC];

		if (p->state == RUNNABLE)
			return p;
	}
	return NULL;
}

static void switch_to(struct frame *f, struct proc *next)
{
	if (next != current)
		write_cr3(next->cr3);
	current = next;
	*f = next->frame;
}

static void report(void) __attribute__((noreturn));

/* The current process gives up the CPU (its state says whether it can
 * come back); the next runnable one gets it, through frame f. With none
 * runnable but some asleep, wait for the timer with interrupts enabled:
 * its handler wakes them. */
static void schedule(struct frame *f)
{
	struct proc *next;

	if (current->state != DONE)
		current->frame = *f;
	while (!(next = pick_next(current))) {
		if (!alive)
			report();
		__asm__ volatile("sti; hlt; cli" : : : "memory");
	}
	switch_to(f, next);
}

static void end_process(struct frame *f, uint64_t status, const char *fmt,
			...) __attribute__((format(printf, 3, 4)));
static void end_process(struct frame *f, uint64_t status, const char *fmt,
			...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(current->reason, sizeof(current->reason), fmt, ap);
	va_end(ap);
	current->status = status;
	current->state = DONE;
	alive--;
	schedule(f);
}

static void timer_tick(struct frame *f)
{
	ticks++;
	for (unsigned int i = 0; i < NPROC; i++)
		if (procs[i].state == SLEEPING && procs[i].wake_tick <= ticks)
			procs[i].state = RUNNABLE;
	/* From ring 0 this interrupted the idle loop, which looks again. */
	if ((f->cs & 3) == 3) {
		current->frame = *f;
		switch_to(f, pick_next(current));
	}
}

/* ---- Interrupts, exceptions, system calls ---- */

static void irq(struct frame *f)
{
	unsigned int n = (unsigned int)f->vector - VEC_IRQ0;

	/* A spurious IRQ 7 or 15 is not in service: no EOI for it (but
	 * the master has the cascade of a spurious 15 in service). */
	if ((n == 7 || n == 15) && !(pic_read_isr(n == 15) & 0x80)) {
		if (n == 15)
			pic_eoi(0);
		return;
	}
	pic_eoi(n);
	if (n == 0)
		timer_tick(f);
}

/* A not-present fault from ring 3 inside the heap gets a zeroed page;
 * any other exception in ring 3 ends the process. */
static void exception(struct frame *f)
{
	if (f->vector == 2)
		return;		/* NMI: nothing to do */
	if ((f->cs & 3) != 3 || f->vector == VEC_DF)
		kernel_fault(f);
	if (f->vector == VEC_PF) {
		uint64_t addr = read_cr2(), pa;

		if (!(f->error & PTE_P) && addr >= USER_HEAP_BASE &&
		    addr < USER_HEAP_BASE + USER_HEAP_SIZE) {
			pa = frame_alloc();
			if (!pa)
				end_process(f, ~0UL, "killed: out of memory");
			else if (space_map(current->cr3, addr & ~(PAGE_SIZE - 1),
					   pa, PTE_P | PTE_W | PTE_U))
				end_process(f, ~0UL, "killed: out of memory");
			else
				current->faults++;
			return;
		}
		end_process(f, ~0UL, "killed: #PF at 0x%lx error 0x%lx",
			    addr, f->error);
		return;
	}
	end_process(f, ~0UL, "killed: %s error 0x%lx",
		    exception_names[f->vector], f->error);
}

static void do_syscall(struct frame *f)
{
	struct proc *p = current;
	uint64_t nr = f->rax, a = f->rdi, b = f->rsi;

	p->syscalls++;
	if (f->vector == VEC_INT80)
		p->int80s++;
	f->rax = 0;
	switch (nr) {
	case SYS_EXIT:
		end_process(f, a, "exit %lu", a);
		break;
	case SYS_YIELD:
		schedule(f);
		break;
	case SYS_SLEEP:
		/* Only a timer that has been seen ticking can wake a
		 * sleeper; before that, sleeping is yielding. */
		if (ticks) {
			p->state = SLEEPING;
			p->wake_tick = ticks + 1;
		}
		schedule(f);
		break;
	case SYS_GETPID:
		f->rax = p->pid;
		break;
	case SYS_ADD:
		p->counter += a;
		f->rax = p->counter;
		break;
	case SYS_STORE:
		if (a < NR_SLOTS)
			p->slots[a] = b;
		else
			f->rax = SYS_ERROR;
		break;
	case SYS_LOAD:
		f->rax = a < NR_SLOTS ? p->slots[a] : SYS_ERROR;
		break;
	case SYS_RESULT:
		p->result = a;
		break;
	default:
		f->rax = SYS_ERROR;
		break;
	}
}

/* Every entry but SYSCALL's. */
void trap(struct frame *f)
{
	if (f->vector < 32)
		exception(f);
	else if (f->vector < VEC_IRQ0 + 16)
		irq(f);
	else if (f->vector == VEC_INT80)
		do_syscall(f);
	/* VEC_APIC_SPURIOUS: nothing, not even an EOI. */
}

/* SYSCALL's entry: 0 lets the caller have SYSRETQ, which is right when
 * the frame is still the caller's. */
int syscall_trap(struct frame *f)
{
	struct proc *caller = current;

	do_syscall(f);
	return current != caller;
}

/* ---- The end ---- */

static uint64_t fnv_add(uint64_t h, const void *data, size_t n)
{
	const unsigned char *b = data;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3UL;
	return h;
}

/* Every process has ended: the records in pid order, a checksum over
 * them, and the end (no interrupt can wake the CPU). */
static void report(void)
{
	uint64_t sum = 0xcbf29ce484222325UL;

	pic_set_masks(0xff, 0xff);
	printf("all %u processes ended\n", (unsigned int)NPROC);
	for (unsigned int i = 0; i < NPROC; i++) {
		const struct proc *p = &procs[i];
		uint64_t fields[] = { p->pid, p->result, p->syscalls,
				      p->int80s, p->faults, p->status };

		printf("pid %u %-10s result 0x%016lx syscalls %lu (int 0x80 "
		       "%lu) heap faults %lu %s\n", p->pid, p->name, p->result,
		       p->syscalls, p->int80s, p->faults, p->reason);
		sum = fnv_add(sum, fields, sizeof(fields));
		sum = fnv_add(sum, p->reason, strlen(p->reason));
	}
	printf("checksum 0x%016lx\n", sum);
	halt();
}

void guest_main(unsigned long magic, unsigned long info)
{
	(void)magic;
	(void)info;
	printf("minios: 64-bit kernel starting\n");
	mm_init();
	cpu_setup();
	setup_idt();
	setup_lapic();
	setup_timer();
	for (unsigned int i = 0; i < NPROC; i++)
		proc_create(&procs[i]);
	printf("%u processes created, %lu pages in use\n", (unsigned int)NPROC,
	       frames_used());
	current = &procs[0];
	write_cr3(current->cr3);
	top_frame = current->frame;
	enter_frame(&top_frame);
}
