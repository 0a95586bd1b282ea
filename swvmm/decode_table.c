/* The opcode table expanded into the two constant arrays the decoder
 * reads: opcode_map (key -> form) and insn_forms (form -> what the table
 * says about it). Both come from OPCODE_TABLE in swvmm/opcode_table.h; a
 * key given twice is a compile error (-Woverride-init). */
#include <string.h>

#include "swvmm/decode.h"

/* Operand attributes, by operand letter. */
enum {
#define OPD_ATTR(o, attr) OA_##o = (attr),
	OPERAND_LIST(OPD_ATTR)
#undef OPD_ATTR
};

const uint16_t opcode_map[NR_OPCODE_KEYS] = {
#define MAP_ONE(key, form, mnem, o1, o2, o3, flags) [key] = IF_##form,
#define MAP_RANGE(k1, k2, form) [k1 ... k2] = IF_##form,
	OPCODE_TABLE(MAP_ONE, MAP_RANGE)
#undef MAP_ONE
#undef MAP_RANGE
};

const struct insn_form_info insn_forms[NR_INSN_FORMS] = {
	[IF_INVALID] = { M_invalid, { OPD___, OPD___, OPD___ }, 0, 0 },
#define FORM_INFO(key, form, mnem, o1, o2, o3, fl)                       \
	[IF_##form] = { M_##mnem, { OPD_##o1, OPD_##o2, OPD_##o3 },      \
	                OA_##o1 | OA_##o2 | OA_##o3, (fl) },
#define FORM_RANGE(k1, k2, form)
	OPCODE_TABLE(FORM_INFO, FORM_RANGE)
#undef FORM_INFO
#undef FORM_RANGE
};

static const char *const mnemonic_names[NR_MNEMONICS] = {
#define MNEM_NAME(m) [M_##m] = #m,
	MNEMONIC_LIST(MNEM_NAME)
#undef MNEM_NAME
};

static const char *const form_names[NR_INSN_FORMS] = {
	[IF_INVALID] = "INVALID",
#define FORM_NAME(key, form, mnem, o1, o2, o3, fl) [IF_##form] = #form,
#define FORM_RANGE(k1, k2, form)
	OPCODE_TABLE(FORM_NAME, FORM_RANGE)
#undef FORM_NAME
#undef FORM_RANGE
};

const char *insn_mnemonic_name(unsigned mnem)
{
	return mnem < NR_MNEMONICS ? mnemonic_names[mnem] : "?";
}

const char *insn_form_name(unsigned form)
{
	return form < NR_INSN_FORMS ? form_names[form] : "?";
}

/* ---- x87 and SIMD rows (swvmm/simd_table.h) ---- */

const struct simd_form simd_forms[NR_SIMD_FORMS] = {
#define SIMD_FORM(map, op, pfx, name, mnem, o1, o2, o3, feat, msize, fl)    \
	[SF_##name] = { #mnem, map, op, SPFX_##pfx,                          \
	                { SOP_##o1, SOP_##o2, SOP_##o3 }, SFEAT_##feat, msize, fl },
	SIMD_TABLE(SIMD_FORM)
#undef SIMD_FORM
};

const struct x87_form x87_forms[NR_X87_FORMS] = {
#define X87_FORM(op, key, name, mnem, msize, fl) [X87_##name] = { #mnem, op, msize, fl },
	X87_TABLE(X87_FORM)
#undef X87_FORM
};

/* A key given twice is a compile error here too (-Woverride-init). */
const uint16_t simd_index[SIMD_NKEYS] = {
#define SIMD_KEYED(map, op, pfx, name, mnem, o1, o2, o3, feat, msize, fl)   \
	[SIMD_ROW_KEY(map, op, SPFX_##pfx, fl)] = SF_##name + 1,
	SIMD_TABLE(SIMD_KEYED)
#undef SIMD_KEYED
};

_Static_assert(NR_X87_FORMS < 256, "x87_index holds row + 1 in a byte");

/* XM/XR/XE become the designators of a row's slots. */
#define XM(reg)   [reg]
#define XR(reg)   [8 + (reg) * 8 ... 15 + (reg) * 8]
#define XE(modrm) [8 + (modrm) - 0xc0]
const uint8_t x87_index[8][X87_NKEYS] = {
#define X87_KEYED(op, key, name, mnem, msize, fl) [(op) - 0xd8] key = X87_##name + 1,
	X87_TABLE(X87_KEYED)
#undef X87_KEYED
};
#undef XM
#undef XR
#undef XE

/* Operands of rows the decoder relies on: M is memory only, U/N/Rd/Ry
 * register only, and the flags must say so. */
#define SOP_IS(o1, o2, o3, a, b)                                             \
	(SOP_##o1 == SOP_##a || SOP_##o2 == SOP_##a || SOP_##o3 == SOP_##a ||    \
	 SOP_##o1 == SOP_##b || SOP_##o2 == SOP_##b || SOP_##o3 == SOP_##b)
#define SIMD_CHECK(map, op, pfx, name, mnem, o1, o2, o3, feat, msize, fl)   \
	_Static_assert(!SOP_IS(o1, o2, o3, M, M) || ((fl) & SFL_NOREG),       \
	               #name ": M needs SFL_NOREG");                          \
	_Static_assert(!(SOP_IS(o1, o2, o3, U, N) || SOP_IS(o1, o2, o3, Rd, Ry)) || \
	               ((fl) & SFL_NOMEM), #name ": U/N/R need SFL_NOMEM");
SIMD_TABLE(SIMD_CHECK)
#undef SIMD_CHECK
#undef SOP_IS

static const char *simd_mnemonic(const struct insn *i)
{
	const struct simd_form *f = insn_simd(i);
	static const char *const w[][2] = {
		{ "movd", "movq" }, { "pextrd", "pextrq" }, { "pinsrd", "pinsrq" },
	};

	if ((f->flags & SFL_W) && (i->rex & 8))
		for (size_t k = 0; k < sizeof(w) / sizeof(w[0]); k++)
			if (!strcmp(f->mnem, w[k][0]))
				return w[k][1];
	return f->mnem;
}

const char *insn_mnemonic_str(const struct insn *i)
{
	if (i->form == IF_SIMD)
		return simd_mnemonic(i);
	if (i->form == IF_X87)
		return insn_x87(i)->mnem;
	return insn_mnemonic_name(i->mnem);
}
