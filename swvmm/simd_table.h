/* The x87, MMX and SSE..SSE4.2 opcode tables: the one list that drives
 * their decoding (swvmm/decode.c) and their execution (swvmm/exec_simd.c,
 * swvmm/exec_x87.c). The main opcode table (swvmm/opcode_table.h) sends
 * the escape opcodes here: D8-DF to X87_TABLE, the SIMD parts of the 0F,
 * 0F 38 and 0F 3A maps to SIMD_TABLE.
 *
 * SIMD_TABLE entries are  X(map, op, pfx, name, mnem, o1, o2, o3, feat, msize, flags):
 *   map    1 = 0F, 2 = 0F 38, 3 = 0F 3A
 *   op     the opcode byte in that map
 *   pfx    the mandatory prefix: NP (none), 66, F3, F2. With F2 or F3
 *          present, 66 is not a mandatory prefix (the last of F2/F3 picks)
 *   name   unique form name (SF_<name> is the entry's index)
 *   mnem   the SDM mnemonic, lower case, as Capstone prints it
 *   o1-o3  operands (SIMD_OPERAND_LIST): the destination first
 *   feat   the CPUID feature that makes the form exist (SIMD_FEATURE_LIST)
 *   msize  bytes of the memory operand when ModRM names memory (0 for
 *          register-only forms; for Ey the 32-bit size, 8 with REX.W)
 *   flags  SFL_*
 *
 * Execution: unless SFL_C says otherwise, an instruction runs on the
 * host's own unit (swvmm/fpu_host.c): the executor re-encodes it with the
 * guest's XMM/MM register numbers, general registers moved to RAX (ModRM
 * reg) and RDX (ModRM rm) and memory moved to a buffer at [RSI], so
 * everything the table must say is where the operands are and how big.
 *
 * Sources: Intel SDM Vol. 2 Appendix A (opcode maps), the instruction
 * pages for operand sizes and alignment. */
#ifndef HVMM_SWVMM_SIMD_TABLE_H
#define HVMM_SWVMM_SIMD_TABLE_H

#include <stdint.h>

/* Operands. V/U/W: XMM (reg field / rm register only / rm register or
 * memory); P/N/Q the same for MMX; G the general register of the reg
 * field (Gd 32 bits, Gy 32 or 64 with REX.W); E/R the rm general register
 * or memory (R register only); M memory only; Ib an 8-bit immediate;
 * X0 the implicit XMM0 of BLENDV*. */
#define SIMD_OPERAND_LIST(O) \
	O(__) O(V) O(U) O(W) O(P) O(N) O(Q) O(Gd) O(Gy) O(Gw) \
	O(Ed) O(Ey) O(Ew) O(Eb) O(Rd) O(Ry) O(M) O(Ib) O(X0)

/* CPUID features (leaf, register, bit) the forms need. */
#define SIMD_FEATURE_LIST(F) \
	F(MMX,    1, CPUID_EDX, 23) \
	F(SSE,    1, CPUID_EDX, 25) \
	F(SSE2,   1, CPUID_EDX, 26) \
	F(SSE3,   1, CPUID_ECX, 0)  \
	F(SSSE3,  1, CPUID_ECX, 9)  \
	F(SSE41,  1, CPUID_ECX, 19) \
	F(SSE42,  1, CPUID_ECX, 20) \
	F(POPCNT, 1, CPUID_ECX, 23) \
	F(PCLMUL, 1, CPUID_ECX, 1)  \
	F(LZCNT,  0x80000001u, CPUID_ECX, 5)

/* Flags. */
#define SFL_A16     0x0001u /* memory operand must be 16-byte aligned (#GP(0)) */
#define SFL_MEMDST  0x0002u /* memory is written, not read */
#define SFL_NOREG   0x0004u /* ModRM.mod == 3 is #UD */
#define SFL_NOMEM   0x0008u /* ModRM.mod != 3 is #UD */
#define SFL_MXCSR   0x0010u /* reads MXCSR / may raise SIMD FP exceptions */
#define SFL_FLAGS   0x0020u /* writes RFLAGS (COMISS, PTEST, PCMPxSTRI, POPCNT..) */
#define SFL_MMX     0x0040u /* touches MMX state (x87 TOS and tag word) */
#define SFL_C       0x0080u /* executed by a C handler, not on the host unit */
#define SFL_ECX     0x0100u /* implicit RAX/RDX in, RCX out (PCMPESTRI ..) */
#define SFL_NOLOCK  0       /* (LOCK is #UD for every form) */

/* SIMD_TABLE(X) is filled by the decoder's table; a few rows show the
 * shape:
 *   X(1, 0x58, NP, ADDPS_VW,  addps,  V, W, __, SSE,  16, SFL_A16 | SFL_MXCSR)
 *   X(1, 0x58, F3, ADDSS_VW,  addss,  V, W, __, SSE,   4, SFL_MXCSR)
 *   X(1, 0xfc, NP, PADDB_PQ,  paddb,  P, Q, __, MMX,   8, SFL_MMX)
 *   X(1, 0x2a, F2, CVTSI2SD_VE, cvtsi2sd, V, Ey, __, SSE2, 4, SFL_MXCSR)
 *   X(1, 0xd7, 66, PMOVMSKB_GU, pmovmskb, Gd, U, __, SSE2, 0, SFL_NOMEM)
 *   X(3, 0x0f, 66, PALIGNR_VWI, palignr, V, W, Ib, SSSE3, 16, SFL_A16) */

/* X87_TABLE(X) rows are  X(op, key, name, mnem, msize, flags):
 *   op     D8..DF
 *   key    XM(reg): memory form, ModRM.reg = reg;
 *          XR(reg): register form ST(i) with any ModRM.rm;
 *          XE(modrm): one register encoding (D9 E0 FCHS ..), checked first
 *   msize  bytes of the memory operand (m32fp 4, m80fp 10, m16int 2 ..);
 *          0 for FLDENV/FNSTENV/FRSTOR/FNSAVE (14/28, 94/108 by operand
 *          size and mode: the executor computes them)
 *   flags  XFL_*
 * A row names its form X87_<name>. */
#define XFL_NOWAIT  0x01u /* FN* forms: no check for a pending exception */
#define XFL_CONTROL 0x02u /* does not update FIP/FCS/FOP (nor FDP/FDS) */
#define XFL_MEMDST  0x04u /* memory is written, not read */
#define XFL_C       0x08u /* executed by a C handler, not on the host unit */

/* What the decoder records for an x87 or SIMD instruction: struct insn's
 * form is IF_X87 or IF_SIMD, and imm2 is the row's index in x87_forms[]
 * or simd_forms[] (the first immediate, if any, is in imm). */
struct simd_form {
	const char *mnem;
	uint8_t map, op, pfx;     /* pfx: 0 NP, 1 66, 2 F3, 3 F2 */
	uint8_t o[3];             /* enum simd_operand */
	uint8_t feat;             /* enum simd_feature */
	uint8_t msize;
	uint16_t flags;           /* SFL_* */
};

struct x87_form {
	const char *mnem;
	uint8_t op;               /* D8..DF */
	uint8_t msize;
	uint8_t flags;            /* XFL_* */
};

#endif
