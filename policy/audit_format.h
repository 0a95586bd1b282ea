/* Audit records as lines (docs/audit.md): JSON Lines, or one
 * human-readable line each. Instructions are disassembled here, at write
 * time, with Capstone (Intel syntax), never while the guest runs. */
#ifndef HVMM_AUDIT_FORMAT_H
#define HVMM_AUDIT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include <capstone/capstone.h>

#include "core/audit.h"
#include "policy/audit_class.h"
#include "policy/audit_fields.h"

enum audit_format { AUDIT_FMT_JSON, AUDIT_FMT_TEXT };

struct audit_insn_text;
struct audit_disasm_cache;

/* The longest line any record makes, with room to spare. */
#define AUDIT_LINE_MAX 1024

/* A piece of text lines are built from, padded so it is copied whole. */
struct audit_piece {
	char s[32];
	uint8_t len;
};

/* The most fields of a steady run kept, and the room for their text. */
#define AUDIT_STEADY_MAX 6
#define AUDIT_STEADY_TEXT 192

/* Indexes a name list may have (AF_MODE's is the longest). */
#define AF_MAX_NAMES 16

/* One Capstone handle per code size: 16-, 32- and 64-bit, and the
 * instructions last disassembled: a kernel runs the same few thousand
 * over and over, and Capstone is most of what a record costs. */
struct audit_fmt {
	enum audit_format format;
	csh cs[3];
	cs_insn *insn[3];
	struct audit_disasm_cache *cache;
	/* Per kind, the audit_fields rows its lines can have, in order: a
	 * line walks its own few instead of the whole table. */
	uint8_t fields[NR_AUDIT_KINDS][AUDIT_MAX_FIELDS];
	uint8_t nfields[NR_AUDIT_KINDS];
	/* The pieces of lines in this format: each audit_fields row's key,
	 * each kind, each name of the name types (AF_ENGINE on). */
	struct audit_piece keys[AUDIT_MAX_FIELDS];
	struct audit_piece kinds[NR_AUDIT_KINDS];
	struct audit_piece names[NR_AUDIT_FIELD_TYPES - AF_ENGINE][AF_MAX_NAMES];
	/* The first run of steady fields of every record (engine, mode,
	 * CPL, CR3) as last written, and the values it was written for. */
	uint8_t steady_first, steady_n;   /* audit_fields rows; n 0: none */
	bool steady_valid;
	uint64_t steady_vals[AUDIT_STEADY_MAX];
	uint16_t steady_len;
	char steady_text[AUDIT_STEADY_TEXT];
};

/* 0, or -ENOMEM / -EINVAL when Capstone cannot be opened. */
int audit_fmt_init(struct audit_fmt *f, enum audit_format format);
void audit_fmt_fini(struct audit_fmt *f);

/* Names in records: "sw", "hw", "dispatch"; "gdtr", "idtr", "ldtr",
 * "tr"; "?" outside the lists. */
const char *audit_engine_name(unsigned engine);
const char *audit_dt_name(unsigned table);

/* One instruction as the audit shows it. */
struct audit_insn_text {
	char hex[2 * 15 + 1];     /* the bytes */
	char disasm[CS_MNEMONIC_SIZE + sizeof(((cs_insn *)0)->op_str) + 1];   /* "(bad)": none */
	unsigned id;              /* Capstone's instruction id, 0 when bad */
	enum audit_class cls;
};

/* Disassemble len bytes at linear rip in mode (enum cpu_mode): valid
 * until the next call. */
const struct audit_insn_text *audit_fmt_insn(struct audit_fmt *f, unsigned mode, uint64_t rip,
                                             const uint8_t *bytes, unsigned len);

/* r as one line ending in '\n' into buf: its length, or -ENOSPC. With
 * len above AUDIT_LINE_MAX the line is built in place. */
int audit_fmt_line(struct audit_fmt *f, const struct audit_rec *r, char *buf, size_t len);

#endif
