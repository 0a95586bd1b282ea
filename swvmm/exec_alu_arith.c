/* The eight binary operations of opcode blocks 00-3F and groups 80-83
 * (ADD OR ADC SBB AND SUB XOR CMP), TEST, INC, DEC, NEG, NOT, ADCX, ADOX.
 * Semantics: Intel SDM Vol. 2 instruction pages. The result is written
 * before the flags change: the only write that can fault was checked
 * when the operand was read (alu_rmw_read). */
#include "swvmm/exec_alu.h"
#include "swvmm/exec_system.h"

enum alu_op { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP };

static uint64_t alu_result(const struct sw_cpu *c, enum alu_op op, uint64_t a, uint64_t b)
{
	uint64_t cf = sw_flag(c, RFLAGS_CF);
	switch (op) {
	case OP_ADD: return a + b;
	case OP_OR:  return a | b;
	case OP_ADC: return a + b + cf;
	case OP_SBB: return a - b - cf;
	case OP_AND: return a & b;
	case OP_SUB:
	case OP_CMP: return a - b;
	default:     return a ^ b;
	}
}

/* Flags of a op b, res its result; the carry in is read before it changes. */
static void alu_flags(struct sw_cpu *c, enum alu_op op, uint64_t a, uint64_t b, uint64_t cf,
                      uint64_t res, unsigned size)
{
	switch (op) {
	case OP_ADD: sw_flags_add(c, a, b, 0, size); break;
	case OP_ADC: sw_flags_add(c, a, b, cf, size); break;
	case OP_SBB: sw_flags_sub(c, a, b, cf, size); break;
	case OP_SUB:
	case OP_CMP: sw_flags_sub(c, a, b, 0, size); break;
	default:     sw_flags_logic(c, res, size); break;
	}
}

/* r/m op= src (EbGb, EvGv, EbIb, EvIz, EvIbs). CMP only reads. */
static void alu_rm(struct sw_cpu *c, const struct insn *i, enum alu_op op, uint64_t b)
{
	unsigned size = i->opsize;
	uint64_t cf = sw_flag(c, RFLAGS_CF);
	uint64_t a, res;
	if (op == OP_CMP) {
		a = sw_rm_read(c, i, size);
		sw_flags_sub(c, a, b, 0, size);
		return;
	}
	struct alu_loc l;
	a = alu_rmw_read(c, i, size, &l);
	res = alu_result(c, op, a, b);
	alu_rmw_write(c, i, size, &l, res);
	alu_flags(c, op, a, b, cf, res, size);
}

/* reg op= r/m (GbEb, GvEv). */
static void alu_reg(struct sw_cpu *c, const struct insn *i, enum alu_op op)
{
	unsigned size = i->opsize;
	uint64_t cf = sw_flag(c, RFLAGS_CF);
	uint64_t b = sw_rm_read(c, i, size);
	uint64_t a = sw_reg_read(c, i, size);
	uint64_t res = alu_result(c, op, a, b);
	if (op != OP_CMP)
		sw_reg_write(c, i, size, res);
	alu_flags(c, op, a, b, cf, res, size);
}

/* AL/rAX op= imm. */
static void alu_acc(struct sw_cpu *c, const struct insn *i, enum alu_op op)
{
	unsigned size = i->opsize;
	uint64_t cf = sw_flag(c, RFLAGS_CF);
	uint64_t a = sw_gpr_read(c, RAX, size, false);
	uint64_t res = alu_result(c, op, a, i->imm);
	if (op != OP_CMP)
		sw_gpr_write(c, RAX, size, false, res);
	alu_flags(c, op, a, i->imm, cf, res, size);
}

#define ALU_HANDLERS(name, op)                                                          \
	static void exec_##name##_eg(struct sw_cpu *c, const struct insn *i)            \
	{                                                                               \
		alu_rm(c, i, op, sw_reg_read(c, i, i->opsize));                         \
	}                                                                               \
	static void exec_##name##_ge(struct sw_cpu *c, const struct insn *i)            \
	{                                                                               \
		alu_reg(c, i, op);                                                      \
	}                                                                               \
	static void exec_##name##_ai(struct sw_cpu *c, const struct insn *i)            \
	{                                                                               \
		alu_acc(c, i, op);                                                      \
	}                                                                               \
	static void exec_##name##_ei(struct sw_cpu *c, const struct insn *i)            \
	{                                                                               \
		alu_rm(c, i, op, i->imm);                                               \
	}
ALU_HANDLERS(add, OP_ADD)
ALU_HANDLERS(or, OP_OR)
ALU_HANDLERS(adc, OP_ADC)
ALU_HANDLERS(sbb, OP_SBB)
ALU_HANDLERS(and, OP_AND)
ALU_HANDLERS(sub, OP_SUB)
ALU_HANDLERS(xor, OP_XOR)
ALU_HANDLERS(cmp, OP_CMP)

/* ---- TEST: AND without a result (84, 85, A8, A9, F6/F7 /0 /1) ---- */

static void exec_test_eg(struct sw_cpu *c, const struct insn *i)
{
	uint64_t a = sw_rm_read(c, i, i->opsize);
	sw_flags_logic(c, a & sw_reg_read(c, i, i->opsize), i->opsize);
}

static void exec_test_ai(struct sw_cpu *c, const struct insn *i)
{
	sw_flags_logic(c, sw_gpr_read(c, RAX, i->opsize, false) & i->imm, i->opsize);
}

