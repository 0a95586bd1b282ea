/* The interpreter's audit records (core/audit.h, docs/audit.md). */
#ifndef HVMM_SW_AUDIT_H
#define HVMM_SW_AUDIT_H

#include "core/audit.h"
#include "swvmm/cpu.h"
#include "swvmm/icache.h"

#define SW_TALLY_SLOTS SW_IC_POOL

/* Are instructions at the current CPL recorded? (c->audit_cpls is set
 * for the run call from the VM's audit.) */
static inline bool sw_audit_insns(const struct sw_cpu *c)
{
	return (c->audit_cpls >> c->cpl) & 1;
}

/* The linear address of the instruction at rip (CS base added outside
 * 64-bit mode). */
uint64_t sw_code_linear(const struct sw_cpu *c, uint64_t rip);

/* A record of kind stamped with the interpreter's state at the executing
 * instruction (insn_rip), to fill in; NULL when there is no audit. */
struct audit_rec *sw_audit(struct sw_cpu *c, enum audit_kind kind);

/* An event record of kind with sub and three payload values (the kinds'
 * meanings: core/audit.h); nothing without an audit. */
void sw_audit_event(struct sw_cpu *c, enum audit_kind kind, unsigned sub, uint64_t v0,
                    uint64_t v1, uint64_t v2);

/* A system call as its ABI gives it: 64-bit (RAX; RDI, RSI, RDX, R10, R8,
 * R9) for SYSCALL and SYSENTER in 64-bit mode, i386 (EAX; EBX, ECX, EDX,
 * ESI, EDI, EBP) for INT 0x80 and 32-bit code. */
void sw_audit_syscall(struct sw_cpu *c, bool i386_abi);

/* Where the audit only counts instructions (a histogram, no record of
 * each), the block loop counts runs of decoded instructions in a tally
 * beside the decoded-instruction pool, folded into the histogram when the
 * pool is emptied and when the engine goes: a few stores a block instead
 * of a hash lookup an instruction. */
struct sw_tally {
	uint64_t count[SW_TALLY_SLOTS];   /* runs since the last fold */
	uint64_t rip[SW_TALLY_SLOTS];     /* linear, of the first run */
	uint8_t bytes[SW_TALLY_SLOTS][15];
	uint8_t mode[SW_TALLY_SLOTS];
	uint8_t cpl[SW_TALLY_SLOTS];
	uint64_t blk_lin;                 /* the running block's linear RIP */
	uint8_t blk_mode;                 /* ... and mode, as it began */
};

/* Whether blocks are counted in a tally now (the audit keeps a histogram
 * and no instruction records); makes the tally on first use. */
bool sw_audit_tallies(struct sw_cpu *c);

/* The running block (from RIP c->blk_rip, code at c->blk_code) is to run
 * first..last: what they are, if the tally does not know yet (before
 * they run: one may rewrite its own bytes). */
void sw_audit_tally_begin(struct sw_cpu *c, const struct sw_uop *first,
                          const struct sw_uop *last);
/* first..last of it retired. */
void sw_audit_tally(struct sw_cpu *c, const struct sw_uop *first, const struct sw_uop *last);

/* Add the tally to the histogram and empty it (before the pool is). */
void sw_audit_tally_fold(struct sw_cpu *c);
void sw_audit_tally_free(struct sw_cpu *c);

/* Before the instruction at rip (its len bytes at bytes, icount retired
 * before it) runs: its state, kept until it retires. */
void sw_audit_before(struct sw_cpu *c, uint64_t rip, const uint8_t *bytes, unsigned len,
                     uint64_t icount);
/* It retired: its record goes after the events it caused. An instruction
 * that faults has none (its exception record says where). */
void sw_audit_retired(struct sw_cpu *c);

#endif
