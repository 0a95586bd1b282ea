/* The opcode table: the one list that drives decoding and dispatch.
 *
 * Every entry is  X(key, form, mnemonic, op1, op2, op3, flags):
 *   key       where the decoder finds it (K1/K0F/K38/K3A opcode byte,
 *             KG/KGR ModRM.reg group slot, K0F01R special mod=3 encoding,
 *             KSEL mandatory-prefix or mode variant);
 *   form      unique name; IF_<form> is the handler id the decoder records,
 *             so the executor dispatches on it without another lookup;
 *   mnemonic  M_<mnemonic> (MNEMONIC_LIST below);
 *   op1-3     operands in the SDM Appendix A letters (OPERAND_LIST below),
 *             __ for none;
 *   flags     F_* legality and decoding flags, PARAM() for redirections.
 * R(first_key, last_key, form) maps further keys to an existing form.
 *
 * Sources: Intel SDM Vol. 2 Appendix A (opcode maps) and the instruction
 * pages; AMD APM Vol. 3 Appendix A for AMD-only encodings. */
#ifndef HVMM_SWVMM_OPCODE_TABLE_H
#define HVMM_SWVMM_OPCODE_TABLE_H

/* ModRM.reg groups. GRP_<opcode>. */
#define GROUP_LIST(G) \
	G(80) G(81) G(83) G(8F) G(C0) G(C1) G(D0) G(D1) G(D2) G(D3) \
	G(C6) G(C7) G(F6) G(F7) G(FE) G(FF) \
	G(0F00) G(0F01) G(0F0D) G(0F18) G(0FAE) G(0FBA) G(0FC7)

/* Entries chosen by a mandatory prefix (variant 0 none, 1 66, 2 F3,
 * 3 F2) or, for S_63, by the mode (variant 0 legacy, 1 64-bit). */
#define SELECT_LIST(S) \
	S(63) S(90) S(0FB8) S(0FBC) S(0FBD) S(38F0) S(38F1) S(38F6) \
	S(AE0) S(AE1) S(AE2) S(AE3) S(C7M6) S(C7R7) S(0F01E8) S(0F78) S(0F79) \
	S(AEM6) S(AEM7)

enum opcode_group {
#define GROUP_ENUM(g) GRP_##g,
	GROUP_LIST(GROUP_ENUM)
#undef GROUP_ENUM
	NR_GROUPS
};

enum opcode_select {
#define SELECT_ENUM(s) S_##s,
	SELECT_LIST(SELECT_ENUM)
#undef SELECT_ENUM
	NR_SELECTS
};

/* Key space of the opcode map (swvmm/decode_table.c). */
#define K1(op)          (op)
#define K0F(op)         (0x100 + (op))
#define K38(op)         (0x200 + (op))
#define K3A(op)         (0x300 + (op))
#define KEY_GRP(g, r)   (0x400 + (g) * 16 + (r))
#define KG(g, reg)      KEY_GRP(GRP_##g, reg)      /* any mod, or mod != 3 */
#define KGR(g, reg)     KEY_GRP(GRP_##g, 8 + (reg)) /* mod == 3 */
#define K0F01R(reg, rm) (0x400 + NR_GROUPS * 16 + (reg) * 8 + (rm))
#define KEY_SEL(s, v)   (0x400 + NR_GROUPS * 16 + 64 + (s) * 4 + (v))
#define KSEL(s, v)      KEY_SEL(S_##s, v)
#define KX(n)           (0x400 + NR_GROUPS * 16 + 64 + NR_SELECTS * 4 + (n))
#define NR_OPCODE_KEYS  KX(3)

/* Entry flags. */
#define F_LOCK    (1u << 0)  /* LOCK allowed (memory destination only) */
#define F_I64     (1u << 1)  /* #UD in 64-bit mode */
#define F_O64     (1u << 2)  /* #UD outside 64-bit mode */
#define F_D64     (1u << 3)  /* operand size defaults to 64 in 64-bit mode */
#define F_F64     (1u << 4)  /* operand size is 64 in 64-bit mode, 66 ignored */
#define F_MOD3    (1u << 5)  /* ModRM.mod read as 3 whatever it is (MOV CR/DR) */
#define F_REP     (1u << 6)  /* string instruction: F3/F2 repeat it */
#define F_GROUP   (1u << 7)  /* ModRM.reg picks the entry: PARAM(GRP_x) */
#define F_SEL     (1u << 8)  /* mandatory prefix picks the entry: PARAM(S_x) */
#define F_MODESEL (1u << 9)  /* 64-bit mode picks the entry: PARAM(S_x) */
#define F_EXT     (1u << 10) /* an extension the model lacks: #UD or #NM only */
#define F_BRANCH  (1u << 11) /* may change RIP other than by falling through */
#define F_NATIVE  (1u << 12) /* operand size 32 (64 in 64-bit mode), no prefix */
#define F_PFX66   (1u << 13) /* 66 is part of the opcode, not operand size */
#define F_XCHGLK  (1u << 14) /* locked whether or not LOCK is given (XCHG m) */
#define F_RM0     (1u << 15) /* only ModRM.rm == 0 is valid (mod == 3 form) */
#define F_STOP    (1u << 16) /* may change mode, paging or code: end a block */
#define PARAM(p)  ((unsigned)(p) << 24)
#define FLAG_PARAM(f) ((f) >> 24)

/* Operand letters. Each carries what the decoder needs: A_MODRM, the
 * immediate it reads, and whether it makes the instruction byte-sized. */
#define A_MODRM   0x01u
#define A_MEM     0x02u  /* memory only: mod == 3 is #UD */
#define A_IMM     0x04u
#define A_BYTE    0x08u  /* byte operand */
#define A_VSIZE   0x10u  /* operand-size-sized operand */
#define A_REG     0x20u  /* register only: mod != 3 is #UD */
#define OPERAND_LIST(O)                                             \
	O(__,  0)                                                   \
	O(Eb,  A_MODRM | A_BYTE) O(Ew, A_MODRM) O(Ed, A_MODRM)      \
	O(Ev,  A_MODRM | A_VSIZE) O(Ey, A_MODRM | A_VSIZE)          \
	O(Gb,  A_MODRM | A_BYTE) O(Gw, A_MODRM) O(Gd, A_MODRM)      \
	O(Gv,  A_MODRM | A_VSIZE) O(Gy, A_MODRM | A_VSIZE)          \
	O(Gz,  A_MODRM | A_VSIZE)                                   \
	O(M,   A_MODRM | A_MEM) O(Ma, A_MODRM | A_MEM)              \
	O(Mp,  A_MODRM | A_MEM) O(Ms, A_MODRM | A_MEM)              \
	O(Mb,  A_MODRM | A_MEM) O(Mw, A_MODRM | A_MEM)              \
	O(Md,  A_MODRM | A_MEM) O(Mq, A_MODRM | A_MEM)              \
	O(My,  A_MODRM | A_MEM | A_VSIZE)                           \
	O(Rv,  A_MODRM | A_VSIZE) O(Ry, A_MODRM | A_VSIZE)          \
	O(Cy,  A_MODRM) O(Dy, A_MODRM) O(Sw, A_MODRM)               \
	O(Ib,  A_IMM) O(Ibs, A_IMM) O(Iw, A_IMM) O(Iz, A_IMM)       \
	O(Iv,  A_IMM) O(Jb, A_IMM) O(Jz, A_IMM) O(Ap, A_IMM)        \
	O(Ob,  A_IMM | A_BYTE) O(Ov, A_IMM | A_VSIZE)               \
	O(Zb,  A_BYTE) O(Zv, A_VSIZE)                               \
	O(AL,  A_BYTE) O(rAX, A_VSIZE) O(eAX, A_VSIZE)              \
	O(DX,  0) O(CL, 0) O(One, 0)                                \
	O(Xb,  A_BYTE) O(Xv, A_VSIZE) O(Yb, A_BYTE) O(Yv, A_VSIZE)  \
	O(Xz,  A_VSIZE) O(Yz, A_VSIZE)                              \
	O(ES,  0) O(CS, 0) O(SS, 0) O(DS, 0) O(FS, 0) O(GS, 0)      \
	O(Wx,  A_MODRM) O(Ux, A_MODRM | A_REG)

/* Mnemonics, lower case as in the SDM (string and size variants share one:
 * movs covers MOVSB/W/D/Q, cbw covers CWDE/CDQE, iret IRETD/IRETQ ...). */
