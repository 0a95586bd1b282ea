/* Virtual-8086 mode in the interpreter: entry by IRETD from CPL 0 (the
 * segments loaded real-mode style at CPL 3), real-mode addressing, segment
 * loads and far jumps there, the IOPL-sensitive instructions (#GP(0) below
 * IOPL 3, INT3 exempt), INT n and faults delivered to a ring-0 handler
 * with the ten-slot frame and nulled data segments, the gate checks, IRETD
 * back into virtual-8086 mode and IRET at IOPL 3 within it, paging at user
 * privilege, the I/O bitmap that IOPL does not override, and CR4.VME,
 * which the CPUID model does not offer, stopping with a report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "swvmm/flags.h"
#include "tests/unit/sw_fixture.h"

/* The state IRETD enters: CS:IP, SS:SP and the data segments. */
#define V_CS 0x3000
#define V_IP 0x0010
#define V_SS 0x5000
#define V_SP 0x0100
#define V_ES 0x6000
#define V_DS 0x6100
#define V_FS 0x6200
#define V_GS 0x6300
#define V_CODE (((uint64_t)V_CS << 4) + V_IP)
#define IOPL3 RFLAGS_IOPL
#define HANDLER 0xa0000ull     /* a ring-0 handler some tests install */
#define DEV_PORT 0x200

/* IRETD at CPL 0 with a virtual-8086 frame of EFLAGS fl on the stack,
 * the code placed at V_CS:V_IP; runs the IRETD. */
static struct sw_fx *enter(uint64_t fl, const uint8_t *code, size_t n)
{
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	const uint32_t frame[9] = { V_IP, V_CS, (uint32_t)(fl | RFLAGS_VM | RFLAGS_FIXED), V_SP,
	                            V_SS, V_ES, V_DS, V_FS, V_GS };
	uint64_t sp = FX_STACK_TOP - sizeof(frame);
	fx_poke(fx, sp, frame, sizeof(frame));
	fx->c->s.gpr[RSP] = sp;
	FX_CODE(fx, 0xcf);                                   /* iretd */
	fx_poke(fx, V_CODE, code, n);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	return fx;
}
#define ENTER(fl, ...)                                                          \
	({                                                                      \
		const uint8_t code_[] = { __VA_ARGS__ };                        \
		enter((fl), code_, sizeof(code_));                              \
	})

static void assert_vm86_seg(const struct seg_cache *sc, uint16_t sel)
{
	assert_int_equal(sc->selector, sel);
	assert_int_equal(sc->base, (uint64_t)sel << 4);
	assert_int_equal(sc->limit, 0xffff);
	assert_int_equal(sc->type, 3);
	assert_int_equal(sc->s, 1);
	assert_int_equal(sc->dpl, 3);
	assert_int_equal(sc->present, 1);
	assert_int_equal(sc->db, 0);
	assert_int_equal(sc->g, 0);
	assert_int_equal(sc->unusable, 0);
}

static void test_iret_enters(void **state)
{
	(void)state;
	struct sw_fx *fx = ENTER(RFLAGS_IF | RFLAGS_CF, 0xf4);
	const struct vcpu_state *s = &fx->c->s;
	assert_int_equal(vcpu_mode(s), MODE_VM86);
	assert_int_equal(vcpu_cpl(s), 3);
	assert_int_equal(fx->c->cpl, 3);
	assert_int_equal(s->rip, V_IP);
	assert_int_equal(s->gpr[RSP], V_SP);
	assert_int_equal(s->rflags, RFLAGS_VM | RFLAGS_IF | RFLAGS_CF | RFLAGS_FIXED);
	assert_vm86_seg(&s->seg[SEG_CS], V_CS);
	assert_vm86_seg(&s->seg[SEG_SS], V_SS);
	assert_vm86_seg(&s->seg[SEG_ES], V_ES);
	assert_vm86_seg(&s->seg[SEG_DS], V_DS);
	assert_vm86_seg(&s->seg[SEG_FS], V_FS);
	assert_vm86_seg(&s->seg[SEG_GS], V_GS);
	assert_int_equal(vcpu_state_check(s, NULL, 0), 0);
	fx_free(fx);
}

