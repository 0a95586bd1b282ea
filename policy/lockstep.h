/* Lockstep (--policy=lockstep, hvmm diff): every instruction runs twice
 * from the same state, first in the interpreter and then on KVM, and the
 * two results are compared, the whole canonical state and the memory
 * each wrote; the first difference stops the VM with a report. Devices
 * see each access once: the interpreter's step reaches them and KVM's
 * replays them (core/io_log.h). docs/policy.md says more. */
#ifndef HVMM_LOCKSTEP_H
#define HVMM_LOCKSTEP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/io_log.h"
#include "core/memory.h"
#include "core/vcpu_state.h"
#include "policy/audit_format.h"

struct dispatcher;

/* One step's two results, as the judge sees them. */
struct ls_step {
	uint64_t n;                        /* step number, from 1 */
	const struct vcpu_state *before, *sw, *hw;
	struct audit_insn_text insn;       /* the instruction at before's RIP */
	int sw_exception;                  /* vector the interpreter delivered, -1: none */
	bool sw_event;                     /* it delivered an exception or interrupt */
	bool hw_reached;                   /* KVM stopped at the interpreter's next
	                                      instruction (or halted where it did) */
	const char *io_why;                /* device accesses that did not match, or NULL */
	const char *hw_stopped;            /* KVM stopped the VM: why, or NULL */
	char mem[200];                     /* the first memory difference, "" if none */
	bool mem_at_stack_top;             /* ... only in the word at the interpreter's
	                                      stack top (a pushed error code) */
	bool mem_only_rf;                  /* ... only in RF of RFLAGS images it pushed */
	/* Fields that differ, as vcpu_state_diff names them ("rax",
	 * "fx.st0"), filled by ls_judge. */
	char fields[512];
};

/* The recorded deviations (policy/lockstep_dev.c): one table, of at
 * most LS_MAX_DEVIATIONS rows. */
#define LS_MAX_DEVIATIONS 32
struct ls_deviation {
	const char *name;
	const char *why;                   /* one line; docs/policy.md has the rest */
	/* Whether it explains st; NULL: applied by the loop, never judged. */
	bool (*applies)(const struct ls_step *st);
};
const struct ls_deviation *ls_deviation(unsigned i);   /* NULL after the last */
unsigned ls_nr_deviations(void);
int ls_deviation_index(const char *name);             /* -1: none */
/* Registers that hold the same null selector and base in both results
 * but other hidden attributes (a null selector makes them unusable: the
 * guest cannot see those): the interpreter's result takes KVM's. Returns
 * whether any did (the null-selector deviation, counted). */
bool ls_null_selectors(struct vcpu_state *sw, const struct vcpu_state *hw);
/* Whether st's instruction is x87 (F...), MMX, SSE or FXSAVE/FXRSTOR. */
bool ls_fpu_insn(const struct ls_step *st);

/* Whether field name (as vcpu_state_diff writes it) is one of the
 * comma-separated names or prefixes ("fx." covers every FPU field) in
 * list. */
bool ls_field_in(const char *name, const char *list);
/* Whether every differing field of st is in list. */
bool ls_fields_within(const struct ls_step *st, const char *list);

enum ls_verdict { LS_SAME, LS_SKIPPED, LS_DIVERGED };

/* Compare st's two results: LS_SAME, LS_SKIPPED with *dev the recorded
 * deviation that explains the difference, or LS_DIVERGED with the report
 * written to out: the instruction and each differing field (name, the
 * interpreter's value, KVM's). */
enum ls_verdict ls_judge(struct ls_step *st, unsigned *dev, FILE *out);

/* "lockstep: N steps compared, K skipped (name: count, ...)". */
void ls_summary(uint64_t compared, const uint64_t *skips, FILE *out);

/* A shadow of guest RAM as it was when the step began, and the pages
 * each engine wrote in the step (policy/lockstep_mem.c). */
struct ls_pages {
	uint64_t *gpa;
	unsigned n, cap;
	bool lost;                         /* out of memory: the list is short */
};
struct ls_mem {
	const struct guest_mem *gm;
	uint8_t *shadow[GMEM_MAX_REGIONS];
	struct ls_pages sw, hw;
	uint8_t *sw_bytes;                 /* the interpreter's bytes of sw's pages */
	size_t sw_bytes_cap;
};
int ls_mem_init(struct ls_mem *m, const struct guest_mem *gm);
void ls_mem_fini(struct ls_mem *m);
/* Note a page (a written() callback's opaque is the ls_pages). */
bool ls_pages_add(void *pages, uint64_t gpa);
/* After the interpreter's step: keep its bytes of the pages it wrote and
 * put the shadow's back, so that KVM starts from the same memory. */
int ls_mem_take_sw(struct ls_mem *m);
/* After KVM's step: the first difference between the two engines'
 * bytes, as one line into buf ("" when none); at_top says whether it
 * lies in the 8 bytes at guest-physical top (-1: none). */
void ls_mem_compare(struct ls_mem *m, uint64_t top, char *buf, size_t len, bool *at_top);
/* KVM's single-stepping TF in RFLAGS images KVM's step saved at the
 * interpreter's stack top (PUSHF, exception and interrupt frames: TF is
 * byte 1, bit 0, of an image): put the interpreter's bit back in KVM's
 * bytes, in the 48 bytes from top. Returns how many were mended. */
unsigned ls_mem_mend_tf(struct ls_mem *m, uint64_t top);
/* Whether the engines' bytes differ, and only in RF (byte 2, bit 0, of an
 * 8-byte slot) of the 48 bytes from top, set by the interpreter alone: a
 * fault's frame (tcg-fault-rf in lockstep_dev.c). */
bool ls_mem_only_rf(struct ls_mem *m, uint64_t top);
/* End the step with one engine's memory (KVM's, or the interpreter's
 * when a deviation is skipped): the shadow follows, and fn hears of each
 * page either engine wrote. */
void ls_mem_commit(struct ls_mem *m, bool from_sw, void (*fn)(void *opaque, uint64_t gpa),
                   void *opaque);

/* The loop of dispatch_run for the lockstep policy. */
int lockstep_loop(struct dispatcher *d);

#endif
