/* Interpreter paging: the 32-bit, PAE and 4-level walks with A/D bits,
 * U/S, R/W with CR0.WP, NX, reserved bits, error codes and CR2; the TLB
 * flush rules (CR3 write, global pages, INVLPG of a large page). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "tests/unit/sw_fixture.h"

#define PML4E1  (FX_PML4 + 8)    /* maps 0x8000000000 */
#define PDPT2   0xa0000ull
#define PD2     0xa1000ull
#define PT2     0xa2000ull
#define VA      0x8000000000ull  /* PML4[1] PDPT[0] PD[0] PT[0] */
#define TARGET  0x300000ull
#define P_      1ull
#define W_      2ull
#define U_      4ull
#define A_      0x20ull
#define D_      0x40ull
#define PS_     0x80ull
#define G_      0x100ull
#define XD_     (1ull << 63)

static struct sw_fx *long_fx(uint64_t pte)
{
	struct sw_fx *fx = fx_new(FX_LONG64);
	assert_non_null(fx);
	fx_poke64(fx, PML4E1, PDPT2 | P_ | W_ | U_);
	fx_poke64(fx, PDPT2, PD2 | P_ | W_ | U_);
	fx_poke64(fx, PD2, PT2 | P_ | W_ | U_);
	fx_poke64(fx, PT2, pte);
	fx_sync(fx);
	return fx;
}

static int walk(struct sw_fx *fx, uint64_t lin, unsigned acc, uint64_t *gpa, unsigned *pfec)
{
	*pfec = 0;
	return sw_mmu_walk(fx->c, lin, acc, gpa, pfec);
}

static void test_4level_ad_bits(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(TARGET | P_ | W_ | U_);
	uint64_t gpa;
	unsigned pfec;

	assert_int_equal(walk(fx, VA + 0x123, ACC_READ, &gpa, &pfec), 0);
	assert_int_equal(gpa, TARGET + 0x123);
	assert_true(fx_peek(fx, PML4E1, 8) & A_);
	assert_true(fx_peek(fx, PDPT2, 8) & A_);
	assert_true(fx_peek(fx, PD2, 8) & A_);
	assert_true(fx_peek(fx, PT2, 8) & A_);
	assert_false(fx_peek(fx, PT2, 8) & D_);

	assert_int_equal(walk(fx, VA, ACC_WRITE, &gpa, &pfec), 0);
	assert_true(fx_peek(fx, PT2, 8) & D_);
	assert_false(fx_peek(fx, PD2, 8) & D_);   /* D only on the leaf */
	fx_free(fx);
}

