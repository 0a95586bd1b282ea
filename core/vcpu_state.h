/* The one canonical architectural state of a guest vCPU.
 * Both engines load from and store to this structure; nothing else about
 * the vCPU lives anywhere that the other engine cannot see. */
#ifndef HVMM_VCPU_STATE_H
#define HVMM_VCPU_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum gpr { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
           R8, R9, R10, R11, R12, R13, R14, R15, NR_GPRS };

/* Segment registers in instruction-encoding order (Sreg field of ModRM). */
enum sreg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, NR_SREGS };

/* A segment register as its hidden descriptor cache. limit is the
 * byte-granular effective limit (G already applied), as the CPU uses it. */
struct seg_cache {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type;     /* descriptor type field, 4 bits (bit 0 = accessed) */
	uint8_t s;        /* 1 = code/data, 0 = system */
	uint8_t dpl;
	uint8_t present;
	uint8_t avl;
	uint8_t l;        /* 64-bit code segment */
	uint8_t db;       /* default operand size / big */
	uint8_t g;        /* granularity as loaded (limit is already scaled) */
	uint8_t unusable; /* null selector loaded, or never loaded */
};

/* Every field of struct seg_cache, for code that compares them one by one
 * (the struct has padding, so memcmp would compare garbage too). */
#define SEG_CACHE_FIELDS(X) \
	X(selector) X(base) X(limit) X(type) X(s) X(dpl) X(present) X(avl) \
	X(l) X(db) X(g) X(unusable)

struct dtable {
	uint64_t base;
	uint16_t limit;
};

/* FXSAVE image, 512 bytes, 16-byte aligned as FXSAVE/FXRSTOR require. */
struct fxsave_area {
	uint16_t fcw, fsw;
	uint8_t ftw, rsvd1;
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr, mxcsr_mask;
	uint8_t st[8][16];
	uint8_t xmm[16][16];
	uint8_t rsvd2[96];
} __attribute__((aligned(16)));

/* The MSRs a guest kernel uses and that live in the canonical state.
 * X(name, index): one list drives the struct, the KVM MSR transfer,
 * the diff and the dump (VCPU_MSR_RUN_LIST below does the same for runs
 * of MSRs). FS/GS base live in the segment caches. */
#define VCPU_MSR_LIST(X)                      \
	X(sysenter_cs,    0x00000174)         \
	X(sysenter_esp,   0x00000175)         \
	X(sysenter_eip,   0x00000176)         \
	X(pat,            0x00000277)         \
	X(star,           0xc0000081)         \
	X(lstar,          0xc0000082)         \
	X(cstar,          0xc0000083)         \
	X(sfmask,         0xc0000084)         \
	X(kernel_gs_base, 0xc0000102)         \
	X(tsc_aux,        0xc0000103)         \
	X(misc_enable,    0x000001a0)         \
	X(apic_base,      0x0000001b)         \
	X(mcg_status,     0x0000017a)         \
	X(mtrr_def_type,  0x000002ff)

/* Machine-check banks: IA32_MCG_CAP's count, KVM's default (a vCPU whose
 * VMM never calls KVM_X86_SETUP_MCE has 32 banks and no other MCG_CAP
 * bit), so that both engines show the same banks. */
#define VCPU_MCE_BANKS 32

/* MSRs held as runs of consecutive indices, X(name, first index, count):
 * the variable MTRRs (PHYSBASE/PHYSMASK 0-7), the fixed-range MTRRs, the
 * machine-check banks (MCi_CTL, _STATUS, _ADDR, _MISC for each bank) and
 * AMD's four legacy performance counters (PERF_CTL0-3, PERF_CTR0-3). */
#define VCPU_MSR_RUN_LIST(X)                           \
	X(mtrr_var,      0x00000200, 16)               \
	X(mtrr_fix64k,   0x00000250, 1)                \
	X(mtrr_fix16k,   0x00000258, 2)                \
	X(mtrr_fix4k,    0x00000268, 8)                \
	X(mc_bank,       0x00000400, 4 * VCPU_MCE_BANKS) \
	X(amd_perf_ctl,  0xc0010000, 4)                \
	X(amd_perf_ctr,  0xc0010004, 4)

