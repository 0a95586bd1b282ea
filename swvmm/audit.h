/* The interpreter's audit records (core/audit.h, docs/audit.md). */
#ifndef HVMM_SW_AUDIT_H
#define HVMM_SW_AUDIT_H

#include "core/audit.h"
#include "swvmm/cpu.h"

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

/* Before the instruction at rip (its len bytes at bytes, icount retired
 * before it) runs: its state, kept until it retires. */
void sw_audit_before(struct sw_cpu *c, uint64_t rip, const uint8_t *bytes, unsigned len,
                     uint64_t icount);
/* It retired: its record goes after the events it caused. An instruction
 * that faults has none (its exception record says where). */
void sw_audit_retired(struct sw_cpu *c);

#endif
