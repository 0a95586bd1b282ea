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
 *          register-only forms; for Ey the 32-bit size, 8 with REX.W;
 *          MASKMOVQ/MASKMOVDQU: their implicit DS:rDI store)
 *   flags  SFL_*
 * A row without operands (EMMS) has no ModRM byte. POPCNT, LZCNT, TZCNT
 * and CRC32 are general-purpose forms of the main table; their features
 * are listed for the executors' convenience.
 *
 * The decoder finds a row through simd_index (swvmm/decode.h): by map,
 * opcode and prefix; register-only rows (SFL_NOMEM) of the 0F map and
 * the ModRM.reg groups 0F 71-73 (SFL_REG) have keys of their own.
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

#include <stdbool.h>
#include <stdint.h>

/* Operands. V/U/W: XMM (reg field / rm register only / rm register or
 * memory); P/N/Q the same for MMX; G the general register of the reg
 * field (Gd 32 bits, Gy 32 or 64 with REX.W); E/R the rm general register
 * or memory (R register only); M memory only; Ib an 8-bit immediate;
 * X0 the implicit XMM0 of BLENDV*. Eb/Ew (PINSRB, PINSRW, PEXTRB,
 * PEXTRW) name a 32-bit register (its low byte or word is read; a write
 * zero-extends into it, never AH-BH) or a byte or word of memory. */
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
#define SFL_MMX     0x0040u /* an MMX register operand: touches MMX state (x87
                               TOS and tag word) when the MMX register is
                               used (CVTPI2PS/PD from memory do not) */
#define SFL_C       0x0080u /* executed by a C handler, not on the host unit */
#define SFL_ECX     0x0100u /* implicit RAX/RDX in, RCX out (PCMPESTRI ..) */
#define SFL_NOLOCK  0       /* (LOCK is #UD for every form) */
#define SFL_W       0x0200u /* REX.W (64-bit mode) makes the Ey/Gy operand 64
                               bits: MOVD becomes MOVQ, PEXTRD PEXTRQ, PINSRD
                               PINSRQ, CVTSI2SS reads r/m64 ..; msize stays the
                               32-bit size */
#define SFL_GRP     0x0400u /* ModRM.reg is part of the opcode (0F 71-73) */
#define SFL_REG(r)  (SFL_GRP | ((r) << 12)) /* .. and it is r */
#define SFL_GRP_REG(fl) (((fl) >> 12) & 7u)


/* Helpers for the regular rows: an integer instruction's NP MMX form
 * (with the feature that brought it) and 66 SSE2 form; the same pair in
 * 0F 38 (SSSE3); the PS/PD pair and the PS/PD/SS/SD set of a
 * floating-point instruction; an SSE4.1 66 0F 38 row. */
