/* Interpreter hardware task switches (Intel SDM Vol. 3, ch. 7): far JMP to
 * a TSS, far CALL through a task gate and IRET back through the link,
 * exceptions through IDT task gates with their error code on the new
 * stack, the faults before (#PF included) and after the commit point,
 * 16-bit TSSs, CR3, the T bit, the audit, and the refusals of long mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "swvmm/debug.h"
#include "tests/unit/sw_fixture.h"

#define SEL_TSS2   0x58   /* 32-bit TSS at TSS2 */
#define SEL_GATE   0x60   /* task gate for SEL_TSS2 */
#define SEL_TSS16  0x68   /* 16-bit TSS at TSS16 */
#define SEL_LDT    0x70
#define TSS2       0x41000ull
#define TSS16      0x42000ull
#define LDT_BASE   0x43000ull
#define TASK_EIP   0x30000u   /* the new task's code */
#define TASK_ESP   0x70000u
#define OLD_TSS    FX_TSS

static uint64_t sys_desc(uint32_t base, uint32_t limit, unsigned type, unsigned dpl)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)type << 40) | ((uint64_t)dpl << 45) | (1ull << 47) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(base >> 24) << 56);
}

static uint64_t task_gate(uint16_t tss_sel, unsigned dpl)
{
	return ((uint64_t)tss_sel << 16) | (5ull << 40) | ((uint64_t)dpl << 45) | (1ull << 47);
}

/* Type field of the GDT descriptor for sel, as it is in memory. */
static unsigned gdt_type(struct sw_fx *fx, uint16_t sel)
{
	return (unsigned)(fx_peek(fx, FX_GDT + (sel & ~7u) + 5, 1) & 0xf);
}

/* A 32-bit TSS for a flat ring-0 task at TASK_EIP, EAX..EDI = 0xa0..0xa7
 * but ESP, with the LDT SEL_LDT. */
static void fill_tss32(struct sw_fx *fx, uint64_t at, uint32_t eflags)
{
	static const uint8_t zero[0x68];
	fx_poke(fx, at, zero, sizeof(zero));
	fx_poke32(fx, at + 0x20, TASK_EIP);
	fx_poke32(fx, at + 0x24, eflags);
	for (unsigned k = 0; k < 8; k++)
		fx_poke32(fx, at + 0x28 + 4 * k, k == RSP ? TASK_ESP : 0xa0 + k);
	static const uint16_t sel[6] = { FX_SEL_DATA, FX_SEL_CODE32, FX_SEL_DATA, FX_SEL_DATA, 0,
	                                 FX_SEL_DATA };
	for (unsigned k = 0; k < 6; k++)
		fx_poke16(fx, at + 0x48 + 4 * k, sel[k]);
	fx_poke16(fx, at + 0x60, SEL_LDT);
}

/* PROT32 with the new task ready: TSS2 available, its gate, an LDT, a HLT
 * at TASK_EIP, and the given code at FX_CODE_ADDR. */
static struct sw_fx *setup(const uint8_t *code, size_t n)
{
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	fx_set_gdt(fx, SEL_TSS2, sys_desc((uint32_t)TSS2, 0x67, 9, 0));
	fx_set_gdt(fx, SEL_GATE, task_gate(SEL_TSS2, 0));
	fx_set_gdt(fx, SEL_LDT, sys_desc((uint32_t)LDT_BASE, 0x17, 2, 0));
	fill_tss32(fx, TSS2, RFLAGS_FIXED | RFLAGS_ZF);
	fx_poke(fx, TASK_EIP, (const uint8_t[]){ 0xf4 }, 1);
	fx_code_at(fx, FX_CODE_ADDR, code, n);
	return fx;
}

