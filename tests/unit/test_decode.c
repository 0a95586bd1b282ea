/* Decoder: bytes in, fields out, for the encodings that are easy to get
 * wrong. The broad check against Capstone is test_decode_capstone.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/decode_fixture.h"

static void test_struct_is_small(void **state)
{
	(void)state;
	assert_true(sizeof(struct insn) <= 32);
}

static void test_rex_placement(void **state)
{
	(void)state;
	struct insn d;

	assert_int_equal(dec(DECODE_64, "48 89 c8", &d), 3);
	assert_int_equal(d.form, IF_MOV_EvGv);
	assert_int_equal(d.opsize, 8);
	assert_int_equal(d.rm, RAX);
	assert_int_equal(d.reg, RCX);
	/* a legacy prefix after REX cancels it */
	assert_int_equal(dec(DECODE_64, "48 66 89 c8", &d), 4);
	assert_int_equal(d.opsize, 2);
	assert_int_equal(d.rex, 0);
	assert_false(d.flags & INSN_REX);
	/* REX.W beats 66 */
	assert_int_equal(dec(DECODE_64, "66 48 89 c8", &d), 4);
	assert_int_equal(d.opsize, 8);
	/* of two REX prefixes only the last counts */
	assert_int_equal(dec(DECODE_64, "48 41 89 c8", &d), 4);
	assert_int_equal(d.opsize, 4);
	assert_int_equal(d.rm, R8);
	/* R and B extend reg and rm */
	assert_int_equal(dec(DECODE_64, "4d 89 c8", &d), 3);
	assert_int_equal(d.reg, R9);
	assert_int_equal(d.rm, R8);
	/* any REX makes byte registers 4-7 SPL..DIL */
	assert_int_equal(dec(DECODE_64, "40 88 e0", &d), 3);
	assert_true(d.flags & INSN_REX);
	assert_int_equal(d.opsize, 1);
	assert_int_equal(d.rm, 0);
	assert_int_equal(d.reg, 4);
	/* 40-4F are INC/DEC outside 64-bit mode */
	assert_int_equal(dec(DECODE_32, "40 90", &d), 1);
	assert_int_equal(d.form, IF_INC_Zv);
	assert_int_equal(dec(DECODE_32, "4f", &d), 1);
	assert_int_equal(d.form, IF_DEC_Zv);
	assert_int_equal(d.rm, RDI);
	assert_int_equal(dec(DECODE_64, "40 90", &d), 2);
	assert_int_equal(d.form, IF_NOP);
}

static void test_operand_and_address_size(void **state)
{
	(void)state;
	struct insn d;

	assert_int_equal(dec(DECODE_16, "89 c8", &d), 2);
	assert_int_equal(d.opsize, 2);
	assert_int_equal(d.adsize, 2);
	assert_int_equal(dec(DECODE_16, "66 67 89 00", &d), 4);
	assert_int_equal(d.opsize, 4);
	assert_int_equal(d.adsize, 4);
	assert_int_equal(dec(DECODE_32, "66 89 c8", &d), 3);
	assert_int_equal(d.opsize, 2);
	/* 67 in 64-bit mode: 32-bit addressing */
	assert_int_equal(dec(DECODE_64, "67 8b 00", &d), 3);
	assert_int_equal(d.adsize, 4);
	assert_int_equal(d.base, RAX);
	/* default 64-bit operand size: PUSH, POP; 66 still gives 16 */
	assert_int_equal(dec(DECODE_64, "50", &d), 1);
	assert_int_equal(d.opsize, 8);
	assert_int_equal(dec(DECODE_64, "66 50", &d), 2);
	assert_int_equal(d.opsize, 2);
	assert_int_equal(dec(DECODE_64, "41 5f", &d), 2);
	assert_int_equal(d.form, IF_POP_Zv);
	assert_int_equal(d.rm, R15);
	/* near branches are 64-bit and keep rel32 with 66 (Intel) */
	assert_int_equal(dec(DECODE_64, "66 0f 84 00 00 00 00", &d), 7);
	assert_int_equal(d.opsize, 8);
	assert_int_equal(dec(DECODE_32, "66 e8 34 12", &d), 4);
	assert_int_equal(d.imm, 0x1234);
	/* MOVSXD needs REX.W for a 64-bit destination */
	assert_int_equal(dec(DECODE_64, "48 63 c1", &d), 3);
	assert_int_equal(d.form, IF_MOVSXD_GvEd);
	assert_int_equal(d.opsize, 8);
	assert_int_equal(dec(DECODE_32, "63 c1", &d), 2);
	assert_int_equal(d.form, IF_ARPL_EwGw);
}

