/* Sensitive instructions, as the literature on virtualizing x86 classes
 * them (Popek and Goldberg; Robin and Irvine): control-sensitive ones
 * change the machine's configuration, behaviour-sensitive ones act or
 * answer according to it. The table is in audit_class.c and in
 * docs/audit.md; the audit's insn records and its summary use it. */
#ifndef HVMM_AUDIT_CLASS_H
#define HVMM_AUDIT_CLASS_H

#include <capstone/capstone.h>

enum audit_class {
	AUDIT_CLASS_NONE,
	AUDIT_CLASS_CONTROL,
	AUDIT_CLASS_BEHAVIOUR,
	NR_AUDIT_CLASSES
};

/* The class of an instruction Capstone decoded (id and, for MOV, whether
 * a control or debug register is written or read: its operand text). */
enum audit_class audit_class_of(unsigned id, const char *op_str);

/* "control-sensitive", "behaviour-sensitive", or "none". */
const char *audit_class_name(enum audit_class c);

#endif
