/* The fields of audit records (policy/audit_fields.h). */
#include <string.h>

#include "core/stats.h"
#include "core/vcpu_state.h"
#include "policy/audit_fields.h"
#include "policy/audit_format.h"

const struct audit_field audit_fields[] = {
	{ "icount", -1, AF_NUM, AF_ICOUNT, AF_ALWAYS, false },
	{ "engine", -1, AF_ENGINE, AF_ENGINE_SLOT, AF_ALWAYS, true },
	{ "mode", -1, AF_MODE, AF_MODE_SLOT, AF_ALWAYS, true },
	{ "cpl", -1, AF_NUM, AF_CPL, AF_ALWAYS, true },
	{ "cr3", -1, AF_HEX, AF_CR3, AF_ALWAYS, true },
	{ "rip", -1, AF_HEX, AF_RIP, AF_ALWAYS, false },
	/* Before the disassembly, which ends a text line since it has spaces. */
	{ "class", AUDIT_INSN, AF_TEXT, AF_NOWHERE, AF_IF_SENSITIVE, false },
	{ "bytes", AUDIT_INSN, AF_BYTES, AF_NOWHERE, AF_ALWAYS, false },
	{ "disasm", AUDIT_INSN, AF_TEXT, AF_NOWHERE, AF_ALWAYS, false },
	{ "cr", AUDIT_CR_WRITE, AF_NUM, AF_SUB, AF_ALWAYS, false },
	{ "old", AUDIT_CR_WRITE, AF_HEX, AF_V0, AF_ALWAYS, false },
	{ "new", AUDIT_CR_WRITE, AF_HEX, AF_V1, AF_ALWAYS, false },
	{ "msr", AUDIT_MSR_READ, AF_HEX, AF_V0, AF_ALWAYS, false },
	{ "value", AUDIT_MSR_READ, AF_HEX, AF_V1, AF_ALWAYS, false },
	{ "msr", AUDIT_MSR_WRITE, AF_HEX, AF_V0, AF_ALWAYS, false },
	{ "value", AUDIT_MSR_WRITE, AF_HEX, AF_V1, AF_ALWAYS, false },
	{ "table", AUDIT_DT_LOAD, AF_TABLE, AF_SUB, AF_ALWAYS, false },
	{ "base", AUDIT_DT_LOAD, AF_HEX, AF_V0, AF_ALWAYS, false },
	{ "limit", AUDIT_DT_LOAD, AF_HEX, AF_V1, AF_ALWAYS, false },
	{ "selector", AUDIT_DT_LOAD, AF_HEX, AF_V2, AF_IF_SELECTOR, false },
	{ "port", AUDIT_PIO, AF_HEX, AF_V0, AF_ALWAYS, false },
	{ "size", AUDIT_PIO, AF_NUM, AF_V1, AF_ALWAYS, false },
	{ "dir", AUDIT_PIO, AF_DIR, AF_SUB, AF_ALWAYS, false },
	{ "value", AUDIT_PIO, AF_HEX, AF_V2, AF_ALWAYS, false },
	{ "addr", AUDIT_MMIO, AF_HEX, AF_V0, AF_ALWAYS, false },
	{ "size", AUDIT_MMIO, AF_NUM, AF_V1, AF_ALWAYS, false },
	{ "dir", AUDIT_MMIO, AF_RW, AF_SUB, AF_ALWAYS, false },
	{ "value", AUDIT_MMIO, AF_HEX, AF_V2, AF_ALWAYS, false },
	{ "vector", AUDIT_EXCEPTION, AF_NUM, AF_V0, AF_ALWAYS, false },
	{ "error_code", AUDIT_EXCEPTION, AF_HEX, AF_V1, AF_IF_ERRCODE, false },
	{ "cr2", AUDIT_EXCEPTION, AF_HEX, AF_V2, AF_IF_PF, false },
	{ "vector", AUDIT_INTERRUPT, AF_NUM, AF_V0, AF_ALWAYS, false },
	{ "soft", AUDIT_INTERRUPT, AF_BOOL, AF_SUB, AF_ALWAYS, false },
	{ "number", AUDIT_SYSCALL, AF_NUM, AF_V0, AF_ALWAYS, false },
	{ "arg0", AUDIT_SYSCALL, AF_HEX, AF_V1, AF_ALWAYS, false },
	{ "arg1", AUDIT_SYSCALL, AF_HEX, AF_V2, AF_ALWAYS, false },
	{ "arg2", AUDIT_SYSCALL, AF_HEX, AF_V3, AF_ALWAYS, false },
	{ "arg3", AUDIT_SYSCALL, AF_HEX, AF_V4, AF_ALWAYS, false },
	{ "arg4", AUDIT_SYSCALL, AF_HEX, AF_V5, AF_ALWAYS, false },
	{ "arg5", AUDIT_SYSCALL, AF_HEX, AF_V6, AF_ALWAYS, false },
	{ "from", AUDIT_CPL, AF_NUM, AF_V0, AF_ALWAYS, false },
	{ "to", AUDIT_CPL, AF_NUM, AF_V1, AF_ALWAYS, false },
	{ "from", AUDIT_MIGRATION, AF_ENGINE, AF_V0, AF_ALWAYS, false },
	{ "to", AUDIT_MIGRATION, AF_ENGINE, AF_V1, AF_ALWAYS, false },
	{ "reason", AUDIT_MIGRATION, AF_REASON, AF_V2, AF_ALWAYS, false },
	{ "ns", AUDIT_MIGRATION, AF_NUM, AF_V3, AF_ALWAYS, false },
	{ "exit_rip", AUDIT_GAP, AF_HEX, AF_V0, AF_ALWAYS, false },
	{ "exit_cpl", AUDIT_GAP, AF_NUM, AF_V1, AF_ALWAYS, false },
	{ "ns", AUDIT_GAP, AF_NUM, AF_V2, AF_ALWAYS, false },
	{ "possible", AUDIT_GAP, AF_BOOL, AF_SUB, AF_IF_SUB, false },
};
const size_t audit_nr_fields = sizeof(audit_fields) / sizeof(audit_fields[0]);
_Static_assert(sizeof(audit_fields) / sizeof(audit_fields[0]) <= AUDIT_MAX_FIELDS,
               "the reader keeps a flag per field");

