/* Flag instructions: CMC CLC STC CLD STD, SAHF, LAHF. (CLI, STI, PUSHF
 * and POPF carry privilege rules and belong to the system handlers.) */
#include "swvmm/exec_alu.h"
#include "swvmm/exec_system.h"

static void exec_cmc(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_flags_set(c, RFLAGS_CF, sw_flag(c, RFLAGS_CF) ? 0 : RFLAGS_CF);
}

static void exec_clc(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_flags_set(c, RFLAGS_CF, 0);
}

static void exec_stc(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_flags_set(c, RFLAGS_CF, RFLAGS_CF);
}

/* DF is not an arithmetic flag: it lives in rflags only. */
static void exec_cld(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	c->s.rflags &= ~RFLAGS_DF;
}

static void exec_std(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	c->s.rflags |= RFLAGS_DF;
}

/* In 64-bit mode LAHF and SAHF exist only with CPUID 80000001H:ECX.LAHF-SAHF. */
static void lahf_sahf_check(struct sw_cpu *c)
{
	if (c->mode == MODE_LONG64 && !sys_cpuid_has(c, 0x80000001u, CPUID_ECX, 0))
		sw_ud(c);
}

#define SAHF_MASK (RFLAGS_SF | RFLAGS_ZF | RFLAGS_AF | RFLAGS_PF | RFLAGS_CF)

static void exec_sahf(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	lahf_sahf_check(c);
	sw_flags_set(c, SAHF_MASK, (c->s.gpr[RAX] >> 8) & SAHF_MASK);
}

/* AH = SF:ZF:0:AF:0:PF:1:CF. */
static void exec_lahf(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	lahf_sahf_check(c);
	uint64_t ah = (sw_flags_get(c) & SAHF_MASK) | RFLAGS_FIXED;
	sw_gpr_write(c, 4, 1, false, ah); /* byte register 4 without REX: AH */
}

void sw_register_alu_flags(sw_exec_fn *t)
{
	t[IF_CMC] = exec_cmc;
	t[IF_CLC] = exec_clc;
	t[IF_STC] = exec_stc;
	t[IF_CLD] = exec_cld;
	t[IF_STD] = exec_std;
	t[IF_SAHF] = exec_sahf;
	t[IF_LAHF] = exec_lahf;
}
