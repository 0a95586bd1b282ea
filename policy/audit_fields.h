/* The fields of audit records, one table for the writer
 * (policy/audit_format.c) and the reader (policy/audit_read.c): a new
 * field, or kind, is one more row here. docs/audit.md lists them. */
#ifndef HVMM_AUDIT_FIELDS_H
#define HVMM_AUDIT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/audit.h"

/* What a value is and how it is written: a decimal number, a hex
 * string, true/false, the instruction's bytes in hex, free text, or the
 * name of an index in one of the lists. */
enum audit_field_type {
	AF_NUM, AF_HEX, AF_BOOL, AF_BYTES, AF_TEXT,
	AF_ENGINE, AF_MODE, AF_REASON, AF_DIR, AF_RW, AF_TABLE,   /* names: AF_ENGINE on */
	NR_AUDIT_FIELD_TYPES
};

/* Where it lives in the record: v[0]..v[6], or a member. */
enum audit_field_slot {
	AF_V0, AF_V1, AF_V2, AF_V3, AF_V4, AF_V5, AF_V6,
	AF_SUB, AF_ICOUNT, AF_CR3, AF_RIP, AF_CPL, AF_ENGINE_SLOT, AF_MODE_SLOT, AF_NOWHERE,
};

/* When it is written: always, or only where it means something (an
 * optional field to the reader). */
enum audit_field_when {
	AF_ALWAYS,
	AF_IF_ERRCODE,     /* an exception with an error code */
	AF_IF_PF,          /* vector 14: CR2 */
	AF_IF_SELECTOR,    /* LDTR and TR loads */
	AF_IF_SUB,         /* sub is not 0 */
	AF_IF_SENSITIVE,   /* an instruction with a class (the writer decides) */
};

struct audit_field {
	const char *key;
	int kind;                      /* enum audit_kind, or -1: every record */
	enum audit_field_type type;
	enum audit_field_slot slot;
	enum audit_field_when when;
	/* Seldom changes from one record to the next: the writer keeps the
	 * text of a run of such fields and copies it while their values
	 * hold (policy/audit_format.c). */
	bool steady;
};

/* In the order a line has them: first those of every record. */
#define AUDIT_MAX_FIELDS 64
extern const struct audit_field audit_fields[];
extern const size_t audit_nr_fields;

/* Where each slot lives in a record: its offset and width in bytes (8 or
 * 1; 0 for AF_NOWHERE, which reads as 0). */
struct audit_slot_at {
	uint8_t off, size;
};
extern const struct audit_slot_at audit_slot_at[];

/* The value in slot s of r. */
static inline uint64_t audit_field_get(const struct audit_rec *r, enum audit_field_slot s)
{
	const uint8_t *p = (const uint8_t *)r + audit_slot_at[s].off;
	uint64_t v;
	if (audit_slot_at[s].size == 8) {
		memcpy(&v, p, 8);
		return v;
	}
	return audit_slot_at[s].size ? *p : 0;
}
void audit_field_set(struct audit_rec *r, enum audit_field_slot s, uint64_t v);

/* Whether field f is written for r (AF_IF_SENSITIVE: true; the writer
 * knows the class). */
bool audit_field_present(const struct audit_field *f, const struct audit_rec *r);

/* The name of index v for a name type, NULL outside its list; and how
 * many indexes the list has. */
const char *audit_field_name(enum audit_field_type t, uint64_t v);
unsigned audit_field_names(enum audit_field_type t);

#endif