#define MNEMONIC_LIST(M)                                                    \
	M(invalid) M(grp) M(sel)                                            \
	M(add) M(or) M(adc) M(sbb) M(and) M(sub) M(xor) M(cmp)              \
	M(rol) M(ror) M(rcl) M(rcr) M(shl) M(shr) M(sal) M(sar)             \
	M(test) M(not) M(neg) M(mul) M(imul) M(div) M(idiv)                 \
	M(inc) M(dec) M(push) M(pop) M(pusha) M(popa) M(bound) M(arpl)      \
	M(movsxd) M(ins) M(outs) M(xchg) M(mov) M(lea) M(nop) M(pause)      \
	M(cbw) M(cwd) M(callf) M(jmpf) M(wait) M(pushf) M(popf) M(sahf)     \
	M(lahf) M(movs) M(cmps) M(stos) M(lods) M(scas) M(ret) M(retf)      \
	M(les) M(lds) M(enter) M(leave) M(int3) M(int) M(into) M(iret)      \
	M(aam) M(aad) M(salc) M(xlat) M(loopne) M(loope) M(loop) M(jcxz)    \
	M(in) M(out) M(call) M(jmp) M(int1) M(hlt) M(cmc) M(clc) M(stc)     \
	M(cli) M(sti) M(cld) M(std) M(daa) M(das) M(aaa) M(aas)             \
	M(xabort) M(xbegin)                                                 \
	M(jo) M(jno) M(jb) M(jae) M(je) M(jne) M(jbe) M(ja)                 \
	M(js) M(jns) M(jp) M(jnp) M(jl) M(jge) M(jle) M(jg)                 \
	M(seto) M(setno) M(setb) M(setae) M(sete) M(setne) M(setbe)         \
	M(seta) M(sets) M(setns) M(setp) M(setnp) M(setl) M(setge)          \
	M(setle) M(setg)                                                    \
	M(cmovo) M(cmovno) M(cmovb) M(cmovae) M(cmove) M(cmovne) M(cmovbe)  \
	M(cmova) M(cmovs) M(cmovns) M(cmovp) M(cmovnp) M(cmovl) M(cmovge)   \
	M(cmovle) M(cmovg)                                                  \
	M(sldt) M(str) M(lldt) M(ltr) M(verr) M(verw)                       \
	M(sgdt) M(sidt) M(lgdt) M(lidt) M(smsw) M(lmsw) M(invlpg)           \
	M(vmcall) M(vmlaunch) M(vmresume) M(vmxoff) M(monitor) M(mwait)     \
	M(clac) M(stac) M(encls) M(xgetbv) M(xsetbv) M(vmfunc) M(xend)      \
	M(xtest) M(enclu) M(vmrun) M(vmmcall) M(vmload) M(vmsave) M(stgi)   \
	M(clgi) M(skinit) M(invlpga) M(rdpkru) M(wrpkru) M(swapgs)          \
	M(rdtscp) M(monitorx) M(mwaitx) M(clzero)                           \
	M(lar) M(lsl) M(syscall) M(clts) M(sysret) M(invd) M(wbinvd)        \
	M(ud2) M(ud1) M(ud0) M(prefetch) M(prefetchw) M(prefetchnta)        \
	M(prefetcht0) M(prefetcht1) M(prefetcht2) M(prefetchwt1)            \
	M(wrmsr) M(rdtsc) M(rdmsr) M(rdpmc) M(sysenter) M(sysexit)          \
	M(getsec) M(vmread) M(vmwrite) M(cpuid) M(bt) M(bts) M(btr) M(btc)  \
	M(shld) M(shrd) M(rsm) M(cmpxchg) M(lss) M(lfs) M(lgs) M(movzx)     \
	M(movsx) M(popcnt) M(tzcnt) M(lzcnt) M(bsf) M(bsr) M(xadd)          \
	M(movnti) M(bswap) M(cmpxchg8b) M(xrstors) M(xsavec) M(xsaves)      \
	M(vmptrld) M(vmclear) M(vmxon) M(vmptrst) M(rdrand) M(rdseed)       \
	M(rdpid) M(fxsave) M(fxrstor) M(ldmxcsr) M(stmxcsr) M(xsave)        \
	M(xrstor) M(xsaveopt) M(clwb) M(clflush) M(clflushopt) M(lfence)    \
	M(mfence) M(sfence) M(rdfsbase) M(rdgsbase) M(wrfsbase)            \
	M(wrgsbase) M(movbe) M(crc32) M(adcx) M(adox) M(setssbsy)           \
	M(x87) M(simd) M(extrq) M(insertq) M(femms) M(3dnow) M(vex) M(evex) M(xop)

