/* Interpreter far transfers: far JMP/CALL/RET in real and protected mode,
 * call gates with a privilege change (stack from the TSS, parameters
 * copied, data segments nulled on return), 64-bit call gates, IRET/IRETQ,
 * SYSCALL/SYSRET and SYSENTER/SYSEXIT. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

#define KCODE 0x21000ull   /* "kernel" code */
#define UCODE 0x22000ull

#define PUT(fx, at, ...)                                                        \
	do {                                                                    \
		const uint8_t b_[] = { __VA_ARGS__ };                           \
		fx_poke((fx), (at), b_, sizeof(b_));                            \
	} while (0)

/* A call gate (type 0xc) at GDT selector gsel. */
static void call_gate(struct sw_fx *fx, uint16_t gsel, uint16_t sel, uint64_t off,
                      unsigned dpl, unsigned params)
{
	uint64_t lo = (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)params << 32) |
	              (0xcull << 40) | ((uint64_t)dpl << 45) | (1ull << 47) |
	              (((off >> 16) & 0xffff) << 48);
	fx_set_gdt(fx, gsel, lo);
	if (fx->mode == FX_LONG64)
		fx_set_gdt(fx, gsel + 8, off >> 32);
}

static void test_far_prot32(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x9a, 0x00, 0x10, 0x02, 0x00, 0x08, 0x00,   /* call 0x08:0x21000 */
		0xea, 0x00, 0x01, 0x00, 0x00, 0x48, 0x00);        /* jmp 0x48:0x100 */
	PUT(fx, KCODE, 0xcb);                                     /* retf */
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.rip, KCODE);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR + 7);
	assert_int_equal(fx_stack(fx, 1, 4), FX_SEL_CODE32);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 7);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.seg[SEG_CS].selector, FX_SEL_CODE16);
	assert_int_equal(fx->c->mode, MODE_PROT16);
	assert_int_equal(fx->c->s.rip, 0x100);
	fx_assert_no_exc(fx);
	fx_free(fx);

	/* Targets that fault: a data segment, null, ring-3 code from ring 0,
	 * an offset beyond the limit. */
	static const struct { uint16_t sel; uint32_t off; int err; } bad[] = {
		{ FX_SEL_DATA, 0, FX_SEL_DATA }, { 0, 0, 0 },
		{ FX_SEL_UCODE32, 0, FX_SEL_UCODE32 & ~3 }, { FX_SEL_CODE16, 0x10000, 0 },
	};
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		fx = fx_new_ok(FX_PROT32);
		FX_CODE(fx, 0xea, bad[k].off & 0xff, (bad[k].off >> 8) & 0xff,
			(bad[k].off >> 16) & 0xff, bad[k].off >> 24, bad[k].sel & 0xff, 0);
		fx_run(fx, 1);
		fx_assert_exc(fx, EXC_GP, bad[k].err);
		fx_free(fx);
	}
}

static void test_far_real(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx, 0x9a, 0x10, 0x00, 0x00, 0x10);     /* call 0x1000:0x0010 */
	PUT(fx, 0x10010, 0xcb);                         /* retf */
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.seg[SEG_CS].selector, 0x1000);
	assert_int_equal(fx->c->s.seg[SEG_CS].base, 0x10000);
	assert_int_equal(fx->c->s.rip, 0x10);
	assert_int_equal(fx_stack(fx, 0, 2), 5);
	assert_int_equal(fx_stack(fx, 1, 2), 0x2000);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.seg[SEG_CS].base, 0x20000);
	assert_int_equal(fx->c->s.rip, 5);
	assert_int_equal(fx->c->s.gpr[RSP], 0xfff0);
	fx_free(fx);
}

/* CPL 3 -> CPL 0 through a 32-bit call gate with two parameters, and back
 * with RETF 8; ES holding a ring-0 segment is nulled on the way out. */