struct vcpu_msrs {
#define VCPU_MSR_FIELD(name, index) uint64_t name;
	VCPU_MSR_LIST(VCPU_MSR_FIELD)
#undef VCPU_MSR_FIELD
#define VCPU_MSR_RUN_FIELD(name, index, n) uint64_t name[n];
	VCPU_MSR_RUN_LIST(VCPU_MSR_RUN_FIELD)
#undef VCPU_MSR_RUN_FIELD
};

/* Interrupt shadow bits. */
#define SHADOW_STI   0x1
#define SHADOW_MOVSS 0x2

/* Events: what is in flight at the instruction boundary. */
struct vcpu_events {
	struct {
		bool pending;      /* raised, not yet delivered */
		bool injected;     /* delivery started (to be re-injected) */
		uint8_t vector;
		bool has_error_code;
		uint32_t error_code;
	} exception;
	struct {
		bool injected;     /* external interrupt being delivered */
		bool soft;         /* INTn */
		uint8_t vector;
	} interrupt;
	struct {
		bool pending;
		bool injected;
		bool masked;       /* blocked until the next IRET */
	} nmi;
	uint8_t shadow;            /* SHADOW_* */
	bool halted;
};

struct vcpu_state {
	uint64_t gpr[NR_GPRS];
	uint64_t rip;
	uint64_t rflags;           /* architectural form, bit 1 always set */
	struct seg_cache seg[NR_SREGS];
	struct seg_cache ldtr, tr;
	struct dtable gdtr, idtr;
	uint64_t cr0, cr2, cr3, cr4, cr8;
	uint64_t pdpte[4];         /* PAE paging outside long mode: the PDPTE
	                              registers the CPU loaded with CR3 (they
	                              stay as loaded when the guest changes
	                              the table); all 0: read from memory */
	uint64_t efer;
	uint64_t xcr0;
	uint64_t dr[8];            /* dr[4], dr[5] unused (aliases) */
	uint64_t tsc;
	uint64_t tsc_host;          /* host TSC when tsc was taken (0: at load);
	                               not architectural: keeps the guest TSC
	                               exact across a migration's own time */
	struct vcpu_msrs msr;
	struct vcpu_events ev;
	struct fxsave_area fx;
};

/* RFLAGS bits */
#define RFLAGS_CF   (1ull << 0)
#define RFLAGS_FIXED (1ull << 1)
#define RFLAGS_PF   (1ull << 2)
#define RFLAGS_AF   (1ull << 4)
#define RFLAGS_ZF   (1ull << 6)
#define RFLAGS_SF   (1ull << 7)
#define RFLAGS_TF   (1ull << 8)
#define RFLAGS_IF   (1ull << 9)
#define RFLAGS_DF   (1ull << 10)
#define RFLAGS_OF   (1ull << 11)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT   (1ull << 14)
#define RFLAGS_RF   (1ull << 16)
#define RFLAGS_VM   (1ull << 17)
#define RFLAGS_AC   (1ull << 18)
#define RFLAGS_VIF  (1ull << 19)
#define RFLAGS_VIP  (1ull << 20)
#define RFLAGS_ID   (1ull << 21)
/* Bits that may be set; everything else is reserved. */
#define RFLAGS_DEFINED (RFLAGS_CF | RFLAGS_FIXED | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | \
			RFLAGS_SF | RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_OF |     \
			RFLAGS_IOPL | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM | RFLAGS_AC |  \
			RFLAGS_VIF | RFLAGS_VIP | RFLAGS_ID)

/* CR0 */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
/* CR4 */
#define CR4_VME  (1ull << 0)
#define CR4_PVI  (1ull << 1)
#define CR4_TSD  (1ull << 2)
#define CR4_DE   (1ull << 3)
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_MCE  (1ull << 6)
#define CR4_PGE  (1ull << 7)
#define CR4_PCE  (1ull << 8)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP (1ull << 11)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
/* EFER */
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* CPU mode as the decoder and the policy see it. */
enum cpu_mode { MODE_REAL, MODE_VM86, MODE_PROT16, MODE_PROT32,
                MODE_COMPAT16, MODE_COMPAT32, MODE_LONG64 };

