/* suite32: hardware task switches (SDM vol. 3, ch. 7). A far CALL
 * through a task gate, a far CALL to the TSS and INT n through an IDT task
 * gate enter a second task that records what it sees and IRETs back
 * through its link (NT); a #GP through an IDT task gate finds its error
 * code on the handler task's stack. A busy TSS and a TSS limit below 0x67
 * are refused before anything changes. The checks run on a copy of the
 * GDT with the tasks' descriptors added, and put the GDT and IDT back. */
#include "suite/pm32.h"

extern uint64_t gdt[GDT_ENTRIES];

#define T_TSS2		(GDT_ENTRIES * 8)	/* the called task */
#define T_GATE		(T_TSS2 + 8)		/* task gate for it, DPL 0 */
#define T_TSS3		(T_TSS2 + 16)		/* the #GP handler task */
#define T_ENTRIES	(GDT_ENTRIES + 3)
#define VEC_TASK	0x84
#define BAD_SEL		0x1238			/* beyond the GDT */
#define TASK_EAX	0x7a5c0001		/* also in task2_entry */
#define KEEP		0x5a5a1234		/* EBX across a task call */

/* 32-bit TSS fields, in dwords. */
enum { T_LINK = 0, T_CR3 = 7, T_EIP, T_EFLAGS, T_EAX, T_ESP = 14, T_ES = 18, T_CS, T_SS,
       T_DS, T_FS, T_GS, T_IOMAP = 25, T_DWORDS };

static uint64_t tgdt[T_ENTRIES] __attribute__((aligned(16)));
static uint32_t tss2[T_DWORDS] __attribute__((aligned(16)));
static uint32_t tss3[T_DWORDS] __attribute__((aligned(16)));
static uint8_t stack2[1024] __attribute__((aligned(16)));
static uint8_t stack3[1024] __attribute__((aligned(16)));
static volatile struct { ulong count, tr, nt, link, err; } seen;
volatile ulong task_eax __attribute__((used));

struct table_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

void task2_entry(void);
void task3_entry(void);
void task_record(ulong err);

/* The tasks: each time they are entered they record and IRET, and the
 * next entry resumes after the IRET. Task 3 is entered with an error
 * code on its stack. */
__asm__(".text\n"
	".globl task2_entry\ntask2_entry:\n\t"
	"mov %eax, task_eax\n\t"
	"push $0\n\tcall task_record\n\tadd $4, %esp\n\t"
	"mov $0x7a5c0001, %eax\n\t"	/* saved by the IRET for the next entry */
	"iret\n\tjmp task2_entry\n"
	".globl task3_entry\ntask3_entry:\n\t"
	"call task_record\n\tadd $4, %esp\n\t"
	"iret\n\tjmp task3_entry\n");

static uint64_t desc_base(uint64_t d)
{
	return ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000u);
}

void task_record(ulong err)
{
	ulong fl, tr;
	uint16_t *link;

	__asm__ volatile("pushf\n\tpop %0\n\tstr %1" : "=r"(fl), "=r"(tr));
	link = (uint16_t *)(uintptr_t)desc_base(tgdt[tr / 8]);
	seen.count++;
	seen.nt = fl & F_NT;
	seen.tr = tr;
	seen.link = *link;
	seen.err = err;
	if (err) {
		/* Resume the faulting task past its 2-byte MOV DS. */
		uint32_t *old = (uint32_t *)(uintptr_t)desc_base(tgdt[*link / 8]);
		old[T_EIP] += 2;
	}
}

static void fill_tss(uint32_t *t, void (*entry)(void), uint8_t *stack_top)
{
	ulong cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	memset(t, 0, T_DWORDS * 4);
	t[T_CR3] = cr3;
	t[T_EIP] = (uintptr_t)entry;
	t[T_EFLAGS] = 0x2;
	t[T_EAX] = TASK_EAX;
	t[T_ESP] = (uintptr_t)stack_top;
	t[T_ES] = t[T_SS] = t[T_DS] = t[T_FS] = t[T_GS] = SEL_KDATA;
	t[T_CS] = SEL_KCODE;
	t[T_IOMAP] = (uint32_t)(T_DWORDS * 4) << 16;	/* no I/O bitmap */
}

static uint64_t tss_desc(uint32_t *t, uint32_t limit)
{
	return limit | (uint64_t)((uintptr_t)t & 0xffffff) << 16 | 0x89ULL << 40 |
	       (uint64_t)((uintptr_t)t >> 24) << 56;
}

static unsigned int tss_type(unsigned int sel)
{
	return (unsigned int)(tgdt[sel / 8] >> 40) & 0xf;
}

static ulong cur_tr(void)
{
	ulong tr;
	__asm__ volatile("str %0" : "=r"(tr));
	return tr;
}