static void exec_test_ei(struct sw_cpu *c, const struct insn *i)
{
	sw_flags_logic(c, sw_rm_read(c, i, i->opsize) & i->imm, i->opsize);
}

/* ---- INC, DEC: CF unchanged ---- */

static void incdec_rm(struct sw_cpu *c, const struct insn *i, bool dec)
{
	struct alu_loc l;
	uint64_t a = alu_rmw_read(c, i, i->opsize, &l);
	alu_rmw_write(c, i, i->opsize, &l, dec ? a - 1 : a + 1);
	sw_flags_incdec(c, a, dec, i->opsize);
}
static void exec_inc_E(struct sw_cpu *c, const struct insn *i) { incdec_rm(c, i, false); }
static void exec_dec_E(struct sw_cpu *c, const struct insn *i) { incdec_rm(c, i, true); }

/* 40+r, 48+r (outside 64-bit mode): the register is in rm. */
static void incdec_z(struct sw_cpu *c, const struct insn *i, bool dec)
{
	uint64_t a = sw_gpr_read(c, i->rm, i->opsize, false);
	sw_gpr_write(c, i->rm, i->opsize, false, dec ? a - 1 : a + 1);
	sw_flags_incdec(c, a, dec, i->opsize);
}
static void exec_inc_Zv(struct sw_cpu *c, const struct insn *i) { incdec_z(c, i, false); }
static void exec_dec_Zv(struct sw_cpu *c, const struct insn *i) { incdec_z(c, i, true); }

/* ---- NOT (no flags), NEG (0 - x; CF = x != 0) ---- */

static void exec_not(struct sw_cpu *c, const struct insn *i)
{
	struct alu_loc l;
	uint64_t a = alu_rmw_read(c, i, i->opsize, &l);
	alu_rmw_write(c, i, i->opsize, &l, ~a);
}

static void exec_neg(struct sw_cpu *c, const struct insn *i)
{
	struct alu_loc l;
	uint64_t a = alu_rmw_read(c, i, i->opsize, &l);
	alu_rmw_write(c, i, i->opsize, &l, 0 - a);
	sw_flags_sub(c, 0, a, 0, i->opsize);
}

/* ---- ADCX (66 0F 38 F6), ADOX (F3 0F 38 F6): add with carry through
 * CF or OF only, other flags unchanged. #UD unless CPUID.7.EBX.ADX. ---- */

static void adx(struct sw_cpu *c, const struct insn *i, uint64_t flag)
{
	if (!sys_cpuid_has(c, 7, CPUID_EBX, 19))
		sw_ud(c);
	unsigned size = i->opsize;
	uint64_t b = sw_rm_read(c, i, size);
	uint64_t a = sw_reg_read(c, i, size);
	uint64_t cin = sw_flag(c, flag);
	uint64_t res = sw_trunc(a + b + cin, size);
	uint64_t m = sw_trunc(~0ull, size);
	/* Carry out: the sum wrapped, or equalled a with a carry in of 1. */
	bool cout = res < (a & m) || (cin && res == (a & m));
	sw_reg_write(c, i, size, res);
	sw_flags_set(c, flag, cout ? flag : 0);
}
static void exec_adcx(struct sw_cpu *c, const struct insn *i) { adx(c, i, RFLAGS_CF); }
static void exec_adox(struct sw_cpu *c, const struct insn *i) { adx(c, i, RFLAGS_OF); }

void sw_register_alu_arith(sw_exec_fn *t)
{
#define REG_ALU(NAME, name)                                                             \
	t[IF_##NAME##_EbGb] = t[IF_##NAME##_EvGv] = exec_##name##_eg;                   \
	t[IF_##NAME##_GbEb] = t[IF_##NAME##_GvEv] = exec_##name##_ge;                   \
	t[IF_##NAME##_ALIb] = t[IF_##NAME##_rAXIz] = exec_##name##_ai;                  \
	t[IF_##NAME##_EbIb] = t[IF_##NAME##_EvIz] = t[IF_##NAME##_EvIbs] = exec_##name##_ei;
	REG_ALU(ADD, add)
	REG_ALU(OR, or)
	REG_ALU(ADC, adc)
	REG_ALU(SBB, sbb)
	REG_ALU(AND, and)
	REG_ALU(SUB, sub)
	REG_ALU(XOR, xor)
	REG_ALU(CMP, cmp)
#undef REG_ALU
	t[IF_TEST_EbGb] = t[IF_TEST_EvGv] = exec_test_eg;
	t[IF_TEST_ALIb] = t[IF_TEST_rAXIz] = exec_test_ai;
	t[IF_TEST_EbIb] = t[IF_TEST_EvIz] = exec_test_ei;
	t[IF_INC_Eb] = t[IF_INC_Ev] = exec_inc_E;
	t[IF_DEC_Eb] = t[IF_DEC_Ev] = exec_dec_E;
	t[IF_INC_Zv] = exec_inc_Zv;
	t[IF_DEC_Zv] = exec_dec_Zv;
	t[IF_NOT_Eb] = t[IF_NOT_Ev] = exec_not;
	t[IF_NEG_Eb] = t[IF_NEG_Ev] = exec_neg;
	t[IF_ADCX_GyEy] = exec_adcx;
	t[IF_ADOX_GyEy] = exec_adox;
}