static void test_call_gate_privilege(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	call_gate(fx, FX_GDT_FREE, FX_SEL_CODE32, KCODE, 3, 2);
	FX_CODE(fx, 0x68, 0x11, 0x11, 0x11, 0x11,      /* push 0x11111111 */
		0x68, 0x22, 0x22, 0x22, 0x22,           /* push 0x22222222 */
		0x9a, 0, 0, 0, 0, FX_GDT_FREE | 3, 0);  /* call gate:0 */
	PUT(fx, KCODE, 0xca, 0x08, 0x00);               /* retf 8 */
	fx_to_user(fx);
	fx_run(fx, 3);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->cpl, 0);
	assert_int_equal(fx->c->s.rip, KCODE);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, FX_SEL_DATA);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK0_TOP - 24);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR + 17);
	assert_int_equal(fx_stack(fx, 1, 4), FX_SEL_UCODE32);
	assert_int_equal(fx_stack(fx, 2, 4), 0x22222222);
	assert_int_equal(fx_stack(fx, 3, 4), 0x11111111);
	assert_int_equal(fx_stack(fx, 4, 4), FX_STACK_TOP - 8);
	assert_int_equal(fx_stack(fx, 5, 4), FX_SEL_UDATA);

	fx_seg_from_gdt(fx, &fx->c->s.seg[SEG_ES], FX_SEL_DATA);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->cpl, 3);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 17);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, FX_SEL_UDATA);
	assert_true(fx->c->s.seg[SEG_ES].unusable);
	assert_false(fx->c->s.seg[SEG_DS].unusable);
	fx_free(fx);

	/* A gate with DPL 0 is out of reach from CPL 3. */
	fx = fx_new_ok(FX_PROT32);
	call_gate(fx, FX_GDT_FREE, FX_SEL_CODE32, KCODE, 0, 0);
	FX_CODE(fx, 0x9a, 0, 0, 0, 0, FX_GDT_FREE | 3, 0);
	fx_to_user(fx);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, FX_GDT_FREE);
	fx_free(fx);
}

/* 64-bit call gate: null SS at the new level, 8-byte slots; RETFQ back. */
static void test_call_gate_64(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	call_gate(fx, FX_GDT_FREE, FX_SEL_CODE64, KCODE, 3, 0);
	FX_CODE(fx, 0xff, 0x1b);                        /* call far [rbx] (m16:32) */
	fx_poke32(fx, FX_DATA_ADDR, 0);
	fx_poke16(fx, FX_DATA_ADDR + 4, FX_GDT_FREE | 3);
	PUT(fx, KCODE, 0x48, 0xcb);                     /* retfq */
	fx_to_user(fx);
	fx->c->s.gpr[RBX] = FX_DATA_ADDR;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->cpl, 0);
	assert_true(fx->c->s.seg[SEG_SS].unusable);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK0_TOP - 32);
	assert_int_equal(fx_stack(fx, 0, 8), FX_CODE_ADDR + 2);
	assert_int_equal(fx_stack(fx, 1, 8), FX_SEL_UCODE64);
	assert_int_equal(fx_stack(fx, 2, 8), FX_STACK_TOP);
	assert_int_equal(fx_stack(fx, 3, 8), FX_SEL_UDATA);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->cpl, 3);
	assert_int_equal(fx->c->mode, MODE_LONG64);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 2);
	assert_int_equal(fx->c->s.gpr[RSP], FX_STACK_TOP);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, FX_SEL_UDATA);
	fx_free(fx);
}

static void push_frame64(struct sw_fx *fx, uint64_t rip, uint16_t cs, uint64_t fl,
                         uint64_t rsp, uint16_t ss)
{
	uint64_t sp = fx->c->s.gpr[RSP] - 40;
	fx_poke64(fx, sp, rip);
	fx_poke64(fx, sp + 8, cs);
	fx_poke64(fx, sp + 16, fl);
	fx_poke64(fx, sp + 24, rsp);
	fx_poke64(fx, sp + 32, ss);
	fx->c->s.gpr[RSP] = sp;
}

static void test_iretq(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x48, 0xcf);                        /* iretq */
	PUT(fx, UCODE, 0x48, 0xcf);                     /* iretq at CPL 3: #GP */
	push_frame64(fx, UCODE, FX_SEL_UCODE64, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_IOPL,
	             0x70000, FX_SEL_UDATA);
	fx_seg_from_gdt(fx, &fx->c->s.seg[SEG_FS], FX_SEL_DATA);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->cpl, 3);
	assert_int_equal(fx->c->s.rip, UCODE);
	assert_int_equal(fx->c->s.gpr[RSP], 0x70000);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, FX_SEL_UDATA);
	assert_true(fx->c->s.rflags & RFLAGS_IF);
	assert_int_equal(fx->c->s.rflags & RFLAGS_IOPL, RFLAGS_IOPL);  /* CPL 0 may set it */
	assert_true(fx->c->s.seg[SEG_FS].unusable);     /* DPL 0 data nulled */
	fx_free(fx);

	/* Same level: IRETQ pops SS:RSP in 64-bit mode all the same. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x48, 0xcf);
	push_frame64(fx, KCODE, FX_SEL_CODE64, RFLAGS_FIXED, 0x60000, FX_SEL_DATA);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.rip, KCODE);
	assert_int_equal(fx->c->s.gpr[RSP], 0x60000);
	fx_free(fx);

	/* To user with IOPL 0: IF set, but a user IRET cannot change IF. */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x48, 0xcf);
	PUT(fx, UCODE, 0x48, 0xcf);
	push_frame64(fx, UCODE, FX_SEL_UCODE64, RFLAGS_FIXED, 0x70000, FX_SEL_UDATA);
	fx_run(fx, 1);
	assert_int_equal(fx->c->cpl, 3);
	fx->c->s.gpr[RSP] = 0x70000;
	push_frame64(fx, UCODE, FX_SEL_UCODE64, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_CF,
	             0x70000, FX_SEL_UDATA);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_false(fx->c->s.rflags & RFLAGS_IF);
	assert_true(fx->c->s.rflags & RFLAGS_CF);
	/* A return to CPL 0 from CPL 3 is refused: #GP(selector). */
	push_frame64(fx, KCODE, FX_SEL_CODE64, RFLAGS_FIXED, 0x70000, FX_SEL_DATA);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, FX_SEL_CODE64);
	fx_free(fx);
}