static void assert_in_task2(struct sw_fx *fx, uint64_t rip)
{
	const struct vcpu_state *s = &fx->c->s;
	assert_int_equal(s->tr.selector, SEL_TSS2);
	assert_int_equal(s->tr.base, TSS2);
	assert_int_equal(s->tr.type, 0xb);
	assert_int_equal(gdt_type(fx, SEL_TSS2), 0xb);
	assert_int_equal(s->rip, rip);
	assert_int_equal(s->gpr[RAX], 0xa0);
	assert_int_equal(s->gpr[RDI], 0xa7);
	assert_int_equal(s->seg[SEG_CS].selector, FX_SEL_CODE32);
	assert_false(s->seg[SEG_CS].unusable);
	assert_int_equal(s->seg[SEG_SS].selector, FX_SEL_DATA);
	assert_true(s->seg[SEG_FS].unusable);
	assert_int_equal(s->ldtr.selector, SEL_LDT);
	assert_int_equal(s->ldtr.base, LDT_BASE);
	assert_true(s->cr0 & CR0_TS);
}

static void test_jmp_tss(void **state)
{
	(void)state;
	static const uint8_t code[] = {
		0xb8, 0x78, 0x56, 0x34, 0x12,                   /* mov eax, 0x12345678 */
		0xea, 0, 0, 0, 0, SEL_TSS2, 0,                  /* jmp 0x58:0 */
	};
	struct sw_fx *fx = setup(code, sizeof(code));
	fx->c->s.rflags |= RFLAGS_CF;
	fx->c->s.dr[7] = DR7_FIXED1 | 0x3ff;                /* L0-G3, LE, GE */
	fx_run(fx, 2);
	fx_assert_no_exc(fx);
	assert_in_task2(fx, TASK_EIP);
	assert_int_equal(fx->c->s.gpr[RSP], TASK_ESP);
	assert_int_equal(fx->c->s.rflags, RFLAGS_FIXED | RFLAGS_ZF);   /* no NT */
	assert_int_equal(fx->c->s.dr[7], DR7_FIXED1 | 0x2aa);          /* locals cleared */
	/* JMP frees the old TSS and links nothing. */
	assert_int_equal(gdt_type(fx, FX_SEL_TSS), 0x9);
	assert_int_equal(fx_peek(fx, TSS2, 2), 0);
	/* The old task's dynamic state went to its TSS. */
	assert_int_equal(fx_peek(fx, OLD_TSS + 0x20, 4), FX_CODE_ADDR + sizeof(code));
	assert_int_equal(fx_peek(fx, OLD_TSS + 0x24, 4), RFLAGS_FIXED | RFLAGS_CF);
	assert_int_equal(fx_peek(fx, OLD_TSS + 0x28, 4), 0x12345678);
	assert_int_equal(fx_peek(fx, OLD_TSS + 0x38, 4), FX_STACK_TOP);
	assert_int_equal(fx_peek(fx, OLD_TSS + 0x4c, 2), FX_SEL_CODE32);
	assert_int_equal(fx_peek(fx, OLD_TSS + 0x1c, 4), 0);           /* CR3: static */
	fx_run(fx, 1);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);
	fx_free(fx);
}

static void test_call_gate_and_iret(void **state)
{
	(void)state;
	static const uint8_t code[] = {
		0x9a, 0, 0, 0, 0, SEL_GATE, 0,                  /* call 0x60:0 */
		0xf4,                                           /* hlt */
	};
	struct sw_fx *fx = setup(code, sizeof(code));
	fx_poke(fx, TASK_EIP, (const uint8_t[]){ 0xbb, 5, 0, 0, 0, 0xcf }, 6); /* mov ebx,5; iret */
	fx->c->s.gpr[RBX] = 0x77;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_in_task2(fx, TASK_EIP);
	assert_true(fx->c->s.rflags & RFLAGS_NT);
	assert_int_equal(fx_peek(fx, TSS2, 2), FX_SEL_TSS);              /* link */
	assert_int_equal(gdt_type(fx, FX_SEL_TSS), 0xb);                  /* still busy */

	fx_run(fx, 2);                                  /* mov, iret */
	fx_assert_no_exc(fx);
	const struct vcpu_state *s = &fx->c->s;
	assert_int_equal(s->tr.selector, FX_SEL_TSS);
	assert_int_equal(s->rip, FX_CODE_ADDR + 7);
	assert_int_equal(s->gpr[RBX], 0x77);
	assert_int_equal(s->gpr[RSP], FX_STACK_TOP);
	assert_false(s->rflags & RFLAGS_NT);
	assert_int_equal(gdt_type(fx, SEL_TSS2), 0x9);                    /* freed */
	assert_int_equal(gdt_type(fx, FX_SEL_TSS), 0xb);
	/* The called task was saved with NT clear, past its IRET. */
	assert_int_equal(fx_peek(fx, TSS2 + 0x20, 4), TASK_EIP + 6);
	assert_int_equal(fx_peek(fx, TSS2 + 0x24, 4) & RFLAGS_NT, 0);
	assert_int_equal(fx_peek(fx, TSS2 + 0x34, 4), 5);
	fx_run(fx, 1);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);
	fx_free(fx);
}