#define SIMD_MMX_SSE2(X, op, name, mnem, mfeat)                            \
	X(1, op, NP, name##_PQ, mnem, P, Q, __, mfeat, 8, SFL_MMX)          \
	X(1, op, 66, name##_VW, mnem, V, W, __, SSE2, 16, SFL_A16)
#define SIMD_SSSE3(X, op, name, mnem)                                      \
	X(2, op, NP, name##_PQ, mnem, P, Q, __, SSSE3, 8, SFL_MMX)          \
	X(2, op, 66, name##_VW, mnem, V, W, __, SSSE3, 16, SFL_A16)
#define SIMD_PSPD(X, op, name, mnem, fl)                                   \
	X(1, op, NP, name##PS_VW, mnem##ps, V, W, __, SSE, 16, SFL_A16 | (fl)) \
	X(1, op, 66, name##PD_VW, mnem##pd, V, W, __, SSE2, 16, SFL_A16 | (fl))
#define SIMD_FP4(X, op, name, mnem)                                        \
	SIMD_PSPD(X, op, name, mnem, SFL_MXCSR)                             \
	X(1, op, F3, name##SS_VW, mnem##ss, V, W, __, SSE, 4, SFL_MXCSR)    \
	X(1, op, F2, name##SD_VW, mnem##sd, V, W, __, SSE2, 8, SFL_MXCSR)
#define SIMD_41(X, op, name, mnem, msize, fl)                              \
	X(2, op, 66, name##_VW, mnem, V, W, __, SSE41, msize, fl)
/* The shift-by-immediate groups 0F 71-73 /r: MMX and SSE2 forms. */
#define SIMD_SHIFT_IMM(X, op, r, name, mnem)                               \
	X(1, op, NP, name##_NI, mnem, N, Ib, __, MMX, 0, SFL_MMX | SFL_NOMEM | SFL_REG(r)) \
	X(1, op, 66, name##_UI, mnem, U, Ib, __, SSE2, 0, SFL_NOMEM | SFL_REG(r))

/* The 0F, 0F 38 and 0F 3A maps, by opcode. A16: the SDM's exception
 * class says so (16-byte packed operands of legacy SSE, but MOVUPS/
 * MOVDQU/LDDQU, PCMPxSTRx and the scalar, 64- and 32-bit ones). */
#define SIMD_TABLE(X)                                                      \
	X(1, 0x10, NP, MOVUPS_VW, movups, V, W, __, SSE, 16, 0)             \
	X(1, 0x10, 66, MOVUPD_VW, movupd, V, W, __, SSE2, 16, 0)            \
	X(1, 0x10, F3, MOVSS_VW, movss, V, W, __, SSE, 4, 0)                \
	X(1, 0x10, F2, MOVSD_VW, movsd, V, W, __, SSE2, 8, 0)               \
	X(1, 0x11, NP, MOVUPS_WV, movups, W, V, __, SSE, 16, SFL_MEMDST)    \
	X(1, 0x11, 66, MOVUPD_WV, movupd, W, V, __, SSE2, 16, SFL_MEMDST)   \
	X(1, 0x11, F3, MOVSS_WV, movss, W, V, __, SSE, 4, SFL_MEMDST)       \
	X(1, 0x11, F2, MOVSD_WV, movsd, W, V, __, SSE2, 8, SFL_MEMDST)      \
	X(1, 0x12, NP, MOVLPS_VM, movlps, V, M, __, SSE, 8, SFL_NOREG)      \
	X(1, 0x12, NP, MOVHLPS_VU, movhlps, V, U, __, SSE, 0, SFL_NOMEM)    \
	X(1, 0x12, 66, MOVLPD_VM, movlpd, V, M, __, SSE2, 8, SFL_NOREG)     \
	X(1, 0x12, F3, MOVSLDUP_VW, movsldup, V, W, __, SSE3, 16, SFL_A16)  \
	X(1, 0x12, F2, MOVDDUP_VW, movddup, V, W, __, SSE3, 8, 0)           \
	X(1, 0x13, NP, MOVLPS_MV, movlps, M, V, __, SSE, 8, SFL_NOREG | SFL_MEMDST) \
	X(1, 0x13, 66, MOVLPD_MV, movlpd, M, V, __, SSE2, 8, SFL_NOREG | SFL_MEMDST) \
	SIMD_PSPD(X, 0x14, UNPCKL, unpckl, 0)                               \
	SIMD_PSPD(X, 0x15, UNPCKH, unpckh, 0)                               \
	X(1, 0x16, NP, MOVHPS_VM, movhps, V, M, __, SSE, 8, SFL_NOREG)      \
	X(1, 0x16, NP, MOVLHPS_VU, movlhps, V, U, __, SSE, 0, SFL_NOMEM)    \
	X(1, 0x16, 66, MOVHPD_VM, movhpd, V, M, __, SSE2, 8, SFL_NOREG)     \
	X(1, 0x16, F3, MOVSHDUP_VW, movshdup, V, W, __, SSE3, 16, SFL_A16)  \
	X(1, 0x17, NP, MOVHPS_MV, movhps, M, V, __, SSE, 8, SFL_NOREG | SFL_MEMDST) \
	X(1, 0x17, 66, MOVHPD_MV, movhpd, M, V, __, SSE2, 8, SFL_NOREG | SFL_MEMDST) \
	X(1, 0x28, NP, MOVAPS_VW, movaps, V, W, __, SSE, 16, SFL_A16)       \
	X(1, 0x28, 66, MOVAPD_VW, movapd, V, W, __, SSE2, 16, SFL_A16)      \
	X(1, 0x29, NP, MOVAPS_WV, movaps, W, V, __, SSE, 16, SFL_A16 | SFL_MEMDST) \
	X(1, 0x29, 66, MOVAPD_WV, movapd, W, V, __, SSE2, 16, SFL_A16 | SFL_MEMDST) \
	/* CVTPI2PS/PD with a memory source leave the MMX state alone */   \
	X(1, 0x2a, NP, CVTPI2PS_VQ, cvtpi2ps, V, Q, __, SSE, 8, SFL_MMX | SFL_MXCSR) \
	X(1, 0x2a, 66, CVTPI2PD_VQ, cvtpi2pd, V, Q, __, SSE2, 8, SFL_MMX)   \
	X(1, 0x2a, F3, CVTSI2SS_VE, cvtsi2ss, V, Ey, __, SSE, 4, SFL_MXCSR | SFL_W) \
	X(1, 0x2a, F2, CVTSI2SD_VE, cvtsi2sd, V, Ey, __, SSE2, 4, SFL_MXCSR | SFL_W) \
	X(1, 0x2b, NP, MOVNTPS_MV, movntps, M, V, __, SSE, 16, SFL_A16 | SFL_NOREG | SFL_MEMDST) \
	X(1, 0x2b, 66, MOVNTPD_MV, movntpd, M, V, __, SSE2, 16, SFL_A16 | SFL_NOREG | SFL_MEMDST) \
	X(1, 0x2c, NP, CVTTPS2PI_PW, cvttps2pi, P, W, __, SSE, 8, SFL_MMX | SFL_MXCSR) \
	X(1, 0x2c, 66, CVTTPD2PI_PW, cvttpd2pi, P, W, __, SSE2, 16, SFL_A16 | SFL_MMX | SFL_MXCSR) \
	X(1, 0x2c, F3, CVTTSS2SI_GW, cvttss2si, Gy, W, __, SSE, 4, SFL_MXCSR | SFL_W) \
	X(1, 0x2c, F2, CVTTSD2SI_GW, cvttsd2si, Gy, W, __, SSE2, 8, SFL_MXCSR | SFL_W) \
	X(1, 0x2d, NP, CVTPS2PI_PW, cvtps2pi, P, W, __, SSE, 8, SFL_MMX | SFL_MXCSR) \
	X(1, 0x2d, 66, CVTPD2PI_PW, cvtpd2pi, P, W, __, SSE2, 16, SFL_A16 | SFL_MMX | SFL_MXCSR) \
	X(1, 0x2d, F3, CVTSS2SI_GW, cvtss2si, Gy, W, __, SSE, 4, SFL_MXCSR | SFL_W) \
	X(1, 0x2d, F2, CVTSD2SI_GW, cvtsd2si, Gy, W, __, SSE2, 8, SFL_MXCSR | SFL_W) \
	X(1, 0x2e, NP, UCOMISS_VW, ucomiss, V, W, __, SSE, 4, SFL_MXCSR | SFL_FLAGS) \
	X(1, 0x2e, 66, UCOMISD_VW, ucomisd, V, W, __, SSE2, 8, SFL_MXCSR | SFL_FLAGS) \
	X(1, 0x2f, NP, COMISS_VW, comiss, V, W, __, SSE, 4, SFL_MXCSR | SFL_FLAGS) \
	X(1, 0x2f, 66, COMISD_VW, comisd, V, W, __, SSE2, 8, SFL_MXCSR | SFL_FLAGS) \
	X(1, 0x50, NP, MOVMSKPS_GU, movmskps, Gd, U, __, SSE, 0, SFL_NOMEM) \
	X(1, 0x50, 66, MOVMSKPD_GU, movmskpd, Gd, U, __, SSE2, 0, SFL_NOMEM) \
	SIMD_FP4(X, 0x51, SQRT, sqrt)                                       \
	/* RSQRT and RCP raise no SIMD exceptions (SDM: "None") */          \
	X(1, 0x52, NP, RSQRTPS_VW, rsqrtps, V, W, __, SSE, 16, SFL_A16)     \
	X(1, 0x52, F3, RSQRTSS_VW, rsqrtss, V, W, __, SSE, 4, 0)            \
	X(1, 0x53, NP, RCPPS_VW, rcpps, V, W, __, SSE, 16, SFL_A16)         \
	X(1, 0x53, F3, RCPSS_VW, rcpss, V, W, __, SSE, 4, 0)                \
	SIMD_PSPD(X, 0x54, AND, and, 0)                                     \
	SIMD_PSPD(X, 0x55, ANDN, andn, 0)                                   \
	SIMD_PSPD(X, 0x56, OR, or, 0)                                       \
	SIMD_PSPD(X, 0x57, XOR, xor, 0)                                     \
	SIMD_FP4(X, 0x58, ADD, add)                                         \
	SIMD_FP4(X, 0x59, MUL, mul)                                         \
	X(1, 0x5a, NP, CVTPS2PD_VW, cvtps2pd, V, W, __, SSE2, 8, SFL_MXCSR) \
	X(1, 0x5a, 66, CVTPD2PS_VW, cvtpd2ps, V, W, __, SSE2, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0x5a, F3, CVTSS2SD_VW, cvtss2sd, V, W, __, SSE2, 4, SFL_MXCSR) \
	X(1, 0x5a, F2, CVTSD2SS_VW, cvtsd2ss, V, W, __, SSE2, 8, SFL_MXCSR) \
	X(1, 0x5b, NP, CVTDQ2PS_VW, cvtdq2ps, V, W, __, SSE2, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0x5b, 66, CVTPS2DQ_VW, cvtps2dq, V, W, __, SSE2, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0x5b, F3, CVTTPS2DQ_VW, cvttps2dq, V, W, __, SSE2, 16, SFL_A16 | SFL_MXCSR) \
	SIMD_FP4(X, 0x5c, SUB, sub)                                         \
	SIMD_FP4(X, 0x5d, MIN, min)                                         \
	SIMD_FP4(X, 0x5e, DIV, div)                                         \
	SIMD_FP4(X, 0x5f, MAX, max)                                         \
	/* the MMX unpack-low forms read 32 bits of memory */               \
	X(1, 0x60, NP, PUNPCKLBW_PQ, punpcklbw, P, Q, __, MMX, 4, SFL_MMX)  \
	X(1, 0x60, 66, PUNPCKLBW_VW, punpcklbw, V, W, __, SSE2, 16, SFL_A16) \
	X(1, 0x61, NP, PUNPCKLWD_PQ, punpcklwd, P, Q, __, MMX, 4, SFL_MMX)  \
	X(1, 0x61, 66, PUNPCKLWD_VW, punpcklwd, V, W, __, SSE2, 16, SFL_A16) \
	X(1, 0x62, NP, PUNPCKLDQ_PQ, punpckldq, P, Q, __, MMX, 4, SFL_MMX)  \
	X(1, 0x62, 66, PUNPCKLDQ_VW, punpckldq, V, W, __, SSE2, 16, SFL_A16) \
	SIMD_MMX_SSE2(X, 0x63, PACKSSWB, packsswb, MMX)                     \
	SIMD_MMX_SSE2(X, 0x64, PCMPGTB, pcmpgtb, MMX)                       \
	SIMD_MMX_SSE2(X, 0x65, PCMPGTW, pcmpgtw, MMX)                       \
	SIMD_MMX_SSE2(X, 0x66, PCMPGTD, pcmpgtd, MMX)                       \
	SIMD_MMX_SSE2(X, 0x67, PACKUSWB, packuswb, MMX)                     \
	SIMD_MMX_SSE2(X, 0x68, PUNPCKHBW, punpckhbw, MMX)                   \
	SIMD_MMX_SSE2(X, 0x69, PUNPCKHWD, punpckhwd, MMX)                   \
	SIMD_MMX_SSE2(X, 0x6a, PUNPCKHDQ, punpckhdq, MMX)                   \
	SIMD_MMX_SSE2(X, 0x6b, PACKSSDW, packssdw, MMX)                     \
	X(1, 0x6c, 66, PUNPCKLQDQ_VW, punpcklqdq, V, W, __, SSE2, 16, SFL_A16) \
	X(1, 0x6d, 66, PUNPCKHQDQ_VW, punpckhqdq, V, W, __, SSE2, 16, SFL_A16) \
	X(1, 0x6e, NP, MOVD_PE, movd, P, Ey, __, MMX, 4, SFL_MMX | SFL_W)   \
	X(1, 0x6e, 66, MOVD_VE, movd, V, Ey, __, SSE2, 4, SFL_W)            \
	X(1, 0x6f, NP, MOVQ_PQ, movq, P, Q, __, MMX, 8, SFL_MMX)            \
	X(1, 0x6f, 66, MOVDQA_VW, movdqa, V, W, __, SSE2, 16, SFL_A16)      \
	X(1, 0x6f, F3, MOVDQU_VW, movdqu, V, W, __, SSE2, 16, 0)            \
	X(1, 0x70, NP, PSHUFW_PQI, pshufw, P, Q, Ib, SSE, 8, SFL_MMX)       \
	X(1, 0x70, 66, PSHUFD_VWI, pshufd, V, W, Ib, SSE2, 16, SFL_A16)     \
	X(1, 0x70, F3, PSHUFHW_VWI, pshufhw, V, W, Ib, SSE2, 16, SFL_A16)   \
	X(1, 0x70, F2, PSHUFLW_VWI, pshuflw, V, W, Ib, SSE2, 16, SFL_A16)   \
	SIMD_SHIFT_IMM(X, 0x71, 2, PSRLW, psrlw)                            \
	SIMD_SHIFT_IMM(X, 0x71, 4, PSRAW, psraw)                            \
	SIMD_SHIFT_IMM(X, 0x71, 6, PSLLW, psllw)                            \
	SIMD_SHIFT_IMM(X, 0x72, 2, PSRLD, psrld)                            \
	SIMD_SHIFT_IMM(X, 0x72, 4, PSRAD, psrad)                            \
	SIMD_SHIFT_IMM(X, 0x72, 6, PSLLD, pslld)                            \
	SIMD_SHIFT_IMM(X, 0x73, 2, PSRLQ, psrlq)                            \
	X(1, 0x73, 66, PSRLDQ_UI, psrldq, U, Ib, __, SSE2, 0, SFL_NOMEM | SFL_REG(3)) \
	SIMD_SHIFT_IMM(X, 0x73, 6, PSLLQ, psllq)                            \
	X(1, 0x73, 66, PSLLDQ_UI, pslldq, U, Ib, __, SSE2, 0, SFL_NOMEM | SFL_REG(7)) \
	SIMD_MMX_SSE2(X, 0x74, PCMPEQB, pcmpeqb, MMX)                       \
	SIMD_MMX_SSE2(X, 0x75, PCMPEQW, pcmpeqw, MMX)                       \
	SIMD_MMX_SSE2(X, 0x76, PCMPEQD, pcmpeqd, MMX)                       \
	/* EMMS: the one row without operands, and without a ModRM byte */  \
	X(1, 0x77, NP, EMMS, emms, __, __, __, MMX, 0, SFL_MMX)             \
	X(1, 0x7c, 66, HADDPD_VW, haddpd, V, W, __, SSE3, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0x7c, F2, HADDPS_VW, haddps, V, W, __, SSE3, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0x7d, 66, HSUBPD_VW, hsubpd, V, W, __, SSE3, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0x7d, F2, HSUBPS_VW, hsubps, V, W, __, SSE3, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0x7e, NP, MOVD_EP, movd, Ey, P, __, MMX, 4, SFL_MMX | SFL_MEMDST | SFL_W) \
	X(1, 0x7e, 66, MOVD_EV, movd, Ey, V, __, SSE2, 4, SFL_MEMDST | SFL_W) \
	X(1, 0x7e, F3, MOVQ_VW, movq, V, W, __, SSE2, 8, 0)                 \
	X(1, 0x7f, NP, MOVQ_QP, movq, Q, P, __, MMX, 8, SFL_MMX | SFL_MEMDST) \
	X(1, 0x7f, 66, MOVDQA_WV, movdqa, W, V, __, SSE2, 16, SFL_A16 | SFL_MEMDST) \
	X(1, 0x7f, F3, MOVDQU_WV, movdqu, W, V, __, SSE2, 16, SFL_MEMDST)   \
	X(1, 0xc2, NP, CMPPS_VWI, cmpps, V, W, Ib, SSE, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0xc2, 66, CMPPD_VWI, cmppd, V, W, Ib, SSE2, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0xc2, F3, CMPSS_VWI, cmpss, V, W, Ib, SSE, 4, SFL_MXCSR)       \
	X(1, 0xc2, F2, CMPSD_VWI, cmpsd, V, W, Ib, SSE2, 8, SFL_MXCSR)      \
	X(1, 0xc4, NP, PINSRW_PEI, pinsrw, P, Ew, Ib, SSE, 2, SFL_MMX)      \
	X(1, 0xc4, 66, PINSRW_VEI, pinsrw, V, Ew, Ib, SSE2, 2, 0)           \
	X(1, 0xc5, NP, PEXTRW_GNI, pextrw, Gd, N, Ib, SSE, 0, SFL_MMX | SFL_NOMEM) \
	X(1, 0xc5, 66, PEXTRW_GUI, pextrw, Gd, U, Ib, SSE2, 0, SFL_NOMEM)   \
	X(1, 0xc6, NP, SHUFPS_VWI, shufps, V, W, Ib, SSE, 16, SFL_A16)      \
	X(1, 0xc6, 66, SHUFPD_VWI, shufpd, V, W, Ib, SSE2, 16, SFL_A16)     \
	X(1, 0xd0, 66, ADDSUBPD_VW, addsubpd, V, W, __, SSE3, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0xd0, F2, ADDSUBPS_VW, addsubps, V, W, __, SSE3, 16, SFL_A16 | SFL_MXCSR) \
	SIMD_MMX_SSE2(X, 0xd1, PSRLW, psrlw, MMX)                           \
	SIMD_MMX_SSE2(X, 0xd2, PSRLD, psrld, MMX)                           \
	SIMD_MMX_SSE2(X, 0xd3, PSRLQ, psrlq, MMX)                           \
	SIMD_MMX_SSE2(X, 0xd4, PADDQ, paddq, SSE2)                          \
	SIMD_MMX_SSE2(X, 0xd5, PMULLW, pmullw, MMX)                         \
	X(1, 0xd6, 66, MOVQ_WV, movq, W, V, __, SSE2, 8, SFL_MEMDST)        \
	X(1, 0xd6, F3, MOVQ2DQ_VN, movq2dq, V, N, __, SSE2, 0, SFL_MMX | SFL_NOMEM) \
	X(1, 0xd6, F2, MOVDQ2Q_PU, movdq2q, P, U, __, SSE2, 0, SFL_MMX | SFL_NOMEM) \
	X(1, 0xd7, NP, PMOVMSKB_GN, pmovmskb, Gd, N, __, SSE, 0, SFL_MMX | SFL_NOMEM) \
	X(1, 0xd7, 66, PMOVMSKB_GU, pmovmskb, Gd, U, __, SSE2, 0, SFL_NOMEM) \
	SIMD_MMX_SSE2(X, 0xd8, PSUBUSB, psubusb, MMX)                       \
	SIMD_MMX_SSE2(X, 0xd9, PSUBUSW, psubusw, MMX)                       \
	SIMD_MMX_SSE2(X, 0xda, PMINUB, pminub, SSE)                         \
	SIMD_MMX_SSE2(X, 0xdb, PAND, pand, MMX)                             \
	SIMD_MMX_SSE2(X, 0xdc, PADDUSB, paddusb, MMX)                       \
	SIMD_MMX_SSE2(X, 0xdd, PADDUSW, paddusw, MMX)                       \
	SIMD_MMX_SSE2(X, 0xde, PMAXUB, pmaxub, SSE)                         \
	SIMD_MMX_SSE2(X, 0xdf, PANDN, pandn, MMX)                           \
	SIMD_MMX_SSE2(X, 0xe0, PAVGB, pavgb, SSE)                           \
	SIMD_MMX_SSE2(X, 0xe1, PSRAW, psraw, MMX)                           \
	SIMD_MMX_SSE2(X, 0xe2, PSRAD, psrad, MMX)                           \
	SIMD_MMX_SSE2(X, 0xe3, PAVGW, pavgw, SSE)                           \
	SIMD_MMX_SSE2(X, 0xe4, PMULHUW, pmulhuw, SSE)                       \
	SIMD_MMX_SSE2(X, 0xe5, PMULHW, pmulhw, MMX)                         \
	X(1, 0xe6, 66, CVTTPD2DQ_VW, cvttpd2dq, V, W, __, SSE2, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0xe6, F3, CVTDQ2PD_VW, cvtdq2pd, V, W, __, SSE2, 8, 0)         \
	X(1, 0xe6, F2, CVTPD2DQ_VW, cvtpd2dq, V, W, __, SSE2, 16, SFL_A16 | SFL_MXCSR) \
	X(1, 0xe7, NP, MOVNTQ_MP, movntq, M, P, __, SSE, 8, SFL_MMX | SFL_NOREG | SFL_MEMDST) \
	X(1, 0xe7, 66, MOVNTDQ_MV, movntdq, M, V, __, SSE2, 16, SFL_A16 | SFL_NOREG | SFL_MEMDST) \
	SIMD_MMX_SSE2(X, 0xe8, PSUBSB, psubsb, MMX)                         \
	SIMD_MMX_SSE2(X, 0xe9, PSUBSW, psubsw, MMX)                         \
	SIMD_MMX_SSE2(X, 0xea, PMINSW, pminsw, SSE)                         \
	SIMD_MMX_SSE2(X, 0xeb, POR, por, MMX)                               \
	SIMD_MMX_SSE2(X, 0xec, PADDSB, paddsb, MMX)                         \
	SIMD_MMX_SSE2(X, 0xed, PADDSW, paddsw, MMX)                         \
	SIMD_MMX_SSE2(X, 0xee, PMAXSW, pmaxsw, SSE)                         \
	SIMD_MMX_SSE2(X, 0xef, PXOR, pxor, MMX)                             \
	X(1, 0xf0, F2, LDDQU_VM, lddqu, V, M, __, SSE3, 16, SFL_NOREG)      \
	SIMD_MMX_SSE2(X, 0xf1, PSLLW, psllw, MMX)                           \
	SIMD_MMX_SSE2(X, 0xf2, PSLLD, pslld, MMX)                           \
	SIMD_MMX_SSE2(X, 0xf3, PSLLQ, psllq, MMX)                           \
	SIMD_MMX_SSE2(X, 0xf4, PMULUDQ, pmuludq, SSE2)                      \
	SIMD_MMX_SSE2(X, 0xf5, PMADDWD, pmaddwd, MMX)                       \
	SIMD_MMX_SSE2(X, 0xf6, PSADBW, psadbw, SSE)                         \
	/* MASKMOVQ/MASKMOVDQU store to DS:rDI: msize is that store */      \
	X(1, 0xf7, NP, MASKMOVQ_PN, maskmovq, P, N, __, SSE, 8, SFL_MMX | SFL_NOMEM | SFL_C) \
	X(1, 0xf7, 66, MASKMOVDQU_VU, maskmovdqu, V, U, __, SSE2, 16, SFL_NOMEM | SFL_C) \
	SIMD_MMX_SSE2(X, 0xf8, PSUBB, psubb, MMX)                           \
	SIMD_MMX_SSE2(X, 0xf9, PSUBW, psubw, MMX)                           \
	SIMD_MMX_SSE2(X, 0xfa, PSUBD, psubd, MMX)                           \
	SIMD_MMX_SSE2(X, 0xfb, PSUBQ, psubq, SSE2)                          \
	SIMD_MMX_SSE2(X, 0xfc, PADDB, paddb, MMX)                           \
	SIMD_MMX_SSE2(X, 0xfd, PADDW, paddw, MMX)                           \
	SIMD_MMX_SSE2(X, 0xfe, PADDD, paddd, MMX)                           \
	/* ---- 0F 38: SSSE3, SSE4.1, SSE4.2 ---- */                        \
	SIMD_SSSE3(X, 0x00, PSHUFB, pshufb)                                 \
	SIMD_SSSE3(X, 0x01, PHADDW, phaddw)                                 \
	SIMD_SSSE3(X, 0x02, PHADDD, phaddd)                                 \
	SIMD_SSSE3(X, 0x03, PHADDSW, phaddsw)                               \
	SIMD_SSSE3(X, 0x04, PMADDUBSW, pmaddubsw)                           \
	SIMD_SSSE3(X, 0x05, PHSUBW, phsubw)                                 \
	SIMD_SSSE3(X, 0x06, PHSUBD, phsubd)                                 \
	SIMD_SSSE3(X, 0x07, PHSUBSW, phsubsw)                               \
	SIMD_SSSE3(X, 0x08, PSIGNB, psignb)                                 \
	SIMD_SSSE3(X, 0x09, PSIGNW, psignw)                                 \
	SIMD_SSSE3(X, 0x0a, PSIGND, psignd)                                 \
	SIMD_SSSE3(X, 0x0b, PMULHRSW, pmulhrsw)                             \
	X(2, 0x10, 66, PBLENDVB_VWX, pblendvb, V, W, X0, SSE41, 16, SFL_A16) \
	X(2, 0x14, 66, BLENDVPS_VWX, blendvps, V, W, X0, SSE41, 16, SFL_A16) \
	X(2, 0x15, 66, BLENDVPD_VWX, blendvpd, V, W, X0, SSE41, 16, SFL_A16) \
	SIMD_41(X, 0x17, PTEST, ptest, 16, SFL_A16 | SFL_FLAGS)             \
	SIMD_SSSE3(X, 0x1c, PABSB, pabsb)                                   \
	SIMD_SSSE3(X, 0x1d, PABSW, pabsw)                                   \
	SIMD_SSSE3(X, 0x1e, PABSD, pabsd)                                   \
	SIMD_41(X, 0x20, PMOVSXBW, pmovsxbw, 8, 0)                          \
	SIMD_41(X, 0x21, PMOVSXBD, pmovsxbd, 4, 0)                          \
	SIMD_41(X, 0x22, PMOVSXBQ, pmovsxbq, 2, 0)                          \
	SIMD_41(X, 0x23, PMOVSXWD, pmovsxwd, 8, 0)                          \
	SIMD_41(X, 0x24, PMOVSXWQ, pmovsxwq, 4, 0)                          \
	SIMD_41(X, 0x25, PMOVSXDQ, pmovsxdq, 8, 0)                          \
	SIMD_41(X, 0x28, PMULDQ, pmuldq, 16, SFL_A16)                       \
	SIMD_41(X, 0x29, PCMPEQQ, pcmpeqq, 16, SFL_A16)                     \
	X(2, 0x2a, 66, MOVNTDQA_VM, movntdqa, V, M, __, SSE41, 16, SFL_A16 | SFL_NOREG) \
	SIMD_41(X, 0x2b, PACKUSDW, packusdw, 16, SFL_A16)                   \
	SIMD_41(X, 0x30, PMOVZXBW, pmovzxbw, 8, 0)                          \
	SIMD_41(X, 0x31, PMOVZXBD, pmovzxbd, 4, 0)                          \
	SIMD_41(X, 0x32, PMOVZXBQ, pmovzxbq, 2, 0)                          \
	SIMD_41(X, 0x33, PMOVZXWD, pmovzxwd, 8, 0)                          \
	SIMD_41(X, 0x34, PMOVZXWQ, pmovzxwq, 4, 0)                          \
	SIMD_41(X, 0x35, PMOVZXDQ, pmovzxdq, 8, 0)                          \
	X(2, 0x37, 66, PCMPGTQ_VW, pcmpgtq, V, W, __, SSE42, 16, SFL_A16)   \
	SIMD_41(X, 0x38, PMINSB, pminsb, 16, SFL_A16)                       \
	SIMD_41(X, 0x39, PMINSD, pminsd, 16, SFL_A16)                       \
	SIMD_41(X, 0x3a, PMINUW, pminuw, 16, SFL_A16)                       \
	SIMD_41(X, 0x3b, PMINUD, pminud, 16, SFL_A16)                       \
	SIMD_41(X, 0x3c, PMAXSB, pmaxsb, 16, SFL_A16)                       \
	SIMD_41(X, 0x3d, PMAXSD, pmaxsd, 16, SFL_A16)                       \
	SIMD_41(X, 0x3e, PMAXUW, pmaxuw, 16, SFL_A16)                       \
	SIMD_41(X, 0x3f, PMAXUD, pmaxud, 16, SFL_A16)                       \
	SIMD_41(X, 0x40, PMULLD, pmulld, 16, SFL_A16)                       \
	SIMD_41(X, 0x41, PHMINPOSUW, phminposuw, 16, SFL_A16)               \
	/* ---- 0F 3A: every form takes an imm8 ---- */                     \
	X(3, 0x08, 66, ROUNDPS_VWI, roundps, V, W, Ib, SSE41, 16, SFL_A16 | SFL_MXCSR) \
	X(3, 0x09, 66, ROUNDPD_VWI, roundpd, V, W, Ib, SSE41, 16, SFL_A16 | SFL_MXCSR) \
	X(3, 0x0a, 66, ROUNDSS_VWI, roundss, V, W, Ib, SSE41, 4, SFL_MXCSR) \
	X(3, 0x0b, 66, ROUNDSD_VWI, roundsd, V, W, Ib, SSE41, 8, SFL_MXCSR) \
	X(3, 0x0c, 66, BLENDPS_VWI, blendps, V, W, Ib, SSE41, 16, SFL_A16)  \
	X(3, 0x0d, 66, BLENDPD_VWI, blendpd, V, W, Ib, SSE41, 16, SFL_A16)  \
	X(3, 0x0e, 66, PBLENDW_VWI, pblendw, V, W, Ib, SSE41, 16, SFL_A16)  \
	X(3, 0x0f, NP, PALIGNR_PQI, palignr, P, Q, Ib, SSSE3, 8, SFL_MMX)   \
	X(3, 0x0f, 66, PALIGNR_VWI, palignr, V, W, Ib, SSSE3, 16, SFL_A16)  \
	X(3, 0x14, 66, PEXTRB_EVI, pextrb, Eb, V, Ib, SSE41, 1, SFL_MEMDST) \
	X(3, 0x15, 66, PEXTRW_EVI, pextrw, Ew, V, Ib, SSE41, 2, SFL_MEMDST) \
	X(3, 0x16, 66, PEXTRD_EVI, pextrd, Ey, V, Ib, SSE41, 4, SFL_MEMDST | SFL_W) \
	X(3, 0x17, 66, EXTRACTPS_EVI, extractps, Ed, V, Ib, SSE41, 4, SFL_MEMDST) \
	X(3, 0x20, 66, PINSRB_VEI, pinsrb, V, Eb, Ib, SSE41, 1, 0)          \
	X(3, 0x21, 66, INSERTPS_VWI, insertps, V, W, Ib, SSE41, 4, 0)       \
	X(3, 0x22, 66, PINSRD_VEI, pinsrd, V, Ey, Ib, SSE41, 4, SFL_W)      \
	X(3, 0x40, 66, DPPS_VWI, dpps, V, W, Ib, SSE41, 16, SFL_A16 | SFL_MXCSR) \
	X(3, 0x41, 66, DPPD_VWI, dppd, V, W, Ib, SSE41, 16, SFL_A16 | SFL_MXCSR) \
	X(3, 0x42, 66, MPSADBW_VWI, mpsadbw, V, W, Ib, SSE41, 16, SFL_A16)  \
	X(3, 0x44, 66, PCLMULQDQ_VWI, pclmulqdq, V, W, Ib, PCLMUL, 16, SFL_A16) \
	/* SSE4.2 string compares: unaligned memory is allowed */          \
	X(3, 0x60, 66, PCMPESTRM_VWI, pcmpestrm, V, W, Ib, SSE42, 16, SFL_FLAGS | SFL_ECX) \
	X(3, 0x61, 66, PCMPESTRI_VWI, pcmpestri, V, W, Ib, SSE42, 16, SFL_FLAGS | SFL_ECX) \
	X(3, 0x62, 66, PCMPISTRM_VWI, pcmpistrm, V, W, Ib, SSE42, 16, SFL_FLAGS | SFL_ECX) \
	X(3, 0x63, 66, PCMPISTRI_VWI, pcmpistri, V, W, Ib, SSE42, 16, SFL_FLAGS | SFL_ECX)

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
#define XFL_C       0x08u /* a C handler: the env/state images (exec_x87_env.c) */

/* Helpers: the eight arithmetic memory forms of D8 (m32fp), DC (m64fp),
 * DA (m32int) and DE (m16int); FADD/FMUL/FSUB.. on ST(0), ST(i). */
#define X87_ARITH_MEM(X, op, t, I, i, size)                                   \
	X(op, XM(0), F##I##ADD_##t, f##i##add, size, 0)                     \
	X(op, XM(1), F##I##MUL_##t, f##i##mul, size, 0)                     \
	X(op, XM(2), F##I##COM_##t, f##i##com, size, 0)                     \
	X(op, XM(3), F##I##COMP_##t, f##i##comp, size, 0)                   \
	X(op, XM(4), F##I##SUB_##t, f##i##sub, size, 0)                     \
	X(op, XM(5), F##I##SUBR_##t, f##i##subr, size, 0)                   \
	X(op, XM(6), F##I##DIV_##t, f##i##div, size, 0)                     \
	X(op, XM(7), F##I##DIVR_##t, f##i##divr, size, 0)
#define X87_ARITH_REG(X, op, t, P, p)                                      \
	X(op, XR(0), FADD##P##_##t, fadd##p, 0, 0)                          \
	X(op, XR(1), FMUL##P##_##t, fmul##p, 0, 0)

/* Undocumented aliases that Intel and AMD processors execute (and
 * Capstone decodes): D9 D8+i FSTP1, DC D0+i FCOM2, DC D8+i FCOMP3,
 * DD C8+i FXCH4, DE D0+i FCOMP5, DF C8+i FXCH7, DF D0+i FSTP8, DF D8+i
 * FSTP9 (each as the documented instruction), DF C0+i FFREEP (FFREE, then
 * pop; AMD documents it), DB E0/E1/E4 FNENI/FNDISI/FNSETPM (8087/287
 * controls that are FNOPs since the 387). Every other encoding that is
 * not a row is #UD (SDM Vol. 2 Appendix A.5). FISTTP (DB/DD/DF /1)
 * needs SSE3 in CPUID. */
#define X87_TABLE(X)                                                       \
	X87_ARITH_MEM(X, 0xd8, M32, , , 4)                                  \
	X87_ARITH_REG(X, 0xd8, ST0_STI, , )                                 \
	X(0xd8, XR(2), FCOM_STI, fcom, 0, 0)                                \
	X(0xd8, XR(3), FCOMP_STI, fcomp, 0, 0)                              \
	X(0xd8, XR(4), FSUB_ST0_STI, fsub, 0, 0)                            \
	X(0xd8, XR(5), FSUBR_ST0_STI, fsubr, 0, 0)                          \
	X(0xd8, XR(6), FDIV_ST0_STI, fdiv, 0, 0)                            \
	X(0xd8, XR(7), FDIVR_ST0_STI, fdivr, 0, 0)                          \
	X(0xd9, XM(0), FLD_M32, fld, 4, 0)                                  \
	X(0xd9, XM(2), FST_M32, fst, 4, XFL_MEMDST)                         \
	X(0xd9, XM(3), FSTP_M32, fstp, 4, XFL_MEMDST)                       \
	X(0xd9, XM(4), FLDENV, fldenv, 0, XFL_CONTROL | XFL_C)              \
	X(0xd9, XM(5), FLDCW, fldcw, 2, XFL_CONTROL)                \
	X(0xd9, XM(6), FNSTENV, fnstenv, 0, XFL_NOWAIT | XFL_CONTROL | XFL_MEMDST | XFL_C) \
	X(0xd9, XM(7), FNSTCW, fnstcw, 2, XFL_NOWAIT | XFL_CONTROL | XFL_MEMDST) \
	X(0xd9, XR(0), FLD_STI, fld, 0, 0)                                  \
	X(0xd9, XR(1), FXCH_STI, fxch, 0, 0)                                \
	X(0xd9, XE(0xd0), FNOP, fnop, 0, 0)                                 \
	X(0xd9, XR(3), FSTP1_STI, fstp, 0, 0)                               \
	X(0xd9, XE(0xe0), FCHS, fchs, 0, 0)                                 \
	X(0xd9, XE(0xe1), FABS, fabs, 0, 0)                                 \
	X(0xd9, XE(0xe4), FTST, ftst, 0, 0)                                 \
	X(0xd9, XE(0xe5), FXAM, fxam, 0, 0)                                 \
	X(0xd9, XE(0xe8), FLD1, fld1, 0, 0)                                 \
	X(0xd9, XE(0xe9), FLDL2T, fldl2t, 0, 0)                             \
	X(0xd9, XE(0xea), FLDL2E, fldl2e, 0, 0)                             \
	X(0xd9, XE(0xeb), FLDPI, fldpi, 0, 0)                               \
	X(0xd9, XE(0xec), FLDLG2, fldlg2, 0, 0)                             \
	X(0xd9, XE(0xed), FLDLN2, fldln2, 0, 0)                             \
	X(0xd9, XE(0xee), FLDZ, fldz, 0, 0)                                 \
	X(0xd9, XE(0xf0), F2XM1, f2xm1, 0, 0)                               \
	X(0xd9, XE(0xf1), FYL2X, fyl2x, 0, 0)                               \
	X(0xd9, XE(0xf2), FPTAN, fptan, 0, 0)                               \
	X(0xd9, XE(0xf3), FPATAN, fpatan, 0, 0)                             \
	X(0xd9, XE(0xf4), FXTRACT, fxtract, 0, 0)                           \
	X(0xd9, XE(0xf5), FPREM1, fprem1, 0, 0)                             \
	X(0xd9, XE(0xf6), FDECSTP, fdecstp, 0, 0)                           \
	X(0xd9, XE(0xf7), FINCSTP, fincstp, 0, 0)                           \
	X(0xd9, XE(0xf8), FPREM, fprem, 0, 0)                               \
	X(0xd9, XE(0xf9), FYL2XP1, fyl2xp1, 0, 0)                           \
	X(0xd9, XE(0xfa), FSQRT, fsqrt, 0, 0)                               \
	X(0xd9, XE(0xfb), FSINCOS, fsincos, 0, 0)                           \
	X(0xd9, XE(0xfc), FRNDINT, frndint, 0, 0)                           \
	X(0xd9, XE(0xfd), FSCALE, fscale, 0, 0)                             \
	X(0xd9, XE(0xfe), FSIN, fsin, 0, 0)                                 \
	X(0xd9, XE(0xff), FCOS, fcos, 0, 0)                                 \
	X87_ARITH_MEM(X, 0xda, M32I, I, i, 4)                               \
	X(0xda, XR(0), FCMOVB_STI, fcmovb, 0, 0)                            \
	X(0xda, XR(1), FCMOVE_STI, fcmove, 0, 0)                            \
	X(0xda, XR(2), FCMOVBE_STI, fcmovbe, 0, 0)                          \
	X(0xda, XR(3), FCMOVU_STI, fcmovu, 0, 0)                            \
	X(0xda, XE(0xe9), FUCOMPP, fucompp, 0, 0)                           \
	X(0xdb, XM(0), FILD_M32I, fild, 4, 0)                               \
	X(0xdb, XM(1), FISTTP_M32I, fisttp, 4, XFL_MEMDST)                  \
	X(0xdb, XM(2), FIST_M32I, fist, 4, XFL_MEMDST)                      \
	X(0xdb, XM(3), FISTP_M32I, fistp, 4, XFL_MEMDST)                    \
	X(0xdb, XM(5), FLD_M80, fld, 10, 0)                                 \
	X(0xdb, XM(7), FSTP_M80, fstp, 10, XFL_MEMDST)                      \
	X(0xdb, XR(0), FCMOVNB_STI, fcmovnb, 0, 0)                          \
	X(0xdb, XR(1), FCMOVNE_STI, fcmovne, 0, 0)                          \
	X(0xdb, XR(2), FCMOVNBE_STI, fcmovnbe, 0, 0)                        \
	X(0xdb, XR(3), FCMOVNU_STI, fcmovnu, 0, 0)                          \
	X(0xdb, XE(0xe0), FNENI, fneni, 0, XFL_NOWAIT)                      \
	X(0xdb, XE(0xe1), FNDISI, fndisi, 0, XFL_NOWAIT)                    \
	X(0xdb, XE(0xe2), FNCLEX, fnclex, 0, XFL_NOWAIT | XFL_CONTROL) \
	X(0xdb, XE(0xe3), FNINIT, fninit, 0, XFL_NOWAIT | XFL_CONTROL) \
	X(0xdb, XE(0xe4), FNSETPM, fnsetpm, 0, XFL_NOWAIT)                  \
	X(0xdb, XR(5), FUCOMI_STI, fucomi, 0, 0)                            \
	X(0xdb, XR(6), FCOMI_STI, fcomi, 0, 0)                              \
	X87_ARITH_MEM(X, 0xdc, M64, , , 8)                                  \
	X87_ARITH_REG(X, 0xdc, STI_ST0, , )                                 \
	X(0xdc, XR(2), FCOM2_STI, fcom, 0, 0)                               \
	X(0xdc, XR(3), FCOMP3_STI, fcomp, 0, 0)                             \
	X(0xdc, XR(4), FSUBR_STI_ST0, fsubr, 0, 0)                          \
	X(0xdc, XR(5), FSUB_STI_ST0, fsub, 0, 0)                            \
	X(0xdc, XR(6), FDIVR_STI_ST0, fdivr, 0, 0)                          \
	X(0xdc, XR(7), FDIV_STI_ST0, fdiv, 0, 0)                            \
	X(0xdd, XM(0), FLD_M64, fld, 8, 0)                                  \
	X(0xdd, XM(1), FISTTP_M64I, fisttp, 8, XFL_MEMDST)                  \
	X(0xdd, XM(2), FST_M64, fst, 8, XFL_MEMDST)                         \
	X(0xdd, XM(3), FSTP_M64, fstp, 8, XFL_MEMDST)                       \
	X(0xdd, XM(4), FRSTOR, frstor, 0, XFL_CONTROL | XFL_C)              \
	X(0xdd, XM(6), FNSAVE, fnsave, 0, XFL_NOWAIT | XFL_CONTROL | XFL_MEMDST | XFL_C) \
	X(0xdd, XM(7), FNSTSW_M16, fnstsw, 2, XFL_NOWAIT | XFL_CONTROL | XFL_MEMDST) \
	X(0xdd, XR(0), FFREE_STI, ffree, 0, 0)                              \
	X(0xdd, XR(1), FXCH4_STI, fxch, 0, 0)                               \
	X(0xdd, XR(2), FST_STI, fst, 0, 0)                                  \
	X(0xdd, XR(3), FSTP_STI, fstp, 0, 0)                                \
	X(0xdd, XR(4), FUCOM_STI, fucom, 0, 0)                              \
	X(0xdd, XR(5), FUCOMP_STI, fucomp, 0, 0)                            \
	X87_ARITH_MEM(X, 0xde, M16I, I, i, 2)                               \
	X87_ARITH_REG(X, 0xde, STI_ST0, P, p)                                \
	X(0xde, XR(2), FCOMP5_STI, fcomp, 0, 0)                             \
	X(0xde, XE(0xd9), FCOMPP, fcompp, 0, 0)                             \
	X(0xde, XR(4), FSUBRP_STI_ST0, fsubrp, 0, 0)                        \
	X(0xde, XR(5), FSUBP_STI_ST0, fsubp, 0, 0)                          \
	X(0xde, XR(6), FDIVRP_STI_ST0, fdivrp, 0, 0)                        \
	X(0xde, XR(7), FDIVP_STI_ST0, fdivp, 0, 0)                          \
	X(0xdf, XM(0), FILD_M16I, fild, 2, 0)                               \
	X(0xdf, XM(1), FISTTP_M16I, fisttp, 2, XFL_MEMDST)                  \
	X(0xdf, XM(2), FIST_M16I, fist, 2, XFL_MEMDST)                      \
	X(0xdf, XM(3), FISTP_M16I, fistp, 2, XFL_MEMDST)                    \
	X(0xdf, XM(4), FBLD_M80BCD, fbld, 10, 0)                            \
	X(0xdf, XM(5), FILD_M64I, fild, 8, 0)                               \
	X(0xdf, XM(6), FBSTP_M80BCD, fbstp, 10, XFL_MEMDST)                 \
	X(0xdf, XM(7), FISTP_M64I, fistp, 8, XFL_MEMDST)                    \
	X(0xdf, XR(0), FFREEP_STI, ffreep, 0, 0)                            \
	X(0xdf, XR(1), FXCH7_STI, fxch, 0, 0)                               \
	X(0xdf, XR(2), FSTP8_STI, fstp, 0, 0)                               \
	X(0xdf, XR(3), FSTP9_STI, fstp, 0, 0)                               \
	X(0xdf, XE(0xe0), FNSTSW_AX, fnstsw, 0, XFL_NOWAIT | XFL_CONTROL) \
	X(0xdf, XR(5), FUCOMIP_STI, fucomip, 0, 0)                          \
	X(0xdf, XR(6), FCOMIP_STI, fcomip, 0, 0)

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

/* Mandatory prefixes, numbered as struct simd_form's pfx (and as the
 * decoder's prefix variant). */
enum simd_prefix { SPFX_NP, SPFX_66, SPFX_F3, SPFX_F2 };

enum simd_operand {
#define SIMD_OPERAND_ENUM(o) SOP_##o,
	SIMD_OPERAND_LIST(SIMD_OPERAND_ENUM)
#undef SIMD_OPERAND_ENUM
	NR_SIMD_OPERANDS
};

enum simd_feature {
#define SIMD_FEATURE_ENUM(f, leaf, reg, bit) SFEAT_##f,
	SIMD_FEATURE_LIST(SIMD_FEATURE_ENUM)
#undef SIMD_FEATURE_ENUM
	NR_SIMD_FEATURES
};

/* Row indices: SF_<name> in simd_forms[], X87_<name> in x87_forms[]. */
enum simd_form_id {
#define SIMD_FORM_ENUM(map, op, pfx, name, mnem, o1, o2, o3, feat, msize, fl) SF_##name,
	SIMD_TABLE(SIMD_FORM_ENUM)
#undef SIMD_FORM_ENUM
	NR_SIMD_FORMS
};

enum x87_form_id {
#define X87_FORM_ENUM(op, key, name, mnem, msize, fl) X87_##name,
	X87_TABLE(X87_FORM_ENUM)
#undef X87_FORM_ENUM
	NR_X87_FORMS
};

/* Where a row's operands are: the one in ModRM.reg (V, P or G*; SOP___
 * for none), the one in ModRM.rm (U/W, N/Q, E/R or M; SOP___ for none),
 * and whether an imm8 follows. */
static inline bool simd_is_reg_field(unsigned o)
{
	return o == SOP_V || o == SOP_P || o == SOP_Gd || o == SOP_Gy || o == SOP_Gw;
}

static inline unsigned simd_reg_operand(const struct simd_form *f)
{
	for (unsigned k = 0; k < 3; k++)
		if (simd_is_reg_field(f->o[k]))
			return f->o[k];
	return SOP___;
}

static inline unsigned simd_rm_operand(const struct simd_form *f)
{
	for (unsigned k = 0; k < 3; k++)
		if (f->o[k] != SOP___ && f->o[k] != SOP_Ib && f->o[k] != SOP_X0 &&
		    !simd_is_reg_field(f->o[k]))
			return f->o[k];
	return SOP___;
}

static inline bool simd_has_imm(const struct simd_form *f)
{
	return f->o[0] == SOP_Ib || f->o[1] == SOP_Ib || f->o[2] == SOP_Ib;
}

/* The tables (swvmm/decode_table.c). */
extern const struct simd_form simd_forms[NR_SIMD_FORMS];
extern const struct x87_form x87_forms[NR_X87_FORMS];

#endif