/* An EIP beyond the 0xffff limit of the CS it returns to: #GP(0), still
 * at CPL 0. */
static void test_iret_eip_limit(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	const uint32_t frame[9] = { 0x10000, V_CS, RFLAGS_VM | RFLAGS_FIXED, V_SP,
	                            V_SS, V_ES, V_DS, V_FS, V_GS };
	uint64_t sp = FX_STACK_TOP - sizeof(frame);
	fx_poke(fx, sp, frame, sizeof(frame));
	fx->c->s.gpr[RSP] = sp;
	FX_CODE(fx, 0xcf);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx->c->s.rflags & RFLAGS_VM, 0);
	assert_int_equal(fx_stack(fx, 1, 4), FX_CODE_ADDR);   /* the IRETD faulted */
	fx_free(fx);
}

/* Addresses are segment << 4 + offset; segment loads and far jumps work
 * as in real mode, with the virtual-8086 caches. */
static void test_real_addressing(void **state)
{
	(void)state;
	struct sw_fx *fx = ENTER(0,
		0xa1, 0x10, 0x00,                  /* mov ax, [0x10]        (DS) */
		0x50,                              /* push ax               (SS) */
		0x26, 0xc7, 0x06, 0x20, 0x00, 0x78, 0x56, /* mov word [es:0x20], 0x5678 */
		0xb9, 0x00, 0x70,                  /* mov cx, 0x7000 */
		0x8e, 0xd9,                        /* mov ds, cx */
		0xa0, 0x05, 0x00,                  /* mov al, [5] */
		0x8c, 0xcb,                        /* mov bx, cs */
		0xea, 0x00, 0x00, 0x00, 0x40);     /* jmp 0x4000:0x0000 */
	fx_poke16(fx, ((uint64_t)V_DS << 4) + 0x10, 0x1234);
	fx_poke16(fx, 0x70005, 0x99);
	fx_poke16(fx, 0x40000, 0x90f4);           /* hlt */
	fx_run(fx, 8);
	const struct vcpu_state *s = &fx->c->s;
	fx_assert_no_exc(fx);
	assert_int_equal(fx_peek(fx, ((uint64_t)V_SS << 4) + V_SP - 2, 2), 0x1234);
	assert_int_equal(s->gpr[RSP], V_SP - 2);
	assert_int_equal(fx_peek(fx, ((uint64_t)V_ES << 4) + 0x20, 2), 0x5678);
	assert_vm86_seg(&s->seg[SEG_DS], 0x7000);
	assert_int_equal(s->gpr[RAX] & 0xffff, 0x1299);
	assert_int_equal(s->gpr[RBX] & 0xffff, V_CS);
	assert_vm86_seg(&s->seg[SEG_CS], 0x4000);
	assert_int_equal(s->rip, 0);
	assert_int_equal(vcpu_mode(s), MODE_VM86);
	fx_free(fx);
}

/* The frame of an event from virtual-8086 mode, on the ring-0 stack from
 * the TSS: error code (if any), EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS;
 * the handler runs at CPL 0 with DS, ES, FS and GS null and VM clear. */
