/* The canonical vCPU state: reset values, initial modes, mode detection,
 * consistency checks, diff and dump. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/vcpu_state.h"

static void test_reset_values(void **state)
{
	(void)state;
	struct vcpu_state s;
	memset(&s, 0xa5, sizeof(s));
	vcpu_state_reset(&s);

	assert_int_equal(s.seg[SEG_CS].selector, 0xf000);
	assert_int_equal(s.seg[SEG_CS].base, 0xffff0000ull);
	assert_int_equal(s.seg[SEG_CS].limit, 0xffff);
	assert_int_equal(s.seg[SEG_CS].type, 0xb);
	assert_int_equal(s.rip, 0xfff0);
	assert_int_equal(s.gpr[RDX], 0x600);
	assert_int_equal(s.gpr[RAX], 0);
	assert_int_equal(s.cr0, 0x60000010ull);
	assert_int_equal(s.rflags, 2);
	for (int i = 0; i < NR_SREGS; i++) {
		assert_int_equal(s.seg[i].present, 1);
		assert_int_equal(s.seg[i].limit, 0xffff);
		assert_int_equal(s.seg[i].s, 1);
		assert_int_equal(s.seg[i].unusable, 0);
		if (i != SEG_CS) {
			assert_int_equal(s.seg[i].base, 0);
			assert_int_equal(s.seg[i].type, 3);
		}
	}
	assert_int_equal(s.gdtr.limit, 0xffff);
	assert_int_equal(s.idtr.limit, 0xffff);
	assert_int_equal(s.ldtr.type, 2);
	assert_int_equal(s.tr.type, 0xb);
	assert_int_equal(s.tr.s, 0);
	assert_int_equal(s.dr[6], 0xffff0ff0ull);
	assert_int_equal(s.dr[7], 0x400);
	assert_int_equal(s.fx.fcw, 0x37f);
	assert_int_equal(s.fx.mxcsr, 0x1f80);
	assert_int_equal(s.xcr0, 1);
	assert_int_equal(s.msr.pat, 0x0007040600070406ull);
	assert_int_equal(s.msr.apic_base, 0xfee00900ull);
	assert_int_equal(s.efer, 0);
	assert_false(s.ev.halted);
	assert_false(s.ev.exception.pending);
	assert_int_equal(vcpu_mode(&s), MODE_REAL);
	assert_int_equal(vcpu_cpl(&s), 0);
	assert_int_equal(vcpu_state_check(&s, NULL, 0), 0);
}

static void test_set_real_mode(void **state)
{
	(void)state;
	struct vcpu_state s;
	vcpu_state_set_real_mode(&s, 0x1000, 0x23);
	assert_int_equal(s.seg[SEG_CS].selector, 0x1000);
	assert_int_equal(s.seg[SEG_CS].base, 0x10000);
	assert_int_equal(s.seg[SEG_DS].base, 0x10000);
	assert_int_equal(s.seg[SEG_SS].selector, 0x1000);
	assert_int_equal(s.rip, 0x23);
	assert_false(s.cr0 & CR0_PE);
	assert_int_equal(vcpu_mode(&s), MODE_REAL);
	assert_int_equal(vcpu_state_check(&s, NULL, 0), 0);
}

static void test_set_flat32(void **state)
{
	(void)state;
	struct vcpu_state s;
	char why[128];
	vcpu_state_set_flat32(&s, 0x100040);
	assert_int_equal(s.rip, 0x100040);
	assert_true(s.cr0 & CR0_PE);
	assert_false(s.cr0 & CR0_PG);
	assert_false(s.rflags & RFLAGS_IF);
	const struct seg_cache *cs = &s.seg[SEG_CS];
	assert_int_equal(cs->base, 0);
	assert_int_equal(cs->limit, 0xffffffffu);
	assert_int_equal(cs->type, 0xb);
	assert_int_equal(cs->db, 1);
	assert_int_equal(cs->g, 1);
	assert_int_equal(cs->s, 1);
	assert_int_equal(cs->present, 1);
	for (int i = 0; i < NR_SREGS; i++) {
		if (i == SEG_CS)
			continue;
		assert_int_equal(s.seg[i].type, 3);
		assert_int_equal(s.seg[i].limit, 0xffffffffu);
		assert_int_equal(s.seg[i].base, 0);
	}
	assert_int_equal(vcpu_mode(&s), MODE_PROT32);
	assert_int_equal(vcpu_state_check(&s, why, sizeof(why)), 0);
}

static void make_long64(struct vcpu_state *s)
{
	vcpu_state_set_flat32(s, 0x1000);
	s->cr0 |= CR0_PG;
	s->cr4 |= CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
	s->seg[SEG_CS].l = 1;
	s->seg[SEG_CS].db = 0;
}

static void test_modes(void **state)
{
	(void)state;
	struct vcpu_state s;

	make_long64(&s);
	assert_int_equal(vcpu_mode(&s), MODE_LONG64);
	assert_int_equal(vcpu_state_check(&s, NULL, 0), 0);
	s.seg[SEG_CS].l = 0;
	s.seg[SEG_CS].db = 1;
	assert_int_equal(vcpu_mode(&s), MODE_COMPAT32);
	s.seg[SEG_CS].db = 0;
	assert_int_equal(vcpu_mode(&s), MODE_COMPAT16);

	vcpu_state_set_flat32(&s, 0x1000);
	s.seg[SEG_CS].db = 0;
	assert_int_equal(vcpu_mode(&s), MODE_PROT16);
	s.rflags |= RFLAGS_VM;
	assert_int_equal(vcpu_mode(&s), MODE_VM86);
	assert_int_equal(vcpu_cpl(&s), 3);

	vcpu_state_set_flat32(&s, 0x1000);
	s.seg[SEG_CS].dpl = 3;
	assert_int_equal(vcpu_cpl(&s), 3);

	assert_string_equal(cpu_mode_name(MODE_REAL), "real");
	assert_string_equal(cpu_mode_name(MODE_LONG64), "long64");
	assert_string_equal(cpu_mode_name(MODE_COMPAT32), "compat32");
	assert_string_equal(cpu_mode_name((enum cpu_mode)99), "unknown");
}

/* Each broken state is refused with a reason naming the field. */
static void expect_bad(const struct vcpu_state *s, const char *needle)
{
	char why[160] = "";
	assert_int_equal(vcpu_state_check(s, why, sizeof(why)), -EINVAL);
	if (!strstr(why, needle))
		fail_msg("reason \"%s\" does not mention \"%s\"", why, needle);
}

