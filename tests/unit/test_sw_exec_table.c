/* Every form the decoder can return has a handler: a form left to the
 * default would raise #UD on an instruction the CPU model says exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "swvmm/cpu.h"
#include "swvmm/decode.h"

static void test_every_form_has_a_handler(void **state)
{
	(void)state;
	sw_exec_fn t[NR_INSN_FORMS];
	sw_exec_table_init(t);
	sw_exec_fn missing = t[IF_INVALID];   /* never returned by the decoder */
	int unhandled = 0;
	for (unsigned f = 1; f < NR_INSN_FORMS; f++) {
		uint32_t fl = insn_forms[f].flags;
		/* Group and selector entries only redirect the decoder. */
		if (fl & (F_GROUP | F_SEL | F_MODESEL))
			continue;
		if (t[f] == missing) {
			print_error("no handler: %s\n", insn_form_name(f));
			unhandled++;
		}
	}
	assert_int_equal(unhandled, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_form_has_a_handler),
	};
	return cmocka_run_group_tests_name("sw_exec_table", tests, NULL, NULL);
}
