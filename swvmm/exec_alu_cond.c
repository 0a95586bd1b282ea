/* Conditional instructions: Jcc (short and near), SETcc, CMOVcc, LOOP,
 * LOOPE, LOOPNE, JCXZ/JECXZ/JRCXZ. The condition is the low four bits of
 * the opcode (sw_cond). Semantics: Intel SDM Vol. 2. */
#include "swvmm/exec_alu.h"

/* A taken near branch: the target is truncated to the operand size and
 * checked (canonical in 64-bit mode, within the CS limit elsewhere) before
 * RIP changes, so a #GP(0) reports the branch itself. */
static void take(struct sw_cpu *c, const struct insn *i)
{
	uint64_t target = sw_trunc(c->next_rip + i->imm, i->opsize);
	sw_check_near_target(c, target);
	c->next_rip = target;
}

static void exec_jcc(struct sw_cpu *c, const struct insn *i)
{
	if (sw_cond(c, i->opcode & 0xf))
		take(c, i);
}

/* SETcc writes a byte whatever the condition. */
static void exec_setcc(struct sw_cpu *c, const struct insn *i)
{
	sw_rm_write(c, i, 1, sw_cond(c, i->opcode & 0xf));
}

/* CMOVcc reads the source (and can fault) whatever the condition; a
 * 32-bit destination is written even when the condition is false, so its
 * upper half is cleared in 64-bit mode as on every processor. */
static void exec_cmovcc(struct sw_cpu *c, const struct insn *i)
{
	uint64_t v = sw_rm_read(c, i, i->opsize);
	if (sw_cond(c, i->opcode & 0xf))
		sw_reg_write(c, i, i->opsize, v);
	else if (i->opsize == 4)
		sw_reg_write(c, i, 4, sw_reg_read(c, i, 4));
}

/* LOOP family: the count register is CX, ECX or RCX by address size; it
 * is decremented without changing flags (an ECX write zero-extends). The
 * branch is checked before the count is committed. */
static void loop(struct sw_cpu *c, const struct insn *i, int cond)
{
	unsigned as = i->adsize;
	uint64_t cx = sw_trunc(sw_gpr_read(c, RCX, as, false) - 1, as);
	bool zf = sw_flag(c, RFLAGS_ZF);
	bool jump = cx != 0 && (cond < 0 || (cond ? zf : !zf));
	if (jump)
		take(c, i);
	sw_gpr_write(c, RCX, as, false, cx);
}
static void exec_loopne(struct sw_cpu *c, const struct insn *i) { loop(c, i, 0); }
static void exec_loope(struct sw_cpu *c, const struct insn *i) { loop(c, i, 1); }
static void exec_loop(struct sw_cpu *c, const struct insn *i) { loop(c, i, -1); }

static void exec_jcxz(struct sw_cpu *c, const struct insn *i)
{
	if (sw_gpr_read(c, RCX, i->adsize, false) == 0)
		take(c, i);
}

void sw_register_alu_cond(sw_exec_fn *t)
{
	static const uint16_t jb[16] = {
		IF_JO_Jb, IF_JNO_Jb, IF_JB_Jb, IF_JAE_Jb, IF_JE_Jb, IF_JNE_Jb, IF_JBE_Jb, IF_JA_Jb,
		IF_JS_Jb, IF_JNS_Jb, IF_JP_Jb, IF_JNP_Jb, IF_JL_Jb, IF_JGE_Jb, IF_JLE_Jb, IF_JG_Jb,
	};
	static const uint16_t jz[16] = {
		IF_JO_Jz, IF_JNO_Jz, IF_JB_Jz, IF_JAE_Jz, IF_JE_Jz, IF_JNE_Jz, IF_JBE_Jz, IF_JA_Jz,
		IF_JS_Jz, IF_JNS_Jz, IF_JP_Jz, IF_JNP_Jz, IF_JL_Jz, IF_JGE_Jz, IF_JLE_Jz, IF_JG_Jz,
	};
	static const uint16_t set[16] = {
		IF_SETO_Eb, IF_SETNO_Eb, IF_SETB_Eb, IF_SETAE_Eb, IF_SETE_Eb, IF_SETNE_Eb,
		IF_SETBE_Eb, IF_SETA_Eb, IF_SETS_Eb, IF_SETNS_Eb, IF_SETP_Eb, IF_SETNP_Eb,
		IF_SETL_Eb, IF_SETGE_Eb, IF_SETLE_Eb, IF_SETG_Eb,
	};
	static const uint16_t cmov[16] = {
		IF_CMOVO_GvEv, IF_CMOVNO_GvEv, IF_CMOVB_GvEv, IF_CMOVAE_GvEv, IF_CMOVE_GvEv,
		IF_CMOVNE_GvEv, IF_CMOVBE_GvEv, IF_CMOVA_GvEv, IF_CMOVS_GvEv, IF_CMOVNS_GvEv,
		IF_CMOVP_GvEv, IF_CMOVNP_GvEv, IF_CMOVL_GvEv, IF_CMOVGE_GvEv, IF_CMOVLE_GvEv,
		IF_CMOVG_GvEv,
	};
	for (unsigned cc = 0; cc < 16; cc++) {
		t[jb[cc]] = exec_jcc;
		t[jz[cc]] = exec_jcc;
		t[set[cc]] = exec_setcc;
		t[cmov[cc]] = exec_cmovcc;
	}
	t[IF_LOOPNE_Jb] = exec_loopne;
	t[IF_LOOPE_Jb] = exec_loope;
	t[IF_LOOP_Jb] = exec_loop;
	t[IF_JCXZ_Jb] = exec_jcxz;
}
