/* The interpreter's CPU: the working copy of the canonical state plus what
 * the interpreter caches about it, and the services every instruction
 * handler uses (registers, memory through segmentation and paging,
 * exceptions). Faults unwind with longjmp to the run loop (sw_raise), so a
 * handler performs every access that can fault before it changes any
 * architectural state it cannot undo. */
#ifndef HVMM_SWVMM_CPU_H
#define HVMM_SWVMM_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/engine.h"
#include "core/vcpu_state.h"

struct vm;
struct insn;
struct sw_cpu;
struct sw_icache;
struct fpu_host;

/* Exception vectors. */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
	EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
	EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};
#define SW_NO_ERRCODE (-1)

/* Page-fault error code bits. */
#define PFEC_P    (1u << 0)
#define PFEC_W    (1u << 1)
#define PFEC_U    (1u << 2)
#define PFEC_RSVD (1u << 3)
#define PFEC_I    (1u << 4)

/* How a linear access is checked by paging. */
enum sw_access {
	ACC_READ  = 0,
	ACC_WRITE = 1,
	ACC_FETCH = 2,
	ACC_SYS   = 4,   /* implicit supervisor access (GDT, IDT, TSS): CPL ignored */
};

/* An instruction handler. The decoded form says everything about the
 * operands; c->next_rip is already the address after the instruction. */
typedef void (*sw_exec_fn)(struct sw_cpu *c, const struct insn *i);

/* The soft TLB: SW_TLB_SETS sets of SW_TLB_WAYS entries, the set chosen by
 * a fold of the linear page number (swvmm/tlb.h), so that buffers a power
 * of two apart land in different sets. One entry maps one 4 KiB page; a
 * large page fills one entry per 4 KiB piece used, and shift (12, 21, 22
 * or 30) lets INVLPG drop every piece of the page it names. perm holds
 * the combined bits of all levels, checked per access (CPL, CR0.WP,
 * SMEP/SMAP) on the slow path; fast says which accesses need no check at
 * all under the current CR0.WP/CR4/EFER (TLBF_*), and host is where the
 * page lies in host memory for those. */
#define SW_TLB_SETS 256
#define SW_TLB_WAYS 2
struct sw_tlb_entry {
	uint64_t vpn;        /* linear address >> 12, or ~0 when empty */
	uint8_t *host;       /* the page in guest RAM/ROM, or NULL (MMIO) */
	uint64_t ppn;        /* physical page number */
	uint8_t perm;        /* TLB_* bits */
	uint8_t fast;        /* TLBF_* bits */
	uint8_t shift;       /* log2 of the page size that produced it */
};
#define TLB_W   1   /* writable at every level */
#define TLB_U   2   /* user accessible at every level */
#define TLB_NX  4   /* not executable (some level has XD, EFER.NXE on) */
#define TLB_D   8   /* dirty already set: writes need no walk */
#define TLB_G   16  /* global page: survives CR3 writes */
/* Accesses allowed straight to host memory: read, write (RAM holding no
 * cached code, dirty already set), fetch; supervisor in bits 0-2, CPL 3
 * in bits 3-5. Implicit supervisor accesses (ACC_SYS) use bits 0-2. */
#define TLBF_R  1
#define TLBF_W  2
#define TLBF_X  4
#define TLBF_USER_SHIFT 3

/* The exception being raised (sw_raise) and the last event delivered
 * (read by tests and traces). */
struct sw_exc {
	unsigned vector;
	int errcode;                 /* SW_NO_ERRCODE or the code */
	bool trap;                   /* return address is next_rip */
};
struct sw_event_record {
	uint64_t count;              /* events delivered since create */
	unsigned vector;
	int errcode;                 /* as raised (real mode pushes none) */
	bool soft;                   /* INT n / INT3 / INTO / INT1 */
	uint64_t rip;                /* the return address pushed */
};

/* Arithmetic flags not computed yet (swvmm/flags.h): the operation that
 * last set them and its operands. op == 0: c->s.rflags holds them all;
 * else the arithmetic flags in keep are in c->s.rflags and the others
 * follow from the operation. */
struct sw_lazy_flags {
	uint64_t a, b, res;
	uint8_t op;
	uint8_t size;
	uint16_t keep;
};

/* The guest-physical pages the interpreter wrote since the last look,
 * kept once asked (engine_ops.watch, swvmm/written.c). */
