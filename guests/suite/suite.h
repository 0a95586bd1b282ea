/* The instruction suite's shared interface: check reporting, the flags
 * helpers and the exception catcher. The same check sources are built for
 * real mode (gcc -m16), 32-bit protected mode and 64-bit long mode; each
 * mode supplies its entry, exception stubs and mode-specific checks.
 * Expected values are worked out from the Intel SDM and the AMD APM. */
#ifndef GUESTS_SUITE_SUITE_H
#define GUESTS_SUITE_SUITE_H

#include "lib/rt.h"

typedef unsigned long ulong;	/* a general register of the mode */

/* Arithmetic flags. */
#define F_CF	0x001
#define F_PF	0x004
#define F_AF	0x010
#define F_ZF	0x040
#define F_SF	0x080
#define F_OF	0x800
#define F_ARITH	(F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_TF	0x100
#define F_IF	0x200
#define F_DF	0x400
#define F_IOPL3	0x3000
#define F_NT	0x4000
#define F_RF	0x10000
#define F_VM	0x20000
#define F_AC	0x40000
#define F_ID	0x200000

#ifdef __x86_64__
#define PUSHF	"pushfq\n\t"
#define POPF	"popfq\n\t"
#define PTR	"q"
#else
#define PUSHF	"pushfl\n\t"
#define POPF	"popfl\n\t"
#define PTR	"l"
#endif

/* Runs insn with the flags taken from, and given back in, operand fl. */
#define WITH_FLAGS(insn) "push %[fl]\n\t" POPF insn "\n\t" PUSHF "pop %[fl]"

/* Real-mode code may run with another DS; the image is always at CS. */
#ifdef GUEST_REAL_MODE
#define IMG	"%%cs:"
#else
#define IMG	""
#endif

/* The mode's name, the prefix of every check: "rm16", "pm32", "lm64". */
extern const char suite_mode[];

/* Checks. Each prints "PASS <mode>/<name>" or "FAIL <mode>/<name>:
 * wanted X got Y"; names are printf formats. */
void check(uint64_t want, uint64_t got, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A value and the flags under mask (the flags the manual defines). */
void check_vf(uint64_t want, unsigned int wflags, uint64_t got,
	      unsigned int gflags, unsigned int mask, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Where the harness's hardware is known to deviate from the manuals:
 * passes with a note only when got equals the documented deviation. */
void check_dev(uint64_t want, uint64_t got, uint64_t deviation,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* For values computed under GUARD: fails, naming the exception, when one
 * was taken since trap_clear. */
void check_g(uint64_t want, uint64_t got, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for a value of two words (an x87 register: sign and exponent,
 * significand; an XMM register: high and low quadwords). */
void check_x(uint64_t whi, uint64_t wlo, uint64_t ghi, uint64_t glo,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* check_g and check_x where the harness's hardware is known to deviate
 * (as check_dev). */
void check_g_dev(uint64_t want, uint64_t got, uint64_t deviation,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void check_x_dev(uint64_t whi, uint64_t wlo, uint64_t ghi, uint64_t glo,
		 uint64_t dhi, uint64_t dlo, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* A check the CPU model gives no ground for (a CPUID feature it lacks):
 * passes with the reason. */
void check_skip(const char *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the summary and ends the guest: halt when all passed, else a
 * write of EXIT_FAIL to the debug-exit port. */
void suite_done(void) __attribute__((noreturn));

/* The exception catcher. A check arms it with the address to resume at;
 * the mode's handler records the exception, disarms and resumes there.
 * An exception while disarmed ends the guest (EXIT_EXCEPTION + vector). */
struct trap_info {
	ulong vector;	/* NO_TRAP when none was taken */
	ulong error;	/* error code, 0 when the vector has none */
	ulong cr2;	/* CR2 at entry (page faults) */
	ulong ip;	/* the saved (E/R)IP */
	ulong cs;	/* the saved CS */
	ulong sp;	/* where the handler found the saved IP */
	ulong count;	/* exceptions taken since trap_clear */
};
#define NO_TRAP	((ulong)-1)
extern volatile struct trap_info trap;
extern volatile ulong trap_resume;	/* nonzero: armed */
extern volatile ulong trap_where;	/* the IP the check expects saved */
/* Nonzero: the next #NM is handled as a lazy FPU switch (CLTS, then the
 * faulting instruction runs again), still recorded in trap. */
extern volatile ulong trap_nm_clts;
void trap_clear(void);
/* Called by the mode's stubs; returns nonzero when the exception was
 * expected, after pointing *ip at the resume address. */
int trap_record(ulong vector, ulong error, ulong cr2, ulong *ip, ulong cs,
		ulong sp);

/* Asm fragments. FAULTS(insn): insn should fault, saving its own address;
 * TRAPS(insn): saving the address after it. Either way execution resumes
 * after insn, and the catcher is disarmed there. Labels 8 and 9 are used. */
#define ARM_AT(l)	"mov" PTR " $" l ", " IMG "trap_resume\n\t"
#define WHERE_AT(l)	"mov" PTR " $" l ", " IMG "trap_where\n\t"
#define DISARM		"mov" PTR " $0, " IMG "trap_resume\n\t"
#define FAULTS(insn)	FAULTS_ARMED(insn) DISARM
/* The same without the disarm, for insn that changes DS: the caller
 * restores DS, then disarms. */
#define FAULTS_ARMED(insn) ARM_AT("9f") WHERE_AT("8f") "8:\t" insn "\n9:\t"
/* GUARD(insns): code that should not fault; an exception there is
 * recorded and the rest of insns skipped (check_g reports it). Label 7. */
#define GUARD(insns)	ARM_AT("7f") insns "\n7:\t" DISARM
#define TRAPS(insn)	ARM_AT("9f") WHERE_AT("8f") insn "\n8:\n9:\t" DISARM

/* Compares the recorded exception: vector (NO_TRAP: none expected),
 * error code and saved IP; cr2 too for page faults. */
void check_trap(ulong vector, ulong error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void check_pf(ulong error, ulong cr2, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same, where the harness's hardware is known to deviate: passes
 * with a note when the exception taken is exactly the documented one
 * (dev_vector NO_TRAP: the hardware takes none; its error is then 0). */
void check_trap_dev(ulong vector, ulong error, ulong dev_vector,
		    ulong dev_error, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void check_pf_dev(ulong error, ulong cr2, ulong dev_error, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));

/* Check groups shared by all modes (names say what they cover). */
void alu_checks(void);
void muldiv_checks(void);
void bitops_checks(void);
void bcd_checks(void);
void xchg_checks(void);
void cond_checks(void);
void string_checks(void);
void stack_checks(void);
/* x87, MMX, SSE, FXSAVE and XSAVE (suite32 and suite64: fpu_ctl.c). */
void fpu_checks(void);

#endif
