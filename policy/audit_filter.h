/* The audit's filter (`hvmm run --audit-filter`, docs/audit.md): which
 * records go to the file. A spec is comma-separated key=value conditions
 * (kind, cr3, rip, syscall, cpl); the values of one key are alternatives,
 * different keys must all hold. The file sink tests every record before
 * formatting it, so what is left out costs no disassembly. */
#ifndef HVMM_AUDIT_FILTER_H
#define HVMM_AUDIT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit.h"

/* Values one key may have: a fixed table keeps the filter allocation-free. */
#define AUDIT_FILTER_MAX 16

struct audit_range {
	uint64_t lo, hi;            /* [lo, hi) */
};

/* All zero: every record passes. */
struct audit_filter {
	uint32_t kinds;             /* 1 << enum audit_kind kept; 0: every kind */
	uint8_t cpls;               /* 1 << CPL kept; 0: every CPL */
	unsigned nr_cr3, nr_rip, nr_syscall;
	uint64_t cr3[AUDIT_FILTER_MAX];          /* page-frame addresses (bits 12 up) */
	struct audit_range rip[AUDIT_FILTER_MAX];
	uint64_t syscall[AUDIT_FILTER_MAX];      /* numbers; test syscall records only */
};
_Static_assert(NR_AUDIT_KINDS <= 32, "kinds fit the kinds mask");

/* Add the conditions of spec to f (a zeroed filter, or one an earlier
 * spec filled: a second spec is as if joined with a comma). 0, or -EINVAL
 * with a one-line reason naming the bad part in err. */
int audit_filter_parse(struct audit_filter *f, const char *spec, char *err, size_t errlen);

/* Whether r passes every condition of f. */
bool audit_filter_match(const struct audit_filter *f, const struct audit_rec *r);

/* Whether records of kind can pass f at all (kind= allows them). */
bool audit_filter_keeps_kind(const struct audit_filter *f, enum audit_kind kind);

#endif