struct sw_write_log {
	bool on;
	uint64_t *page;              /* page numbers, each once */
	unsigned n, cap;
};

struct sw_cpu {
	struct vm *vm;
	struct vcpu_state s;         /* the working copy of the canonical state;
	                                the arithmetic flags of rflags may wait
	                                in lf while a run call is on */
	struct sw_lazy_flags lf;
	uint64_t next_rip;           /* address after the executing instruction */
	uint64_t insn_rip;           /* address of the executing instruction */
	enum cpu_mode mode;          /* cached from s; sw_update_mode() */
	unsigned cpl;
	unsigned addr_size_default;  /* 2, 4 or 8 bytes */
	unsigned op_size_default;    /* 2 or 4 bytes */
	sw_exec_fn exec[1024];       /* handler per decoded form (IF_ id) */
	struct sw_tlb_entry tlb[SW_TLB_SETS][SW_TLB_WAYS];
	uint64_t tlb_sets_used[SW_TLB_SETS / 64]; /* sets that may hold entries:
	                                             flushes visit only these */
	struct sw_tlb_entry tlb_scratch; /* a translation not kept (swvmm/tlb.c) */
	/* The page of the last data read and write at the current CPL that
	 * went straight to memory (swvmm/mem_fast.h); emptied whenever a TLB
	 * entry changes or the CPL does. */
	uint64_t rd_vpn, wr_vpn;
	uint8_t *rd_host, *wr_host;
	unsigned tlb_ctx;            /* CR0.WP, CR4 and EFER bits the fast bits assume */
	struct sw_icache *ic;        /* decoded-instruction cache (swvmm/icache.h) */
	struct fpu_host *fpu;        /* the host's x87/SSE unit (swvmm/fpu_host.h) */
	bool brk;                    /* end the decoded block after this insn:
	                                code, mode or translations changed
	                                (set with sw_block_break) */
	uintptr_t blk_end;           /* the block loop stops after the
	                                instruction at or beyond this address */
	const void *blk_first;       /* the block loop runs this block: RIP of
	                                the executing instruction is in insn_rip
	                                only, icount is brought up to date at
	                                the end (sw_block_unwound on a fault) */
	uint64_t blk_rip;            /* ... from this RIP */
	unsigned blk_n;              /* ... of so many instructions */
	unsigned fast_r, fast_w, fast_x; /* TLBF_* bit of a data read, write,
	                                    fetch at the current CPL */
	jmp_buf fault;               /* sw_raise() lands here */
	int fault_depth;             /* 0, 1 (delivering), 2 (#DF) */
	uint64_t icount;             /* instructions retired in this engine */
	uint64_t tsc_offset;         /* guest TSC = host TSC + offset */
	bool stop;                   /* leave the run loop after this insn */
	bool caches_managed;         /* load_state keeps decoded code (engine.h) */
	unsigned run_polls;          /* run-loop passes since the clock was read */
	unsigned event_mask;         /* 1 << RUN_EV_*: events this run returns on */
	unsigned event_kind;         /* the first such event seen, RUN_EV_NONE if none */
	uint64_t event_num;

	struct sw_exc exc;           /* being raised: set by sw_raise */
	int delivering;              /* vector whose delivery runs, or -1 */
	bool delivering_soft;        /* ... and it is INT n or an interrupt */
	struct sw_event_record last_event;
	uint64_t pdpte[4];           /* PAE PDPTE registers (sw_mmu_load_pdptes) */
	unsigned maxphyaddr;         /* physical address width (CPUID 0x80000008) */
	bool vendor_amd;             /* AMD/Hygon rules where vendors differ */
	bool has_1g_pages;           /* CPUID 0x80000001 EDX.26 */
	uint32_t simd_feats;         /* 1 << SFEAT_*: the model's x87/SIMD features */
	uint8_t unimpl_seen[128];    /* forms already reported as missing */

	/* The current run call (swvmm/sw_engine.c). A step is a retired
	 * instruction (icount) or an event delivery (run_events). */
	uint64_t run_icount0;        /* icount when the call began */
	uint64_t run_events;         /* deliveries so far */
	unsigned run_cpl;            /* CPL when the call began */
	bool run_first;              /* no instruction executed yet */
	uint64_t run_stop_rip;       /* end a block before this RIP, or SW_NO_RIP */
	uint64_t run_icount_sup0;    /* icount_sup when the call began */

