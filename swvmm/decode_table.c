/* The opcode table expanded into the two constant arrays the decoder
 * reads: opcode_map (key -> form) and insn_forms (form -> what the table
 * says about it). Both come from OPCODE_TABLE in swvmm/opcode_table.h; a
 * key given twice is a compile error (-Woverride-init). */
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
