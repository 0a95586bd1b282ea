/* The interpreter's model-specific registers: the MSRs of the canonical
 * state (struct vcpu_msrs, its runs in swvmm/msr_runs.c), IA32_TSC,
 * IA32_EFER and the FS/GS bases, with the write checks of the Intel SDM
 * Vol. 4 and the AMD APM Vol. 2, and IA32_MCG_CAP and IA32_MTRRCAP, read
 * only. Any other index does not exist on this virtual CPU: RDMSR/WRMSR
 * raise #GP(0), as for an MSR the processor does not implement. */
#ifndef HVMM_SWVMM_MSR_H
#define HVMM_SWVMM_MSR_H

#include <stdint.h>

#include "swvmm/cpu.h"

#define SW_MSR_TSC            0x00000010u
#define SW_MSR_APIC_BASE      0x0000001bu
#define SW_MSR_SYSENTER_CS    0x00000174u
#define SW_MSR_SYSENTER_ESP   0x00000175u
#define SW_MSR_SYSENTER_EIP   0x00000176u
#define SW_MSR_MCG_CAP        0x00000179u
#define SW_MSR_MCG_STATUS     0x0000017au
#define SW_MSR_MTRRCAP        0x000000feu
#define SW_MSR_MTRR_DEF_TYPE  0x000002ffu
#define SW_MSR_MISC_ENABLE    0x000001a0u
#define SW_MSR_PAT            0x00000277u
#define SW_MSR_EFER           0xc0000080u
#define SW_MSR_STAR           0xc0000081u
#define SW_MSR_LSTAR          0xc0000082u
#define SW_MSR_CSTAR          0xc0000083u
#define SW_MSR_SFMASK         0xc0000084u
#define SW_MSR_FS_BASE        0xc0000100u
#define SW_MSR_GS_BASE        0xc0000101u
#define SW_MSR_KERNEL_GS_BASE 0xc0000102u
#define SW_MSR_TSC_AUX        0xc0000103u
/* AMD northbridge MSRs Linux touches on AMD processors: read as 0, writes
 * ignored, as KVM answers them. */
#define SW_MSR_AMD_NB_CFG     0xc001001fu
#define SW_MSR_AMD_MMIO_CONF  0xc0010058u

/* IA32_APIC_BASE bits. */
#define APIC_BASE_BSP    (1ull << 8)
#define APIC_BASE_EXTD   (1ull << 10)
#define APIC_BASE_EN     (1ull << 11)

/* The MSRs of VCPU_MSR_RUN_LIST (MTRRs, machine-check banks, AMD
 * performance counters): as sw_msr_read/sw_msr_write, -ENOENT for any
 * other index. */
int sw_msr_run_read(struct sw_cpu *c, uint32_t idx, uint64_t *val);
int sw_msr_run_write(struct sw_cpu *c, uint32_t idx, uint64_t val);
/* A memory type an MTRR may hold: UC, WC, WT, WP, WB (0, 1, 4, 5, 6). */
bool sw_mtrr_type_valid(uint64_t type);

/* Read MSR idx into *val: 0, or -ENOENT for an MSR the virtual CPU lacks. */
int sw_msr_read(struct sw_cpu *c, uint32_t idx, uint64_t *val);

/* Write MSR idx: 0, -ENOENT (no such MSR) or -EINVAL (reserved bits set,
 * a non-canonical address, EFER.LME changed while paging is on). Both
 * failures are #GP(0) for RDMSR/WRMSR. Nothing changes on failure. */
int sw_msr_write(struct sw_cpu *c, uint32_t idx, uint64_t val);

/* The guest TSC (sw_tsc) as the guest reads it, never going backwards
 * nor repeating: the last value shown is kept in c->s.tsc. */
uint64_t sw_msr_tsc_read(struct sw_cpu *c);

/* Make the guest TSC read val now (WRMSR IA32_TSC): moves the offset. */
void sw_msr_tsc_write(struct sw_cpu *c, uint64_t val);

#endif