/* Power-on / INIT state (SDM Vol. 3, 10.1.1): CS.base 0xffff0000, IP 0xfff0.
 * RDX holds a generic family-6 signature (0x600), not the CPUID model's. */
void vcpu_state_reset(struct vcpu_state *s);

/* Put the vCPU in 16-bit real mode with CS:IP = seg:off, flat data segments
 * based at seg<<4, ready to run a flat binary. Starts from the reset state
 * with caches enabled (CR0 = ET); SP is left 0. */
void vcpu_state_set_real_mode(struct vcpu_state *s, uint16_t cs, uint16_t ip);

/* A segment register as virtual-8086 mode loads it: base sel << 4, limit
 * 0xffff, a present, accessed read/write data segment at DPL 3 (CS too:
 * the access rights 0xf3 that VM entry requires there, SDM Vol. 3,
 * 26.3.1.2, and that both engines hand each other). */
void seg_cache_set_vm86(struct seg_cache *c, uint16_t sel);

/* The multiboot v1 machine state: 32-bit flat protected mode, paging off.
 * Starts from the reset state: CS 0x08 and DS/ES/FS/GS/SS 0x10 as flat
 * 4 GiB segments, CR0 = PE|ET|NE, IF clear. EAX/EBX are the loader's. */
void vcpu_state_set_flat32(struct vcpu_state *s, uint32_t eip);

/* The same with the given code and data selectors (the caller's GDT must
 * hold flat descriptors there: Linux's 32-bit entry wants 0x10/0x18). */
void vcpu_state_set_flat32_sel(struct vcpu_state *s, uint32_t eip, uint16_t cs, uint16_t ds);

/* 64-bit long mode at rip with paging on through cr3 (CR0 = PE|ET|NE|PG,
 * CR4 = PAE, EFER = LME|LMA), a flat 64-bit code segment cs and flat data
 * segments ds, IF clear: Linux's 64-bit boot entry. GDTR is the caller's. */
void vcpu_state_set_long64(struct vcpu_state *s, uint64_t rip, uint64_t cr3, uint16_t cs,
                           uint16_t ds);

/* PAE paging outside long mode: the PDPTE registers are in use. */
static inline bool vcpu_pae_legacy(const struct vcpu_state *s)
{
	return (s->cr0 & CR0_PG) && (s->cr4 & CR4_PAE) && !(s->efer & EFER_LMA);
}

/* ... and the state carries them (a present one): a state made by hand
 * or by a loader carries none, and its engine reads them from memory. */
static inline bool vcpu_has_pdptes(const struct vcpu_state *s)
{
	return vcpu_pae_legacy(s) && ((s->pdpte[0] | s->pdpte[1] | s->pdpte[2] | s->pdpte[3]) & 1);
}

static inline unsigned vcpu_cpl(const struct vcpu_state *s)
{
	if (!(s->cr0 & CR0_PE))
		return 0;
	if (s->rflags & RFLAGS_VM)
		return 3;
	return s->seg[SEG_CS].dpl;
}

enum cpu_mode vcpu_mode(const struct vcpu_state *s);
const char *cpu_mode_name(enum cpu_mode m);

/* Architectural consistency checks (the subset of SDM 26.3 guest-state
 * checks a real CPU would refuse). Returns 0 or -EINVAL and writes a
 * reason naming the offending field into why (if why != NULL). */
int vcpu_state_check(const struct vcpu_state *s, char *why, size_t whylen);

/* Field-by-field difference; writes one line per differing field to out
 * (if out != NULL), as "rip: 0x1000 != 0x1002", and returns how many fields
 * differ. Every field counts, tsc included; of each x87 slot only the
 * 80-bit register is compared. */
int vcpu_state_diff(const struct vcpu_state *a, const struct vcpu_state *b, FILE *out);

/* Whether two segment caches hold the same fields (padding ignored). */
bool seg_cache_equal(const struct seg_cache *a, const struct seg_cache *b);

/* Human-readable dump of the whole state. */
void vcpu_state_dump(const struct vcpu_state *s, FILE *out);

#endif