static void test_check_catches(void **state)
{
	(void)state;
	struct vcpu_state s;

	vcpu_state_set_flat32(&s, 0x1000);
	s.cr0 = CR0_PG | CR0_ET;
	expect_bad(&s, "cr0: PG set without PE");

	make_long64(&s);
	s.efer &= ~EFER_LMA;
	expect_bad(&s, "LMA");
	make_long64(&s);
	s.efer &= ~EFER_LME;
	expect_bad(&s, "LMA");
	vcpu_state_set_flat32(&s, 0x1000);
	s.efer = EFER_LMA;
	expect_bad(&s, "LMA");

	make_long64(&s);
	s.cr4 &= ~CR4_PAE;
	expect_bad(&s, "cr4: PAE");

	make_long64(&s);
	s.seg[SEG_CS].db = 1;
	expect_bad(&s, "cs: L and D");

	vcpu_state_set_flat32(&s, 0x1000);
	s.rflags = 0;
	expect_bad(&s, "rflags: bit 1");
	vcpu_state_set_flat32(&s, 0x1000);
	s.rflags |= 1ull << 3;
	expect_bad(&s, "rflags: reserved");
	vcpu_state_set_flat32(&s, 0x1000);
	s.rflags |= 1ull << 40;
	expect_bad(&s, "rflags: reserved");

	make_long64(&s);
	s.rflags |= RFLAGS_VM;
	expect_bad(&s, "rflags: VM");

	vcpu_state_set_flat32(&s, 0x1000);
	s.cr4 |= 1ull << 15;
	expect_bad(&s, "cr4: reserved");
	vcpu_state_set_flat32(&s, 0x1000);
	s.efer |= 1ull << 3;
	expect_bad(&s, "efer: reserved");

	vcpu_state_set_flat32(&s, 0x1000);
	s.seg[SEG_CS].present = 0;
	expect_bad(&s, "cs: not present");
	vcpu_state_set_flat32(&s, 0x1000);
	s.seg[SEG_CS].type = 0x3;
	expect_bad(&s, "cs.type");

	vcpu_state_set_flat32(&s, 0x1000);
	s.tr.unusable = 1;
	expect_bad(&s, "tr: unusable");
	vcpu_state_set_flat32(&s, 0x1000);
	s.tr.type = 0x9;    /* available, not busy */
	expect_bad(&s, "tr:");
	make_long64(&s);
	s.tr.type = 0x3;    /* 16-bit TSS is no TSS in long mode */
	expect_bad(&s, "tr:");

	vcpu_state_set_flat32(&s, 0x1000);
	s.seg[SEG_DS].limit = 0xfffff000u;   /* G=1 needs the low 12 bits set */
	expect_bad(&s, "ds.limit");
	vcpu_state_set_flat32(&s, 0x1000);
	s.seg[SEG_ES].g = 0;                 /* 4 GiB limit cannot be byte-granular */
	expect_bad(&s, "es.limit");

	vcpu_state_set_flat32(&s, 0x1000);
	s.seg[SEG_SS].type = 0x1;            /* read-only data */
	expect_bad(&s, "ss.type");
	vcpu_state_set_flat32(&s, 0x1000);
	s.seg[SEG_DS].present = 0;
	expect_bad(&s, "ds: usable but not present");

	make_long64(&s);
	s.rip = 0x0000800000000000ull;
	expect_bad(&s, "rip");
	vcpu_state_set_flat32(&s, 0x1000);
	s.rip = 1ull << 32;
	expect_bad(&s, "rip");
	make_long64(&s);
	s.seg[SEG_GS].base = 0x1234000000000000ull;
	expect_bad(&s, "gs.base");

	vcpu_state_set_flat32(&s, 0x1000);
	s.cr0 |= CR0_NW;
	s.cr0 &= ~CR0_CD;
	expect_bad(&s, "cr0: NW");

	vcpu_state_set_flat32(&s, 0x1000);
	s.ev.exception.pending = true;
	s.ev.exception.vector = 40;
	expect_bad(&s, "ev.exception.vector");

	vcpu_state_set_flat32(&s, 0x1000);
	s.ev.shadow = SHADOW_STI;            /* IF is clear */
	expect_bad(&s, "ev.shadow");

	vcpu_state_set_flat32(&s, 0x1000);
	s.rflags |= RFLAGS_VM;
	for (int i = 0; i < NR_SREGS; i++) {
		s.seg[i].selector = 0x100;
		s.seg[i].base = 0x1000;
		s.seg[i].limit = 0xffff;
		s.seg[i].g = 0;
		s.seg[i].db = 0;
		s.seg[i].dpl = 3;
	}
	assert_int_equal(vcpu_state_check(&s, NULL, 0), 0);
	s.seg[SEG_DS].base = 0;              /* not selector << 4 */
	expect_bad(&s, "ds.base");

	/* No reason buffer is fine. */
	vcpu_state_set_flat32(&s, 0x1000);
	s.rflags = 0;
	assert_int_equal(vcpu_state_check(&s, NULL, 0), -EINVAL);
}