static void test_rip_relative(void **state)
{
	(void)state;
	struct insn d;

	/* add qword [rip+0x12345678], -0x21524111: the immediate follows */
	assert_int_equal(dec(DECODE_64, "48 81 05 78 56 34 12 ef be ad de", &d), 11);
	assert_int_equal(d.form, IF_ADD_EvIz);
	assert_true(d.flags & INSN_RIPREL);
	assert_true(d.flags & INSN_MEM);
	assert_int_equal(d.base, INSN_REG_RIP);
	assert_int_equal(d.index, INSN_REG_NONE);
	assert_int_equal(d.disp, 0x12345678);
	assert_int_equal(d.imm, 0xffffffffdeadbeefull);
	/* the same bytes are an absolute disp32 in 32-bit mode */
	assert_int_equal(dec(DECODE_32, "81 05 78 56 34 12 ef be ad de", &d), 10);
	assert_false(d.flags & INSN_RIPREL);
	assert_int_equal(d.base, INSN_REG_NONE);
	/* with a SIB byte (base 101, mod 0) it is absolute in 64-bit mode too */
	assert_int_equal(dec(DECODE_64, "8b 04 25 78 56 34 12", &d), 7);
	assert_false(d.flags & INSN_RIPREL);
	assert_int_equal(d.base, INSN_REG_NONE);
	assert_int_equal(d.index, INSN_REG_NONE);
	assert_int_equal(d.disp, 0x12345678);
	/* RIP-relative with an imm8 after it */
	assert_int_equal(dec(DECODE_64, "c6 05 f0 ff ff ff 7f", &d), 7);
	assert_int_equal(d.disp, -16);
	assert_int_equal(d.imm, 0x7f);
}

static void test_sib(void **state)
{
	(void)state;
	struct insn d;

	/* mod 0, base 101: no base, disp32, index*scale */
	assert_int_equal(dec(DECODE_32, "8b 04 8d 00 01 00 00", &d), 7);
	assert_int_equal(d.base, INSN_REG_NONE);
	assert_int_equal(d.index, RCX);
	assert_int_equal(d.scale, 2);
	assert_int_equal(d.disp, 0x100);
	/* mod 1, base 101: EBP with disp8, stack segment */
	assert_int_equal(dec(DECODE_32, "8b 44 8d f0", &d), 4);
	assert_int_equal(d.base, RBP);
	assert_int_equal(d.disp, -16);
	assert_int_equal(d.seg, SEG_SS);
	/* [esp]: base ESP needs a SIB, stack segment */
	assert_int_equal(dec(DECODE_32, "8b 04 24", &d), 3);
	assert_int_equal(d.base, RSP);
	assert_int_equal(d.index, INSN_REG_NONE);
	assert_int_equal(d.seg, SEG_SS);
	/* index 100 is none, but with REX.X it is R12 */
	assert_int_equal(dec(DECODE_64, "42 8b 04 a0", &d), 4);
	assert_int_equal(d.index, R12);
	assert_int_equal(d.scale, 2);
	assert_int_equal(d.base, RAX);
	/* [r13] needs a disp8 like [rbp] and is a data-segment access */
	assert_int_equal(dec(DECODE_64, "41 8b 45 00", &d), 4);
	assert_int_equal(d.base, R13);
	assert_int_equal(d.seg, SEG_DS);
	/* mod 0, SIB base 101 with REX.B: still no base (disp32) */
	assert_int_equal(dec(DECODE_64, "41 8b 04 25 00 10 00 00", &d), 8);
	assert_int_equal(d.base, INSN_REG_NONE);
}

