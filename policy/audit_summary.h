/* The audit's summary of one run (docs/audit.md): what its records add up
 * to, accumulated record by record, either while the guest runs or from
 * an audit file read back. Instructions are kept as a histogram (one
 * entry per distinct instruction), so a run with billions of them costs
 * a hash lookup each and its summary disassembles each entry once. */
#ifndef HVMM_AUDIT_SUMMARY_H
#define HVMM_AUDIT_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/audit.h"
#include "core/stats.h"
#include "policy/count_map.h"

/* How many of the first (and of the last) events a history keeps. */
#define AUDIT_SUMMARY_FEW 4
/* How many instructions and mnemonics the top lists show. */
#define AUDIT_SUMMARY_TOP 10

enum { AUDIT_SUMMARY_TEXT, AUDIT_SUMMARY_JSON };

struct audit_pair {
	uint64_t old, new;
};

/* The writes of one control register. */
struct audit_cr_hist {
	uint64_t writes;
	struct count_map values;                      /* by new value */
	struct audit_pair first[AUDIT_SUMMARY_FEW];
	struct audit_pair last[AUDIT_SUMMARY_FEW];    /* a ring: write i at i % FEW */
};

struct audit_gap {
	uint64_t rip, exit_rip, exit_cpl, ns;
};

struct audit_summary {
	/* The instructions. With hist_filled, the interpreter tallies them
	 * into hist itself (struct audit's hist) and insn records are not
	 * counted again. */
	struct audit_hist hist;
	bool hist_filled;
	uint64_t kinds[NR_AUDIT_KINDS];               /* records, insn aside */
	struct count_map syscalls;                    /* by number */
	struct audit_cr_hist cr[16];
	struct count_map msr_writes;                  /* by MSR; last: the value */
	uint64_t exceptions[256], interrupts[256];    /* by vector */
	uint64_t mig[NR_AUDIT_ENGINES][NR_AUDIT_ENGINES][NR_MIG_REASONS];
	uint64_t mig_ns[NR_AUDIT_ENGINES][NR_AUDIT_ENGINES][NR_MIG_REASONS];
	uint64_t gaps, gap_ns;
	struct audit_gap gap_first[AUDIT_SUMMARY_FEW];
};

/* 0 or -ENOMEM. */
int audit_summary_init(struct audit_summary *s);
void audit_summary_fini(struct audit_summary *s);

/* Count one record: 0, or -ENOMEM (what it held is then missing). */
int audit_summary_add(struct audit_summary *s, const struct audit_rec *r);

/* Records of a kind: insn ones from the histogram. */
uint64_t audit_summary_kind(const struct audit_summary *s, unsigned kind);

/* The summary into f, text or one JSON object (AUDIT_SUMMARY_*): 0, or
 * -ENOMEM, -EINVAL when Capstone cannot be opened, -EIO when f fails.
 * (audit_summary_print.c) */
int audit_summary_print(const struct audit_summary *s, FILE *f, int format);

#endif
