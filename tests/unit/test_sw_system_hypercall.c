/* VMCALL and VMMCALL as KVM answers them: the host vendor's instruction
 * makes a hypercall in every mode (-KVM_ENOSYS for an unknown number,
 * 0 for KVM_HC_VAPIC_POLL_IRQ, -KVM_EPERM above CPL 0, 32-bit results
 * outside 64-bit mode); the other vendor's is rewritten in place into the
 * host's and makes the same call, or faults as KVM's emulator decides
 * (#UD for VMMCALL in real mode, #GP(0) for VMCALL above CPL 0). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

#define VMCALL  0xc1
#define VMMCALL 0xd9
#define ENOSYS64 ((uint64_t)-1000)
#define EPERM64  ((uint64_t)-1)

/* Run `0F 01 modrm; HLT` with RAX = nr; the caller checks the outcome. */
static void run_hc(struct sw_fx *fx, uint8_t modrm, uint64_t nr)
{
	FX_CODE(fx, 0x0f, 0x01, modrm, 0xf4);
	fx->c->s.gpr[RAX] = nr;
	fx_run(fx, 1);
}

static uint8_t native(const struct sw_fx *fx)
{
	return fx->c->vendor_amd ? VMMCALL : VMCALL;
}

static void test_hypercall_native(void **state)
{
	(void)state;
	for (unsigned amd = 0; amd < 2; amd++) {
		struct sw_fx *fx = fx_new_ok(FX_LONG64);
		fx->c->vendor_amd = amd;
		run_hc(fx, native(fx), 0x12345678abcdull);
		fx_assert_no_exc(fx);
		assert_int_equal(fx->c->s.gpr[RAX], ENOSYS64);
		assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 3);
		run_hc(fx, native(fx), 1);                    /* KVM_HC_VAPIC_POLL_IRQ */
		assert_int_equal(fx->c->s.gpr[RAX], 0);
		run_hc(fx, native(fx), 9);                    /* KVM_HC_CLOCK_PAIRING */
		assert_int_equal(fx->c->s.gpr[RAX], (uint64_t)-95);
		fx_assert_no_exc(fx);

		/* At CPL 3: -KVM_EPERM whatever the number. */
		fx_to_user(fx);
		run_hc(fx, native(fx), 1);
		fx_assert_no_exc(fx);
		assert_int_equal(fx->c->s.gpr[RAX], EPERM64);
		fx_free(fx);

		/* Outside 64-bit mode the number and the result are 32-bit. */
		fx = fx_new_ok(FX_PROT32);
		fx->c->vendor_amd = amd;
		run_hc(fx, native(fx), 0xffffffff00000001ull);
		fx_assert_no_exc(fx);
		assert_int_equal(fx->c->s.gpr[RAX], 0);
		run_hc(fx, native(fx), 2);
		assert_int_equal(fx->c->s.gpr[RAX], (uint32_t)ENOSYS64);
		fx_free(fx);

		/* Real mode is CPL 0: the call is made. */
		fx = fx_new_ok(FX_REAL);
		fx->c->vendor_amd = amd;
		run_hc(fx, native(fx), 1);
		fx_assert_no_exc(fx);
		assert_int_equal(fx->c->s.gpr[RAX], 0);
		fx_free(fx);
	}
}

static void test_hypercall_foreign(void **state)
{
	(void)state;
	for (unsigned amd = 0; amd < 2; amd++) {
		uint8_t other = amd ? VMCALL : VMMCALL;
		struct sw_fx *fx = fx_new_ok(FX_LONG64);
		fx->c->vendor_amd = amd;
		run_hc(fx, other, 7);
		fx_assert_no_exc(fx);
		assert_int_equal(fx->c->s.gpr[RAX], ENOSYS64);
		assert_int_equal(fx->c->s.rip, FX_CODE_ADDR + 3);
		assert_int_equal(fx_peek(fx, FX_CODE_ADDR + 2, 1), native(fx));
		assert_int_equal(fx_peek(fx, FX_CODE_ADDR, 2), 0x010f);

		/* At CPL 3 VMCALL is #GP(0) on AMD; VMMCALL on Intel is
		 * rewritten (the page is a user one) and returns -KVM_EPERM. */
		fx_resume(fx);
		fx_to_user(fx);
		run_hc(fx, other, 7);
		if (amd) {
			fx_assert_exc(fx, EXC_GP, 0);
			assert_int_equal(fx_peek(fx, FX_CODE_ADDR + 2, 1), VMCALL);
		} else {
			fx_assert_no_exc(fx);
			assert_int_equal(fx->c->s.gpr[RAX], EPERM64);
			assert_int_equal(fx_peek(fx, FX_CODE_ADDR + 2, 1), VMCALL);
		}
		fx_free(fx);

		/* Real mode: VMMCALL is #UD on Intel; VMCALL is rewritten on AMD. */
		fx = fx_new_ok(FX_REAL);
		fx->c->vendor_amd = amd;
		run_hc(fx, other, 1);
		if (amd) {
			fx_assert_no_exc(fx);
			assert_int_equal(fx->c->s.gpr[RAX], 0);
			assert_int_equal(fx_peek(fx, FX_CODE_ADDR + 2, 1), VMMCALL);
		} else {
			fx_assert_exc(fx, EXC_UD, FX_NOERR);
			assert_int_equal(fx_peek(fx, FX_CODE_ADDR + 2, 1), VMMCALL);
		}
		fx_free(fx);
	}
}

/* The rewrite is a write with the guest's rights: from CPL 3 into a
 * read-only page it is a #PF, and nothing changes. */
static void test_hypercall_foreign_read_only(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_LONG64);
	fx->c->vendor_amd = false;
	fx->c->s.cr0 |= CR0_WP;
	fx_map_4k(fx, 0, 0x5, 0x5);                /* P U, read-only */
	const uint8_t code[] = { 0x0f, 0x01, VMMCALL, 0xf4 };
	fx_to_user(fx);
	fx_code_at(fx, 0x200000, code, sizeof(code));
	fx->c->s.gpr[RAX] = 7;
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_PF, PFEC_P | PFEC_W | PFEC_U);
	assert_int_equal(fx->c->s.cr2, 0x200000);
	assert_int_equal(fx->c->s.gpr[RAX], 7);
	assert_int_equal(fx_peek(fx, 0x200002, 1), VMMCALL);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hypercall_native),
		cmocka_unit_test(test_hypercall_foreign),
		cmocka_unit_test(test_hypercall_foreign_read_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