static void entered(const char *what, ulong count, ulong keep, ulong fl)
{
	check(count, seen.count, "task %s: entered", what);
	check(T_TSS2, seen.tr, "task %s: TR in the new task", what);
	check(F_NT, seen.nt, "task %s: NT in the new task", what);
	check(SEL_TSS, seen.link, "task %s: link to the caller", what);
	check(TASK_EAX, task_eax, "task %s: EAX from the TSS", what);
	check(SEL_TSS, cur_tr(), "task %s: TR after IRET", what);
	check(0x9, tss_type(T_TSS2), "task %s: callee not busy after IRET", what);
	check(0xb, tss_type(SEL_TSS), "task %s: caller busy", what);
	check(KEEP, keep, "task %s: EBX kept", what);
	check(0, fl & F_NT, "task %s: NT clear after IRET", what);
}

/* Enter task 2 with insn (operand 2: the selector or vector); the
 * caller's registers come back from its TSS. */
#define ENTER(what, count, insn, target)					\
	do {									\
		ulong keep = KEEP, fl;						\
		__asm__ volatile(insn "\n\t" PUSHF "pop %1"			\
				 : "+b"(keep), "=r"(fl) : "i"(target) : "memory", "cc"); \
		entered(what, count, keep, fl);					\
	} while (0)

static void nested(void)
{
	ENTER("lcall gate", 1, "lcall %2, $0", T_GATE);
	ENTER("lcall tss", 2, "lcall %2, $0", T_TSS2);
	ENTER("int gate", 3, "int %2", VEC_TASK);
}

static void user_int_task(void)
{
	__asm__ volatile("int %0" : : "i"(VEC_TASK) : "memory");
}

/* INT n from CPL 3 through a DPL-3 task gate: the user task's state goes
 * to its TSS and comes back by the IRET. Under theorem3 KVM switches
 * tasks and the new task, CPL 0, must be handed to the interpreter. */
static void from_user(uint64_t *idt)
{
	idt[VEC_TASK] = (uint64_t)T_TSS2 << 16 | 0xe5ULL << 40;
	user_call(user_int_task, 0x2);
	check(4, seen.count, "task int gate from cpl 3: entered");
	check(T_TSS2, seen.tr, "task int gate from cpl 3: TR in the new task");
	check(SEL_TSS, seen.link, "task int gate from cpl 3: link to the user task");
	check(0x9, tss_type(T_TSS2), "task int gate from cpl 3: callee not busy after IRET");
}

void pm32_task_checks(void)
{
	struct table_ptr gdtr, idtr, tgdtr = { sizeof(tgdt) - 1, (uintptr_t)tgdt };
	uint64_t *idt, idt_task, idt_gp;
	ulong cr0;

	memcpy(tgdt, gdt, sizeof(gdt));
	fill_tss(tss2, task2_entry, stack2 + sizeof(stack2));
	fill_tss(tss3, task3_entry, stack3 + sizeof(stack3));
	tgdt[T_TSS2 / 8] = tss_desc(tss2, 0x67);
	tgdt[T_GATE / 8] = (uint64_t)T_TSS2 << 16 | 0x85ULL << 40;
	tgdt[T_TSS3 / 8] = tss_desc(tss3, 0x67);
	__asm__ volatile("sgdt %0\n\tsidt %1\n\tlgdt %2"
			 : "=m"(gdtr), "=m"(idtr) : "m"(tgdtr) : "memory");
	idt = (uint64_t *)(uintptr_t)idtr.base;
	idt_task = idt[VEC_TASK];
	idt_gp = idt[13];
	idt[VEC_TASK] = (uint64_t)T_TSS2 << 16 | 0x85ULL << 40;

	nested();
	from_user(idt);
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	check(0x8, cr0 & 0x8, "task switch sets CR0.TS");

	/* #GP(BAD_SEL) through a task gate: the error code on task 3's stack. */
	idt[13] = (uint64_t)T_TSS3 << 16 | 0x85ULL << 40;
	__asm__ volatile(".byte 0x8e, 0xd8" : : "a"(BAD_SEL) : "memory");
	idt[13] = idt_gp;
	check(BAD_SEL, seen.err, "task #GP gate: error code on the new stack");
	check(T_TSS3, seen.tr, "task #GP gate: TR in the handler task");
	check(SEL_TSS, seen.link, "task #GP gate: link to the faulting task");
	check(0x9, tss_type(T_TSS3), "task #GP gate: handler not busy after IRET");

	trap_clear();
	__asm__ volatile(FAULTS("ljmp %0, $0") : : "i"(SEL_TSS) : "memory");
	check_trap(13, SEL_TSS, "task ljmp to the busy TSS");
	tgdt[T_TSS3 / 8] = tss_desc(tss3, 0x66);
	trap_clear();
	__asm__ volatile(FAULTS("lcall %0, $0") : : "i"(T_TSS3) : "memory");
	check_trap(10, T_TSS3, "task lcall to a TSS with limit 0x66");
	check(SEL_TSS, cur_tr(), "task refused: TR kept");

	idt[VEC_TASK] = idt_task;
	__asm__ volatile("lgdt %0\n\tclts" : : "m"(gdtr) : "memory");
}
