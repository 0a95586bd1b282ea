/* suite32's descriptor tables and the ring-3 runner, shared by its C and
 * assembly files. */
#ifndef GUESTS_SUITE_PM32_H
#define GUESTS_SUITE_PM32_H

#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UCODE	0x18	/* DPL 3 */
#define SEL_UDATA	0x20	/* DPL 3 */
#define SEL_TSS		0x28
#define SEL_GATE3	0x30	/* call gate, DPL 3, one parameter */
#define SEL_NP		0x38	/* writable data, not present */
#define SEL_XO		0x40	/* code, execute-only */
#define SEL_RCODE	0x48	/* code, readable */
#define SEL_RO		0x50	/* data, read-only */
#define SEL_LIM		0x58	/* data, limit 0xfff, byte granular */
#define SEL_DOWN	0x60	/* data, expand-down, limit 0xfff, B=1 */
#define SEL_BASE	0x68	/* data, base 0x10000 */
#define SEL_STK		0x70	/* data, limit set at run time (stack) */
#define SEL_GATE0	0x78	/* call gate, DPL 0 */
#define SEL_DATA1	0x80	/* data, DPL 1 */
#define GDT_ENTRIES	17
#define RPL3		3

#define VEC_USER	0x80	/* DPL 3: records and returns */
#define VEC_EXIT	0x81	/* DPL 3: back from user_call to ring 0 */
#define VEC_PRIV	0x82	/* DPL 0 */
#define VEC_V86EXIT	0x84	/* DPL 3: ends a virtual-8086 mode run */
#define VEC_V86BACK	0x85	/* DPL 3: counts, then IRET back to it */

#ifndef __ASSEMBLER__
#include "suite/suite.h"

/* Runs fn at CPL 3 with the given EFLAGS (IOPL bits), on the user stack;
 * fn returns through INT VEC_EXIT. */
void user_call(void (*fn)(void), ulong eflags);

/* What the DPL-3 interrupt and the call gate saw. */
struct entry_seen {
	ulong cs, ss, esp, eip, param, own_cs, count;
};
extern volatile struct entry_seen int_seen, gate_seen;
extern char trap_stack_top[];

/* The frame exc_common builds (pm32_stubs.S); esp and ss only when the
 * event came from an outer level. */
struct frame32 {
	uint32_t es, ds, edi, esi, ebp, esp0, ebx, edx, ecx, eax;
	uint32_t vector, error, eip, cs, eflags, esp, ss;
};
/* An event from virtual-8086 mode: pm32_trap hands it here. */
void pm32_vm86_trap(struct frame32 *f);

void pm32_segment_checks(void);
void pm32_user_checks(void);
void pm32_paging_checks(void);
void pm32_task_checks(void);
void pm32_vm86_checks(void);
#endif

#endif
