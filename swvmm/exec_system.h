/* Shared by the system-instruction handlers (swvmm/exec_system*.c): one
 * registration function per file, the privilege and mode tests every
 * privileged instruction starts with, CPUID feature tests, and the control
 * register write that MOV CR, LMSW and CLTS share. */
#ifndef HVMM_SWVMM_EXEC_SYSTEM_H
#define HVMM_SWVMM_EXEC_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>

#include "swvmm/cpu.h"
#include "swvmm/decode.h"

void sw_register_system_tables(sw_exec_fn *t);  /* exec_system_tables.c */
void sw_register_system_cr(sw_exec_fn *t);      /* exec_system_cr.c */
void sw_register_system_msr(sw_exec_fn *t);     /* exec_system_msr.c */
void sw_register_system_io(sw_exec_fn *t);      /* exec_system_io.c */
void sw_register_system_seg(sw_exec_fn *t);     /* exec_system_seg.c */
void sw_register_system_desc(sw_exec_fn *t);    /* exec_system_desc.c */
void sw_register_system_flags(sw_exec_fn *t);   /* exec_system_flags.c */
void sw_register_system_misc(sw_exec_fn *t);    /* exec_system_misc.c */
void sw_register_system_fpu(sw_exec_fn *t);     /* exec_system_fpu.c */
void sw_register_system_ext(sw_exec_fn *t);     /* exec_system_ext.c */
void sw_register_system_xsave(sw_exec_fn *t);   /* exec_system_xsave.c */
void sw_register_system_hypercall(sw_exec_fn *t); /* exec_system_hypercall.c */

/* #GP(0) unless CPL 0 (real mode is CPL 0, virtual-8086 mode CPL 3). */
static inline void sys_need_cpl0(struct sw_cpu *c)
{
	if (c->cpl != 0)
		sw_gp0(c);
}

/* UMIP: SGDT, SIDT, SLDT, STR and SMSW are #GP(0) above CPL 0 (the
 * model offers UMIP where KVM does: core/cpuid.c). */
static inline void sys_umip_check(struct sw_cpu *c)
{
	if ((c->s.cr4 & CR4_UMIP) && c->cpl != 0)
		sw_gp0(c);
}

/* Protected mode proper: neither real nor virtual-8086 mode. */
static inline bool sys_protected(const struct sw_cpu *c)
{
	return c->mode != MODE_REAL && c->mode != MODE_VM86;
}

/* #UD outside protected mode: the instructions the SDM lists as "not
 * recognized in real-address mode" (and virtual-8086 mode). */
static inline void sys_need_protected(struct sw_cpu *c)
{
	if (!sys_protected(c))
		sw_ud(c);
}

/* A CPUID register of the VM's model, as the guest would read it. */
enum { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };
uint32_t sys_cpuid_reg(const struct sw_cpu *c, uint32_t leaf, uint32_t sub, unsigned reg);
static inline bool sys_cpuid_has(const struct sw_cpu *c, uint32_t leaf, unsigned reg,
                                 unsigned bit)
{
	return (sys_cpuid_reg(c, leaf, 0, reg) >> bit) & 1;
}

/* Feature bits the handlers test (CPUID leaf, register, bit). */
#define FEAT_MONITOR    1u, CPUID_ECX, 3
#define FEAT_PCID       1u, CPUID_ECX, 17
#define FEAT_XSAVE      1u, CPUID_ECX, 26
#define FEAT_RDRAND     1u, CPUID_ECX, 30
#define FEAT_FXSR       1u, CPUID_EDX, 24
#define FEAT_SSE        1u, CPUID_EDX, 25
#define FEAT_MMX        1u, CPUID_EDX, 23
#define FEAT_FSGSBASE   7u, CPUID_EBX, 0
#define FEAT_RDSEED     7u, CPUID_EBX, 18
#define FEAT_SMEP       7u, CPUID_EBX, 7
#define FEAT_SMAP       7u, CPUID_EBX, 20
#define FEAT_UMIP       7u, CPUID_ECX, 2
#define FEAT_RDPID      7u, CPUID_ECX, 22
#define FEAT_SYSCALL    0x80000001u, CPUID_EDX, 11
#define FEAT_NX         0x80000001u, CPUID_EDX, 20
#define FEAT_RDTSCP     0x80000001u, CPUID_EDX, 27
#define FEAT_LM         0x80000001u, CPUID_EDX, 29
#define FEAT_ALTMOVCR8  0x80000001u, CPUID_ECX, 4


/* Linear address of a memory operand without segment checks (INVLPG):
 * no base in 64-bit mode but for FS and GS, 4 GiB wrap outside long mode. */
uint64_t sys_linear_nocheck(const struct sw_cpu *c, unsigned seg, uint64_t off);

/* Write a control register (0, 2, 3, 4, 8) with every architectural check
 * (#GP(0) on reserved bits or invalid combinations), the long-mode
 * activation of CR0.PG, TLB flushes and the mode update. The caller has
 * checked CPL. */
void sys_write_cr(struct sw_cpu *c, unsigned cr, uint64_t val);

/* An instruction whose CPUID/CR conditions all passed but that the
 * interpreter does not execute (x87/SIMD arithmetic, VMX, ...): reported
 * once per form in the VM log, then #UD. */
__attribute__((noreturn)) void sys_not_executed(struct sw_cpu *c, const struct insn *i);

#endif