	uint64_t icount_sup;         /* ... of icount, those retired at CPL 0-2 */
	unsigned blk_cpl;            /* CPL the running block began at */
	unsigned audit_cpls;         /* 1 << CPL: instructions the audit records */
	struct audit_rec audit_insn; /* the executing one's, until it retires */
	struct sw_tally *tally;      /* swvmm/audit.c, while the audit only counts */
	const uint8_t *blk_code;     /* host address of the running block's code */
	uint64_t db_trap;            /* DR6 bits of the #DB trap after the
	                                executing instruction (swvmm/debug.h) */
	uint64_t db_held;            /* ... held through a MOV SS shadow */
	uint8_t dbg_exec, dbg_data;  /* breakpoints DR7 arms (bit n: DRn) */
	struct sw_write_log wlog;    /* pages written, when asked (swvmm/written.h) */
};
#define SW_NO_RIP (1ull << 63)   /* never the address of a next instruction */

/* Code, mode or translations changed: the decoded block that runs ends
 * after the current instruction (swvmm/step.c). */
static inline void sw_block_break(struct sw_cpu *c)
{
	c->brk = true;
	c->blk_end = 0;
}

/* An event the dispatcher may have asked to see (run_limits.events): the
 * run call returns after this instruction with it (swvmm/sw_engine.c). */
void sw_note_event(struct sw_cpu *c, unsigned kind, uint64_t num);

/* ---- registers (swvmm/regs.c) ---- */
/* size in bytes (1, 2, 4, 8). With rex false, byte registers 4-7 are
 * AH, CH, DH, BH; with rex true they are SPL, BPL, SIL, DIL. A 4-byte
 * write zero-extends to 64 bits, 1- and 2-byte writes merge. */
static inline uint64_t sw_gpr_read(const struct sw_cpu *c, unsigned reg, unsigned size, bool rex);
static inline void sw_gpr_write(struct sw_cpu *c, unsigned reg, unsigned size, bool rex,
                                uint64_t val);
/* Truncate to size bytes / sign-extend from size bytes. */
static inline uint64_t sw_trunc(uint64_t v, unsigned size)
{
	return size >= 8 ? v : v & ((1ull << (size * 8)) - 1);
}
static inline int64_t sw_sext(uint64_t v, unsigned size)
{
	unsigned sh = 64 - size * 8;
	return (int64_t)(v << sh) >> sh;
}
/* Inline: every handler goes through these. */
static inline uint64_t sw_gpr_read(const struct sw_cpu *c, unsigned reg, unsigned size, bool rex)
{
	if (size == 1 && !rex && reg >= 4 && reg < 8)
		return (c->s.gpr[reg - 4] >> 8) & 0xff;   /* AH CH DH BH */
	return sw_trunc(c->s.gpr[reg & 15], size);
}
static inline void sw_gpr_write(struct sw_cpu *c, unsigned reg, unsigned size, bool rex,
                                uint64_t val)
{
	uint64_t *r;

	if (size == 1 && !rex && reg >= 4 && reg < 8) {
		r = &c->s.gpr[reg - 4];
		*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
		return;
	}
	r = &c->s.gpr[reg & 15];
	switch (size) {
	case 1: *r = (*r & ~0xffull) | (val & 0xff); break;
	case 2: *r = (*r & ~0xffffull) | (val & 0xffff); break;
	case 4: *r = val & 0xffffffffull; break;   /* 32-bit writes zero-extend */
	default: *r = val; break;
	}
}
/* A canonical 48-bit linear address: bits 63..47 all equal (the CPUID
 * model advertises 48 virtual-address bits; 5-level paging is not modelled). */
static inline bool sw_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}
/* A near branch target (already truncated to the operand size): #GP(0),
 * with RIP still at the branch, if non-canonical in 64-bit mode or beyond
 * the CS limit elsewhere (swvmm/exec_data_branch.c). */
void sw_check_near_target(struct sw_cpu *c, uint64_t target);
/* The I/O privilege level in RFLAGS. */
static inline unsigned sw_iopl(const struct sw_cpu *c)
{
	return (unsigned)((c->s.rflags & RFLAGS_IOPL) >> 12);
}
/* Recompute mode, CPL and default sizes after CR0/EFER/CS/RFLAGS.VM change. */
void sw_update_mode(struct sw_cpu *c);
/* The guest TSC now: continuous with what the other engine showed. */
uint64_t sw_tsc(const struct sw_cpu *c);
/* HLT: its handler sets c->s.ev.halted; the run loop then waits for an
 * event (RUN_EXIT_HALT) or, with IF=0 and nothing pending, stops the VM
 * (VM_STOP_HALT). The halted state ends when an event is delivered. */