static void test_16bit_addressing(void **state)
{
	(void)state;
	struct insn d;

	assert_int_equal(dec(DECODE_16, "8b 00", &d), 2);
	assert_int_equal(d.base, RBX);
	assert_int_equal(d.index, RSI);
	assert_int_equal(d.seg, SEG_DS);
	assert_int_equal(dec(DECODE_16, "8b 03", &d), 2);
	assert_int_equal(d.base, RBP);
	assert_int_equal(d.index, RDI);
	assert_int_equal(d.seg, SEG_SS);
	assert_int_equal(dec(DECODE_16, "8b 46 10", &d), 3);
	assert_int_equal(d.base, RBP);
	assert_int_equal(d.index, INSN_REG_NONE);
	assert_int_equal(d.disp, 0x10);
	assert_int_equal(d.seg, SEG_SS);
	assert_int_equal(dec(DECODE_16, "8b 06 34 12", &d), 4);
	assert_int_equal(d.base, INSN_REG_NONE);
	assert_int_equal(d.disp, 0x1234);
	assert_int_equal(dec(DECODE_16, "8b 87 ff ff", &d), 4);
	assert_int_equal(d.base, RBX);
	assert_int_equal(d.disp, -1);
	/* 67 selects 32-bit addressing with SIB in 16-bit mode */
	assert_int_equal(dec(DECODE_16, "67 8b 04 24", &d), 4);
	assert_int_equal(d.base, RSP);
	/* and 67 in 32-bit mode selects 16-bit addressing */
	assert_int_equal(dec(DECODE_32, "67 8b 06 34 12", &d), 5);
	assert_int_equal(d.base, INSN_REG_NONE);
	assert_int_equal(d.disp, 0x1234);
}

static void test_moffs(void **state)
{
	(void)state;
	struct insn d;

	assert_int_equal(dec(DECODE_16, "a1 34 12", &d), 3);
	assert_int_equal(d.imm, 0x1234);
	assert_true(d.flags & INSN_MEM);
	assert_int_equal(dec(DECODE_16, "67 a1 78 56 34 12", &d), 6);
	assert_int_equal(d.imm, 0x12345678);
	assert_int_equal(dec(DECODE_32, "a0 78 56 34 12", &d), 5);
	assert_int_equal(d.opsize, 1);
	assert_int_equal(dec(DECODE_32, "67 a3 34 12", &d), 4);
	assert_int_equal(dec(DECODE_64, "48 a1 88 77 66 55 44 33 22 11", &d), 10);
	assert_int_equal(d.imm, 0x1122334455667788ull);
	assert_int_equal(d.opsize, 8);
	assert_int_equal(dec(DECODE_64, "67 a2 78 56 34 12", &d), 6);
	assert_int_equal(d.imm, 0x12345678);
	assert_int_equal(dec(DECODE_64, "65 a0 00 00 00 00 00 00 00 00", &d), 10);
	assert_int_equal(d.seg, SEG_GS);
}

