/* ENTER (nesting levels 0 and 2), LEAVE, PUSH of the stack pointer and
 * POP to a stack-pointer-based address, on a private stack in the mode's
 * native width (16-bit in real mode). SDM: ENTER with level L pushes the
 * frame pointer, copies L-1 outer frame pointers, pushes the new frame
 * pointer, then reserves its size; PUSH SP pushes the value before the
 * push; POP computes an SP-based destination after incrementing SP. */
#include "suite/suite.h"

#if defined(__x86_64__)
#define W "q"
#define SP "%%rsp"
#define SPN SP
#define BP "%%rbp"
#define AX "%%rax"
typedef uint64_t slot;
#elif defined(GUEST_REAL_MODE)
#define W "w"
#define SP "%%esp"
#define SPN "%%sp"	/* the native-width stack pointer */
#define BP "%%ebp"
#define AX "%%ax"
typedef uint16_t slot;
#else
#define W "l"
#define SP "%%esp"
#define SPN SP
#define BP "%%ebp"
#define AX "%%eax"
typedef uint32_t slot;
#endif
#define S ((ulong)sizeof(slot))

struct regs {
	ulong sp, bp;		/* the caller's, kept across the test */
	ulong t, b;		/* the test's stack pointer and frame pointer */
	ulong sp1, bp1, sp2, bp2;
};

static slot stk[64] __attribute__((aligned(16)));

/* Runs body on stk with SP = r->t, BP = r->b; body may store into r
 * (held in a register that body must keep). */
#define ON_STACK(r, body) __asm__ volatile( \
	"mov " SP ", 0(%0)\n\tmov " BP ", %c1(%0)\n\t" \
	"mov %c2(%0), " SP "\n\tmov %c3(%0), " BP "\n\t" body \
	"mov 0(%0), " SP "\n\tmov %c1(%0), " BP \
	: : "b"(r), "i"(sizeof(ulong)), "i"(2 * sizeof(ulong)), \
	    "i"(3 * sizeof(ulong)) : "memory", "cc", "eax")

static void enter_leave(void)
{
	struct regs r;
	ulong t = (uintptr_t)&stk[48], b = (uintptr_t)&stk[60];

	memset(stk, 0, sizeof(stk));
	stk[59] = (slot)0x5a5a;		/* the outer frame's first copy */
	r.t = t; r.b = b;
	ON_STACK(&r, "enter" W " $16, $2\n\t"
		 "mov " SP ", 4*%c1(%0)\n\tmov " BP ", 5*%c1(%0)\n\t"
		 "leave" W "\n\t"
		 "mov " SP ", 6*%c1(%0)\n\tmov " BP ", 7*%c1(%0)\n\t");
	check(t - S, r.bp1, "enter 16,2 frame pointer");
	check(t - 3 * S - 16, r.sp1, "enter 16,2 stack pointer");
	check(0x5a5a, stk[46], "enter 16,2 copies the outer frame pointer");
	check((slot)(t - S), stk[45], "enter 16,2 pushes the new frame");
	check(b, r.bp2, "leave restores the frame pointer");
	check(t, r.sp2, "leave restores the stack pointer");

	r.t = t; r.b = b;
	ON_STACK(&r, "enter" W " $8, $0\n\t"
		 "mov " SP ", 4*%c1(%0)\n\tmov " BP ", 5*%c1(%0)\n\t"
		 "leave" W "\n\t");
	check(t - S, r.bp1, "enter 8,0 frame pointer");
	check(t - S - 8, r.sp1, "enter 8,0 stack pointer");
	check((slot)b, stk[47], "enter 8,0 pushes the old frame pointer");
}

static void push_pop_sp(void)
{
	struct regs r;
	ulong t = (uintptr_t)&stk[48];

	memset(stk, 0, sizeof(stk));
	r.t = t; r.b = 0;
	ON_STACK(&r, "push" W " " SPN "\n\tpop" W " " AX "\n\t");
	check((slot)t, stk[47], "push sp pushes the old value");

	r.t = t; r.b = 0;
	ON_STACK(&r, "push" W " $0x1234\n\tpop" W " (" SP ")\n\t"
		 "mov " SP ", 4*%c1(%0)\n\t");
	check(t, r.sp1, "pop (sp) stack pointer");
	check(0x1234, stk[48], "pop (sp) addresses after the increment");
}

void stack_checks(void)
{
	enter_leave();
	push_pop_sp();
}