/* #GP(0x1238) through a task gate in the IDT: the error code goes on the
 * new task's stack; a #DF (an #NP while delivering #GP) the same way. */
static void test_exception_task_gate(void **state)
{
	(void)state;
	static const uint8_t code[] = {
		0x66, 0xb8, 0x38, 0x12,                         /* mov ax, 0x1238 */
		0x8e, 0xd8,                                     /* mov ds, ax */
	};
	struct sw_fx *fx = setup(code, sizeof(code));
	fx_poke64(fx, FX_IDT + 8 * EXC_GP, task_gate(SEL_TSS2, 0));
	fx_run(fx, 2);
	assert_int_equal(fx->c->last_event.vector, EXC_GP);
	assert_int_equal(fx->c->last_event.errcode, 0x1238);
	assert_int_equal(fx->c->s.tr.selector, SEL_TSS2);
	assert_int_equal(fx->c->s.rip, TASK_EIP);
	assert_int_equal(fx->c->s.gpr[RSP], TASK_ESP - 4);
	assert_int_equal(fx_peek(fx, TASK_ESP - 4, 4), 0x1238);
	assert_true(fx->c->s.rflags & RFLAGS_NT);
	assert_int_equal(fx_peek(fx, TSS2, 2), FX_SEL_TSS);
	assert_int_equal(fx_peek(fx, OLD_TSS + 0x20, 4), FX_CODE_ADDR + 4);   /* the fault */
	fx_free(fx);

	fx = setup(code, sizeof(code));
	fx_poke64(fx, FX_IDT + 8 * EXC_DF, task_gate(SEL_TSS2, 0));
	fx_poke64(fx, FX_IDT + 8 * EXC_GP, fx_peek(fx, FX_IDT + 8 * EXC_GP, 8) & ~(1ull << 47));
	fx_run(fx, 2);
	assert_int_equal(fx->c->last_event.vector, EXC_DF);
	assert_int_equal(fx->c->s.tr.selector, SEL_TSS2);
	assert_int_equal(fx->c->s.rip, TASK_EIP);
	assert_int_equal(fx_peek(fx, TASK_ESP - 4, 4), 0);
	assert_int_equal(fx->c->s.gpr[RSP], TASK_ESP - 4);
	fx_free(fx);
}

/* A fault before the commit point leaves the old task whole. */
static void expect_refused(struct sw_fx *fx, unsigned vector, int err)
{
	fx_run(fx, 2);
	fx_assert_exc(fx, vector, err);
	assert_int_equal(fx->c->s.tr.selector, FX_SEL_TSS);
	assert_int_equal(gdt_type(fx, FX_SEL_TSS), 0xb);
	assert_int_equal(fx_stack(fx, 1, 4), FX_CODE_ADDR);   /* EIP of the JMP */
	assert_int_equal(fx_peek(fx, OLD_TSS + 0x20, 4), 0);
	assert_false(fx->c->s.cr0 & CR0_TS);
}

