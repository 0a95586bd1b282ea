/* Specialised arithmetic handlers (see swvmm/exec_fast.h): the eight
 * binary operations, TEST, INC, DEC and the shifts SHL/SHR/SAR, with
 * register operands of 32 or 64 bits. Operand size and operation are
 * constants in each variant, so the flags are recorded lazily in a few
 * stores. Semantics as swvmm/exec_alu_arith.c and exec_alu_shift.c. */
#include "swvmm/exec_alu.h"
#include "swvmm/exec_fast.h"
#include "swvmm/mem_fast.h"

enum fop { F_ADD, F_OR, F_ADC, F_SBB, F_AND, F_SUB, F_XOR, F_CMP, F_TEST };

/* a op b with its flags recorded; the result (CMP/TEST: unused). */
static inline uint64_t alu(struct sw_cpu *c, enum fop op, uint64_t a, uint64_t b, unsigned size)
{
	uint64_t r, k;
	switch (op) {
	case F_ADD:
		r = a + b;
		sw_lazy_record(c, LF_ADD, a, b, r, size);
		return r;
	case F_ADC:
		k = sw_lazy_cf(c);
		r = a + b + k;
		sw_lazy_record(c, k ? LF_ADC : LF_ADD, a, b, r, size);
		return r;
	case F_SUB:
	case F_CMP:
		r = a - b;
		sw_lazy_record(c, LF_SUB, a, b, r, size);
		return r;
	case F_SBB:
		k = sw_lazy_cf(c);
		r = a - b - k;
		sw_lazy_record(c, k ? LF_SBB : LF_SUB, a, b, r, size);
		return r;
	case F_OR:
		r = a | b;
		break;
	case F_XOR:
		r = a ^ b;
		break;
	default:   /* AND, TEST */
		r = a & b;
		break;
	}
	sw_lazy_record(c, LF_LOGIC, 0, 0, r, size);
	return r;
}

static inline bool writes(enum fop op)
{
	return op != F_CMP && op != F_TEST;
}

/* E = rm, G = reg, A = rAX, I = the immediate (already sign-extended). */
#define ALU_FORMS(name, op, size)                                                      \
	static void name##_eg_##size(struct sw_cpu *c, const struct insn *i)          \
	{                                                                             \
		uint64_t r = alu(c, op, c->s.gpr[i->rm], c->s.gpr[i->reg], size);     \
		if (writes(op))                                                       \
			sw_fast_put(c, i->rm, r, size);                               \
	}                                                                             \
	/* TEST has no GvEv form */                                                  \
	static __attribute__((unused)) void name##_ge_##size(struct sw_cpu *c,       \
	                                                     const struct insn *i)   \
	{                                                                             \
		uint64_t r = alu(c, op, c->s.gpr[i->reg], c->s.gpr[i->rm], size);     \
		if (writes(op))                                                       \
			sw_fast_put(c, i->reg, r, size);                              \
	}                                                                             \
	static void name##_ei_##size(struct sw_cpu *c, const struct insn *i)          \
	{                                                                             \
		uint64_t r = alu(c, op, c->s.gpr[i->rm], i->imm, size);               \
		if (writes(op))                                                       \
			sw_fast_put(c, i->rm, r, size);                               \
	}                                                                             \
	static void name##_ai_##size(struct sw_cpu *c, const struct insn *i)          \
	{                                                                             \
		uint64_t r = alu(c, op, c->s.gpr[RAX], i->imm, size);                 \
		if (writes(op))                                                       \
			sw_fast_put(c, RAX, r, size);                                 \
	}
#define ALU_OP(name, op) ALU_FORMS(name, op, 4) ALU_FORMS(name, op, 8)
ALU_OP(add, F_ADD)
ALU_OP(or, F_OR)
ALU_OP(adc, F_ADC)
ALU_OP(sbb, F_SBB)
ALU_OP(and, F_AND)
ALU_OP(sub, F_SUB)
ALU_OP(xor, F_XOR)
ALU_OP(cmp, F_CMP)
ALU_OP(test, F_TEST)

/* Memory operands in 64-bit mode (sw_fast_flat64). An access goes straight
 * to host memory when the TLB allows it (for a read-modify-write: the
 * write, which implies the read), else the general handler does the whole
 * instruction. */
