/* x86 instruction decoder: bytes in, one compact self-contained
 * struct insn out. The opcode table is swvmm/opcode_table.h; the decoder
 * logic is swvmm/decode.c; docs/decoder.md explains both. */
#ifndef HVMM_SWVMM_DECODE_H
#define HVMM_SWVMM_DECODE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vcpu_state.h"
#include "swvmm/opcode_table.h"
#include "swvmm/simd_table.h"

/* The default operand and address size is all the decoder needs of the
 * mode: 16 (real, VM86, 16-bit protected or compatibility), 32, 64. */
enum decode_mode { DECODE_16, DECODE_32, DECODE_64 };

enum decode_mode decode_mode_of(enum cpu_mode m);

/* Handler ids: one per table form. IF_INVALID (0) is never returned. */
enum insn_form {
	IF_INVALID,
#define FORM_ENUM(key, form, mnem, o1, o2, o3, flags) IF_##form,
#define FORM_RANGE(k1, k2, form)
	OPCODE_TABLE(FORM_ENUM, FORM_RANGE)
#undef FORM_ENUM
#undef FORM_RANGE
	NR_INSN_FORMS
};

enum insn_mnemonic {
#define MNEM_ENUM(m) M_##m,
	MNEMONIC_LIST(MNEM_ENUM)
#undef MNEM_ENUM
	NR_MNEMONICS
};

enum operand_kind {
#define OPD_ENUM(o, attr) OPD_##o,
	OPERAND_LIST(OPD_ENUM)
#undef OPD_ENUM
	NR_OPERAND_KINDS
};

/* What the table says about a form (swvmm/decode_table.c). */
struct insn_form_info {
	uint16_t mnem;       /* enum insn_mnemonic */
	uint8_t op[3];       /* enum operand_kind */
	uint8_t attr;        /* A_* of the operands, or-ed */
	uint32_t flags;      /* F_*, PARAM() in the top byte */
};

extern const struct insn_form_info insn_forms[NR_INSN_FORMS];
extern const uint16_t opcode_map[NR_OPCODE_KEYS];

const char *insn_mnemonic_name(unsigned mnem);
const char *insn_form_name(unsigned form);

/* Register numbers in base/index beyond the 16 GPRs. */
#define INSN_REG_NONE 16
#define INSN_REG_RIP  17  /* base of a RIP-relative operand: next RIP */

/* struct insn flags */
#define INSN_MEM      0x0001 /* ModRM (or moffs) names memory */
#define INSN_LOCK     0x0002 /* F0 seen (and legal) */
#define INSN_REP      0x0004 /* F3 was the last of F2/F3 */
#define INSN_REPNE    0x0008 /* F2 was the last of F2/F3 */
#define INSN_REX      0x0010 /* a REX prefix applies: byte regs 4-7 are SPL.. */
#define INSN_SEGOVR   0x0020 /* seg comes from an override prefix */
#define INSN_OPSIZE   0x0040 /* 66 seen */
#define INSN_ADSIZE   0x0080 /* 67 seen */
#define INSN_RIPREL   0x0100 /* base is INSN_REG_RIP */

/* One decoded instruction. Self-contained: no pointers, 32 bytes. */
struct insn {
	uint64_t imm;     /* first immediate: Ib/Iw/Iv zero-extended; Ibs, Iz,
	                     Jb, Jz sign-extended to 64 bits; the offset of Ap;
	                     the moffs address of Ob/Ov */
	int32_t disp;     /* displacement, sign-extended */
	uint16_t form;    /* enum insn_form: the handler id */
	uint16_t mnem;    /* enum insn_mnemonic */
	uint16_t imm2;    /* second immediate: Ap selector, ENTER level,
	                     EXTRQ/INSERTQ second byte; for IF_SIMD and
	                     IF_X87 the row (SF_*, X87_*) */
	uint16_t flags;   /* INSN_* */
	uint8_t len;      /* 1-15 */
	uint8_t opsize;   /* operand size in bytes: 1, 2, 4, 8 (IF_SIMD: 8
	                     with REX.W, else 4: the size of Ey/Gy) */
	uint8_t adsize;   /* address size in bytes: 2, 4, 8 */
	uint8_t seg;      /* enum sreg of the memory operand (default or override) */
	uint8_t reg;      /* ModRM.reg + REX.R (GPR, Sreg, CR, DR or XMM
	                     number; MMX and x87 registers: 0-7, no REX) */
	uint8_t rm;       /* ModRM.rm + REX.B, or the register of a +r opcode
	                     (MMX: 0-7; x87: i of ST(i)) */
	uint8_t base;     /* GPR, INSN_REG_NONE or INSN_REG_RIP */
	uint8_t index;    /* GPR or INSN_REG_NONE */
	uint8_t scale;    /* log2 of the SIB scale */
	uint8_t rex;      /* the REX byte that applies, 0 if none */
	uint8_t modrm;    /* the ModRM byte (0 if none) */
	uint8_t opcode;   /* the last opcode byte (the +r register is rm) */
};

