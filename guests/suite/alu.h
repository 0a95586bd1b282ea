/* The ALU table's shape, shared by the table and its runner. */
#ifndef GUESTS_SUITE_ALU_H
#define GUESTS_SUITE_ALU_H

#include "suite/suite.h"

enum alu_op {
	OP_ADD, OP_ADC, OP_SUB, OP_SBB, OP_CMP, OP_AND, OP_OR, OP_XOR,
	OP_TEST, OP_INC, OP_DEC, OP_NEG, OP_NOT, OP_SHL, OP_SHR, OP_SAR,
	OP_ROL, OP_ROR, OP_RCL, OP_RCR, OP_SHLD, OP_SHRD,
};

#define CF F_CF
#define PF F_PF
#define AF F_AF
#define ZF F_ZF
#define SF F_SF
#define OF F_OF

struct alu_case {
	uint8_t op, size;
	uint16_t fin, fout, undef;
	uint64_t a, b, c, result;
};

extern const struct alu_case alu_cases[];
extern const unsigned int alu_ncases;

#endif