/* ---- exceptions (swvmm/exception.c) ---- */
/* Raise an exception: never returns; the run loop delivers it (fault:
 * RIP at the instruction; the handler sets c->next_rip first for traps
 * and calls sw_raise_trap). errcode SW_NO_ERRCODE when the vector has none. */
__attribute__((noreturn)) void sw_raise(struct sw_cpu *c, unsigned vector, int errcode);
__attribute__((noreturn)) void sw_raise_pf(struct sw_cpu *c, uint64_t lin, unsigned pfec);
/* A trap (#DB single step, #OF as a trap): delivered with the return
 * address c->next_rip, i.e. after the instruction completed. */
__attribute__((noreturn)) void sw_raise_trap(struct sw_cpu *c, unsigned vector);
static inline __attribute__((noreturn)) void sw_gp0(struct sw_cpu *c) { sw_raise(c, EXC_GP, 0); }
static inline __attribute__((noreturn)) void sw_ud(struct sw_cpu *c) { sw_raise(c, EXC_UD, SW_NO_ERRCODE); }
/* Deliver an event now through the IVT/IDT: exceptions, INT n (soft),
 * external interrupts. rip_after is the return address pushed. On return
 * c->s.rip and c->next_rip both hold the handler's address, so a handler
 * (INT n) may call it and let the run loop commit next_rip as usual.
 * Faults on the way (gate checks, stack) raise with sw_raise. */
void sw_deliver(struct sw_cpu *c, unsigned vector, int errcode, bool soft, uint64_t rip_after);
/* Stop the VM with a report (unsupported feature, internal limit). */
__attribute__((noreturn)) void sw_unsupported(struct sw_cpu *c, const char *what);

/* ---- memory (swvmm/mem.c, swvmm/mmu.c, swvmm/segment.c) ---- */
/* Virtual accesses: segment register + offset, with segment limit and
 * rights checks (#GP/#SS), then paging (#PF), then RAM or the MMIO bus.
 * Sizes 1, 2, 4, 8. Offsets are truncated by the caller to address size. */
uint64_t sw_read(struct sw_cpu *c, unsigned seg, uint64_t off, unsigned size);
void sw_write(struct sw_cpu *c, unsigned seg, uint64_t off, unsigned size, uint64_t val);
/* Check that [off, off+size) is writable (for read-modify-write and for
 * instructions that must fault before changing state). */
void sw_check_write(struct sw_cpu *c, unsigned seg, uint64_t off, unsigned size);
/* Any length (FXSAVE, descriptors, far pointers). */
void sw_read_buf(struct sw_cpu *c, unsigned seg, uint64_t off, void *buf, unsigned len);
void sw_write_buf(struct sw_cpu *c, unsigned seg, uint64_t off, const void *buf, unsigned len);
/* Linear accesses (descriptor tables, TSS, IDT: pass ACC_SYS). */
uint64_t sw_lin_read(struct sw_cpu *c, uint64_t lin, unsigned size, unsigned acc);
void sw_lin_write(struct sw_cpu *c, uint64_t lin, unsigned size, uint64_t val, unsigned acc);
/* Translate; raises #PF on failure. */
uint64_t sw_translate(struct sw_cpu *c, uint64_t lin, unsigned acc);
/* The page walk itself, without raising: 0 with *gpa, or -EFAULT with the
 * #PF error code in *pfec. Sets A/D bits and fills the TLB on success. */
int sw_mmu_walk(struct sw_cpu *c, uint64_t lin, unsigned acc, uint64_t *gpa, unsigned *pfec);
/* Load the four PAE PDPTE registers from CR3, as MOV CR3 (and MOV CR0/CR4
 * turning PAE paging on) does; -EINVAL when a present PDPTE has reserved
 * bits set (the caller raises #GP(0)). Does nothing unless PAE paging
 * outside long mode is active. */
