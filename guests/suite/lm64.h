/* suite64's descriptor layout and ring-3 runner, shared by its C and
 * assembly files. The GDT is in the order SYSCALL/SYSRET need. */
#ifndef GUESTS_SUITE_LM64_H
#define GUESTS_SUITE_LM64_H

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UCODE32	0x18
#define SEL_UDATA	0x20
#define SEL_UCODE64	0x28
#define SEL_TSS		0x30
#define RPL3		3

#define VEC_USER	0x80	/* DPL 3: records and returns */
#define VEC_EXIT	0x81	/* DPL 3: back from user_call to ring 0 */
#define VEC_IST		0x83	/* DPL 0, IST 1: records and returns */

#ifndef __ASSEMBLER__
#include "suite/suite.h"

void user_call(void (*fn)(void), ulong rflags);

/* What the DPL-3 interrupt, the IST vector and SYSCALL saw. */
struct entry_seen {
	ulong cs, ss, rsp, rip, rflags, rcx, r11, frame, count;
};
extern volatile struct entry_seen int_seen, ist_seen, sys_seen;
/* DR6 as the last #DB handler found it; RFLAGS in the last frame. */
extern volatile ulong db_dr6, trap_rflags;
extern char trap_stack_top[], ist_stack_top[];
void syscall_entry(void);
void cstar_entry(void);
/* IRETQ to 32-bit ring 3 code that sets TF and runs SYSCALL. */
void compat_call(ulong rflags);
extern char compat_syscall[], compat_back[];

#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101
void wrmsr(uint32_t msr, uint64_t v);
uint64_t rdmsr(uint32_t msr);
void lm64_user_checks(void);
void lm64_paging_checks(void);
#endif

#endif