static void test_refused(void **state)
{
	(void)state;
	static const uint8_t jmp_tss[] = { 0xea, 0, 0, 0, 0, SEL_TSS2, 0 };
	static const uint8_t jmp_gate[] = { 0xea, 0, 0, 0, 0, SEL_GATE, 0 };
	static const uint8_t jmp_busy[] = { 0xea, 0, 0, 0, 0, FX_SEL_TSS, 0 };

	/* A busy TSS, named directly or through a gate: #GP(TSS). */
	struct sw_fx *fx = setup(jmp_busy, sizeof(jmp_busy));
	expect_refused(fx, EXC_GP, FX_SEL_TSS);
	fx_free(fx);
	fx = setup(jmp_gate, sizeof(jmp_gate));
	fx_set_gdt(fx, SEL_GATE, task_gate(FX_SEL_TSS, 0));
	expect_refused(fx, EXC_GP, FX_SEL_TSS);
	fx_free(fx);
	/* A limit below 0x67: #TS(TSS). */
	fx = setup(jmp_tss, sizeof(jmp_tss));
	fx_set_gdt(fx, SEL_TSS2, sys_desc((uint32_t)TSS2, 0x66, 9, 0));
	expect_refused(fx, EXC_TS, SEL_TSS2);
	assert_int_equal(gdt_type(fx, SEL_TSS2), 0x9);
	fx_free(fx);
	/* Not present: #NP(TSS); a gate not present: #NP(gate). */
	fx = setup(jmp_tss, sizeof(jmp_tss));
	fx_set_gdt(fx, SEL_TSS2, sys_desc((uint32_t)TSS2, 0x67, 9, 0) & ~(1ull << 47));
	expect_refused(fx, EXC_NP, SEL_TSS2);
	fx_free(fx);
	fx = setup(jmp_gate, sizeof(jmp_gate));
	fx_set_gdt(fx, SEL_GATE, task_gate(SEL_TSS2, 0) & ~(1ull << 47));
	expect_refused(fx, EXC_NP, SEL_GATE);
	fx_free(fx);
	/* DPL 0 from CPL 3: #GP(TSS). */
	fx = setup(jmp_tss, sizeof(jmp_tss));
	fx_to_user(fx);
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_GP, SEL_TSS2);
	assert_int_equal(fx->c->s.tr.selector, FX_SEL_TSS);
	fx_free(fx);
	/* IRET to a link that is not busy: #TS(link). */
	fx = setup((const uint8_t[]){ 0xcf }, 1);
	fx_poke16(fx, OLD_TSS, SEL_TSS2);
	fx->c->s.rflags |= RFLAGS_NT;
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_TS, SEL_TSS2);
	assert_int_equal(fx->c->s.tr.selector, FX_SEL_TSS);
	fx_free(fx);
}

/* A new TSS in a page that is not present: #PF before anything changes. */
static void test_page_fault_first(void **state)
{
	(void)state;
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_TSS2, 0 };
	struct sw_fx *fx = setup(code, sizeof(code));
	uint64_t pt = FX_FREE_ADDR + 0x1000;
	for (uint64_t k = 0; k < 1024; k++)
		fx_poke32(fx, pt + 4 * k, (uint32_t)(k << 12) | (k == TSS2 >> 12 ? 0 : 3));
	fx_poke32(fx, FX_FREE_ADDR, (uint32_t)pt | 3);
	struct vcpu_state *s = &fx->c->s;
	s->cr3 = FX_FREE_ADDR;
	s->cr0 |= CR0_PG;
	fx_sync(fx);
	expect_refused(fx, EXC_PF, 0);
	assert_int_equal(s->cr2, TSS2);
	assert_int_equal(gdt_type(fx, SEL_TSS2), 0x9);
	fx_free(fx);
}

/* After the commit point a fault belongs to the new task: a bad CS in the
 * new TSS is #TS(CS) with TR, EIP and the registers already new. */