#define ALU_MEM_FORMS(name, op, size)                                                  \
	static __attribute__((unused)) void name##_gm_##size(struct sw_cpu *c,       \
	                                                     const struct insn *i)   \
	{                                                                             \
		const uint8_t *p = sw_rd64(c, sw_fast_ea64(c, i), size);              \
		if (!p) {                                                             \
			c->exec[i->form](c, i);                                       \
			return;                                                       \
		}                                                                     \
		uint64_t r = alu(c, op, c->s.gpr[i->reg], sw_load_le(p, size), size); \
		if (writes(op))                                                       \
			sw_fast_put(c, i->reg, r, size);                              \
	}                                                                             \
	static void name##_mg_##size(struct sw_cpu *c, const struct insn *i)          \
	{                                                                             \
		alu_mem(c, i, op, c->s.gpr[i->reg], size);                            \
	}                                                                             \
	static void name##_mi_##size(struct sw_cpu *c, const struct insn *i)          \
	{                                                                             \
		alu_mem(c, i, op, i->imm, size);                                      \
	}

static inline void alu_mem(struct sw_cpu *c, const struct insn *i, enum fop op, uint64_t b,
                           unsigned size)
{
	uint64_t lin = sw_fast_ea64(c, i);
	if (writes(op)) {
		uint8_t *p = sw_wr64(c, lin, size);
		if (!p) {
			c->exec[i->form](c, i);
			return;
		}
		sw_store_le(p, size, alu(c, op, sw_load_le(p, size), b, size));
	} else {
		const uint8_t *p = sw_rd64(c, lin, size);
		if (!p) {
			c->exec[i->form](c, i);
			return;
		}
		alu(c, op, sw_load_le(p, size), b, size);
	}
}
#define ALU_MEM_OP(name, op) ALU_MEM_FORMS(name, op, 4) ALU_MEM_FORMS(name, op, 8)
ALU_MEM_OP(add, F_ADD)
ALU_MEM_OP(or, F_OR)
ALU_MEM_OP(adc, F_ADC)
ALU_MEM_OP(sbb, F_SBB)
ALU_MEM_OP(and, F_AND)
ALU_MEM_OP(sub, F_SUB)
ALU_MEM_OP(xor, F_XOR)
ALU_MEM_OP(cmp, F_CMP)
ALU_MEM_OP(test, F_TEST)

/* IMUL reg, r/m [, imm]: CF = OF = the product does not fit; the other
 * flags are left as they were (swvmm/exec_alu_muldiv.c). */
static inline void imul(struct sw_cpu *c, const struct insn *i, uint64_t a, uint64_t b,
                        unsigned size)
{
	bool ovf;
	uint64_t r;
	if (size == 8) {
		int64_t p;
		ovf = __builtin_mul_overflow((int64_t)a, (int64_t)b, &p);
		r = (uint64_t)p;
	} else {
		int64_t p = (int64_t)(int32_t)a * (int32_t)b;
		ovf = p != (int32_t)p;
		r = (uint64_t)p;
	}
	sw_fast_put(c, i->reg, r, size);
	sw_flags_set(c, RFLAGS_CF | RFLAGS_OF, ovf ? RFLAGS_CF | RFLAGS_OF : 0);
}
#define IMUL_FORMS(size)                                                               \
	static void imul_ge_##size(struct sw_cpu *c, const struct insn *i)            \
	{                                                                             \
		imul(c, i, c->s.gpr[i->reg], c->s.gpr[i->rm], size);                  \
	}                                                                             \
	static void imul_gei_##size(struct sw_cpu *c, const struct insn *i)           \
	{                                                                             \
		imul(c, i, c->s.gpr[i->rm], i->imm, size);                            \
	}
IMUL_FORMS(4)
IMUL_FORMS(8)

/* INC/DEC r/m (FF /0 /1) and 40+r/48+r outside 64-bit mode (register in rm). */
#define INCDEC(size)                                                                   \
	static void inc_##size(struct sw_cpu *c, const struct insn *i)                \
	{                                                                             \
		uint64_t a = c->s.gpr[i->rm];                                         \
		sw_fast_put(c, i->rm, a + 1, size);                                   \
		sw_flags_incdec(c, a, false, size);                                   \
	}                                                                             \
	static void dec_##size(struct sw_cpu *c, const struct insn *i)                \
	{                                                                             \
		uint64_t a = c->s.gpr[i->rm];                                         \
		sw_fast_put(c, i->rm, a - 1, size);                                   \
		sw_flags_incdec(c, a, true, size);                                    \
	}
INCDEC(4)
INCDEC(8)

/* SHL/SAL, SHR, SAR: count masked to 5 (6) bits; a masked count of 0
 * changes no flag but still writes (zero-extends) the register. */