/* IRETQ to CPL 3 nulls a ring-0 FS but, with either vendor, leaves its
 * base and limit as they were (as the hardware under KVM does): only a
 * MOV of a null selector clears them, and only on Intel. */
static void test_iret_null_keeps_base(void **state)
{
	(void)state;
	for (unsigned amd = 0; amd < 2; amd++) {
		struct sw_fx *fx = fx_new_ok(FX_LONG64);
		fx->c->vendor_amd = amd;
		FX_CODE(fx, 0x48, 0xcf);                /* iretq */
		push_frame64(fx, UCODE, FX_SEL_UCODE64, RFLAGS_FIXED, 0x70000, FX_SEL_UDATA);
		fx_seg_from_gdt(fx, &fx->c->s.seg[SEG_FS], FX_SEL_DATA);
		fx->c->s.seg[SEG_FS].base = 0x12345000;
		fx_run(fx, 1);
		fx_assert_no_exc(fx);
		assert_int_equal(fx->c->cpl, 3);
		assert_true(fx->c->s.seg[SEG_FS].unusable);
		assert_int_equal(fx->c->s.seg[SEG_FS].selector, 0);
		assert_int_equal(fx->c->s.seg[SEG_FS].base, 0x12345000);
		assert_int_equal(fx->c->s.seg[SEG_FS].limit, 0xffffffffu);
		fx_free(fx);
	}
}

static void test_iret_real_and_nt(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_REAL);
	FX_CODE(fx, 0xcf);
	fx->c->s.gpr[RSP] = 0xfff0 - 6;
	fx_poke16(fx, 0x2fff0 - 6, 0x1234);
	fx_poke16(fx, 0x2fff0 - 4, 0x3000);
	fx_poke16(fx, 0x2fff0 - 2, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_ZF);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.seg[SEG_CS].base, 0x30000);
	assert_int_equal(fx->c->s.rip, 0x1234);
	assert_int_equal(fx->c->s.rflags, RFLAGS_FIXED | RFLAGS_IF | RFLAGS_ZF);
	assert_int_equal(fx->c->s.gpr[RSP], 0xfff0);
	fx_free(fx);
}

static void syscall_setup(struct sw_fx *fx)
{
	struct vcpu_state *s = &fx->c->s;
	s->efer |= EFER_SCE;
	s->msr.star = FX_STAR;
	s->msr.lstar = KCODE;
	s->msr.sfmask = RFLAGS_IF | RFLAGS_TF;
}