/* Decoding results besides a length. */
#define DECODE_UD     (-EILSEQ) /* invalid encoding: #UD */
#define DECODE_TOOLONG (-E2BIG) /* more than 15 bytes: #GP(0) */
#define DECODE_MORE   (-EAGAIN) /* bytes[avail] and beyond are needed */

/* Decode the instruction at bytes[0..avail). Returns its length (1-15) and
 * fills *out, or DECODE_UD, DECODE_TOOLONG or DECODE_MORE. On DECODE_MORE
 * the caller fetches more bytes (e.g. across a page boundary) and calls
 * again with the whole instruction so far. */
int decode_insn(const uint8_t *bytes, size_t avail, enum decode_mode mode,
                struct insn *out);

static inline const struct insn_form_info *insn_info(const struct insn *i)
{
	return &insn_forms[i->form];
}

/* The SIMD or x87 row of a decoded instruction, NULL for other forms. */
static inline const struct simd_form *insn_simd(const struct insn *i)
{
	return i->form == IF_SIMD ? &simd_forms[i->imm2] : NULL;
}

static inline const struct x87_form *insn_x87(const struct insn *i)
{
	return i->form == IF_X87 ? &x87_forms[i->imm2] : NULL;
}

/* The mnemonic to print: the row's for SIMD and x87 forms (the REX.W
 * spelling for SFL_W rows: movq, pextrq ..), else the table's. */
const char *insn_mnemonic_str(const struct insn *i);

/* Decoder index of the SIMD rows (swvmm/decode_table.c): row + 1 by key,
 * 0 where there is none. A row's key is its map, opcode and mandatory
 * prefix; register-only rows of the 0F map (SFL_NOMEM) have keys of their
 * own, so that a memory form may share the opcode (MOVLPS/MOVHLPS), and so
 * have the ModRM.reg groups 0F 71-73. */
#define SIMD_KEY(map, op, pfx)  ((((map) - 1) * 256 + (op)) * 4 + (pfx))
#define SIMD_RKEY(map, op, pfx) ((map) == 1 ? 3 * 1024 + (op) * 4 + (pfx) : SIMD_NKEYS)
#define SIMD_GKEY(op, pfx, reg) (4 * 1024 + (((op) - 0x71) * 4 + (pfx)) * 8 + (reg))
#define SIMD_NKEYS              (4 * 1024 + 3 * 4 * 8)
#define SIMD_IS_GROUP(map, op)  ((map) == 1 && (op) >= 0x71 && (op) <= 0x73)
#define SIMD_ROW_KEY(map, op, pfx, fl)                                        \
	((fl) & SFL_GRP ? SIMD_GKEY(op, pfx, SFL_GRP_REG(fl)) :               \
	 (fl) & SFL_NOMEM ? SIMD_RKEY(map, op, pfx) : SIMD_KEY(map, op, pfx))
extern const uint16_t simd_index[SIMD_NKEYS];

/* x87 index: row + 1 by opcode D8-DF, then ModRM.reg for memory forms
 * (0-7) or 8 + ModRM bits 5:0 for register forms. */
#define X87_NKEYS 72
extern const uint8_t x87_index[8][X87_NKEYS];

/* The executor's dispatch index: the form and the register/memory
 * variant, both fixed at decode time (handlers[insn_dispatch(i)]). */
static inline unsigned insn_dispatch(const struct insn *i)
{
	return (unsigned)i->form * 2u + (i->flags & INSN_MEM ? 1u : 0u);
}

#endif