static void test_check_passes_valid(void **state)
{
	(void)state;
	struct vcpu_state s;
	char why[128];

	make_long64(&s);
	s.seg[SEG_SS].unusable = 1;          /* null SS at CPL0 in long mode */
	s.seg[SEG_SS].present = 0;
	s.rip = 0xffffffff81000000ull;
	s.seg[SEG_GS].base = 0xffff888000000000ull;
	s.ldtr.unusable = 1;
	s.ldtr.present = 0;
	s.rflags |= RFLAGS_IF | RFLAGS_ZF;
	s.ev.shadow = SHADOW_STI;
	assert_int_equal(vcpu_state_check(&s, why, sizeof(why)), 0);
	assert_string_equal(why, "");

	/* Ring 3 compatibility mode. */
	s.seg[SEG_CS].l = 0;
	s.seg[SEG_CS].db = 1;
	s.seg[SEG_CS].dpl = 3;
	s.seg[SEG_SS] = s.seg[SEG_DS];
	s.seg[SEG_SS].dpl = 3;
	s.rip = 0x8048000;
	assert_int_equal(vcpu_state_check(&s, why, sizeof(why)), 0);
}

static void test_diff(void **state)
{
	(void)state;
	struct vcpu_state a, b;
	char *buf = NULL;
	size_t len = 0;

	vcpu_state_reset(&a);
	b = a;
	assert_int_equal(vcpu_state_diff(&a, &b, NULL), 0);

	b.rip = 0x1002;
	a.rip = 0x1000;
	b.seg[SEG_CS].base = 0x20;
	b.msr.lstar = 0xffffffff81000000ull;
	b.ev.halted = true;
	b.fx.xmm[3][0] = 1;
	b.gpr[R13] = 7;

	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(vcpu_state_diff(&a, &b, f), 6);
	fclose(f);
	assert_non_null(strstr(buf, "rip: 0x1000 != 0x1002\n"));
	assert_non_null(strstr(buf, "cs.base: 0xffff0000 != 0x20\n"));
	assert_non_null(strstr(buf, "msr.lstar: 0x0 != 0xffffffff81000000\n"));
	assert_non_null(strstr(buf, "ev.halted: 0x0 != 0x1\n"));
	assert_non_null(strstr(buf, "fx.xmm3: "));
	assert_non_null(strstr(buf, "r13: 0x0 != 0x7\n"));
	/* One line per difference. */
	int lines = 0;
	for (char *p = buf; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 6);
	free(buf);

	/* Reserved bytes of an x87 slot do not count. */
	b = a;
	b.fx.st[2][12] = 0xff;
	assert_int_equal(vcpu_state_diff(&a, &b, NULL), 0);
	b.fx.st[2][9] = 0xff;
	assert_int_equal(vcpu_state_diff(&a, &b, NULL), 1);
}

static void test_dump(void **state)
{
	(void)state;
	struct vcpu_state s;
	char text[8192];

	make_long64(&s);
	s.rip = 0xffffffff81000123ull;
	s.rflags |= RFLAGS_IF | RFLAGS_CF;
	s.msr.star = 0x0023001000000000ull;
	FILE *f = tmpfile();
	assert_non_null(f);
	vcpu_state_dump(&s, f);
	rewind(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	assert_non_null(strstr(text, "rip 0xffffffff81000123"));
	assert_non_null(strstr(text, "mode long64 cpl 0"));
	assert_non_null(strstr(text, " IF"));
	assert_non_null(strstr(text, " CF"));
	assert_non_null(strstr(text, "r15 "));
	assert_non_null(strstr(text, "star"));
	assert_non_null(strstr(text, "0x0023001000000000"));
	assert_non_null(strstr(text, "efer 0x0000000000000500"));
	assert_non_null(strstr(text, "tr "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_values),
		cmocka_unit_test(test_set_real_mode),
		cmocka_unit_test(test_set_flat32),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_check_catches),
		cmocka_unit_test(test_check_passes_valid),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_dump),
	};
	return cmocka_run_group_tests_name("vcpu_state", tests, NULL, NULL);
}