#define AT(member) { offsetof(struct audit_rec, member), sizeof(((struct audit_rec *)0)->member) }
const struct audit_slot_at audit_slot_at[] = {
	[AF_V0] = AT(v[0]), [AF_V1] = AT(v[1]), [AF_V2] = AT(v[2]), [AF_V3] = AT(v[3]),
	[AF_V4] = AT(v[4]), [AF_V5] = AT(v[5]), [AF_V6] = AT(v[6]),
	[AF_SUB] = AT(sub), [AF_ICOUNT] = AT(icount), [AF_CR3] = AT(cr3), [AF_RIP] = AT(rip),
	[AF_CPL] = AT(cpl), [AF_ENGINE_SLOT] = AT(engine), [AF_MODE_SLOT] = AT(mode),
	[AF_NOWHERE] = { 0, 0 },
};
#undef AT

void audit_field_set(struct audit_rec *r, enum audit_field_slot s, uint64_t v)
{
	uint8_t *p = (uint8_t *)r + audit_slot_at[s].off;
	if (audit_slot_at[s].size == 8)
		memcpy(p, &v, 8);
	else if (audit_slot_at[s].size)
		*p = (uint8_t)v;
}

bool audit_field_present(const struct audit_field *f, const struct audit_rec *r)
{
	switch (f->when) {
	case AF_IF_ERRCODE: return r->v[1] != AUDIT_NONE;
	case AF_IF_PF: return r->v[0] == 14;
	case AF_IF_SELECTOR: return r->sub == AUDIT_DT_LDTR || r->sub == AUDIT_DT_TR;
	case AF_IF_SUB: return r->sub != 0;
	default: return true;
	}
}

const char *audit_field_name(enum audit_field_type t, uint64_t v)
{
	if (v >= audit_field_names(t))
		return NULL;
	switch (t) {
	case AF_ENGINE: return audit_engine_name((unsigned)v);
	case AF_MODE: return cpu_mode_name((enum cpu_mode)v);
	case AF_REASON: return mig_reason_name((enum mig_reason)v);
	case AF_DIR: return v == AUDIT_OUT ? "out" : "in";
	case AF_RW: return v == AUDIT_OUT ? "write" : "read";
	case AF_TABLE: return audit_dt_name((unsigned)v);
	default: return NULL;
	}
}

unsigned audit_field_names(enum audit_field_type t)
{
	switch (t) {
	case AF_ENGINE: return NR_AUDIT_ENGINES;
	case AF_MODE: return MODE_LONG64 + 1;
	case AF_REASON: return NR_MIG_REASONS;
	case AF_DIR: case AF_RW: return 2;
	case AF_TABLE: return AUDIT_DT_TR + 1;
	default: return 0;
	}
}
