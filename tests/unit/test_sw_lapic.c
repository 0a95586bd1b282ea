/* The interpreter with the local APIC: an NMI sent through the ICR is
 * delivered at the next boundary, and WRMSR clearing IA32_APIC_BASE.EN
 * takes the APIC off its page. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/sw_fixture.h"

static void test_nmi_self_ipi(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe,   /* mov dword [0xfee00300], */
	        0x00, 0x04, 0x04, 0x00,                   /*   0x40400: NMI to self */
	        0x90, 0x90);
	fx_run(fx, 2);                                    /* mov, NMI */
	fx_assert_exc(fx, EXC_NMI, FX_NOERR);
	assert_int_equal(fx_stack(fx, 0, 4), FX_CODE_ADDR + 10);
	assert_true(fx->c->s.ev.nmi.masked);
	fx_free(fx);
}

static void test_apic_global_disable(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new_ok(FX_PROT32);
	FX_CODE(fx, 0xb9, 0x1b, 0x00, 0x00, 0x00,         /* mov ecx, 0x1b */
	        0x31, 0xd2,                               /* xor edx, edx */
	        0xb8, 0x00, 0x01, 0xe0, 0xfe,             /* mov eax, 0xfee00100 */
	        0x0f, 0x30,                               /* wrmsr: EN clear */
	        0xa1, 0x30, 0x00, 0xe0, 0xfe,             /* mov eax, [0xfee00030] */
	        0xf4);
	fx_run_to_hlt(fx, 10);
	assert_int_equal(fx->c->s.gpr[RAX], 0xffffffffu);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nmi_self_ipi),
		cmocka_unit_test(test_apic_global_disable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