static void assert_frame(struct sw_fx *fx, uint64_t ip, uint64_t fl, int err)
{
	const struct vcpu_state *s = &fx->c->s;
	unsigned n = err == FX_NOERR ? 9 : 10, k = 0;
	assert_int_equal(s->gpr[RSP], FX_STACK0_TOP - 4 * n);
	assert_int_equal(s->seg[SEG_SS].selector, FX_SEL_DATA);
	if (err != FX_NOERR) {
		assert_int_equal(fx_stack(fx, k++, 4), (uint32_t)err);
		fl |= RFLAGS_RF;   /* every fault here pushes RF=1 (SDM Vol. 3, 17.3.1.1) */
	}
	const uint64_t want[9] = { ip, V_CS, fl, V_SP, V_SS, V_ES, V_DS, V_FS, V_GS };
	for (unsigned j = 0; j < 9; j++)
		assert_int_equal(fx_stack(fx, k + j, 4), want[j]);
	static const unsigned nulled[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
	for (unsigned j = 0; j < 4; j++) {
		assert_int_equal(s->seg[nulled[j]].selector, 0);
		assert_true(s->seg[nulled[j]].unusable);
	}
	assert_int_equal(s->rflags & (RFLAGS_VM | RFLAGS_IF | RFLAGS_TF | RFLAGS_NT), 0);
	assert_int_equal(vcpu_cpl(s), 0);
	assert_int_equal(vcpu_mode(s), MODE_PROT32);
}

/* Below IOPL 3, CLI, STI, PUSHF, POPF, IRET and INT n are #GP(0) at the
 * instruction; INT3 is not IOPL-sensitive. */
static void test_sensitive_gp(void **state)
{
	(void)state;
	static const uint8_t ops[][2] = {
		{ 0xfa, 0x90 }, { 0xfb, 0x90 }, { 0x9c, 0x90 }, { 0x9d, 0x90 }, { 0xcf, 0x90 },
		{ 0xcd, 0x21 }, { 0x66, 0x9c },
	};
	for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		uint64_t fl = RFLAGS_IF | ((k % 3ull) << 12);   /* IOPL 0, 1, 2 */
		struct sw_fx *fx = enter(fl, ops[k], 2);
		fx_run(fx, 1);
		fx_assert_exc(fx, EXC_GP, 0);
		assert_frame(fx, V_IP, fl | RFLAGS_VM | RFLAGS_FIXED, 0);
		fx_free(fx);
	}
	struct sw_fx *fx = ENTER(0, 0xcc);                   /* int3 */
	fx_set_gate(fx, EXC_BP, FX_SEL_CODE32, FX_STUB(EXC_BP), 0xe, 3, 0);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_BP, FX_NOERR);
	assert_frame(fx, V_IP + 1, RFLAGS_VM | RFLAGS_FIXED, FX_NOERR);
	fx_free(fx);
}

/* At IOPL 3 they run: CLI/STI change IF, PUSHF pushes FLAGS, POPF
 * leaves IOPL alone. */
static void test_sensitive_iopl3(void **state)
{
	(void)state;
	struct sw_fx *fx = ENTER(IOPL3,
		0xfb,                              /* sti */
		0x9c,                              /* pushf */
		0xfa,                              /* cli */
		0x68, 0x01, 0x02,                  /* push 0x0201 (IF, CF, IOPL 0) */
		0x9d,                              /* popf */
		0xf4);
	fx_run(fx, 5);
	fx_assert_no_exc(fx);
	const struct vcpu_state *s = &fx->c->s;
	assert_int_equal(fx_peek(fx, ((uint64_t)V_SS << 4) + V_SP - 2, 2),
	                 (IOPL3 | RFLAGS_IF | RFLAGS_FIXED) & 0xffff);
	assert_int_equal(sw_flags_get(fx->c),
	                 RFLAGS_VM | IOPL3 | RFLAGS_IF | RFLAGS_CF | RFLAGS_FIXED);
	assert_int_equal(s->gpr[RSP], V_SP - 2);
	fx_free(fx);
}

/* INT n at IOPL 3 through a DPL-3 interrupt gate: no error code, the
 * return address after the instruction. */
static void test_int_n_frame(void **state)
{
	(void)state;
	struct sw_fx *fx = ENTER(IOPL3 | RFLAGS_IF, 0xcd, 0x21);
	fx_set_gate(fx, 0x21, FX_SEL_CODE32, FX_STUB(0x21), 0xe, 3, 0);
	fx_run(fx, 1);
	fx_assert_exc(fx, 0x21, FX_NOERR);
	assert_frame(fx, V_IP + 2, RFLAGS_VM | IOPL3 | RFLAGS_IF | RFLAGS_FIXED, FX_NOERR);
	fx_free(fx);
}

/* The handler must be non-conforming at DPL 0: a DPL-3 or a conforming
 * target is #GP(selector), checked before the offset against the target's
 * limit; a gate below DPL 3 is #GP(vector * 8 + 2) for INT n. */