static void test_length_limit_and_more(void **state)
{
	(void)state;
	struct insn d;

	/* 14 prefixes + NOP: 15 bytes, allowed */
	assert_int_equal(dec(DECODE_32, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", &d), 15);
	/* 15 prefixes + NOP: #GP */
	assert_int_equal(dec(DECODE_32, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", &d),
	                 DECODE_TOOLONG);
	/* a long instruction pushed past 15 by prefixes */
	assert_int_equal(dec(DECODE_64, "66 66 66 66 48 81 84 88 78 56 34 12 ef be ad de", &d),
	                 DECODE_TOOLONG);
	assert_int_equal(dec(DECODE_64, "66 66 66 48 81 84 88 78 56 34 12 ef be ad de", &d), 15);
	/* #GP wins over missing bytes once 15 are consumed */
	assert_int_equal(dec(DECODE_64, "26 26 26 26 26 26 26 26 26 26 26 26 26 26 26", &d),
	                 DECODE_TOOLONG);
	/* cut short: ask for more bytes */
	assert_int_equal(dec(DECODE_32, "0f", &d), DECODE_MORE);
	assert_int_equal(dec(DECODE_32, "b8 01 02", &d), DECODE_MORE);
	assert_int_equal(dec(DECODE_64, "48 8b 04", &d), DECODE_MORE);
	assert_int_equal(dec(DECODE_64, "", &d), DECODE_MORE);
	/* an invalid opcode is #UD without reading further */
	assert_int_equal(dec(DECODE_32, "0f 0b", &d), 2);
	assert_int_equal(dec(DECODE_32, "0f 04", &d), DECODE_UD);
}

static void test_lock(void **state)
{
	(void)state;
	struct insn d;

	assert_int_equal(dec(DECODE_32, "f0 01 00", &d), 3);
	assert_true(d.flags & INSN_LOCK);
	assert_int_equal(dec(DECODE_32, "f0 01 c0", &d), DECODE_UD);   /* register destination */
	assert_int_equal(dec(DECODE_32, "f0 03 00", &d), DECODE_UD);   /* memory is the source */
	assert_int_equal(dec(DECODE_32, "f0 39 00", &d), DECODE_UD);   /* CMP */
	assert_int_equal(dec(DECODE_32, "f0 80 38 01", &d), DECODE_UD); /* CMP /7 */
	assert_int_equal(dec(DECODE_32, "f0 80 30 01", &d), 4);        /* XOR /6 */
	assert_int_equal(dec(DECODE_32, "f0 87 00", &d), 3);           /* XCHG */
	assert_int_equal(dec(DECODE_32, "f0 0f c7 08", &d), 4);        /* CMPXCHG8B */
	assert_int_equal(dec(DECODE_64, "f0 48 0f c7 08", &d), 5);     /* CMPXCHG16B */
	assert_int_equal(d.opsize, 8);
	assert_int_equal(dec(DECODE_32, "f0 0f a3 00", &d), DECODE_UD); /* BT */
	assert_int_equal(dec(DECODE_32, "f0 0f ab 00", &d), 4);        /* BTS */
	assert_int_equal(dec(DECODE_32, "f0 0f ba 20 01", &d), DECODE_UD); /* BT imm */
	assert_int_equal(dec(DECODE_32, "f0 0f ba 28 01", &d), 5);     /* BTS imm */
	assert_int_equal(dec(DECODE_32, "f0 0f c1 00", &d), 4);        /* XADD */
	assert_int_equal(dec(DECODE_32, "f0 f6 10", &d), 3);           /* NOT */
	assert_int_equal(dec(DECODE_32, "f0 f6 20", &d), DECODE_UD);   /* MUL */
	assert_int_equal(dec(DECODE_32, "f0 fe 00", &d), 3);           /* INC */
	assert_int_equal(dec(DECODE_32, "f0 90", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "f0 8b 00", &d), DECODE_UD);   /* MOV */
	assert_int_equal(dec(DECODE_32, "f0 a4", &d), DECODE_UD);      /* MOVSB */
}

static void test_mov_cr_dr(void **state)
{
	(void)state;
	struct insn d;

	/* mod is read as 3: no displacement even for mod 0, rm 101 */
	assert_int_equal(dec(DECODE_32, "0f 22 05", &d), 3);
	assert_int_equal(d.form, IF_MOV_CyRy);
	assert_false(d.flags & INSN_MEM);
	assert_int_equal(d.reg, 0);
	assert_int_equal(d.rm, RBP);
	assert_int_equal(dec(DECODE_32, "0f 20 80", &d), 3);
	assert_int_equal(d.rm, RAX);
	/* 32 bits outside 64-bit mode whatever 66 says, 64 bits in it */
	assert_int_equal(dec(DECODE_32, "66 0f 20 d8", &d), 4);
	assert_int_equal(d.opsize, 4);
	assert_int_equal(d.reg, 3);
	assert_int_equal(dec(DECODE_64, "0f 20 e0", &d), 3);
	assert_int_equal(d.opsize, 8);
	assert_int_equal(dec(DECODE_64, "44 0f 20 c0", &d), 4);        /* CR8 */
	assert_int_equal(d.reg, 8);
	assert_int_equal(dec(DECODE_32, "0f 20 c8", &d), DECODE_UD);   /* CR1 */
	assert_int_equal(dec(DECODE_32, "0f 22 e8", &d), DECODE_UD);   /* CR5 */
	assert_int_equal(dec(DECODE_64, "44 0f 22 c8", &d), DECODE_UD); /* CR9 */
	assert_int_equal(dec(DECODE_32, "0f 23 f8", &d), 3);           /* DR7 */
	assert_int_equal(d.reg, 7);
	assert_int_equal(dec(DECODE_64, "44 0f 21 c0", &d), DECODE_UD); /* DR8 */
}

static void test_invalid_in_64(void **state)
{
	(void)state;
	static const char *const ops[] = { "06", "07", "0e", "16", "17", "1e",
		"1f", "27", "2f", "37", "3f", "60", "61", "82 c0 01", "9a 00 00 00 00 00 00",
		"ce", "d4 0a", "d5 0a", "d6", "ea 00 00 00 00 00 00" };
	struct insn d;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		assert_int_equal(dec(DECODE_64, ops[i], &d), DECODE_UD);
		assert_true(dec(DECODE_32, ops[i], &d) > 0);
	}
	assert_int_equal(dec(DECODE_32, "82 c0 01", &d), 3);
	assert_int_equal(d.form, IF_ADD_EbIb);
	assert_int_equal(dec(DECODE_32, "62 00", &d), 2);
	assert_int_equal(d.form, IF_BOUND_GvMa);
	assert_int_equal(dec(DECODE_32, "62 f1", &d), DECODE_MORE);      /* EVEX */
	assert_int_equal(dec(DECODE_32, "62 c0", &d), DECODE_UD);        /* EVEX map 0 */
	assert_int_equal(dec(DECODE_64, "62 f1 7c 48 10 00", &d), 6);  /* EVEX vmovups */
	assert_int_equal(d.form, IF_EVEX);
	/* LES/LDS outside 64-bit mode unless the ModRM would be a register */
	assert_int_equal(dec(DECODE_32, "c4 00", &d), 2);
	assert_int_equal(d.form, IF_LES_GzMp);
	assert_int_equal(dec(DECODE_16, "c5 36 34 12", &d), 4);
	assert_int_equal(d.form, IF_LDS_GzMp);
	assert_int_equal(dec(DECODE_32, "c5 f8 77", &d), 3);           /* VZEROUPPER */
	assert_int_equal(d.form, IF_VEX);
	assert_int_equal(dec(DECODE_64, "c4 e1 79 6e c0", &d), 5);     /* VMOVD */
	assert_int_equal(d.form, IF_VEX);
	assert_int_equal(dec(DECODE_64, "c4 e3 79 0f c1 08", &d), 6);  /* map 0F3A: imm8 */
	assert_int_equal(dec(DECODE_64, "c4 00", &d), DECODE_UD);      /* map 0 */
	assert_int_equal(dec(DECODE_64, "66 c5 f8 77", &d), DECODE_UD); /* 66 + VEX */
	assert_int_equal(dec(DECODE_64, "8f e8 78 a2 c0 00", &d), 6);  /* XOP map 8: imm8 */
	assert_int_equal(d.form, IF_XOP);
	assert_int_equal(dec(DECODE_64, "8f 00", &d), 2);              /* POP [rax] */
	assert_int_equal(d.form, IF_POP_Ev);
	/* 8F /1-/7 always have ModRM bits 4:0 >= 8: XOP, or #UD for maps above 10 */
	assert_int_equal(dec(DECODE_64, "8f 1f", &d), DECODE_UD);
}

static void test_0f01_mod3(void **state)
{
	(void)state;
	struct insn d;

	assert_int_equal(dec(DECODE_64, "0f 01 f8", &d), 3);
	assert_int_equal(d.form, IF_SWAPGS);
	assert_int_equal(dec(DECODE_32, "0f 01 f8", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "0f 01 f9", &d), 3);
	assert_int_equal(d.form, IF_RDTSCP);
	assert_int_equal(dec(DECODE_32, "0f 01 c8", &d), 3);
	assert_int_equal(d.form, IF_MONITOR);
	assert_int_equal(dec(DECODE_32, "0f 01 c9", &d), 3);
	assert_int_equal(d.form, IF_MWAIT);
	assert_int_equal(dec(DECODE_32, "0f 01 ca", &d), 3);
	assert_int_equal(d.form, IF_CLAC);
	assert_int_equal(dec(DECODE_32, "0f 01 d0", &d), 3);
	assert_int_equal(d.form, IF_XGETBV);
	assert_int_equal(dec(DECODE_32, "0f 01 d1", &d), 3);
	assert_int_equal(d.form, IF_XSETBV);
	assert_int_equal(dec(DECODE_32, "0f 01 c1", &d), 3);
	assert_int_equal(d.form, IF_VMCALL);
	assert_false(insn_info(&d)->flags & F_EXT);      /* KVM's hypercall: it executes */
	assert_int_equal(dec(DECODE_32, "0f 01 d9", &d), 3);
	assert_int_equal(d.form, IF_VMMCALL);
	assert_false(insn_info(&d)->flags & F_EXT);
	assert_int_equal(dec(DECODE_32, "0f 01 c0", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "0f 01 d8", &d), 3);
	assert_int_equal(d.form, IF_VMRUN);
	/* /4 SMSW and /6 LMSW take registers; /0-/3 and /7 as memory only */
	assert_int_equal(dec(DECODE_32, "0f 01 e3", &d), 3);
	assert_int_equal(d.form, IF_SMSW_Ew);
	assert_int_equal(d.rm, RBX);
	assert_int_equal(dec(DECODE_32, "0f 01 f0", &d), 3);
	assert_int_equal(d.form, IF_LMSW_Ew);
	assert_int_equal(dec(DECODE_32, "0f 01 10", &d), 3);
	assert_int_equal(d.form, IF_LGDT_Ms);
	assert_int_equal(dec(DECODE_32, "0f 01 38", &d), 3);
	assert_int_equal(d.form, IF_INVLPG_Mb);
	assert_int_equal(dec(DECODE_32, "0f 01 28", &d), DECODE_UD);
	/* 0F 00 and the rest of the system space */
	assert_int_equal(dec(DECODE_32, "0f 00 d8", &d), 3);
	assert_int_equal(d.form, IF_LTR_Ew);
	assert_int_equal(dec(DECODE_32, "0f 00 30", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_64, "0f 05", &d), 2);
	assert_int_equal(d.form, IF_SYSCALL);
	assert_int_equal(dec(DECODE_32, "0f 34", &d), 2);
	assert_int_equal(d.form, IF_SYSENTER);
	assert_int_equal(dec(DECODE_64, "0f ae 00", &d), 3);
	assert_int_equal(d.form, IF_FXSAVE_M);
	assert_int_equal(dec(DECODE_64, "48 0f ae 08", &d), 4);
	assert_int_equal(d.form, IF_FXRSTOR_M);
	assert_int_equal(dec(DECODE_64, "0f ae c0", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_64, "f3 0f ae c0", &d), 4);
	assert_int_equal(d.form, IF_RDFSBASE_Ry);
	assert_int_equal(dec(DECODE_64, "0f ae e8", &d), 3);
	assert_int_equal(d.form, IF_LFENCE);
}

static void test_immediates(void **state)
{
	(void)state;
	struct insn d;

	assert_int_equal(dec(DECODE_32, "c8 10 00 02", &d), 4);
	assert_int_equal(d.form, IF_ENTER_IwIb);
	assert_int_equal(d.imm, 0x10);
	assert_int_equal(d.imm2, 2);
	assert_int_equal(dec(DECODE_32, "9a 78 56 34 12 00 10", &d), 7);
	assert_int_equal(d.imm, 0x12345678);
	assert_int_equal(d.imm2, 0x1000);
	assert_int_equal(dec(DECODE_16, "ea 34 12 00 f0", &d), 5);
	assert_int_equal(d.imm, 0x1234);
	assert_int_equal(d.imm2, 0xf000);
	assert_int_equal(dec(DECODE_64, "48 b8 88 77 66 55 44 33 22 11", &d), 10);
	assert_int_equal(d.imm, 0x1122334455667788ull);
	assert_int_equal(dec(DECODE_64, "b8 88 77 66 55", &d), 5);
	assert_int_equal(dec(DECODE_32, "83 c0 ff", &d), 3);
	assert_int_equal(d.imm, UINT64_MAX);
	assert_int_equal(dec(DECODE_32, "6b c0 80", &d), 3);
	assert_int_equal(d.imm, (uint64_t)-128);
	assert_int_equal(dec(DECODE_32, "cd 80", &d), 2);
	assert_int_equal(d.imm, 0x80);
	assert_int_equal(dec(DECODE_32, "c2 08 00", &d), 3);
	assert_int_equal(dec(DECODE_32, "eb fe", &d), 2);
	assert_int_equal(d.imm, (uint64_t)-2);
	assert_int_equal(dec(DECODE_16, "e9 fd ff", &d), 3);
	assert_int_equal(d.imm, (uint64_t)-3);
	assert_int_equal(dec(DECODE_32, "f6 c0 01", &d), 3);           /* TEST Eb,Ib */
	assert_int_equal(dec(DECODE_32, "f6 d0", &d), 2);              /* NOT */
	assert_int_equal(dec(DECODE_32, "66 f7 c0 34 12", &d), 5);     /* TEST Ew,Iw */
	assert_int_equal(dec(DECODE_32, "0f a4 c0 03", &d), 4);        /* SHLD Ib */
	assert_int_equal(dec(DECODE_32, "c7 f8 00 00 00 00", &d), 6);  /* XBEGIN */
	assert_int_equal(dec(DECODE_32, "0f 0f c1 9e", &d), 4);        /* 3DNow! PFADD */
	assert_int_equal(d.form, IF_AMD3DNOW);
}

static void test_prefixes_and_segments(void **state)
{
	(void)state;
	struct insn d;

	/* CS/DS/ES/SS overrides are null prefixes in 64-bit mode */
	assert_int_equal(dec(DECODE_64, "2e 8b 00", &d), 3);
	assert_false(d.flags & INSN_SEGOVR);
	assert_int_equal(d.seg, SEG_DS);
	assert_int_equal(dec(DECODE_64, "64 3e 8b 00", &d), 4);
	assert_true(d.flags & INSN_SEGOVR);
	assert_int_equal(d.seg, SEG_FS);
	assert_int_equal(dec(DECODE_32, "64 3e 8b 00", &d), 4);
	assert_int_equal(d.seg, SEG_DS);
	assert_int_equal(dec(DECODE_32, "26 8b 45 00", &d), 4);
	assert_int_equal(d.seg, SEG_ES);
	/* REP and REPNE: the last of F2/F3 counts */
	assert_int_equal(dec(DECODE_32, "f2 f3 a4", &d), 3);
	assert_true(d.flags & INSN_REP);
	assert_false(d.flags & INSN_REPNE);
	assert_int_equal(dec(DECODE_32, "f3 f2 a6", &d), 3);
	assert_true(d.flags & INSN_REPNE);
	assert_int_equal(dec(DECODE_64, "f3 48 a5", &d), 3);
	assert_int_equal(d.form, IF_MOVS);
	assert_int_equal(d.opsize, 8);
	/* NOP, PAUSE and XCHG r8, rAX */
	assert_int_equal(dec(DECODE_64, "90", &d), 1);
	assert_int_equal(d.form, IF_NOP);
	assert_int_equal(dec(DECODE_64, "f3 90", &d), 2);
	assert_int_equal(d.form, IF_PAUSE);
	assert_int_equal(dec(DECODE_64, "41 90", &d), 2);
	assert_int_equal(d.form, IF_XCHG_ZvrAX);
	assert_int_equal(d.rm, R8);
	/* mandatory prefixes */
	assert_int_equal(dec(DECODE_32, "f3 0f b8 c1", &d), 4);
	assert_int_equal(d.form, IF_POPCNT_GvEv);
	assert_int_equal(dec(DECODE_32, "0f b8 c1", &d), DECODE_UD);
	assert_int_equal(dec(DECODE_32, "0f bc c1", &d), 3);
	assert_int_equal(d.form, IF_BSF_GvEv);
	assert_int_equal(dec(DECODE_32, "f3 66 0f bc c1", &d), 5);
	assert_int_equal(d.form, IF_TZCNT_GvEv);
	assert_int_equal(d.opsize, 2);
	assert_int_equal(dec(DECODE_32, "66 0f 38 f6 c1", &d), 5);
	assert_int_equal(d.form, IF_ADCX_GyEy);
	assert_int_equal(d.opsize, 4);                                  /* 66 is the opcode */
	assert_int_equal(dec(DECODE_32, "0f 38 f0 00", &d), 4);
	assert_int_equal(d.form, IF_MOVBE_GvMv);
	assert_int_equal(dec(DECODE_32, "0f 38 f0 c0", &d), DECODE_UD);
}

static void test_groups_and_sreg(void **state)
{
	(void)state;
	struct insn d;

	assert_int_equal(dec(DECODE_32, "fe 10", &d), DECODE_UD);      /* FE /2 */
	assert_int_equal(dec(DECODE_32, "ff 38", &d), DECODE_UD);      /* FF /7 */
	assert_int_equal(dec(DECODE_32, "ff d8", &d), DECODE_UD);      /* CALLF reg */
	assert_int_equal(dec(DECODE_32, "ff 18", &d), 2);
	assert_int_equal(d.form, IF_CALLF_Mp);
	assert_int_equal(dec(DECODE_64, "ff d0", &d), 2);
	assert_int_equal(d.form, IF_CALL_Ev);
	assert_int_equal(d.opsize, 8);
	assert_int_equal(dec(DECODE_32, "8d c0", &d), DECODE_UD);      /* LEA reg */
	assert_int_equal(dec(DECODE_32, "c6 08 00", &d), DECODE_UD);   /* C6 /1 */
	assert_int_equal(dec(DECODE_32, "0f ba 00 01", &d), DECODE_UD); /* 0F BA /0 */
	assert_int_equal(dec(DECODE_32, "8e c8", &d), DECODE_UD);      /* MOV CS, r */
	assert_int_equal(dec(DECODE_32, "8e d0", &d), 2);              /* MOV SS, r */
	assert_int_equal(d.form, IF_MOV_SwEw);
	assert_int_equal(d.reg, SEG_SS);
	assert_int_equal(dec(DECODE_32, "8c f0", &d), DECODE_UD);      /* Sreg 6 */
	assert_int_equal(dec(DECODE_32, "8c c8", &d), 2);              /* MOV r, CS */
	assert_int_equal(dec(DECODE_64, "44 8c d8", &d), 3);           /* REX.R ignored */
	assert_int_equal(d.reg, SEG_DS);
	assert_int_equal(dec(DECODE_32, "d9 c0", &d), 2);              /* x87 */
	assert_int_equal(d.form, IF_X87);
	assert_false(insn_info(&d)->flags & F_EXT);                    /* it executes */
	assert_int_equal(dec(DECODE_32, "dd 04 24", &d), 3);
	assert_int_equal(dec(DECODE_32, "0f 58 c1", &d), 3);           /* SSE */
	assert_int_equal(d.form, IF_SIMD);
	assert_int_equal(dec(DECODE_32, "0f ff 00", &d), 3);           /* UD0 /r */
	assert_int_equal(dec(DECODE_32, "0f b9 c0", &d), 3);           /* UD1 /r */
	assert_int_equal(dec(DECODE_32, "0f 1f 44 00 00", &d), 5);     /* long NOP */
	assert_int_equal(d.form, IF_NOP_Ev);
	assert_int_equal(dec(DECODE_32, "0f 0d 08", &d), 3);
	assert_int_equal(d.form, IF_PREFETCHW_Mb);
}

static void test_mode_map_and_names(void **state)
{
	(void)state;
	struct insn d;

	assert_int_equal(decode_mode_of(MODE_REAL), DECODE_16);
	assert_int_equal(decode_mode_of(MODE_VM86), DECODE_16);
	assert_int_equal(decode_mode_of(MODE_COMPAT16), DECODE_16);
	assert_int_equal(decode_mode_of(MODE_PROT32), DECODE_32);
	assert_int_equal(decode_mode_of(MODE_COMPAT32), DECODE_32);
	assert_int_equal(decode_mode_of(MODE_LONG64), DECODE_64);
	assert_int_equal(dec(DECODE_32, "0f 44 c1", &d), 3);
	assert_string_equal(insn_mnemonic_name(d.mnem), "cmove");
	assert_string_equal(insn_form_name(d.form), "CMOVE_GvEv");
	assert_int_equal(insn_dispatch(&d), d.form * 2u);
	assert_int_equal(dec(DECODE_32, "0f 44 01", &d), 3);
	assert_int_equal(insn_dispatch(&d), d.form * 2u + 1);
	/* every one-byte opcode that is not a prefix decodes to a real form */
	for (unsigned op = 0; op < 256; op++) {
		uint16_t f = opcode_map[op];
		assert_true(f < NR_INSN_FORMS);
		if (f)
			assert_int_not_equal(insn_forms[f].mnem, M_invalid);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_is_small),
		cmocka_unit_test(test_rex_placement),
		cmocka_unit_test(test_operand_and_address_size),
		cmocka_unit_test(test_rip_relative),
		cmocka_unit_test(test_sib),
		cmocka_unit_test(test_16bit_addressing),
		cmocka_unit_test(test_moffs),
		cmocka_unit_test(test_length_limit_and_more),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_mov_cr_dr),
		cmocka_unit_test(test_invalid_in_64),
		cmocka_unit_test(test_0f01_mod3),
		cmocka_unit_test(test_immediates),
		cmocka_unit_test(test_prefixes_and_segments),
		cmocka_unit_test(test_groups_and_sreg),
		cmocka_unit_test(test_mode_map_and_names),
	};
	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