static inline void shift(struct sw_cpu *c, const struct insn *i, enum sw_lazy_op op,
                         unsigned n, unsigned size)
{
	uint64_t a = size == 8 ? c->s.gpr[i->rm] : (uint32_t)c->s.gpr[i->rm], r;
	n &= size == 8 ? 63 : 31;
	if (!n) {
		sw_fast_put(c, i->rm, a, size);
		return;
	}
	if (op == LF_SHL)
		r = a << n;
	else if (op == LF_SHR)
		r = a >> n;
	else
		r = (uint64_t)(sw_sext(a, size) >> n);
	sw_fast_put(c, i->rm, r, size);
	sw_lazy_record(c, op, a, n, r, size);
}
#define SHIFT_FORMS(name, op, size)                                                    \
	static void name##_ib_##size(struct sw_cpu *c, const struct insn *i)          \
	{                                                                             \
		shift(c, i, op, (unsigned)i->imm, size);                              \
	}                                                                             \
	static void name##_1_##size(struct sw_cpu *c, const struct insn *i)           \
	{                                                                             \
		shift(c, i, op, 1, size);                                             \
	}                                                                             \
	static void name##_cl_##size(struct sw_cpu *c, const struct insn *i)          \
	{                                                                             \
		shift(c, i, op, (unsigned)c->s.gpr[RCX] & 0xff, size);                \
	}
SHIFT_FORMS(shl, LF_SHL, 4)
SHIFT_FORMS(shl, LF_SHL, 8)
SHIFT_FORMS(shr, LF_SHR, 4)
SHIFT_FORMS(shr, LF_SHR, 8)
SHIFT_FORMS(sar, LF_SAR, 4)
SHIFT_FORMS(sar, LF_SAR, 8)

#define PICK(name) (i->opsize == 8 ? name##_8 : name##_4)
#define ALU_CASES(NAME, name)                                                          \
	case IF_##NAME##_EvGv: return PICK(name##_eg);                                \
	case IF_##NAME##_GvEv: return PICK(name##_ge);                                \
	case IF_##NAME##_EvIz:                                                        \
	case IF_##NAME##_EvIbs: return PICK(name##_ei);                               \
	case IF_##NAME##_rAXIz: return PICK(name##_ai);
#define SHIFT_CASES(NAME, name)                                                        \
	case IF_##NAME##_EvIb: return PICK(name##_ib);                                \
	case IF_##NAME##_Ev1: return PICK(name##_1);                                  \
	case IF_##NAME##_EvCL: return PICK(name##_cl);

#define ALU_MEM_CASES(NAME, name)                                                      \
	case IF_##NAME##_EvGv: return PICK(name##_mg);                                \
	case IF_##NAME##_GvEv: return PICK(name##_gm);                                \
	case IF_##NAME##_EvIz:                                                        \
	case IF_##NAME##_EvIbs: return PICK(name##_mi);

/* Memory forms: 64-bit mode, where the inline path applies. */
static sw_exec_fn fast_alu_mem(const struct insn *i)
{
	switch (i->form) {
	ALU_MEM_CASES(ADD, add)
	ALU_MEM_CASES(OR, or)
	ALU_MEM_CASES(ADC, adc)
	ALU_MEM_CASES(SBB, sbb)
	ALU_MEM_CASES(AND, and)
	ALU_MEM_CASES(SUB, sub)
	ALU_MEM_CASES(XOR, xor)
	ALU_MEM_CASES(CMP, cmp)
	case IF_TEST_EvGv: return PICK(test_mg);
	case IF_TEST_EvIz: return PICK(test_mi);
	default:
		return NULL;
	}
}

sw_exec_fn sw_fast_alu(const struct sw_cpu *c, const struct insn *i)
{
	/* Operands of 32/64 bits only. */
	if (i->opsize != 4 && i->opsize != 8)
		return NULL;
	if (i->flags & INSN_MEM)
		return sw_fast_flat64(c, i) ? fast_alu_mem(i) : NULL;
	switch (i->form) {
	case IF_IMUL_GvEv: return PICK(imul_ge);
	case IF_IMUL_GvEvIz: case IF_IMUL_GvEvIbs: return PICK(imul_gei);
	ALU_CASES(ADD, add)
	ALU_CASES(OR, or)
	ALU_CASES(ADC, adc)
	ALU_CASES(SBB, sbb)
	ALU_CASES(AND, and)
	ALU_CASES(SUB, sub)
	ALU_CASES(XOR, xor)
	ALU_CASES(CMP, cmp)
	case IF_TEST_EvGv: return PICK(test_eg);
	case IF_TEST_EvIz: return PICK(test_ei);
	case IF_TEST_rAXIz: return PICK(test_ai);
	case IF_INC_Ev: case IF_INC_Zv: return PICK(inc);
	case IF_DEC_Ev: case IF_DEC_Zv: return PICK(dec);
	SHIFT_CASES(SHL, shl)
	SHIFT_CASES(SAL, shl)
	SHIFT_CASES(SHR, shr)
	SHIFT_CASES(SAR, sar)
	default:
		return NULL;
	}
}