static void test_gate_checks(void **state)
{
	(void)state;
	const struct { uint16_t sel; unsigned gate_dpl; unsigned vec; int err; } cases[] = {
		{ FX_SEL_UCODE32, 3, EXC_GP, FX_SEL_UCODE32 & ~3 },
		{ FX_GDT_FREE, 3, EXC_GP, FX_GDT_FREE },
		{ FX_GDT_FREE + 8, 3, EXC_GP, FX_GDT_FREE + 8 },
		{ FX_SEL_CODE32, 0, EXC_GP, 0x21 * 8 + 2 },
	};
	for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct sw_fx *fx = ENTER(IOPL3, 0xcd, 0x21);
		fx_set_gdt(fx, FX_GDT_FREE, fx_desc(0, 0xfffff, 0xf, 0, FX_G | FX_DB));
		fx_set_gdt(fx, FX_GDT_FREE + 8, fx_desc(0, 0xff, 0xb, 3, FX_DB)); /* below the stub */
		fx_set_gate(fx, 0x21, cases[k].sel, FX_STUB(0x21), 0xe, cases[k].gate_dpl, 0);
		fx_run(fx, 1);
		fx_assert_exc(fx, cases[k].vec, cases[k].err);
		assert_frame(fx, V_IP, RFLAGS_VM | IOPL3 | RFLAGS_FIXED, cases[k].err);
		fx_free(fx);
	}
}

/* A ring-0 handler that IRETDs back: virtual-8086 mode again with the
 * saved segments, at the instruction after INT n. */
static void test_iret_back(void **state)
{
	(void)state;
	struct sw_fx *fx = ENTER(IOPL3,
		0xcd, 0x21,                        /* int 0x21 */
		0xbb, 0x21, 0x43,                  /* mov bx, 0x4321 */
		0xf4);
	static const uint8_t handler[] = { 0xb8, 0x77, 0x00, 0x00, 0x00, 0xcf }; /* mov eax, 0x77; iretd */
	fx_poke(fx, HANDLER, handler, sizeof(handler));
	fx_set_gate(fx, 0x21, FX_SEL_CODE32, HANDLER, 0xe, 3, 0);
	fx_run(fx, 4);
	const struct vcpu_state *s = &fx->c->s;
	assert_int_equal(fx->c->last_event.count, 1);          /* the INT only */
	assert_int_equal(s->gpr[RAX], 0x77);
	assert_int_equal(s->gpr[RBX] & 0xffff, 0x4321);
	assert_int_equal(vcpu_mode(s), MODE_VM86);
	assert_int_equal(s->rip, V_IP + 5);
	assert_int_equal(s->gpr[RSP], V_SP);
	assert_vm86_seg(&s->seg[SEG_DS], V_DS);
	assert_vm86_seg(&s->seg[SEG_GS], V_GS);
	assert_int_equal(fx->vm.stop, VM_RUNNING);              /* HLT not run yet */
	/* HLT at CPL 3: #GP(0) with the frame. */
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_frame(fx, V_IP + 5, RFLAGS_VM | IOPL3 | RFLAGS_FIXED, 0);
	fx_free(fx);
}

/* IRET inside virtual-8086 mode at IOPL 3 pops IP, CS and FLAGS as in
 * real mode; IOPL stays. */
static void test_iret_within(void **state)
{
	(void)state;
	struct sw_fx *fx = ENTER(IOPL3,
		0x68, 0x01, 0x02,                  /* push 0x0201 */
		0x68, 0x00, 0x44,                  /* push 0x4400 */
		0x68, 0x34, 0x12,                  /* push 0x1234 */
		0xcf);                             /* iret */
	fx_run(fx, 4);
	fx_assert_no_exc(fx);
	const struct vcpu_state *s = &fx->c->s;
	assert_vm86_seg(&s->seg[SEG_CS], 0x4400);
	assert_int_equal(s->rip, 0x1234);
	assert_int_equal(s->gpr[RSP], V_SP);
	assert_int_equal(s->rflags, RFLAGS_VM | IOPL3 | RFLAGS_IF | RFLAGS_CF | RFLAGS_FIXED);
	fx_free(fx);
}

