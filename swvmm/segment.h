/* Descriptor helpers shared by segment loads, far transfers and event
 * delivery (swvmm/segment.c). */
#ifndef HVMM_SWVMM_SEGMENT_H
#define HVMM_SWVMM_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "swvmm/cpu.h"

/* Descriptor fields of a raw descriptor word. */
#define DESC_TYPE(d) ((unsigned)((d) >> 40) & 0xf)
#define DESC_S(d)    ((unsigned)((d) >> 44) & 1)
#define DESC_DPL(d)  ((unsigned)((d) >> 45) & 3)
#define DESC_P(d)    ((unsigned)((d) >> 47) & 1)
#define DESC_L(d)    ((unsigned)((d) >> 53) & 1)
#define DESC_DB(d)   ((unsigned)((d) >> 54) & 1)

/* System descriptor types. */
#define SYS_TSS16_AVAIL 0x1
#define SYS_LDT         0x2
#define SYS_TSS16_BUSY  0x3
#define SYS_CALL16      0x4
#define SYS_TASK        0x5
#define SYS_INT16       0x6
#define SYS_TRAP16      0x7
#define SYS_TSS_AVAIL   0x9
#define SYS_TSS_BUSY    0xb
#define SYS_CALL        0xc   /* 32-bit, or 64-bit in long mode */
#define SYS_INT         0xe
#define SYS_TRAP        0xf

/* Read the descriptor for sel (8 bytes, 16 for a system descriptor in
 * long mode); false when sel is outside its table. *addr (if not NULL)
 * is its linear address. */
bool sw_desc_fetch(struct sw_cpu *c, uint16_t sel, uint64_t raw[2], uint64_t *addr);
/* Set the accessed bit of sel's descriptor in memory, as loads do. */
void sw_desc_set_accessed(struct sw_cpu *c, uint16_t sel);
/* Make sc a null (unusable) segment with selector sel. */
void sw_null_seg(struct sw_cpu *c, struct seg_cache *sc, uint16_t sel);
/* After a return to an outer level: null DS/ES/FS/GS the new CPL cannot use. */
void sw_null_outer_segs(struct sw_cpu *c);

/* Load CS from a checked descriptor with RPL = cpl (sets the accessed
 * bit, recomputes the mode), or SS. */
void sw_load_cs_desc(struct sw_cpu *c, uint16_t sel, uint64_t raw[2], unsigned cpl);
void sw_load_ss_desc(struct sw_cpu *c, uint16_t sel, uint64_t raw[2]);
/* The inner stack for cpl from a 16/32-bit TSS, or RSPn/ISTn from a
 * 64-bit TSS; #TS(TR | ext) when outside the TSS limit. */
void sw_tss_stack(struct sw_cpu *c, unsigned cpl, int ext, uint16_t *ss, uint64_t *sp);
uint64_t sw_tss_rsp64(struct sw_cpu *c, unsigned cpl, unsigned ist, int ext);
/* Checks on a stack segment taken from the TSS: #TS(sel | ext), or
 * #SS(sel | ext) when not present; raw gets the descriptor. */
void sw_check_new_ss(struct sw_cpu *c, uint16_t sel, unsigned cpl, int ext, uint64_t raw[2]);

#endif