static void test_fault_in_new_task(void **state)
{
	(void)state;
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_TSS2, 0 };
	struct sw_fx *fx = setup(code, sizeof(code));
	fx_poke16(fx, TSS2 + 0x4c, 0x1238);
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_TS, 0x1238);
	assert_int_equal(fx->c->s.tr.selector, SEL_TSS2);
	assert_int_equal(gdt_type(fx, FX_SEL_TSS), 0x9);
	assert_int_equal(fx->c->s.gpr[RAX], 0xa0);
	assert_int_equal(fx_stack(fx, 1, 4), TASK_EIP);
	assert_int_equal(fx_stack(fx, 2, 4), 0x1238);         /* CS selector loaded */
	assert_int_equal(fx_peek(fx, OLD_TSS + 0x20, 4), FX_CODE_ADDR + sizeof(code));
	fx_free(fx);

	/* A stack segment that is not present: #SS(SS). */
	fx = setup(code, sizeof(code));
	fx_set_gdt(fx, FX_GDT_FREE + 0x20, fx_desc(0, 0xfffff, 0x3, 0, FX_G | FX_DB) & ~(1ull << 47));
	fx_poke16(fx, TSS2 + 0x50, FX_GDT_FREE + 0x20);
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_SS, FX_GDT_FREE + 0x20);
	assert_int_equal(fx->c->s.seg[SEG_CS].selector, FX_SEL_CODE32);
	fx_free(fx);

	/* EIP beyond the new CS limit: #GP(0) once the switch is done. */
	fx = setup(code, sizeof(code));
	fx_poke16(fx, TSS2 + 0x4c, FX_SEL_CODE16);
	fx_run(fx, 2);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->s.tr.selector, SEL_TSS2);
	fx_free(fx);
}

/* A 16-bit TSS: 16-bit fields, FS and GS kept. */
static void test_tss16(void **state)
{
	(void)state;
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_TSS16, 0 };
	static const uint8_t zero[0x2c];
	struct sw_fx *fx = setup(code, sizeof(code));
	fx_set_gdt(fx, SEL_TSS16, sys_desc((uint32_t)TSS16, 0x2b, 1, 0));
	fx_poke(fx, TSS16, zero, sizeof(zero));
	fx_poke16(fx, TSS16 + 0x0e, 0x100);                   /* IP */
	fx_poke16(fx, TSS16 + 0x10, RFLAGS_FIXED | RFLAGS_SF);
	fx_poke16(fx, TSS16 + 0x12, 0x1234);                  /* AX */
	fx_poke16(fx, TSS16 + 0x1a, 0x8000);                  /* SP */
	fx_poke16(fx, TSS16 + 0x22, FX_SEL_DATA16);
	fx_poke16(fx, TSS16 + 0x24, FX_SEL_CODE16);
	fx_poke16(fx, TSS16 + 0x26, FX_SEL_DATA16);
	fx_poke16(fx, TSS16 + 0x28, FX_SEL_DATA16);
	fx_poke(fx, 0x100, (const uint8_t[]){ 0xf4 }, 1);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	const struct vcpu_state *s = &fx->c->s;
	assert_int_equal(s->tr.selector, SEL_TSS16);
	assert_int_equal(s->tr.type, 0x3);
	assert_int_equal(gdt_type(fx, SEL_TSS16), 0x3);
	assert_int_equal(fx->c->mode, MODE_PROT16);
	assert_int_equal(s->rip, 0x100);
	assert_int_equal(s->gpr[RAX], 0x1234);
	assert_int_equal(s->gpr[RSP], 0x8000);
	assert_int_equal(s->rflags, RFLAGS_FIXED | RFLAGS_SF);
	assert_int_equal(s->seg[SEG_FS].selector, FX_SEL_DATA);
	assert_true(s->ldtr.unusable);
	fx_free(fx);
}

static int no_sink(void *opaque, const struct audit_rec *r, size_t n)
{
	(void)opaque;
	(void)r;
	(void)n;
	return 0;
}