/* The table. */
#define OPCODE_TABLE(X, R)                                                  \
	/* ---- one-byte map: arithmetic blocks 00-3F ---- */                 \
	X(K1(0x00), ADD_EbGb,  add, Eb, Gb, __, F_LOCK)                     \
	X(K1(0x01), ADD_EvGv,  add, Ev, Gv, __, F_LOCK)                     \
	X(K1(0x02), ADD_GbEb,  add, Gb, Eb, __, 0)                          \
	X(K1(0x03), ADD_GvEv,  add, Gv, Ev, __, 0)                          \
	X(K1(0x04), ADD_ALIb,  add, AL, Ib, __, 0)                          \
	X(K1(0x05), ADD_rAXIz, add, rAX, Iz, __, 0)                         \
	X(K1(0x06), PUSH_ES,   push, ES, __, __, F_I64)                     \
	X(K1(0x07), POP_ES,    pop, ES, __, __, F_I64)                      \
	X(K1(0x08), OR_EbGb,   or, Eb, Gb, __, F_LOCK)                      \
	X(K1(0x09), OR_EvGv,   or, Ev, Gv, __, F_LOCK)                      \
	X(K1(0x0a), OR_GbEb,   or, Gb, Eb, __, 0)                           \
	X(K1(0x0b), OR_GvEv,   or, Gv, Ev, __, 0)                           \
	X(K1(0x0c), OR_ALIb,   or, AL, Ib, __, 0)                           \
	X(K1(0x0d), OR_rAXIz,  or, rAX, Iz, __, 0)                          \
	X(K1(0x0e), PUSH_CS,   push, CS, __, __, F_I64)                     \
	X(K1(0x10), ADC_EbGb,  adc, Eb, Gb, __, F_LOCK)                     \
	X(K1(0x11), ADC_EvGv,  adc, Ev, Gv, __, F_LOCK)                     \
	X(K1(0x12), ADC_GbEb,  adc, Gb, Eb, __, 0)                          \
	X(K1(0x13), ADC_GvEv,  adc, Gv, Ev, __, 0)                          \
	X(K1(0x14), ADC_ALIb,  adc, AL, Ib, __, 0)                          \
	X(K1(0x15), ADC_rAXIz, adc, rAX, Iz, __, 0)                         \
	X(K1(0x16), PUSH_SS,   push, SS, __, __, F_I64)                     \
	X(K1(0x17), POP_SS,    pop, SS, __, __, F_I64)                      \
	X(K1(0x18), SBB_EbGb,  sbb, Eb, Gb, __, F_LOCK)                     \
	X(K1(0x19), SBB_EvGv,  sbb, Ev, Gv, __, F_LOCK)                     \
	X(K1(0x1a), SBB_GbEb,  sbb, Gb, Eb, __, 0)                          \
	X(K1(0x1b), SBB_GvEv,  sbb, Gv, Ev, __, 0)                          \
	X(K1(0x1c), SBB_ALIb,  sbb, AL, Ib, __, 0)                          \
	X(K1(0x1d), SBB_rAXIz, sbb, rAX, Iz, __, 0)                         \
	X(K1(0x1e), PUSH_DS,   push, DS, __, __, F_I64)                     \
	X(K1(0x1f), POP_DS,    pop, DS, __, __, F_I64)                      \
	X(K1(0x20), AND_EbGb,  and, Eb, Gb, __, F_LOCK)                     \
	X(K1(0x21), AND_EvGv,  and, Ev, Gv, __, F_LOCK)                     \
	X(K1(0x22), AND_GbEb,  and, Gb, Eb, __, 0)                          \
	X(K1(0x23), AND_GvEv,  and, Gv, Ev, __, 0)                          \
	X(K1(0x24), AND_ALIb,  and, AL, Ib, __, 0)                          \
	X(K1(0x25), AND_rAXIz, and, rAX, Iz, __, 0)                         \
	X(K1(0x27), DAA,       daa, __, __, __, F_I64)                      \
	X(K1(0x28), SUB_EbGb,  sub, Eb, Gb, __, F_LOCK)                     \
	X(K1(0x29), SUB_EvGv,  sub, Ev, Gv, __, F_LOCK)                     \
	X(K1(0x2a), SUB_GbEb,  sub, Gb, Eb, __, 0)                          \
	X(K1(0x2b), SUB_GvEv,  sub, Gv, Ev, __, 0)                          \
	X(K1(0x2c), SUB_ALIb,  sub, AL, Ib, __, 0)                          \
	X(K1(0x2d), SUB_rAXIz, sub, rAX, Iz, __, 0)                         \
	X(K1(0x2f), DAS,       das, __, __, __, F_I64)                      \
	X(K1(0x30), XOR_EbGb,  xor, Eb, Gb, __, F_LOCK)                     \
	X(K1(0x31), XOR_EvGv,  xor, Ev, Gv, __, F_LOCK)                     \
	X(K1(0x32), XOR_GbEb,  xor, Gb, Eb, __, 0)                          \
	X(K1(0x33), XOR_GvEv,  xor, Gv, Ev, __, 0)                          \
	X(K1(0x34), XOR_ALIb,  xor, AL, Ib, __, 0)                          \
	X(K1(0x35), XOR_rAXIz, xor, rAX, Iz, __, 0)                         \
	X(K1(0x37), AAA,       aaa, __, __, __, F_I64)                      \
	X(K1(0x38), CMP_EbGb,  cmp, Eb, Gb, __, 0)                          \
	X(K1(0x39), CMP_EvGv,  cmp, Ev, Gv, __, 0)                          \
	X(K1(0x3a), CMP_GbEb,  cmp, Gb, Eb, __, 0)                          \
	X(K1(0x3b), CMP_GvEv,  cmp, Gv, Ev, __, 0)                          \
	X(K1(0x3c), CMP_ALIb,  cmp, AL, Ib, __, 0)                          \
	X(K1(0x3d), CMP_rAXIz, cmp, rAX, Iz, __, 0)                         \
	X(K1(0x3f), AAS,       aas, __, __, __, F_I64)                      \
	/* 40-4F are REX prefixes in 64-bit mode (handled by the decoder) */ \
	X(K1(0x40), INC_Zv,    inc, Zv, __, __, F_I64)                      \
	R(K1(0x41), K1(0x47), INC_Zv)                                       \
	X(K1(0x48), DEC_Zv,    dec, Zv, __, __, F_I64)                      \
	R(K1(0x49), K1(0x4f), DEC_Zv)                                       \
	X(K1(0x50), PUSH_Zv,   push, Zv, __, __, F_D64)                     \
	R(K1(0x51), K1(0x57), PUSH_Zv)                                      \
	X(K1(0x58), POP_Zv,    pop, Zv, __, __, F_D64)                      \
	R(K1(0x59), K1(0x5f), POP_Zv)                                       \
	X(K1(0x60), PUSHA,     pusha, __, __, __, F_I64)                    \
	X(K1(0x61), POPA,      popa, __, __, __, F_I64)                     \
	/* 62 with mod == 3 (always in 64-bit mode) is EVEX: decoder */     \
	X(K1(0x62), BOUND_GvMa, bound, Gv, Ma, __, F_I64)                   \
	X(K1(0x63), SEL_63,    sel, __, __, __, F_MODESEL | PARAM(S_63))    \
	X(KSEL(63, 0), ARPL_EwGw, arpl, Ew, Gw, __, 0)                      \
	X(KSEL(63, 1), MOVSXD_GvEd, movsxd, Gv, Ed, __, 0)                  \
	X(K1(0x68), PUSH_Iz,   push, Iz, __, __, F_D64)                     \
	X(K1(0x69), IMUL_GvEvIz, imul, Gv, Ev, Iz, 0)                       \
	X(K1(0x6a), PUSH_Ibs,  push, Ibs, __, __, F_D64)                    \
	X(K1(0x6b), IMUL_GvEvIbs, imul, Gv, Ev, Ibs, 0)                     \
	X(K1(0x6c), INSB,      ins, Yb, DX, __, F_REP)                      \
	X(K1(0x6d), INS,       ins, Yz, DX, __, F_REP)                      \
	X(K1(0x6e), OUTSB,     outs, DX, Xb, __, F_REP)                     \
	X(K1(0x6f), OUTS,      outs, DX, Xz, __, F_REP)                     \
	X(K1(0x70), JO_Jb,     jo, Jb, __, __, F_F64 | F_BRANCH)            \
	X(K1(0x71), JNO_Jb,    jno, Jb, __, __, F_F64 | F_BRANCH)           \
	X(K1(0x72), JB_Jb,     jb, Jb, __, __, F_F64 | F_BRANCH)            \
	X(K1(0x73), JAE_Jb,    jae, Jb, __, __, F_F64 | F_BRANCH)           \
	X(K1(0x74), JE_Jb,     je, Jb, __, __, F_F64 | F_BRANCH)            \
	X(K1(0x75), JNE_Jb,    jne, Jb, __, __, F_F64 | F_BRANCH)           \
	X(K1(0x76), JBE_Jb,    jbe, Jb, __, __, F_F64 | F_BRANCH)           \
	X(K1(0x77), JA_Jb,     ja, Jb, __, __, F_F64 | F_BRANCH)            \
	X(K1(0x78), JS_Jb,     js, Jb, __, __, F_F64 | F_BRANCH)            \
	X(K1(0x79), JNS_Jb,    jns, Jb, __, __, F_F64 | F_BRANCH)           \
	X(K1(0x7a), JP_Jb,     jp, Jb, __, __, F_F64 | F_BRANCH)            \
	X(K1(0x7b), JNP_Jb,    jnp, Jb, __, __, F_F64 | F_BRANCH)           \
	X(K1(0x7c), JL_Jb,     jl, Jb, __, __, F_F64 | F_BRANCH)            \
	X(K1(0x7d), JGE_Jb,    jge, Jb, __, __, F_F64 | F_BRANCH)           \
	X(K1(0x7e), JLE_Jb,    jle, Jb, __, __, F_F64 | F_BRANCH)           \
	X(K1(0x7f), JG_Jb,     jg, Jb, __, __, F_F64 | F_BRANCH)            \
	X(K1(0x80), GRP_80,    grp, __, __, __, F_GROUP | PARAM(GRP_80))    \
	X(K1(0x81), GRP_81,    grp, __, __, __, F_GROUP | PARAM(GRP_81))    \
	X(K1(0x82), GRP_82,    grp, __, __, __, F_GROUP | F_I64 | PARAM(GRP_80)) \
	X(K1(0x83), GRP_83,    grp, __, __, __, F_GROUP | PARAM(GRP_83))    \
	X(K1(0x84), TEST_EbGb, test, Eb, Gb, __, 0)                         \
	X(K1(0x85), TEST_EvGv, test, Ev, Gv, __, 0)                         \
	X(K1(0x86), XCHG_EbGb, xchg, Eb, Gb, __, F_LOCK | F_XCHGLK)         \
	X(K1(0x87), XCHG_EvGv, xchg, Ev, Gv, __, F_LOCK | F_XCHGLK)         \
	X(K1(0x88), MOV_EbGb,  mov, Eb, Gb, __, 0)                          \
	X(K1(0x89), MOV_EvGv,  mov, Ev, Gv, __, 0)                          \
	X(K1(0x8a), MOV_GbEb,  mov, Gb, Eb, __, 0)                          \
	X(K1(0x8b), MOV_GvEv,  mov, Gv, Ev, __, 0)                          \
	X(K1(0x8c), MOV_EvSw,  mov, Ev, Sw, __, 0)                          \
	X(K1(0x8d), LEA_GvM,   lea, Gv, M, __, 0)                           \
	X(K1(0x8e), MOV_SwEw,  mov, Sw, Ew, __, F_STOP)                     \
	/* 8F with ModRM bits 4:0 >= 8 is XOP: decoder */                   \
	X(K1(0x8f), GRP_8F,    grp, __, __, __, F_GROUP | PARAM(GRP_8F))    \
	X(KG(8F, 0), POP_Ev,   pop, Ev, __, __, F_D64)                      \
	X(K1(0x90), SEL_90,    sel, __, __, __, F_SEL | PARAM(S_90))        \
	X(KSEL(90, 0), NOP,    nop, __, __, __, 0)                          \
	R(KSEL(90, 1), KSEL(90, 1), NOP)                                    \
	R(KSEL(90, 3), KSEL(90, 3), NOP)                                    \
	X(KSEL(90, 2), PAUSE,  pause, __, __, __, 0)                        \
	/* 90 with REX.B is XCHG r8, rAX: decoder */                       \
	X(K1(0x91), XCHG_ZvrAX, xchg, Zv, rAX, __, 0)                       \
	R(K1(0x92), K1(0x97), XCHG_ZvrAX)                                   \
	X(K1(0x98), CBW,       cbw, __, __, __, 0)                          \
	X(K1(0x99), CWD,       cwd, __, __, __, 0)                          \
	X(K1(0x9a), CALLF_Ap,  callf, Ap, __, __, F_I64 | F_BRANCH | F_STOP) \
	X(K1(0x9b), WAIT,      wait, __, __, __, 0)                         \
	X(K1(0x9c), PUSHF,     pushf, __, __, __, F_D64)                    \
	X(K1(0x9d), POPF,      popf, __, __, __, F_D64 | F_STOP)            \
	X(K1(0x9e), SAHF,      sahf, __, __, __, 0)                         \
	X(K1(0x9f), LAHF,      lahf, __, __, __, 0)                         \
	X(K1(0xa0), MOV_ALOb,  mov, AL, Ob, __, 0)                          \
	X(K1(0xa1), MOV_rAXOv, mov, rAX, Ov, __, 0)                         \
	X(K1(0xa2), MOV_ObAL,  mov, Ob, AL, __, 0)                          \
	X(K1(0xa3), MOV_OvrAX, mov, Ov, rAX, __, 0)                         \
	X(K1(0xa4), MOVSB,     movs, Yb, Xb, __, F_REP)                     \
	X(K1(0xa5), MOVS,      movs, Yv, Xv, __, F_REP)                     \
	X(K1(0xa6), CMPSB,     cmps, Xb, Yb, __, F_REP)                     \
	X(K1(0xa7), CMPS,      cmps, Xv, Yv, __, F_REP)                     \
	X(K1(0xa8), TEST_ALIb, test, AL, Ib, __, 0)                         \
	X(K1(0xa9), TEST_rAXIz, test, rAX, Iz, __, 0)                       \
	X(K1(0xaa), STOSB,     stos, Yb, AL, __, F_REP)                     \
	X(K1(0xab), STOS,      stos, Yv, rAX, __, F_REP)                    \
	X(K1(0xac), LODSB,     lods, AL, Xb, __, F_REP)                     \
	X(K1(0xad), LODS,      lods, rAX, Xv, __, F_REP)                    \
	X(K1(0xae), SCASB,     scas, AL, Yb, __, F_REP)                     \
	X(K1(0xaf), SCAS,      scas, rAX, Yv, __, F_REP)                    \
	X(K1(0xb0), MOV_ZbIb,  mov, Zb, Ib, __, 0)                          \
	R(K1(0xb1), K1(0xb7), MOV_ZbIb)                                     \
	X(K1(0xb8), MOV_ZvIv,  mov, Zv, Iv, __, 0)                          \
	R(K1(0xb9), K1(0xbf), MOV_ZvIv)                                     \
	X(K1(0xc0), GRP_C0,    grp, __, __, __, F_GROUP | PARAM(GRP_C0))    \
	X(K1(0xc1), GRP_C1,    grp, __, __, __, F_GROUP | PARAM(GRP_C1))    \
	X(K1(0xc2), RET_Iw,    ret, Iw, __, __, F_F64 | F_BRANCH)           \
	X(K1(0xc3), RET,       ret, __, __, __, F_F64 | F_BRANCH)           \
	/* C4/C5 with mod == 3 (always in 64-bit mode) are VEX: decoder */  \
	X(K1(0xc4), LES_GzMp,  les, Gz, Mp, __, F_I64)                      \
	X(K1(0xc5), LDS_GzMp,  lds, Gz, Mp, __, F_I64)                      \
	X(K1(0xc6), GRP_C6,    grp, __, __, __, F_GROUP | PARAM(GRP_C6))    \
	X(K1(0xc7), GRP_C7,    grp, __, __, __, F_GROUP | PARAM(GRP_C7))    \
	X(K1(0xc8), ENTER_IwIb, enter, Iw, Ib, __, F_D64)                   \
	X(K1(0xc9), LEAVE,     leave, __, __, __, F_D64)                    \
	X(K1(0xca), RETF_Iw,   retf, Iw, __, __, F_BRANCH | F_STOP)         \
	X(K1(0xcb), RETF,      retf, __, __, __, F_BRANCH | F_STOP)         \
	X(K1(0xcc), INT3,      int3, __, __, __, F_BRANCH | F_STOP)         \
	X(K1(0xcd), INT_Ib,    int, Ib, __, __, F_BRANCH | F_STOP)          \
	X(K1(0xce), INTO,      into, __, __, __, F_I64 | F_BRANCH | F_STOP) \
	X(K1(0xcf), IRET,      iret, __, __, __, F_BRANCH | F_STOP)         \
	X(K1(0xd0), GRP_D0,    grp, __, __, __, F_GROUP | PARAM(GRP_D0))    \
	X(K1(0xd1), GRP_D1,    grp, __, __, __, F_GROUP | PARAM(GRP_D1))    \
	X(K1(0xd2), GRP_D2,    grp, __, __, __, F_GROUP | PARAM(GRP_D2))    \
	X(K1(0xd3), GRP_D3,    grp, __, __, __, F_GROUP | PARAM(GRP_D3))    \
	X(K1(0xd4), AAM_Ib,    aam, Ib, __, __, F_I64)                      \
	X(K1(0xd5), AAD_Ib,    aad, Ib, __, __, F_I64)                      \
	/* SALC: blank in the SDM map, executed by Intel and AMD CPUs */    \
	X(K1(0xd6), SALC,      salc, __, __, __, F_I64)                     \
	X(K1(0xd7), XLAT,      xlat, __, __, __, 0)                         \
	/* D8-DF: the instruction is a row of X87_TABLE (simd_table.h) */   \
	X(K1(0xd8), X87,       x87, __, __, __, 0)                          \
	R(K1(0xd9), K1(0xdf), X87)                                          \
	X(K1(0xe0), LOOPNE_Jb, loopne, Jb, __, __, F_F64 | F_BRANCH)        \
	X(K1(0xe1), LOOPE_Jb,  loope, Jb, __, __, F_F64 | F_BRANCH)         \
	X(K1(0xe2), LOOP_Jb,   loop, Jb, __, __, F_F64 | F_BRANCH)          \
	X(K1(0xe3), JCXZ_Jb,   jcxz, Jb, __, __, F_F64 | F_BRANCH)          \
	X(K1(0xe4), IN_ALIb,   in, AL, Ib, __, 0)                           \
	X(K1(0xe5), IN_eAXIb,  in, eAX, Ib, __, 0)                          \
	X(K1(0xe6), OUT_IbAL,  out, Ib, AL, __, 0)                          \
	X(K1(0xe7), OUT_IbeAX, out, Ib, eAX, __, 0)                         \
	X(K1(0xe8), CALL_Jz,   call, Jz, __, __, F_F64 | F_BRANCH)          \
	X(K1(0xe9), JMP_Jz,    jmp, Jz, __, __, F_F64 | F_BRANCH)           \
	X(K1(0xea), JMPF_Ap,   jmpf, Ap, __, __, F_I64 | F_BRANCH | F_STOP) \
	X(K1(0xeb), JMP_Jb,    jmp, Jb, __, __, F_F64 | F_BRANCH)           \
	X(K1(0xec), IN_ALDX,   in, AL, DX, __, 0)                           \
	X(K1(0xed), IN_eAXDX,  in, eAX, DX, __, 0)                          \
	X(K1(0xee), OUT_DXAL,  out, DX, AL, __, 0)                          \
	X(K1(0xef), OUT_DXeAX, out, DX, eAX, __, 0)                         \
	X(K1(0xf1), INT1,      int1, __, __, __, F_BRANCH | F_STOP)         \
	X(K1(0xf4), HLT,       hlt, __, __, __, F_STOP)                     \
	X(K1(0xf5), CMC,       cmc, __, __, __, 0)                          \
	X(K1(0xf6), GRP_F6,    grp, __, __, __, F_GROUP | PARAM(GRP_F6))    \
	X(K1(0xf7), GRP_F7,    grp, __, __, __, F_GROUP | PARAM(GRP_F7))    \
	X(K1(0xf8), CLC,       clc, __, __, __, 0)                          \
	X(K1(0xf9), STC,       stc, __, __, __, 0)                          \
	X(K1(0xfa), CLI,       cli, __, __, __, 0)                          \
	X(K1(0xfb), STI,       sti, __, __, __, F_STOP)                     \
	X(K1(0xfc), CLD,       cld, __, __, __, 0)                          \
	X(K1(0xfd), STD,       std, __, __, __, 0)                          \
	X(K1(0xfe), GRP_FE,    grp, __, __, __, F_GROUP | PARAM(GRP_FE))    \
	X(K1(0xff), GRP_FF,    grp, __, __, __, F_GROUP | PARAM(GRP_FF))    \
	/* ---- group 1: 80 (and 82), 81, 83 ---- */                        \
	X(KG(80, 0), ADD_EbIb, add, Eb, Ib, __, F_LOCK)                     \
	X(KG(80, 1), OR_EbIb,  or, Eb, Ib, __, F_LOCK)                      \
	X(KG(80, 2), ADC_EbIb, adc, Eb, Ib, __, F_LOCK)                     \
	X(KG(80, 3), SBB_EbIb, sbb, Eb, Ib, __, F_LOCK)                     \
	X(KG(80, 4), AND_EbIb, and, Eb, Ib, __, F_LOCK)                     \
	X(KG(80, 5), SUB_EbIb, sub, Eb, Ib, __, F_LOCK)                     \
	X(KG(80, 6), XOR_EbIb, xor, Eb, Ib, __, F_LOCK)                     \
	X(KG(80, 7), CMP_EbIb, cmp, Eb, Ib, __, 0)                          \
	X(KG(81, 0), ADD_EvIz, add, Ev, Iz, __, F_LOCK)                     \
	X(KG(81, 1), OR_EvIz,  or, Ev, Iz, __, F_LOCK)                      \
	X(KG(81, 2), ADC_EvIz, adc, Ev, Iz, __, F_LOCK)                     \
	X(KG(81, 3), SBB_EvIz, sbb, Ev, Iz, __, F_LOCK)                     \
	X(KG(81, 4), AND_EvIz, and, Ev, Iz, __, F_LOCK)                     \
	X(KG(81, 5), SUB_EvIz, sub, Ev, Iz, __, F_LOCK)                     \
	X(KG(81, 6), XOR_EvIz, xor, Ev, Iz, __, F_LOCK)                     \
	X(KG(81, 7), CMP_EvIz, cmp, Ev, Iz, __, 0)                          \
	X(KG(83, 0), ADD_EvIbs, add, Ev, Ibs, __, F_LOCK)                   \
	X(KG(83, 1), OR_EvIbs, or, Ev, Ibs, __, F_LOCK)                     \
	X(KG(83, 2), ADC_EvIbs, adc, Ev, Ibs, __, F_LOCK)                   \
	X(KG(83, 3), SBB_EvIbs, sbb, Ev, Ibs, __, F_LOCK)                   \
	X(KG(83, 4), AND_EvIbs, and, Ev, Ibs, __, F_LOCK)                   \
	X(KG(83, 5), SUB_EvIbs, sub, Ev, Ibs, __, F_LOCK)                   \
	X(KG(83, 6), XOR_EvIbs, xor, Ev, Ibs, __, F_LOCK)                   \
	X(KG(83, 7), CMP_EvIbs, cmp, Ev, Ibs, __, 0)                        \
	/* ---- group 2: shifts and rotates; /6 is an alias of /4 ---- */   \
	X(KG(C0, 0), ROL_EbIb, rol, Eb, Ib, __, 0)                          \
	X(KG(C0, 1), ROR_EbIb, ror, Eb, Ib, __, 0)                          \
	X(KG(C0, 2), RCL_EbIb, rcl, Eb, Ib, __, 0)                          \
	X(KG(C0, 3), RCR_EbIb, rcr, Eb, Ib, __, 0)                          \
	X(KG(C0, 4), SHL_EbIb, shl, Eb, Ib, __, 0)                          \
	X(KG(C0, 5), SHR_EbIb, shr, Eb, Ib, __, 0)                          \
	X(KG(C0, 6), SAL_EbIb, sal, Eb, Ib, __, 0)                          \
	X(KG(C0, 7), SAR_EbIb, sar, Eb, Ib, __, 0)                          \
	X(KG(C1, 0), ROL_EvIb, rol, Ev, Ib, __, 0)                          \
	X(KG(C1, 1), ROR_EvIb, ror, Ev, Ib, __, 0)                          \
	X(KG(C1, 2), RCL_EvIb, rcl, Ev, Ib, __, 0)                          \
	X(KG(C1, 3), RCR_EvIb, rcr, Ev, Ib, __, 0)                          \
	X(KG(C1, 4), SHL_EvIb, shl, Ev, Ib, __, 0)                          \
	X(KG(C1, 5), SHR_EvIb, shr, Ev, Ib, __, 0)                          \
	X(KG(C1, 6), SAL_EvIb, sal, Ev, Ib, __, 0)                          \
	X(KG(C1, 7), SAR_EvIb, sar, Ev, Ib, __, 0)                          \
	X(KG(D0, 0), ROL_Eb1,  rol, Eb, One, __, 0)                         \
	X(KG(D0, 1), ROR_Eb1,  ror, Eb, One, __, 0)                         \
	X(KG(D0, 2), RCL_Eb1,  rcl, Eb, One, __, 0)                         \
	X(KG(D0, 3), RCR_Eb1,  rcr, Eb, One, __, 0)                         \
	X(KG(D0, 4), SHL_Eb1,  shl, Eb, One, __, 0)                         \
	X(KG(D0, 5), SHR_Eb1,  shr, Eb, One, __, 0)                         \
	X(KG(D0, 6), SAL_Eb1,  sal, Eb, One, __, 0)                         \
	X(KG(D0, 7), SAR_Eb1,  sar, Eb, One, __, 0)                         \
	X(KG(D1, 0), ROL_Ev1,  rol, Ev, One, __, 0)                         \
	X(KG(D1, 1), ROR_Ev1,  ror, Ev, One, __, 0)                         \
	X(KG(D1, 2), RCL_Ev1,  rcl, Ev, One, __, 0)                         \
	X(KG(D1, 3), RCR_Ev1,  rcr, Ev, One, __, 0)                         \
	X(KG(D1, 4), SHL_Ev1,  shl, Ev, One, __, 0)                         \
	X(KG(D1, 5), SHR_Ev1,  shr, Ev, One, __, 0)                         \
	X(KG(D1, 6), SAL_Ev1,  sal, Ev, One, __, 0)                         \
	X(KG(D1, 7), SAR_Ev1,  sar, Ev, One, __, 0)                         \
	X(KG(D2, 0), ROL_EbCL, rol, Eb, CL, __, 0)                          \
	X(KG(D2, 1), ROR_EbCL, ror, Eb, CL, __, 0)                          \
	X(KG(D2, 2), RCL_EbCL, rcl, Eb, CL, __, 0)                          \
	X(KG(D2, 3), RCR_EbCL, rcr, Eb, CL, __, 0)                          \
	X(KG(D2, 4), SHL_EbCL, shl, Eb, CL, __, 0)                          \
	X(KG(D2, 5), SHR_EbCL, shr, Eb, CL, __, 0)                          \
	X(KG(D2, 6), SAL_EbCL, sal, Eb, CL, __, 0)                          \
	X(KG(D2, 7), SAR_EbCL, sar, Eb, CL, __, 0)                          \
	X(KG(D3, 0), ROL_EvCL, rol, Ev, CL, __, 0)                          \
	X(KG(D3, 1), ROR_EvCL, ror, Ev, CL, __, 0)                          \
	X(KG(D3, 2), RCL_EvCL, rcl, Ev, CL, __, 0)                          \
	X(KG(D3, 3), RCR_EvCL, rcr, Ev, CL, __, 0)                          \
	X(KG(D3, 4), SHL_EvCL, shl, Ev, CL, __, 0)                          \
	X(KG(D3, 5), SHR_EvCL, shr, Ev, CL, __, 0)                          \
	X(KG(D3, 6), SAL_EvCL, sal, Ev, CL, __, 0)                          \
	X(KG(D3, 7), SAR_EvCL, sar, Ev, CL, __, 0)                          \
	/* ---- group 11: MOV immediate; RTM at mod == 3, reg 7 ---- */     \
	X(KG(C6, 0), MOV_EbIb, mov, Eb, Ib, __, 0)                          \
	X(KGR(C6, 7), XABORT_Ib, xabort, Ib, __, __, F_RM0 | F_EXT)         \
	X(KG(C7, 0), MOV_EvIz, mov, Ev, Iz, __, 0)                          \
	X(KGR(C7, 7), XBEGIN_Jz, xbegin, Jz, __, __, F_RM0 | F_EXT | F_BRANCH) \
	/* ---- group 3: F6, F7; /1 is an alias of /0 ---- */               \
	X(KG(F6, 0), TEST_EbIb, test, Eb, Ib, __, 0)                        \
	R(KG(F6, 1), KG(F6, 1), TEST_EbIb)                                  \
	X(KG(F6, 2), NOT_Eb,   not, Eb, __, __, F_LOCK)                     \
	X(KG(F6, 3), NEG_Eb,   neg, Eb, __, __, F_LOCK)                     \
	X(KG(F6, 4), MUL_Eb,   mul, Eb, __, __, 0)                          \
	X(KG(F6, 5), IMUL_Eb,  imul, Eb, __, __, 0)                         \
	X(KG(F6, 6), DIV_Eb,   div, Eb, __, __, 0)                          \
	X(KG(F6, 7), IDIV_Eb,  idiv, Eb, __, __, 0)                         \
	X(KG(F7, 0), TEST_EvIz, test, Ev, Iz, __, 0)                        \
	R(KG(F7, 1), KG(F7, 1), TEST_EvIz)                                  \
	X(KG(F7, 2), NOT_Ev,   not, Ev, __, __, F_LOCK)                     \
	X(KG(F7, 3), NEG_Ev,   neg, Ev, __, __, F_LOCK)                     \
	X(KG(F7, 4), MUL_Ev,   mul, Ev, __, __, 0)                          \
	X(KG(F7, 5), IMUL_Ev,  imul, Ev, __, __, 0)                         \
	X(KG(F7, 6), DIV_Ev,   div, Ev, __, __, 0)                          \
	X(KG(F7, 7), IDIV_Ev,  idiv, Ev, __, __, 0)                         \
	/* ---- groups 4 and 5: FE, FF ---- */                              \
	X(KG(FE, 0), INC_Eb,   inc, Eb, __, __, F_LOCK)                     \
	X(KG(FE, 1), DEC_Eb,   dec, Eb, __, __, F_LOCK)                     \
	X(KG(FF, 0), INC_Ev,   inc, Ev, __, __, F_LOCK)                     \
	X(KG(FF, 1), DEC_Ev,   dec, Ev, __, __, F_LOCK)                     \
	X(KG(FF, 2), CALL_Ev,  call, Ev, __, __, F_F64 | F_BRANCH)          \
	X(KG(FF, 3), CALLF_Mp, callf, Mp, __, __, F_BRANCH | F_STOP)        \
	X(KG(FF, 4), JMP_Ev,   jmp, Ev, __, __, F_F64 | F_BRANCH)           \
	X(KG(FF, 5), JMPF_Mp,  jmpf, Mp, __, __, F_BRANCH | F_STOP)         \
	X(KG(FF, 6), PUSH_Ev,  push, Ev, __, __, F_D64)                     \
	/* ---- two-byte map 0F ---- */                                     \
	X(K0F(0x00), GRP_0F00, grp, __, __, __, F_GROUP | PARAM(GRP_0F00))  \
	X(K0F(0x01), GRP_0F01, grp, __, __, __, F_GROUP | PARAM(GRP_0F01))  \
	X(K0F(0x02), LAR_GvEw, lar, Gv, Ew, __, 0)                          \
	X(K0F(0x03), LSL_GvEw, lsl, Gv, Ew, __, 0)                          \
	X(K0F(0x05), SYSCALL,  syscall, __, __, __, F_BRANCH | F_STOP)      \
	X(K0F(0x06), CLTS,     clts, __, __, __, 0)                         \
	X(K0F(0x07), SYSRET,   sysret, __, __, __, F_BRANCH | F_STOP)       \
	X(K0F(0x08), INVD,     invd, __, __, __, 0)                         \
	X(K0F(0x09), WBINVD,   wbinvd, __, __, __, 0)                       \
	X(K0F(0x0b), UD2,      ud2, __, __, __, F_STOP)                     \
	X(K0F(0x0d), GRP_0F0D, grp, __, __, __, F_GROUP | PARAM(GRP_0F0D))  \
	X(K0F(0x0e), FEMMS,    femms, __, __, __, F_EXT)                    \
	/* 3DNow!: ModRM, then the real opcode as an imm8 suffix */         \
	X(K0F(0x0f), AMD3DNOW, 3dnow, Wx, Ib, __, F_EXT)                    \
	/* SIMD: the instruction is a row of SIMD_TABLE (simd_table.h) */   \
	X(K0F(0x10), SIMD,     simd, __, __, __, 0)                         \
	R(K0F(0x11), K0F(0x17), SIMD)                                       \
	X(K0F(0x18), GRP_0F18, grp, __, __, __, F_GROUP | PARAM(GRP_0F18))  \
	/* 0F 19-1F: hint NOPs (1A/1B are MPX and 1E CET where supported) */ \
	X(K0F(0x19), NOP_Ev,   nop, Ev, __, __, 0)                          \
	R(K0F(0x1a), K0F(0x1f), NOP_Ev)                                     \
	X(K0F(0x20), MOV_RyCy, mov, Ry, Cy, __, F_MOD3 | F_NATIVE | F_LOCK) \
	X(K0F(0x21), MOV_RyDy, mov, Ry, Dy, __, F_MOD3 | F_NATIVE)          \
	X(K0F(0x22), MOV_CyRy, mov, Cy, Ry, __, F_MOD3 | F_NATIVE | F_LOCK | F_STOP) \
	X(K0F(0x23), MOV_DyRy, mov, Dy, Ry, __, F_MOD3 | F_NATIVE | F_STOP) \
	R(K0F(0x28), K0F(0x2f), SIMD)                                       \
	X(K0F(0x30), WRMSR,    wrmsr, __, __, __, F_STOP)                   \
	X(K0F(0x31), RDTSC,    rdtsc, __, __, __, 0)                        \
	X(K0F(0x32), RDMSR,    rdmsr, __, __, __, 0)                        \
	X(K0F(0x33), RDPMC,    rdpmc, __, __, __, 0)                        \
	X(K0F(0x34), SYSENTER, sysenter, __, __, __, F_BRANCH | F_STOP)     \
	X(K0F(0x35), SYSEXIT,  sysexit, __, __, __, F_BRANCH | F_STOP)      \
	X(K0F(0x37), GETSEC,   getsec, __, __, __, F_EXT)                   \
	X(K0F(0x40), CMOVO_GvEv,  cmovo, Gv, Ev, __, 0)                     \
	X(K0F(0x41), CMOVNO_GvEv, cmovno, Gv, Ev, __, 0)                    \
	X(K0F(0x42), CMOVB_GvEv,  cmovb, Gv, Ev, __, 0)                     \
	X(K0F(0x43), CMOVAE_GvEv, cmovae, Gv, Ev, __, 0)                    \
	X(K0F(0x44), CMOVE_GvEv,  cmove, Gv, Ev, __, 0)                     \
	X(K0F(0x45), CMOVNE_GvEv, cmovne, Gv, Ev, __, 0)                    \
	X(K0F(0x46), CMOVBE_GvEv, cmovbe, Gv, Ev, __, 0)                    \
	X(K0F(0x47), CMOVA_GvEv,  cmova, Gv, Ev, __, 0)                     \
	X(K0F(0x48), CMOVS_GvEv,  cmovs, Gv, Ev, __, 0)                     \
	X(K0F(0x49), CMOVNS_GvEv, cmovns, Gv, Ev, __, 0)                    \
	X(K0F(0x4a), CMOVP_GvEv,  cmovp, Gv, Ev, __, 0)                     \
	X(K0F(0x4b), CMOVNP_GvEv, cmovnp, Gv, Ev, __, 0)                    \
	X(K0F(0x4c), CMOVL_GvEv,  cmovl, Gv, Ev, __, 0)                     \
	X(K0F(0x4d), CMOVGE_GvEv, cmovge, Gv, Ev, __, 0)                    \
	X(K0F(0x4e), CMOVLE_GvEv, cmovle, Gv, Ev, __, 0)                    \
	X(K0F(0x4f), CMOVG_GvEv,  cmovg, Gv, Ev, __, 0)                     \
	R(K0F(0x50), K0F(0x77), SIMD)                                       \
	/* 0F 78/79: VMREAD/VMWRITE; with 66 or F2 SSE4a EXTRQ/INSERTQ */  \
	X(K0F(0x78), SEL_0F78, sel, __, __, __, F_SEL | PARAM(S_0F78))      \
	X(K0F(0x79), SEL_0F79, sel, __, __, __, F_SEL | PARAM(S_0F79))      \
	X(KSEL(0F78, 0), VMREAD_EyGy, vmread, Ey, Gy, __, F_F64 | F_EXT)    \
	X(KSEL(0F79, 0), VMWRITE_GyEy, vmwrite, Gy, Ey, __, F_F64 | F_EXT)  \
	X(KSEL(0F78, 1), EXTRQ_IbIb, extrq, Ux, Ib, Ib, F_EXT | F_PFX66)    \
	X(KSEL(0F78, 3), INSERTQ_IbIb, insertq, Ux, Ib, Ib, F_EXT)          \
	X(KSEL(0F79, 1), EXTRQ_Ux, extrq, Ux, __, __, F_EXT | F_PFX66)      \
	X(KSEL(0F79, 3), INSERTQ_Ux, insertq, Ux, __, __, F_EXT)            \
	R(K0F(0x7c), K0F(0x7f), SIMD)                                       \
	X(K0F(0x80), JO_Jz,    jo, Jz, __, __, F_F64 | F_BRANCH)            \
	X(K0F(0x81), JNO_Jz,   jno, Jz, __, __, F_F64 | F_BRANCH)           \
	X(K0F(0x82), JB_Jz,    jb, Jz, __, __, F_F64 | F_BRANCH)            \
	X(K0F(0x83), JAE_Jz,   jae, Jz, __, __, F_F64 | F_BRANCH)           \
	X(K0F(0x84), JE_Jz,    je, Jz, __, __, F_F64 | F_BRANCH)            \
	X(K0F(0x85), JNE_Jz,   jne, Jz, __, __, F_F64 | F_BRANCH)           \
	X(K0F(0x86), JBE_Jz,   jbe, Jz, __, __, F_F64 | F_BRANCH)           \
	X(K0F(0x87), JA_Jz,    ja, Jz, __, __, F_F64 | F_BRANCH)            \
	X(K0F(0x88), JS_Jz,    js, Jz, __, __, F_F64 | F_BRANCH)            \
	X(K0F(0x89), JNS_Jz,   jns, Jz, __, __, F_F64 | F_BRANCH)           \
	X(K0F(0x8a), JP_Jz,    jp, Jz, __, __, F_F64 | F_BRANCH)            \
	X(K0F(0x8b), JNP_Jz,   jnp, Jz, __, __, F_F64 | F_BRANCH)           \
	X(K0F(0x8c), JL_Jz,    jl, Jz, __, __, F_F64 | F_BRANCH)            \
	X(K0F(0x8d), JGE_Jz,   jge, Jz, __, __, F_F64 | F_BRANCH)           \
	X(K0F(0x8e), JLE_Jz,   jle, Jz, __, __, F_F64 | F_BRANCH)           \
	X(K0F(0x8f), JG_Jz,    jg, Jz, __, __, F_F64 | F_BRANCH)            \
	X(K0F(0x90), SETO_Eb,  seto, Eb, __, __, 0)                         \
	X(K0F(0x91), SETNO_Eb, setno, Eb, __, __, 0)                        \
	X(K0F(0x92), SETB_Eb,  setb, Eb, __, __, 0)                         \
	X(K0F(0x93), SETAE_Eb, setae, Eb, __, __, 0)                        \
	X(K0F(0x94), SETE_Eb,  sete, Eb, __, __, 0)                         \
	X(K0F(0x95), SETNE_Eb, setne, Eb, __, __, 0)                        \
	X(K0F(0x96), SETBE_Eb, setbe, Eb, __, __, 0)                        \
	X(K0F(0x97), SETA_Eb,  seta, Eb, __, __, 0)                         \
	X(K0F(0x98), SETS_Eb,  sets, Eb, __, __, 0)                         \
	X(K0F(0x99), SETNS_Eb, setns, Eb, __, __, 0)                        \
	X(K0F(0x9a), SETP_Eb,  setp, Eb, __, __, 0)                         \
	X(K0F(0x9b), SETNP_Eb, setnp, Eb, __, __, 0)                        \
	X(K0F(0x9c), SETL_Eb,  setl, Eb, __, __, 0)                         \
	X(K0F(0x9d), SETGE_Eb, setge, Eb, __, __, 0)                        \
	X(K0F(0x9e), SETLE_Eb, setle, Eb, __, __, 0)                        \
	X(K0F(0x9f), SETG_Eb,  setg, Eb, __, __, 0)                         \
	X(K0F(0xa0), PUSH_FS,  push, FS, __, __, F_D64)                     \
	X(K0F(0xa1), POP_FS,   pop, FS, __, __, F_D64)                      \
	X(K0F(0xa2), CPUID,    cpuid, __, __, __, 0)                        \
	X(K0F(0xa3), BT_EvGv,  bt, Ev, Gv, __, 0)                           \
	X(K0F(0xa4), SHLD_EvGvIb, shld, Ev, Gv, Ib, 0)                      \
	X(K0F(0xa5), SHLD_EvGvCL, shld, Ev, Gv, CL, 0)                      \
	X(K0F(0xa8), PUSH_GS,  push, GS, __, __, F_D64)                     \
	X(K0F(0xa9), POP_GS,   pop, GS, __, __, F_D64)                      \
	X(K0F(0xaa), RSM,      rsm, __, __, __, F_BRANCH | F_STOP)          \
	X(K0F(0xab), BTS_EvGv, bts, Ev, Gv, __, F_LOCK)                     \
	X(K0F(0xac), SHRD_EvGvIb, shrd, Ev, Gv, Ib, 0)                      \
	X(K0F(0xad), SHRD_EvGvCL, shrd, Ev, Gv, CL, 0)                      \
	X(K0F(0xae), GRP_0FAE, grp, __, __, __, F_GROUP | PARAM(GRP_0FAE))  \
	X(K0F(0xaf), IMUL_GvEv, imul, Gv, Ev, __, 0)                        \
	X(K0F(0xb0), CMPXCHG_EbGb, cmpxchg, Eb, Gb, __, F_LOCK)             \
	X(K0F(0xb1), CMPXCHG_EvGv, cmpxchg, Ev, Gv, __, F_LOCK)             \
	X(K0F(0xb2), LSS_GvMp, lss, Gv, Mp, __, 0)                          \
	X(K0F(0xb3), BTR_EvGv, btr, Ev, Gv, __, F_LOCK)                     \
	X(K0F(0xb4), LFS_GvMp, lfs, Gv, Mp, __, 0)                          \
	X(K0F(0xb5), LGS_GvMp, lgs, Gv, Mp, __, 0)                          \
	X(K0F(0xb6), MOVZX_GvEb, movzx, Gv, Eb, __, 0)                      \
	X(K0F(0xb7), MOVZX_GvEw, movzx, Gv, Ew, __, 0)                      \
	X(K0F(0xb8), SEL_0FB8, sel, __, __, __, F_SEL | PARAM(S_0FB8))      \
	X(KSEL(0FB8, 2), POPCNT_GvEv, popcnt, Gv, Ev, __, 0)                \
	X(K0F(0xb9), UD1_GvEv, ud1, Gv, Ev, __, F_STOP)                     \
	X(K0F(0xba), GRP_0FBA, grp, __, __, __, F_GROUP | PARAM(GRP_0FBA))  \
	X(K0F(0xbb), BTC_EvGv, btc, Ev, Gv, __, F_LOCK)                     \
	/* F3 0F BC/BD: TZCNT/LZCNT; BSF/BSR where CPUID lacks them */      \
	X(K0F(0xbc), SEL_0FBC, sel, __, __, __, F_SEL | PARAM(S_0FBC))      \
	X(KSEL(0FBC, 0), BSF_GvEv, bsf, Gv, Ev, __, 0)                      \
	R(KSEL(0FBC, 1), KSEL(0FBC, 1), BSF_GvEv)                           \
	R(KSEL(0FBC, 3), KSEL(0FBC, 3), BSF_GvEv)                           \
	X(KSEL(0FBC, 2), TZCNT_GvEv, tzcnt, Gv, Ev, __, 0)                  \
	X(K0F(0xbd), SEL_0FBD, sel, __, __, __, F_SEL | PARAM(S_0FBD))      \
	X(KSEL(0FBD, 0), BSR_GvEv, bsr, Gv, Ev, __, 0)                      \
	R(KSEL(0FBD, 1), KSEL(0FBD, 1), BSR_GvEv)                           \
	R(KSEL(0FBD, 3), KSEL(0FBD, 3), BSR_GvEv)                           \
	X(KSEL(0FBD, 2), LZCNT_GvEv, lzcnt, Gv, Ev, __, 0)                  \
	X(K0F(0xbe), MOVSX_GvEb, movsx, Gv, Eb, __, 0)                      \
	X(K0F(0xbf), MOVSX_GvEw, movsx, Gv, Ew, __, 0)                      \
	X(K0F(0xc0), XADD_EbGb, xadd, Eb, Gb, __, F_LOCK)                   \
	X(K0F(0xc1), XADD_EvGv, xadd, Ev, Gv, __, F_LOCK)                   \
	R(K0F(0xc2), K0F(0xc2), SIMD)                                       \
	X(K0F(0xc3), MOVNTI_MyGy, movnti, My, Gy, __, 0)                    \
	R(K0F(0xc4), K0F(0xc6), SIMD)                                       \
	X(K0F(0xc7), GRP_0FC7, grp, __, __, __, F_GROUP | PARAM(GRP_0FC7))  \
	X(K0F(0xc8), BSWAP_Zv, bswap, Zv, __, __, 0)                        \
	R(K0F(0xc9), K0F(0xcf), BSWAP_Zv)                                   \
	R(K0F(0xd0), K0F(0xfe), SIMD)                                       \
	X(K0F(0xff), UD0_GvEv, ud0, Gv, Ev, __, F_STOP)                     \
	/* ---- group 6: 0F 00 ---- */                                      \
	X(KG(0F00, 0), SLDT_Ew, sldt, Ew, __, __, 0)                        \
	X(KG(0F00, 1), STR_Ew,  str, Ew, __, __, 0)                         \
	X(KG(0F00, 2), LLDT_Ew, lldt, Ew, __, __, 0)                        \
	X(KG(0F00, 3), LTR_Ew,  ltr, Ew, __, __, 0)                         \
	X(KG(0F00, 4), VERR_Ew, verr, Ew, __, __, 0)                        \
	X(KG(0F00, 5), VERW_Ew, verw, Ew, __, __, 0)                        \
	/* ---- group 7: 0F 01, memory forms, then mod == 3 by reg, rm ---- */ \
	X(KG(0F01, 0), SGDT_Ms, sgdt, Ms, __, __, 0)                        \
	X(KG(0F01, 1), SIDT_Ms, sidt, Ms, __, __, 0)                        \
	X(KG(0F01, 2), LGDT_Ms, lgdt, Ms, __, __, F_STOP)                   \
	X(KG(0F01, 3), LIDT_Ms, lidt, Ms, __, __, F_STOP)                   \
	X(KG(0F01, 4), SMSW_Ew, smsw, Ew, __, __, 0)                        \
	X(KG(0F01, 6), LMSW_Ew, lmsw, Ew, __, __, F_STOP)                   \
	X(KG(0F01, 7), INVLPG_Mb, invlpg, Mb, __, __, F_STOP)               \
	X(K0F01R(0, 1), VMCALL,   vmcall, __, __, __, F_STOP)               \
	X(K0F01R(0, 2), VMLAUNCH, vmlaunch, __, __, __, F_EXT)              \
	X(K0F01R(0, 3), VMRESUME, vmresume, __, __, __, F_EXT)              \
	X(K0F01R(0, 4), VMXOFF,   vmxoff, __, __, __, F_EXT)                \
	X(K0F01R(1, 0), MONITOR,  monitor, __, __, __, 0)                   \
	X(K0F01R(1, 1), MWAIT,    mwait, __, __, __, F_STOP)                \
	X(K0F01R(1, 2), CLAC,     clac, __, __, __, 0)                      \
	X(K0F01R(1, 3), STAC,     stac, __, __, __, 0)                      \
	X(K0F01R(1, 7), ENCLS,    encls, __, __, __, F_EXT)                 \
	X(K0F01R(2, 0), XGETBV,   xgetbv, __, __, __, 0)                    \
	X(K0F01R(2, 1), XSETBV,   xsetbv, __, __, __, F_STOP)               \
	X(K0F01R(2, 4), VMFUNC,   vmfunc, __, __, __, F_EXT)                \
	X(K0F01R(2, 5), XEND,     xend, __, __, __, F_EXT)                  \
	X(K0F01R(2, 6), XTEST,    xtest, __, __, __, F_EXT)                 \
	X(K0F01R(2, 7), ENCLU,    enclu, __, __, __, F_EXT)                 \
	X(K0F01R(3, 0), VMRUN,    vmrun, __, __, __, F_EXT)                 \
	X(K0F01R(3, 1), VMMCALL,  vmmcall, __, __, __, F_STOP)              \
	X(K0F01R(3, 2), VMLOAD,   vmload, __, __, __, F_EXT)                \
	X(K0F01R(3, 3), VMSAVE,   vmsave, __, __, __, F_EXT)                \
	X(K0F01R(3, 4), STGI,     stgi, __, __, __, F_EXT)                  \
	X(K0F01R(3, 5), CLGI,     clgi, __, __, __, F_EXT)                  \
	X(K0F01R(3, 6), SKINIT,   skinit, __, __, __, F_EXT)                \
	X(K0F01R(3, 7), INVLPGA,  invlpga, __, __, __, F_EXT)               \
	X(K0F01R(5, 0), SEL_0F01E8, sel, __, __, __, F_SEL | PARAM(S_0F01E8)) \
	X(KSEL(0F01E8, 2), SETSSBSY, setssbsy, __, __, __, F_EXT)           \
	X(K0F01R(5, 6), RDPKRU,   rdpkru, __, __, __, F_EXT)                \
	X(K0F01R(5, 7), WRPKRU,   wrpkru, __, __, __, F_EXT)                \
	X(K0F01R(7, 0), SWAPGS,   swapgs, __, __, __, F_O64)                \
	X(K0F01R(7, 1), RDTSCP,   rdtscp, __, __, __, 0)                    \
	X(K0F01R(7, 2), MONITORX, monitorx, __, __, __, F_EXT)              \
	X(K0F01R(7, 3), MWAITX,   mwaitx, __, __, __, F_EXT)                \
	X(K0F01R(7, 4), CLZERO,   clzero, __, __, __, F_EXT)                \
	/* ---- 0F 0D: PREFETCH/PREFETCHW (AMD; Intel has /1, /2) ---- */  \
	X(KG(0F0D, 0), PREFETCH_Mb,  prefetch, Mb, __, __, 0)              \
	X(KG(0F0D, 1), PREFETCHW_Mb, prefetchw, Mb, __, __, 0)             \
	X(KG(0F0D, 2), PREFETCHWT1_Mb, prefetchwt1, Mb, __, __, 0)         \
	R(KG(0F0D, 3), KG(0F0D, 7), PREFETCH_Mb)                            \
	/* ---- group 16: 0F 18 prefetch hints; the rest are hint NOPs ---- */ \
	X(KG(0F18, 0), PREFETCHNTA_Mb, prefetchnta, Mb, __, __, 0)         \
	X(KG(0F18, 1), PREFETCHT0_Mb, prefetcht0, Mb, __, __, 0)           \
	X(KG(0F18, 2), PREFETCHT1_Mb, prefetcht1, Mb, __, __, 0)           \
	X(KG(0F18, 3), PREFETCHT2_Mb, prefetcht2, Mb, __, __, 0)           \
	R(KG(0F18, 4), KG(0F18, 7), NOP_Ev)                                 \
	R(KGR(0F18, 0), KGR(0F18, 7), NOP_Ev)                               \
	/* ---- group 15: 0F AE ---- */                                     \
	X(KG(0FAE, 0), FXSAVE_M,  fxsave, M, __, __, 0)                     \
	X(KG(0FAE, 1), FXRSTOR_M, fxrstor, M, __, __, 0)                    \
	X(KG(0FAE, 2), LDMXCSR_Md, ldmxcsr, Md, __, __, 0)                  \
	X(KG(0FAE, 3), STMXCSR_Md, stmxcsr, Md, __, __, 0)                  \
	X(KG(0FAE, 4), XSAVE_M,   xsave, M, __, __, 0)                      \
	X(KG(0FAE, 5), XRSTOR_M,  xrstor, M, __, __, 0)                     \
	X(KG(0FAE, 6), SEL_AEM6, sel, __, __, __, F_SEL | PARAM(S_AEM6))    \
	X(KG(0FAE, 7), SEL_AEM7, sel, __, __, __, F_SEL | PARAM(S_AEM7))    \
	X(KSEL(AEM6, 0), XSAVEOPT_M, xsaveopt, M, __, __, 0)                \
	X(KSEL(AEM6, 1), CLWB_Mb, clwb, Mb, __, __, F_PFX66)                \
	X(KSEL(AEM7, 0), CLFLUSH_Mb, clflush, Mb, __, __, 0)                \
	X(KSEL(AEM7, 1), CLFLUSHOPT_Mb, clflushopt, Mb, __, __, F_PFX66)    \
	X(KGR(0FAE, 0), SEL_AE0, sel, __, __, __, F_SEL | PARAM(S_AE0))     \
	X(KGR(0FAE, 1), SEL_AE1, sel, __, __, __, F_SEL | PARAM(S_AE1))     \
	X(KGR(0FAE, 2), SEL_AE2, sel, __, __, __, F_SEL | PARAM(S_AE2))     \
	X(KGR(0FAE, 3), SEL_AE3, sel, __, __, __, F_SEL | PARAM(S_AE3))     \
	X(KSEL(AE0, 2), RDFSBASE_Ry, rdfsbase, Ry, __, __, F_O64)           \
	X(KSEL(AE1, 2), RDGSBASE_Ry, rdgsbase, Ry, __, __, F_O64)           \
	X(KSEL(AE2, 2), WRFSBASE_Ry, wrfsbase, Ry, __, __, F_O64)           \
	X(KSEL(AE3, 2), WRGSBASE_Ry, wrgsbase, Ry, __, __, F_O64)           \
	X(KGR(0FAE, 5), LFENCE,   lfence, __, __, __, F_RM0)                \
	X(KGR(0FAE, 6), MFENCE,   mfence, __, __, __, F_RM0)                \
	X(KGR(0FAE, 7), SFENCE,   sfence, __, __, __, F_RM0)                \
	/* ---- group 8: 0F BA ---- */                                      \
	X(KG(0FBA, 4), BT_EvIb,  bt, Ev, Ib, __, 0)                         \
	X(KG(0FBA, 5), BTS_EvIb, bts, Ev, Ib, __, F_LOCK)                   \
	X(KG(0FBA, 6), BTR_EvIb, btr, Ev, Ib, __, F_LOCK)                   \
	X(KG(0FBA, 7), BTC_EvIb, btc, Ev, Ib, __, F_LOCK)                   \
	/* ---- group 9: 0F C7 (REX.W makes CMPXCHG8B CMPXCHG16B) ---- */   \
	X(KG(0FC7, 1), CMPXCHG8B_Mq, cmpxchg8b, Mq, __, __, F_LOCK)         \
	X(KG(0FC7, 3), XRSTORS_M, xrstors, M, __, __, F_EXT)                \
	X(KG(0FC7, 4), XSAVEC_M,  xsavec, M, __, __, F_EXT)                 \
	X(KG(0FC7, 5), XSAVES_M,  xsaves, M, __, __, F_EXT)                 \
	X(KG(0FC7, 6), SEL_C7M6,  sel, __, __, __, F_SEL | PARAM(S_C7M6))   \
	X(KSEL(C7M6, 0), VMPTRLD_Mq, vmptrld, Mq, __, __, F_EXT)            \
	X(KSEL(C7M6, 1), VMCLEAR_Mq, vmclear, Mq, __, __, F_EXT | F_PFX66)  \
	X(KSEL(C7M6, 2), VMXON_Mq, vmxon, Mq, __, __, F_EXT)                \
	X(KG(0FC7, 7), VMPTRST_Mq, vmptrst, Mq, __, __, F_EXT)              \
	X(KGR(0FC7, 6), RDRAND_Rv, rdrand, Rv, __, __, 0)                   \
	X(KGR(0FC7, 7), SEL_C7R7, sel, __, __, __, F_SEL | PARAM(S_C7R7))   \
	X(KSEL(C7R7, 0), RDSEED_Rv, rdseed, Rv, __, __, 0)                  \
	R(KSEL(C7R7, 1), KSEL(C7R7, 1), RDSEED_Rv)                          \
	X(KSEL(C7R7, 2), RDPID_Ry, rdpid, Ry, __, __, F_F64)                \
	/* ---- three-byte maps 0F 38 and 0F 3A: SIMD but for these ---- */ \
	R(K38(0x00), K38(0xef), SIMD)                                       \
	X(K38(0xf0), SEL_38F0, sel, __, __, __, F_SEL | PARAM(S_38F0))      \
	X(K38(0xf1), SEL_38F1, sel, __, __, __, F_SEL | PARAM(S_38F1))      \
	X(KSEL(38F0, 0), MOVBE_GvMv, movbe, Gv, My, __, 0)                  \
	R(KSEL(38F0, 1), KSEL(38F0, 1), MOVBE_GvMv)                         \
	X(KSEL(38F1, 0), MOVBE_MvGv, movbe, My, Gv, __, 0)                  \
	R(KSEL(38F1, 1), KSEL(38F1, 1), MOVBE_MvGv)                         \
	X(KSEL(38F0, 3), CRC32_GdEb, crc32, Gd, Eb, __, 0)                  \
	X(KSEL(38F1, 3), CRC32_GdEv, crc32, Gd, Ev, __, 0)                  \
	R(K38(0xf2), K38(0xf5), SIMD)                                       \
	X(K38(0xf6), SEL_38F6, sel, __, __, __, F_SEL | PARAM(S_38F6))      \
	X(KSEL(38F6, 1), ADCX_GyEy, adcx, Gy, Ey, __, F_PFX66)              \
	X(KSEL(38F6, 2), ADOX_GyEy, adox, Gy, Ey, __, 0)                    \
	R(K38(0xf7), K38(0xff), SIMD)                                       \
	R(K3A(0x00), K3A(0xff), SIMD)                                       \
	/* ---- not in the opcode map: prefixes decoded to these ---- */     \
	X(KX(0), VEX,  vex, __, __, __, F_EXT)                              \
	X(KX(1), EVEX, evex, __, __, __, F_EXT)                             \
	X(KX(2), XOP,  xop, __, __, __, F_EXT)

#endif