static void test_4level_not_present(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(TARGET | W_ | U_);   /* P = 0 */
	uint64_t gpa;
	unsigned pfec;

	assert_int_equal(walk(fx, VA, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, 0);
	assert_int_equal(walk(fx, VA, ACC_WRITE, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_W);
	assert_int_equal(walk(fx, VA, ACC_FETCH, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_I);                 /* NXE is on */
	/* The entries the walk used before the not-present PTE get A, as
	 * hardware sets them (lockstep caught the difference); the PTE not. */
	assert_true(fx_peek(fx, PML4E1, 8) & A_);
	assert_true(fx_peek(fx, PDPT2, 8) & A_);
	assert_true(fx_peek(fx, PD2, 8) & A_);
	assert_false(fx_peek(fx, PT2, 8) & A_);
	fx_to_user(fx);
	assert_int_equal(walk(fx, VA, ACC_WRITE, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_W | PFEC_U);
	/* An implicit supervisor access from CPL 3 has U clear. */
	assert_int_equal(walk(fx, VA, ACC_READ | ACC_SYS, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, 0);
	fx_free(fx);
}

static void test_user_supervisor(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(TARGET | P_ | W_);   /* supervisor page */
	uint64_t gpa;
	unsigned pfec;

	assert_int_equal(walk(fx, VA, ACC_READ, &gpa, &pfec), 0);
	fx_to_user(fx);
	assert_int_equal(walk(fx, VA, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_U);
	/* Implicit supervisor accesses (GDT, TSS) ignore the CPL. */
	assert_int_equal(walk(fx, VA, ACC_READ | ACC_SYS, &gpa, &pfec), 0);
	fx_free(fx);

	/* U/S clear at an upper level is enough. */
	fx = long_fx(TARGET | P_ | W_ | U_);
	fx_poke64(fx, PD2, PT2 | P_ | W_);
	fx_to_user(fx);
	assert_int_equal(walk(fx, VA, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_U);
	fx_free(fx);
}

static void test_write_protect(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(TARGET | P_ | U_);   /* read-only */
	uint64_t gpa;
	unsigned pfec;

	/* Supervisor writes to read-only pages succeed with CR0.WP = 0. */
	assert_int_equal(walk(fx, VA, ACC_WRITE, &gpa, &pfec), 0);
	fx->c->s.cr0 |= CR0_WP;
	fx_sync(fx);
	assert_int_equal(walk(fx, VA, ACC_WRITE, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_W);
	fx->c->s.cr0 &= ~CR0_WP;
	fx_sync(fx);
	fx_to_user(fx);
	fx_poke64(fx, PD2, PT2 | P_ | W_ | U_);          /* A clear again */
	fx_poke64(fx, PT2, TARGET | P_ | U_);
	fx_sync(fx);
	assert_int_equal(walk(fx, VA, ACC_WRITE, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_W | PFEC_U);
	/* A permission fault marks the table entries, not the leaf. */
	assert_true(fx_peek(fx, PD2, 8) & A_);
	assert_false(fx_peek(fx, PT2, 8) & A_);
	assert_int_equal(walk(fx, VA, ACC_READ, &gpa, &pfec), 0);
	fx_free(fx);
}

static void test_nx_and_reserved(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(TARGET | P_ | W_ | U_ | XD_);
	uint64_t gpa;
	unsigned pfec;

	assert_int_equal(walk(fx, VA, ACC_READ, &gpa, &pfec), 0);
	assert_int_equal(walk(fx, VA, ACC_FETCH, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_I);
	/* Without EFER.NXE the XD bit is reserved, and I is not reported. */
	fx->c->s.efer &= ~EFER_NXE;
	fx_sync(fx);
	assert_int_equal(walk(fx, VA, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_RSVD);
	assert_int_equal(walk(fx, VA, ACC_FETCH, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_RSVD);
	fx_free(fx);

	/* An address bit above MAXPHYADDR. */
	fx = long_fx(TARGET | P_ | W_ | (1ull << 51));
	assert_true(fx->c->maxphyaddr < 52);
	assert_int_equal(walk(fx, VA, ACC_WRITE, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_RSVD | PFEC_W);
	fx_free(fx);

	/* PS in a PML4E is reserved; bits 20:13 of a 2 MiB PDE too. */
	fx = long_fx(TARGET | P_ | W_);
	fx_poke64(fx, PML4E1, PDPT2 | P_ | W_ | PS_);
	assert_int_equal(walk(fx, VA, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_RSVD);
	fx_poke64(fx, PML4E1, PDPT2 | P_ | W_);
	fx_poke64(fx, PD2, 0x400000 | P_ | W_ | PS_ | (1ull << 13));
	assert_int_equal(walk(fx, VA, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_RSVD);
	fx_free(fx);
}

static void test_large_pages(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(0);
	uint64_t gpa;
	unsigned pfec;

	fx_poke64(fx, PD2, 0x400000 | P_ | W_ | PS_);
	assert_int_equal(walk(fx, VA + 0x12345, ACC_WRITE, &gpa, &pfec), 0);
	assert_int_equal(gpa, 0x400000 + 0x12345);
	assert_true(fx_peek(fx, PD2, 8) & D_);
	if (fx->c->has_1g_pages) {
		fx_poke64(fx, PDPT2, 0x40000000 | P_ | W_ | PS_);
		fx_sync(fx);
		assert_int_equal(walk(fx, VA + 0x1234567, ACC_READ, &gpa, &pfec), 0);
		assert_int_equal(gpa, 0x40000000 + 0x1234567);
	}
	fx_free(fx);
}

/* A load from an unmapped page: #PF delivered with CR2 and the error code. */
static void test_pf_delivery_cr2(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(TARGET | P_ | U_);   /* read-only user page */
	FX_CODE(fx, 0x48, 0x89, 0x03);                  /* mov [rbx], rax */
	fx->c->s.gpr[RBX] = VA + 0x10;
	fx->c->s.cr0 |= CR0_WP;
	fx_sync(fx);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_PF, PFEC_P | PFEC_W);
	assert_int_equal(fx->c->s.cr2, VA + 0x10);
	assert_int_equal(fx_stack(fx, 0, 8), PFEC_P | PFEC_W);   /* error code */
	assert_int_equal(fx_stack(fx, 1, 8), FX_CODE_ADDR);      /* faulting RIP */
	fx_free(fx);
}

/* An access that straddles two pages faults on the second one before
 * writing anything into the first. */
static void test_split_access(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(TARGET | P_ | W_);
	fx_poke64(fx, PT2 + 8, 0);                       /* VA+0x1000 not present */
	FX_CODE(fx, 0x48, 0x89, 0x03);                  /* mov [rbx], rax */
	fx->c->s.gpr[RBX] = VA + 0xffc;
	fx->c->s.gpr[RAX] = 0x1122334455667788ull;
	fx_poke64(fx, TARGET + 0xff8, 0);
	fx_run(fx, 1);
	fx_assert_exc(fx, EXC_PF, PFEC_W);
	assert_int_equal(fx->c->s.cr2, VA + 0x1000);
	assert_int_equal(fx_peek(fx, TARGET + 0xffc, 4), 0);
	fx_free(fx);
}

/* TLB: a changed PTE is not seen until a flush; CR3 writes keep global
 * pages (with CR4.PGE); INVLPG drops every piece of a large page. */
static void test_tlb_flush_rules(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(TARGET | P_ | W_);
	struct sw_cpu *c = fx->c;
	volatile uint64_t gpa = 0;

	FX_TRY(fx, gpa = sw_translate(c, VA, ACC_READ));
	fx_assert_not_raised(fx);
	assert_int_equal(gpa, TARGET);
	fx_poke64(fx, PT2, 0x310000 | P_ | W_);
	FX_TRY(fx, gpa = sw_translate(c, VA, ACC_READ));
	assert_int_equal(gpa, TARGET);                   /* stale, as on hardware */
	sw_tlb_flush_page(c, VA);
	FX_TRY(fx, gpa = sw_translate(c, VA, ACC_READ));
	assert_int_equal(gpa, 0x310000);

	/* Global page survives a CR3-write flush, a normal page does not. */
	c->s.cr4 |= CR4_PGE;
	fx_sync(fx);
	fx_poke64(fx, PT2, TARGET | P_ | W_ | G_);
	fx_poke64(fx, PT2 + 8, 0x320000 | P_ | W_);
	FX_TRY(fx, sw_translate(c, VA, ACC_READ); sw_translate(c, VA + 0x1000, ACC_READ));
	fx_assert_not_raised(fx);
	fx_poke64(fx, PT2, 0x330000 | P_ | W_);
	fx_poke64(fx, PT2 + 8, 0x340000 | P_ | W_);
	sw_tlb_flush(c, true);
	FX_TRY(fx, gpa = sw_translate(c, VA, ACC_READ));
	assert_int_equal(gpa, TARGET);
	FX_TRY(fx, gpa = sw_translate(c, VA + 0x1000, ACC_READ));
	assert_int_equal(gpa, 0x340000);
	sw_tlb_flush(c, false);
	FX_TRY(fx, gpa = sw_translate(c, VA, ACC_READ));
	assert_int_equal(gpa, 0x330000);

	/* 2 MiB page: two pieces cached, INVLPG of one drops both. */
	fx_poke64(fx, PD2, 0x400000 | P_ | W_ | PS_);
	sw_tlb_flush(c, false);
	FX_TRY(fx, sw_translate(c, VA, ACC_READ); sw_translate(c, VA + 0x5000, ACC_READ));
	fx_poke64(fx, PD2, 0x600000 | P_ | W_ | PS_);
	sw_tlb_flush_page(c, VA);
	FX_TRY(fx, gpa = sw_translate(c, VA + 0x5000, ACC_READ));
	assert_int_equal(gpa, 0x605000);
	fx_free(fx);
}

/* The same rules through the instructions: MOV CR3 and INVLPG. */
static void test_tlb_by_instructions(void **state)
{
	(void)state;
	struct sw_fx *fx = long_fx(TARGET | P_ | W_);
	FX_CODE(fx,
		0x48, 0x8b, 0x03,         /* mov rax, [rbx] */
		0x0f, 0x01, 0x3b,         /* invlpg [rbx] */
		0x48, 0x8b, 0x0b,         /* mov rcx, [rbx] */
		0x0f, 0x20, 0xda,         /* mov rdx, cr3 */
		0x0f, 0x22, 0xda,         /* mov cr3, rdx */
		0x48, 0x8b, 0x33,         /* mov rsi, [rbx] */
		0xf4);
	fx->c->s.gpr[RBX] = VA;
	fx_poke64(fx, TARGET, 1);
	fx_poke64(fx, 0x310000, 2);
	fx_poke64(fx, 0x320000, 3);
	fx_run(fx, 1);
	assert_int_equal(fx->c->s.gpr[RAX], 1);
	fx_poke64(fx, PT2, 0x310000 | P_ | W_);
	fx_run(fx, 2);
	assert_int_equal(fx->c->s.gpr[RCX], 2);
	fx_poke64(fx, PT2, 0x320000 | P_ | W_);
	fx_run(fx, 4);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->c->s.gpr[RSI], 3);
	fx_free(fx);
}

/* 32-bit paging: 4 KiB pages through a page table and a 4 MiB PSE page. */
static void test_32bit_paging(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_PROT32);
	uint64_t gpa;
	unsigned pfec;
	assert_non_null(fx);

	fx_poke32(fx, PDPT2, 0x000000 | P_ | W_ | PS_);          /* 0-4M identity */
	fx_poke32(fx, PDPT2 + 4, (uint32_t)PD2 | P_ | W_ | U_);  /* 4M-8M by PT */
	fx_poke32(fx, PD2 + 5 * 4, (uint32_t)TARGET | P_ | U_);  /* 0x405000, RO */
	fx->c->s.cr3 = PDPT2;
	fx->c->s.cr4 |= CR4_PSE;
	fx->c->s.cr0 |= CR0_PG | CR0_WP;
	fx_sync(fx);

	assert_int_equal(walk(fx, 0x405678, ACC_READ, &gpa, &pfec), 0);
	assert_int_equal(gpa, TARGET + 0x678);
	assert_true(fx_peek(fx, PDPT2 + 4, 4) & A_);
	assert_true(fx_peek(fx, PD2 + 20, 4) & A_);
	assert_int_equal(walk(fx, 0x405678, ACC_WRITE, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_W);
	assert_int_equal(walk(fx, 0x406000, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, 0);
	/* The 4 MiB page: A and D on the PDE, supervisor only. */
	assert_int_equal(walk(fx, 0x123456, ACC_WRITE, &gpa, &pfec), 0);
	assert_int_equal(gpa, 0x123456);
	assert_true((fx_peek(fx, PDPT2, 4) & (A_ | D_)) == (A_ | D_));
	fx_to_user(fx);
	assert_int_equal(walk(fx, 0x123456, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_U);
	/* Bit 21 of a 4 MiB PDE is reserved. */
	fx_poke32(fx, PDPT2, (1u << 21) | P_ | W_ | PS_ | U_);
	assert_int_equal(walk(fx, 0x1000, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_RSVD | PFEC_U);
	/* Without CR4.PSE the PS bit is ignored: the PDE names a page table. */
	fx->c->s.cr4 &= ~CR4_PSE;
	fx_poke32(fx, PDPT2, (uint32_t)PD2 | P_ | W_ | PS_ | U_);
	fx_sync(fx);
	assert_int_equal(walk(fx, 0x5000, ACC_READ, &gpa, &pfec), 0);
	assert_int_equal(gpa, TARGET);
	fx_free(fx);
}

/* PAE: PDPTE registers, 2 MiB and 4 KiB pages, NX, reserved PDPTE bits. */
static void test_pae_paging(void **state)
{
	(void)state;
	struct sw_fx *fx = fx_new(FX_PROT32);
	uint64_t gpa;
	unsigned pfec;
	assert_non_null(fx);

	fx_poke64(fx, PDPT2, PD2 | P_);
	fx_poke64(fx, PD2, 0 | P_ | W_ | PS_);                   /* 0-2M identity */
	fx_poke64(fx, PD2 + 8 * 2, PT2 | P_ | W_ | U_);          /* 4M-6M by PT */
	fx_poke64(fx, PT2 + 8 * 3, TARGET | P_ | W_ | U_ | XD_); /* 0x403000 */
	fx->c->s.cr3 = PDPT2;
	fx->c->s.cr4 |= CR4_PAE;
	fx->c->s.efer |= EFER_NXE;
	fx->c->s.cr0 |= CR0_PG;
	fx_sync(fx);

	assert_int_equal(walk(fx, 0x403abc, ACC_WRITE, &gpa, &pfec), 0);
	assert_int_equal(gpa, TARGET + 0xabc);
	assert_true((fx_peek(fx, PT2 + 24, 8) & (A_ | D_)) == (A_ | D_));
	assert_false(fx_peek(fx, PDPT2, 8) & A_);   /* PDPTEs are registers */
	assert_int_equal(walk(fx, 0x403abc, ACC_FETCH, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, PFEC_P | PFEC_I);
	assert_int_equal(walk(fx, 0x40000000, ACC_READ, &gpa, &pfec), -EFAULT);
	assert_int_equal(pfec, 0);                  /* PDPTE 1 not present */

	/* A reserved bit in a present PDPTE: MOV CR3 would #GP. */
	fx_poke64(fx, PDPT2 + 8, PD2 | P_ | W_);
	assert_int_equal(sw_mmu_load_pdptes(fx->c), -EINVAL);
	fx_poke64(fx, PDPT2 + 8, PD2 | P_);
	assert_int_equal(sw_mmu_load_pdptes(fx->c), 0);

	/* The PDPTE registers stay as loaded when the table changes, also
	 * across a store and load (a migration): guards sw_load_state and
	 * sw_store_state, which carry them in vcpu_state.pdpte. */
	struct vcpu_state st;
	assert_int_equal(sw_engine_ops.store_state(fx->c, &st), 0);
	assert_int_equal(st.pdpte[0], PD2 | P_);
	fx_poke64(fx, PDPT2, 0);                    /* the table changes, CR3 is not reloaded */
	assert_int_equal(sw_engine_ops.load_state(fx->c, &st), 0);
	assert_int_equal(walk(fx, 0x403abc, ACC_READ, &gpa, &pfec), 0);
	assert_int_equal(gpa, TARGET + 0xabc);
	memset(st.pdpte, 0, sizeof(st.pdpte));      /* a state with none: read from memory */
	assert_int_equal(sw_engine_ops.load_state(fx->c, &st), 0);
	assert_int_equal(walk(fx, 0x403abc, ACC_READ, &gpa, &pfec), -EFAULT);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_4level_ad_bits),
		cmocka_unit_test(test_4level_not_present),
		cmocka_unit_test(test_user_supervisor),
		cmocka_unit_test(test_write_protect),
		cmocka_unit_test(test_nx_and_reserved),
		cmocka_unit_test(test_large_pages),
		cmocka_unit_test(test_pf_delivery_cr2),
		cmocka_unit_test(test_split_access),
		cmocka_unit_test(test_tlb_flush_rules),
		cmocka_unit_test(test_tlb_by_instructions),
		cmocka_unit_test(test_32bit_paging),
		cmocka_unit_test(test_pae_paging),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