/* Whether the audit holds a record of kind and sub whose v[i] is v. */
static bool audited(const struct audit *a, enum audit_kind kind, unsigned sub, unsigned i,
                    uint64_t v)
{
	for (size_t k = 0; k < a->n; k++)
		if (a->buf[k].kind == kind && a->buf[k].sub == sub && a->buf[k].v[i] == v)
			return true;
	return false;
}

/* With paging, CR3 comes from the new TSS; its T bit makes a #DB (BT)
 * before the new task's first instruction. The audit records the loads of
 * TR, LDTR, CR0 and CR3. */
static void test_cr3_and_trap(void **state)
{
	(void)state;
	static const uint8_t code[] = { 0xea, 0, 0, 0, 0, SEL_TSS2, 0 };
	struct sw_fx *fx = setup(code, sizeof(code));
	for (uint64_t pd = FX_FREE_ADDR; pd <= FX_FREE_ADDR + 0x1000; pd += 0x1000)
		fx_poke32(fx, pd, 0x83);                      /* 4 MiB at 0: P RW PS */
	struct vcpu_state *s = &fx->c->s;
	s->cr4 |= CR4_PSE;
	s->cr3 = FX_FREE_ADDR;
	s->cr0 |= CR0_PG;
	fx_sync(fx);
	fx_poke32(fx, TSS2 + 0x1c, (uint32_t)FX_FREE_ADDR + 0x1000);
	fx_poke16(fx, TSS2 + 0x64, 1);
	struct audit a;
	assert_int_equal(audit_init(&a, AUDIT_LEVEL_EVENTS, 256, no_sink, NULL), 0);
	fx->vm.audit = &a;
	fx_run(fx, 2);
	assert_true(audited(&a, AUDIT_DT_LOAD, AUDIT_DT_TR, 2, SEL_TSS2));
	assert_true(audited(&a, AUDIT_DT_LOAD, AUDIT_DT_LDTR, 0, LDT_BASE));
	assert_true(audited(&a, AUDIT_CR_WRITE, 3, 1, FX_FREE_ADDR + 0x1000));
	assert_true(audited(&a, AUDIT_CR_WRITE, 0, 1, s->cr0));
	fx->vm.audit = NULL;
	audit_fini(&a);
	assert_int_equal(s->cr3, FX_FREE_ADDR + 0x1000);
	fx_assert_exc(fx, EXC_DB, FX_NOERR);
	assert_true(s->dr[6] & DR6_BT);
	assert_int_equal(fx_stack(fx, 0, 4), TASK_EIP);
	assert_int_equal(s->tr.selector, SEL_TSS2);
	fx_free(fx);
}

/* Long mode has no task switches: IRET with NT, a task gate in the IDT
 * and a far JMP to a TSS are #GP. */
static void test_long_mode(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0xcf);
	fx->c->s.rflags |= RFLAGS_NT;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	fx_poke64(fx, FX_IDT + 16 * 0x50, task_gate(SEL_TSS2, 3));
	fx_poke64(fx, FX_IDT + 16 * 0x50 + 8, 0);
	FX_CODE(fx, 0xcd, 0x50);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0x50 * 8 + 2);
	fx_free(fx);

	fx = fx_new_ok(FX_LONG64);
	fx_set_gdt(fx, SEL_TSS2, sys_desc((uint32_t)TSS2, 0x67, 9, 0));
	fx_set_gdt(fx, SEL_TSS2 + 8, 0);
	fx_poke32(fx, FX_DATA_ADDR, 0);
	fx_poke16(fx, FX_DATA_ADDR + 4, SEL_TSS2);
	FX_CODE(fx, 0xff, 0x2c, 0x25, 0x00, 0x00, 0x04, 0x00);   /* jmp far [0x40000] */
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, SEL_TSS2);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jmp_tss),
		cmocka_unit_test(test_call_gate_and_iret),
		cmocka_unit_test(test_exception_task_gate),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_page_fault_first),
		cmocka_unit_test(test_fault_in_new_task),
		cmocka_unit_test(test_tss16),
		cmocka_unit_test(test_cr3_and_trap),
		cmocka_unit_test(test_long_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
