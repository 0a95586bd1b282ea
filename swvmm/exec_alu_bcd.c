/* Decimal adjustments DAA DAS AAA AAS AAM AAD, and SALC (all #UD in
 * 64-bit mode: the decoder says so). Semantics: Intel SDM Vol. 2
 * pseudocode. Flags the SDM leaves undefined (not measurable on a 64-bit
 * host) are chosen as QEMU's emulation sets them, since that is the
 * hardware engine of the test harness:
 * - DAA/DAS: OF = 0.
 * - AAA/AAS: SF, ZF, PF and OF unchanged.
 * - AAM/AAD: CF = AF = OF = 0.
 * AAA adds 106H to AX (the SDM's current form, in which AL's carry
 * reaches AH). */
#include "swvmm/exec_alu.h"

static uint8_t al_of(const struct sw_cpu *c)
{
	return (uint8_t)c->s.gpr[RAX];
}

static uint8_t ah_of(const struct sw_cpu *c)
{
	return (uint8_t)(c->s.gpr[RAX] >> 8);
}

static void exec_daa(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	uint8_t al = al_of(c), old_al = al;
	bool old_cf = sw_flag(c, RFLAGS_CF), cf = false, af = false;
	if ((al & 0xf) > 9 || sw_flag(c, RFLAGS_AF)) {
		cf = old_cf || al > 0xf9;
		al += 6;
		af = true;
	}
	if (old_al > 0x99 || old_cf) {
		al += 0x60;
		cf = true;
	} else {
		cf = false;
	}
	sw_gpr_write(c, RAX, 1, false, al);
	sw_flags_result(c, al, 1, cf, af, false);
}

static void exec_das(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	uint8_t al = al_of(c), old_al = al;
	bool old_cf = sw_flag(c, RFLAGS_CF), cf = false, af = false;
	if ((al & 0xf) > 9 || sw_flag(c, RFLAGS_AF)) {
		cf = old_cf || al < 6;
		al -= 6;
		af = true;
	}
	if (old_al > 0x99 || old_cf) {
		al -= 0x60;
		cf = true;
	}
	sw_gpr_write(c, RAX, 1, false, al);
	sw_flags_result(c, al, 1, cf, af, false);
}

/* AAA/AAS: only AF and CF are defined; the other four stay as they were. */
static void ascii_adjust(struct sw_cpu *c, bool sub)
{
	uint16_t ax = (uint16_t)c->s.gpr[RAX];
	bool adj = (ax & 0xf) > 9 || sw_flag(c, RFLAGS_AF);
	if (adj)
		ax = sub ? (uint16_t)(ax - 6 - 0x100) : (uint16_t)(ax + 0x106);
	ax &= 0xff0f;
	sw_gpr_write(c, RAX, 2, false, ax);
	sw_flags_set(c, RFLAGS_AF | RFLAGS_CF, adj ? RFLAGS_AF | RFLAGS_CF : 0);
}
static void exec_aaa(struct sw_cpu *c, const struct insn *i) { (void)i; ascii_adjust(c, false); }
static void exec_aas(struct sw_cpu *c, const struct insn *i) { (void)i; ascii_adjust(c, true); }

/* AAM imm8: AH = AL / imm8, AL = AL % imm8; #DE when imm8 is 0. */
static void exec_aam(struct sw_cpu *c, const struct insn *i)
{
	uint8_t base = (uint8_t)i->imm, al = al_of(c);
	if (!base)
		sw_raise(c, EXC_DE, SW_NO_ERRCODE);
	uint8_t q = al / base, r = al % base;
	sw_gpr_write(c, RAX, 2, false, ((uint16_t)q << 8) | r);
	sw_flags_logic(c, r, 1);
}

/* AAD imm8: AL = AL + AH * imm8 (8 bits), AH = 0. */
static void exec_aad(struct sw_cpu *c, const struct insn *i)
{
	uint8_t al = (uint8_t)(al_of(c) + ah_of(c) * (uint8_t)i->imm);
	sw_gpr_write(c, RAX, 2, false, al);
	sw_flags_logic(c, al, 1);
}

/* SALC: AL = CF ? FF : 00, flags unchanged. */
static void exec_salc(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_gpr_write(c, RAX, 1, false, sw_flag(c, RFLAGS_CF) ? 0xff : 0);
}

void sw_register_alu_bcd(sw_exec_fn *t)
{
	t[IF_DAA] = exec_daa;
	t[IF_DAS] = exec_das;
	t[IF_AAA] = exec_aaa;
	t[IF_AAS] = exec_aas;
	t[IF_AAM_Ib] = exec_aam;
	t[IF_AAD_Ib] = exec_aad;
	t[IF_SALC] = exec_salc;
}