int sw_mmu_load_pdptes(struct sw_cpu *c);
/* Segmentation only: the linear address of [off, off+size) through sreg,
 * with the limit, rights and canonical checks of an access acc
 * (ACC_READ/WRITE/FETCH); raises #GP/#SS. sw_seg_linear_cache does the
 * same through a descriptor cache that is not loaded yet (a new stack). */
uint64_t sw_seg_linear(struct sw_cpu *c, unsigned sreg, uint64_t off, unsigned size, unsigned acc);
uint64_t sw_seg_linear_cache(struct sw_cpu *c, const struct seg_cache *sc, unsigned sreg,
                             uint64_t off, unsigned size, unsigned acc);
/* Guest memory at [gpa, gpa+len) changed behind the interpreter's back
 * (the other engine ran, a device wrote it): drop what is cached about it. */
void sw_mem_invalidate(struct sw_cpu *c, uint64_t gpa, uint64_t len);
/* Instruction fetch of up to len bytes at CS:rip; returns bytes fetched
 * (stops at the first unfetchable byte after the first one). */
unsigned sw_fetch(struct sw_cpu *c, uint64_t rip, uint8_t *buf, unsigned len);
/* TLB maintenance. */
void sw_tlb_flush(struct sw_cpu *c, bool keep_global);
void sw_tlb_flush_page(struct sw_cpu *c, uint64_t lin);

/* ---- stack (swvmm/stack.c) ---- */
/* Push/pop at SS:RSP with the stack address size (SS.B / 64-bit). */
void sw_push(struct sw_cpu *c, uint64_t val, unsigned size);
uint64_t sw_pop(struct sw_cpu *c, unsigned size);
unsigned sw_stack_size(const struct sw_cpu *c);

/* ---- operands of the decoded instruction (swvmm/operand.c) ---- */
/* Effective address offset of the ModRM memory operand, truncated to the
 * address size; segment chosen by default rules or override. */
uint64_t sw_ea(struct sw_cpu *c, const struct insn *i);
unsigned sw_ea_seg(const struct insn *i);
/* The ModRM r/m operand (register or memory) and the reg operand. */
uint64_t sw_rm_read(struct sw_cpu *c, const struct insn *i, unsigned size);
void sw_rm_write(struct sw_cpu *c, const struct insn *i, unsigned size, uint64_t val);
uint64_t sw_reg_read(struct sw_cpu *c, const struct insn *i, unsigned size);
void sw_reg_write(struct sw_cpu *c, const struct insn *i, unsigned size, uint64_t val);

/* ---- segments and descriptors (swvmm/segment.c) ---- */
/* Load a segment register as MOV/POP/LxS do, with all protected-mode
 * checks (#GP/#SS/#NP with the selector as error code). */
void sw_load_sreg(struct sw_cpu *c, unsigned sreg, uint16_t sel);
/* Read the 8-byte (or 16-byte for system descriptors in long mode)
 * descriptor for sel from the GDT/LDT; raises exc(sel & ~3) when outside
 * the table. Returns the raw words. */
void sw_read_descriptor(struct sw_cpu *c, uint16_t sel, unsigned exc, uint64_t out[2]);
/* Fill a segment cache from a raw descriptor. */
void sw_desc_to_cache(uint16_t sel, const uint64_t raw[2], struct seg_cache *out);

/* ---- I/O (swvmm/io.c) ---- */
/* IOPL / TSS I/O-bitmap check for port..port+size-1; raises #GP(0). */
void sw_io_check(struct sw_cpu *c, uint16_t port, unsigned size);
uint32_t sw_in(struct sw_cpu *c, uint16_t port, unsigned size);
void sw_out(struct sw_cpu *c, uint16_t port, unsigned size, uint32_t val);

/* ---- handler registration ---- */
/* Each instruction group fills c->exec[] for the forms it implements;
 * forms nobody claims raise #UD with a report (swvmm/exec_table.c). */
void sw_register_alu(sw_exec_fn *t);      /* swvmm/exec_alu*.c  */
void sw_register_data(sw_exec_fn *t);     /* swvmm/exec_data*.c (moves, stack, strings) */
void sw_register_branch(sw_exec_fn *t);   /* swvmm/exec_branch*.c (near/far transfers, INT, IRET) */
void sw_register_system(sw_exec_fn *t);   /* swvmm/exec_system*.c */
/* Fill t with the #UD-and-report handler, then let each group register. */
void sw_exec_table_init(sw_exec_fn *t);

#endif