static void test_syscall_sysret(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	syscall_setup(fx);
	FX_CODE(fx, 0x0f, 0x05, 0x90);                  /* syscall; nop */
	PUT(fx, KCODE, 0x48, 0x0f, 0x07);               /* sysretq */
	fx_to_user(fx);
	fx->c->s.rflags |= RFLAGS_IF | RFLAGS_CF;
	uint64_t fl = fx->c->s.rflags;
	fx_run(fx, 1);
	assert_int_equal(fx->c->cpl, 0);
	assert_int_equal(fx->c->s.rip, KCODE);
	assert_int_equal(fx->c->s.seg[SEG_CS].selector, 0x10);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, 0x18);
	assert_int_equal(fx->c->s.gpr[RCX], FX_CODE_ADDR + 2);
	assert_int_equal(fx->c->s.gpr[R11], fl);
	assert_false(fx->c->s.rflags & RFLAGS_IF);
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->cpl, 3);
	assert_int_equal(fx->c->mode, MODE_LONG64);
	assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 2);
	assert_int_equal(fx->c->s.seg[SEG_CS].selector, FX_SEL_UCODE64);
	assert_int_equal(fx->c->s.seg[SEG_SS].selector, FX_SEL_UDATA);
	assert_int_equal(fx->c->s.rflags, fl);
	fx_free(fx);

	/* SYSRET to a non-canonical RCX faults at CPL 0 (Intel). */
	fx = fx_new_ok(FX_LONG64);
	syscall_setup(fx);
	FX_CODE(fx, 0x48, 0x0f, 0x07);
	fx->c->s.gpr[RCX] = 0x0000800000000000ull;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	assert_int_equal(fx_stack(fx, 2, 8), FX_SEL_CODE64);   /* from CPL 0 */
	fx_free(fx);

	/* 32-bit SYSRET: compatibility mode, CS = STAR[63:48]. */
	fx = fx_new_ok(FX_LONG64);
	syscall_setup(fx);
	FX_CODE(fx, 0x0f, 0x07);
	fx->c->s.gpr[RCX] = 0x1234;
	fx_run(fx, 1);
	assert_int_equal(fx->c->mode, MODE_COMPAT32);
	assert_int_equal(fx->c->s.seg[SEG_CS].selector, FX_SEL_UCODE32);
	assert_int_equal(fx->c->s.rip, 0x1234);
	fx_free(fx);

	/* EFER.SCE clear: #UD; SYSRET from CPL 3: #GP(0). */
	fx = fx_new_ok(FX_LONG64);
	FX_CODE(fx, 0x0f, 0x05);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	fx_free(fx);
	fx = fx_new_ok(FX_LONG64);
	syscall_setup(fx);
	FX_CODE(fx, 0x48, 0x0f, 0x07);
	fx_to_user(fx);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);
}

static void test_sysenter_sysexit(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	struct vcpu_state *s = &fx->c->s;
	s->msr.sysenter_cs = FX_SEL_CODE32;
	s->msr.sysenter_esp = 0x88000;
	s->msr.sysenter_eip = KCODE;
	FX_CODE(fx, 0x0f, 0x34);                        /* sysenter */
	PUT(fx, KCODE, 0x0f, 0x35);                     /* sysexit */
	fx_to_user(fx);
	s->rflags |= RFLAGS_IF;
	fx_run(fx, 1);
	assert_int_equal(fx->c->cpl, 0);
	assert_int_equal(s->seg[SEG_CS].selector, FX_SEL_CODE32);
	assert_int_equal(s->seg[SEG_SS].selector, FX_SEL_CODE32 + 8);
	assert_int_equal(s->gpr[RSP], 0x88000);
	assert_int_equal(s->rip, KCODE);
	assert_false(s->rflags & RFLAGS_IF);
	s->gpr[RDX] = FX_CODE_ADDR + 2;
	s->gpr[RCX] = 0x7f000;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->cpl, 3);
	assert_int_equal(s->seg[SEG_CS].selector, (FX_SEL_CODE32 + 16) | 3);
	assert_int_equal(s->seg[SEG_SS].selector, (FX_SEL_CODE32 + 24) | 3);
	assert_int_equal(s->rip, FX_CODE_ADDR + 2);
	assert_int_equal(s->gpr[RSP], 0x7f000);
	fx_free(fx);

	/* SYSENTER_CS = 0: #GP(0). */
	fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0x0f, 0x34);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_GP, 0);
	fx_free(fx);

	/* Long mode: allowed on Intel, #UD on AMD. */
	fx = fx_new_ok(FX_LONG64);
	fx->c->s.msr.sysenter_cs = FX_SEL_CODE64;
	fx->c->s.msr.sysenter_eip = KCODE;
	FX_CODE(fx, 0x0f, 0x34);
	fx->c->vendor_amd = false;
	fx_run(fx, 1);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->mode, MODE_LONG64);
	assert_int_equal(fx->c->s.rip, KCODE);
	fx_free(fx);
	fx = fx_new_ok(FX_LONG64);
	fx->c->s.msr.sysenter_cs = FX_SEL_CODE64;
	FX_CODE(fx, 0x0f, 0x34);
	fx->c->vendor_amd = true;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_UD, FX_NOERR);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_far_prot32),
		cmocka_unit_test(test_far_real),
		cmocka_unit_test(test_call_gate_privilege),
		cmocka_unit_test(test_call_gate_64),
		cmocka_unit_test(test_iretq),
		cmocka_unit_test(test_iret_null_keeps_base),
		cmocka_unit_test(test_iret_real_and_nt),
		cmocka_unit_test(test_syscall_sysret),
		cmocka_unit_test(test_sysenter_sysexit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