/* Paging checks accesses from virtual-8086 mode as user accesses. */
static void test_user_paging(void **state)
{
	(void)state;
	struct sw_fx *fx = ENTER(0, 0xa1, 0x10, 0x00);      /* mov ax, [0x10] */
	const uint64_t pd = 0xa1000, pt = 0xa2000, page = ((uint64_t)V_DS << 4) >> 12;
	fx_poke32(fx, pd, (uint32_t)pt | 7);
	for (uint64_t k = 0; k < 1024; k++)
		fx_poke32(fx, pt + 4 * k, (uint32_t)(k << 12) | (k == page ? 3 : 7));
	fx->c->s.cr3 = pd;
	fx->c->s.cr0 |= CR0_PG;
	fx_sync(fx);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_PF, PFEC_U | PFEC_P);
	assert_int_equal(fx->c->s.cr2, ((uint64_t)V_DS << 4) + 0x10);
	assert_frame(fx, V_IP, RFLAGS_VM | RFLAGS_FIXED, PFEC_U | PFEC_P);
	fx_free(fx);
}

static int dev_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	unsigned *hits = opaque;
	(void)offset;
	if (!is_write)
		memset(data, 0x5a, len);
	(*hits)++;
	return 0;
}

/* Port I/O in virtual-8086 mode obeys the TSS I/O bitmap alone: IOPL 3
 * does not let a denied port through. */
static void test_io_bitmap(void **state)
{
	(void)state;
	struct sw_fx *fx = ENTER(IOPL3,
		0xba, 0x00, 0x02,                  /* mov dx, 0x200 */
		0xec,                              /* in al, dx */
		0xee,                              /* out dx, al */
		0x42,                              /* inc dx */
		0xec);                             /* in al, dx: denied */
	unsigned hits = 0;
	assert_int_equal(bus_register(&fx->vm.bus, BUS_PIO, DEV_PORT, 8, dev_io, &hits, "t"), 0);
	/* A bitmap for ports 0-0x3ff after the TSS, port 0x201 denied. */
	uint8_t map[0x81] = { 0 };
	map[DEV_PORT / 8] = 1u << ((DEV_PORT + 1) & 7);
	map[0x80] = 0xff;
	fx_poke(fx, FX_TSS + 0x68, map, sizeof(map));
	fx->c->s.tr.limit = 0x68 + sizeof(map) - 1;
	fx_run(fx, 4);
	fx_assert_no_exc(fx);
	assert_int_equal(hits, 2);
	assert_int_equal(fx->c->s.gpr[RAX] & 0xff, 0x5a);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_frame(fx, V_IP + 6, RFLAGS_VM | IOPL3 | RFLAGS_FIXED, 0);
	assert_int_equal(hits, 2);
	fx_free(fx);
}

/* CR4.VME (not offered by CPUID): the instructions it would change stop
 * the VM with a report rather than run without it. */
static void test_vme_unsupported(void **state)
{
	(void)state;
	struct sw_fx *fx = ENTER(0, 0xfa);                   /* cli at IOPL 0 */
	fx->c->s.cr4 |= CR4_VME;
	fx_run(fx, 1);
	assert_int_equal(fx->vm.stop, VM_STOP_UNSUPPORTED);
	assert_non_null(strstr(fx->vm.err, "CR4.VME"));
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iret_enters),
		cmocka_unit_test(test_iret_eip_limit),
		cmocka_unit_test(test_real_addressing),
		cmocka_unit_test(test_sensitive_gp),
		cmocka_unit_test(test_sensitive_iopl3),
		cmocka_unit_test(test_int_n_frame),
		cmocka_unit_test(test_gate_checks),
		cmocka_unit_test(test_iret_back),
		cmocka_unit_test(test_iret_within),
		cmocka_unit_test(test_user_paging),
		cmocka_unit_test(test_io_bitmap),
		cmocka_unit_test(test_vme_unsupported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
