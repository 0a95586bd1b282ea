/* Test fixture for the interpreter, header only. Include it after cmocka.h.
 *
 *   struct sw_fx *fx = fx_new(FX_LONG64);   // a VM and a sw engine in a mode
 *   FX_CODE(fx, 0x31, 0xc0, 0xf4);          // bytes at FX_CODE_ADDR, RIP there
 *   fx_run(fx, 10);                         // at most 10 steps, or until a stop
 *   assert_int_equal(fx->c->s.gpr[RAX], 0);
 *   fx_free(fx);
 *
 * A step is one retired instruction or one event delivery (a faulting
 * instruction plus the delivery of its exception is one step). fx->c is the
 * engine's struct sw_cpu: tests read and write fx->c->s directly and call
 * fx_sync() after changing CR0/CR3/CR4/EFER, CS or RFLAGS.VM by hand.
 *
 * Guest physical memory (8 MiB of RAM; in FX_LONG64 the first GiB is
 * identity-mapped with 2 MiB pages, user and writable):
 *   0x00000  real-mode IVT: vector v -> 0000:FX_STUB(v)
 *   0x01000  GDT (FX_SEL_* below)          0x02000  IDT
 *   0x03000  TSS (32- or 64-bit; ESP0/RSP0 = FX_STACK0_TOP, SS0 = 0x18)
 *   0x04000  FX_STUB(v) = 0x4000 + 8 * v: eight HLT bytes per vector
 *   0x10000  PML4, 0x11000 PDPT, 0x12000 PD (FX_LONG64)
 *   0x20000  FX_CODE_ADDR: code (real mode: CS = 0x2000, IP = 0)
 *   0x40000  FX_DATA_ADDR: free for data
 *   0x80000  FX_STACK_TOP: initial RSP (real mode: SS = 0x2000, SP = 0xfff0)
 *   0x90000  FX_STACK0_TOP: ring-0 stack from the TSS
 *   0xa0000- free (tests build their own page tables here; fx_map_4k
 *            puts one for 0x200000-0x3fffff at 0xa0000)
 *
 * Every vector goes through an interrupt gate (DPL 0, IF cleared) to its
 * stub, so an exception ends, one step later, in a HLT with IF=0 that stops
 * the VM (VM_STOP_HALT). fx_assert_exc(fx, v, err) checks that the last
 * event delivered was exception v with error code err (FX_NOERR: none) and
 * that the vCPU is in v's stub; fx_assert_no_exc() that nothing was
 * delivered. fx_resume() clears a stop and the event record to run on.
 * FX_TRY() calls an interpreter service directly and catches what it
 * raises (fx_assert_raised). */
#ifndef HVMM_TESTS_SW_FIXTURE_H
#define HVMM_TESTS_SW_FIXTURE_H

#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/sw_engine.h"

#define FX_RAM_SIZE    (8u << 20)
#define FX_IVT         0x0ull
#define FX_GDT         0x1000ull
#define FX_IDT         0x2000ull
#define FX_TSS         0x3000ull
#define FX_STUBS       0x4000ull
#define FX_STUB(v)     (FX_STUBS + 8ull * (v))
#define FX_PML4        0x10000ull
#define FX_PDPT        0x11000ull
#define FX_PD          0x12000ull
#define FX_CODE_ADDR   0x20000ull
#define FX_DATA_ADDR   0x40000ull
#define FX_STACK_TOP   0x80000ull
#define FX_STACK0_TOP  0x90000ull
#define FX_FREE_ADDR   0xa0000ull
#define FX_NOERR       SW_NO_ERRCODE

/* GDT selectors (a Linux-like layout, so that SYSCALL/SYSRET work with
 * STAR = FX_STAR). */
#define FX_SEL_CODE32   0x08
#define FX_SEL_CODE64   0x10
#define FX_SEL_DATA     0x18
#define FX_SEL_UCODE32  0x23
#define FX_SEL_UDATA    0x2b
#define FX_SEL_UCODE64  0x33
#define FX_SEL_TSS      0x38   /* two slots in long mode */
#define FX_SEL_CODE16   0x48
#define FX_SEL_DATA16   0x50
#define FX_GDT_FREE     0x58   /* first slot tests may fill (to 0x78) */
#define FX_GDT_ENTRIES  16
#define FX_STAR         ((0x23ull << 48) | (0x10ull << 32))

enum fx_mode { FX_REAL, FX_PROT32, FX_LONG64 };

struct sw_fx {
	struct vm vm;
	struct sw_cpu *c;
	enum fx_mode mode;
};

static inline void fx_poke(struct sw_fx *fx, uint64_t gpa, const void *buf, size_t len)
{
	int rc = gmem_load(&fx->vm.mem, gpa, buf, len);
	(void)rc;
	if (fx->c)
		sw_mem_invalidate(fx->c, gpa, len);
}

static inline void fx_poke64(struct sw_fx *fx, uint64_t gpa, uint64_t v)
{
	fx_poke(fx, gpa, &v, 8);
}

static inline void fx_poke32(struct sw_fx *fx, uint64_t gpa, uint32_t v)
{
	fx_poke(fx, gpa, &v, 4);
}

static inline void fx_poke16(struct sw_fx *fx, uint64_t gpa, uint16_t v)
{
	fx_poke(fx, gpa, &v, 2);
}

static inline uint64_t fx_peek(struct sw_fx *fx, uint64_t gpa, unsigned size)
{
	uint64_t v = 0;
	if (gmem_read(&fx->vm.mem, gpa, &v, size))
		return ~0ull;
	return v;
}

/* A code/data segment descriptor. type: 4-bit type; flags: G D/B L AVL in
 * descriptor bits 55:52. */
static inline uint64_t fx_desc(uint32_t base, uint32_t limit, unsigned type, unsigned dpl,
                               unsigned flags)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)(type & 0xf) << 40) | (1ull << 44) | ((uint64_t)(dpl & 3) << 45) |
	       (1ull << 47) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}
#define FX_G   0x8
#define FX_DB  0x4
#define FX_L   0x2

static inline void fx_set_gdt(struct sw_fx *fx, uint16_t sel, uint64_t desc)
{
	fx_poke64(fx, FX_GDT + (sel & ~7u), desc);
}

/* Interrupt (type 0xe) or trap (0xf) gate, or a 16-bit one (6, 7). */
static inline void fx_set_gate(struct sw_fx *fx, unsigned vector, uint16_t sel, uint64_t off,
                               unsigned type, unsigned dpl, unsigned ist)
{
	uint64_t lo = (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)(ist & 7) << 32) |
	              ((uint64_t)type << 40) | ((uint64_t)(dpl & 3) << 45) | (1ull << 47) |
	              (((off >> 16) & 0xffff) << 48);
	if (fx->mode == FX_LONG64) {
		fx_poke64(fx, FX_IDT + 16ull * vector, lo);
		fx_poke64(fx, FX_IDT + 16ull * vector + 8, off >> 32);
	} else {
		fx_poke64(fx, FX_IDT + 8ull * vector, lo);
	}
}

/* Fill a segment cache from the fixture's GDT, as a load would. */
static inline void fx_seg_from_gdt(struct sw_fx *fx, struct seg_cache *sc, uint16_t sel)
{
	uint64_t raw[2] = { fx_peek(fx, FX_GDT + (sel & ~7u), 8), 0 };
	if (!(raw[0] & (1ull << 44)))
		raw[1] = fx_peek(fx, FX_GDT + (sel & ~7u) + 8, 8);
	sw_desc_to_cache(sel, raw, sc);
}

/* Recompute what the interpreter caches about the state (mode, TLB). */
static inline void fx_sync(struct sw_fx *fx)
{
	sw_update_mode(fx->c);
	sw_tlb_flush(fx->c, false);
	sw_mmu_load_pdptes(fx->c);
}

/* Load selectors from the GDT into the segment registers given. */
static inline void fx_load_segs(struct sw_fx *fx, uint16_t cs, uint16_t data)
{
	struct vcpu_state *s = &fx->c->s;
	fx_seg_from_gdt(fx, &s->seg[SEG_CS], cs);
	for (int r = 0; r < NR_SREGS; r++)
		if (r != SEG_CS)
			fx_seg_from_gdt(fx, &s->seg[r], data);
	fx_sync(fx);
}

/* Move to CPL 3 with the user selectors of the current mode. */
static inline void fx_to_user(struct sw_fx *fx)
{
	fx_load_segs(fx, fx->mode == FX_LONG64 ? FX_SEL_UCODE64 : FX_SEL_UCODE32, FX_SEL_UDATA);
}

/* FX_LONG64: map 0x200000-0x3fffff with 4 KiB pages through a page table
 * at FX_FREE_ADDR, PTE flags `flags` (P W U ... bits), except `page_flags`
 * for page number `page` of the 512 (0 flags: not present). */
#define FX_4K_BASE 0x200000ull
static inline void fx_map_4k(struct sw_fx *fx, unsigned page, unsigned page_flags,
                             unsigned flags)
{
	for (uint64_t k = 0; k < 512; k++)
		fx_poke64(fx, FX_FREE_ADDR + 8 * k,
		          (FX_4K_BASE + (k << 12)) | (k == page ? page_flags : flags));
	fx_poke64(fx, FX_PD + 8, FX_FREE_ADDR | 7);
	fx_sync(fx);
}

static inline void fx_build_tables(struct sw_fx *fx)
{
	uint8_t hlt[8 * 256];
	memset(hlt, 0xf4, sizeof(hlt));
	fx_poke(fx, FX_STUBS, hlt, sizeof(hlt));
	for (unsigned v = 0; v < 256; v++)
		fx_poke32(fx, FX_IVT + 4 * v, (uint32_t)FX_STUB(v)); /* segment 0 */

	fx_set_gdt(fx, FX_SEL_CODE32, fx_desc(0, 0xfffff, 0xb, 0, FX_G | FX_DB));
	fx_set_gdt(fx, FX_SEL_CODE64, fx_desc(0, 0xfffff, 0xb, 0, FX_G | FX_L));
	fx_set_gdt(fx, FX_SEL_DATA, fx_desc(0, 0xfffff, 0x3, 0, FX_G | FX_DB));
	fx_set_gdt(fx, FX_SEL_UCODE32, fx_desc(0, 0xfffff, 0xb, 3, FX_G | FX_DB));
	fx_set_gdt(fx, FX_SEL_UDATA, fx_desc(0, 0xfffff, 0x3, 3, FX_G | FX_DB));
	fx_set_gdt(fx, FX_SEL_UCODE64, fx_desc(0, 0xfffff, 0xb, 3, FX_G | FX_L));
	fx_set_gdt(fx, FX_SEL_CODE16, fx_desc(0, 0xffff, 0xb, 0, 0));
	fx_set_gdt(fx, FX_SEL_DATA16, fx_desc(0, 0xffff, 0x3, 0, 0));
	/* Busy TSS (type 11: the 32-bit and the 64-bit busy TSS alike). */
	uint64_t tss = (0x67ull) | (FX_TSS << 16) | (0xbull << 40) | (1ull << 47);
	fx_set_gdt(fx, FX_SEL_TSS, tss);
	fx_set_gdt(fx, FX_SEL_TSS + 8, 0);

	if (fx->mode == FX_LONG64) {
		fx_poke64(fx, FX_TSS + 4, FX_STACK0_TOP);          /* RSP0 */
		fx_poke16(fx, FX_TSS + 0x66, 0x68);                /* no I/O bitmap */
		fx_poke64(fx, FX_PML4, FX_PDPT | 7);
		fx_poke64(fx, FX_PDPT, FX_PD | 7);
		for (uint64_t i = 0; i < 512; i++)
			fx_poke64(fx, FX_PD + 8 * i, (i << 21) | 0x87);  /* P RW US PS */
	} else {
		fx_poke32(fx, FX_TSS + 4, (uint32_t)FX_STACK0_TOP); /* ESP0 */
		fx_poke32(fx, FX_TSS + 8, FX_SEL_DATA);            /* SS0 */
		fx_poke16(fx, FX_TSS + 0x66, 0x68);
	}
	for (unsigned v = 0; v < 256; v++) {
		if (fx->mode == FX_LONG64)
			fx_set_gate(fx, v, FX_SEL_CODE64, FX_STUB(v), 0xe, 0, 0);
		else if (fx->mode == FX_PROT32)
			fx_set_gate(fx, v, FX_SEL_CODE32, FX_STUB(v), 0xe, 0, 0);
	}
}

/* A VM with an interpreter in the given mode, CPL 0, IF=0. NULL on failure. */
/* Not inlined: callers use setjmp (FX_TRY), and its locals must not be
 * live across it. */
static __attribute__((noinline, unused)) struct sw_fx *fx_new(enum fx_mode mode)
{
	struct sw_fx *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return NULL;
	struct vm_config cfg = { .ram_size = FX_RAM_SIZE, .serial_out_fd = -1,
	                         .serial_in_fd = -1 };
	if (vm_init(&fx->vm, &cfg)) {
		free(fx);
		return NULL;
	}
	fx->mode = mode;
	fx_build_tables(fx);

	void *ctx = NULL;
	if (sw_engine_ops.create(&fx->vm, &ctx)) {
		vm_destroy(&fx->vm);
		free(fx);
		return NULL;
	}
	fx->c = ctx;
	struct vcpu_state *s = &fx->vm.vcpu;
	if (mode == FX_REAL) {
		vcpu_state_set_real_mode(s, (uint16_t)(FX_CODE_ADDR >> 4), 0);
		s->gpr[RSP] = 0xfff0;
		s->idtr.base = FX_IVT;
		s->idtr.limit = 0x3ff;
		sw_engine_ops.load_state(ctx, s);
		return fx;
	}
	vcpu_state_set_flat32(s, (uint32_t)FX_CODE_ADDR);
	s->gdtr.base = FX_GDT;
	s->gdtr.limit = FX_GDT_ENTRIES * 8 - 1;
	s->idtr.base = FX_IDT;
	s->gpr[RSP] = FX_STACK_TOP;
	if (mode == FX_LONG64) {
		s->idtr.limit = 256 * 16 - 1;
		s->cr4 = CR4_PAE;
		s->cr3 = FX_PML4;
		s->efer = EFER_LME | EFER_LMA | EFER_NXE;
		s->cr0 |= CR0_PG;
	} else {
		s->idtr.limit = 256 * 8 - 1;
	}
	sw_engine_ops.load_state(ctx, s);
	fx_seg_from_gdt(fx, &fx->c->s.tr, FX_SEL_TSS);
	fx_load_segs(fx, mode == FX_LONG64 ? FX_SEL_CODE64 : FX_SEL_CODE32, FX_SEL_DATA);
	return fx;
}

static inline void fx_free(struct sw_fx *fx)
{
	if (!fx)
		return;
	sw_engine_ops.destroy(fx->c);
	vm_destroy(&fx->vm);
	free(fx);
}

/* Place code at FX_CODE_ADDR (or anywhere) and point RIP at it. */
static inline void fx_code_at(struct sw_fx *fx, uint64_t gpa, const uint8_t *b, size_t n)
{
	fx_poke(fx, gpa, b, n);
	fx->c->s.rip = gpa - fx->c->s.seg[SEG_CS].base;
}
#define FX_CODE(fx, ...)                                                        \
	do {                                                                    \
		const uint8_t fx_code_[] = { __VA_ARGS__ };                     \
		fx_code_at((fx), FX_CODE_ADDR, fx_code_, sizeof(fx_code_));     \
	} while (0)

/* Run at most n steps; returns the run_exit reason (RUN_EXIT_STOPPED when
 * the VM stopped: see fx->vm.stop and fx->vm.err). */
static inline enum run_exit_reason fx_run(struct sw_fx *fx, uint64_t n)
{
	struct run_limits lim = { .max_instructions = n };
	struct run_exit ex = { .reason = RUN_EXIT_EVENT };
	if (sw_engine_ops.run(fx->c, &lim, &ex))
		return RUN_EXIT_STOPPED;
	return ex.reason;
}

static inline void fx_resume(struct sw_fx *fx)
{
	fx->vm.stop = VM_RUNNING;
	fx->vm.exit_status = 0;
	fx->vm.err[0] = 0;
	fx->c->s.ev.halted = false;
	memset(&fx->c->last_event, 0, sizeof(fx->c->last_event));
}

/* Linear address of the vCPU's current RIP. */
static inline uint64_t fx_rip_lin(struct sw_fx *fx)
{
	return fx->c->s.seg[SEG_CS].base + fx->c->s.rip;
}

/* Read the stack slot `slot` (0 = top) of width size at the current SS:RSP
 * (flat modes and real mode; no paging other than the identity map). */
static inline uint64_t fx_stack(struct sw_fx *fx, unsigned slot, unsigned size)
{
	const struct vcpu_state *s = &fx->c->s;
	return fx_peek(fx, s->seg[SEG_SS].base + s->gpr[RSP] + (uint64_t)slot * size, size);
}

#define fx_assert_exc(fx, v, err)                                               \
	do {                                                                    \
		const struct sw_event_record *fx_e_ = &(fx)->c->last_event;     \
		assert_true(fx_e_->count > 0);                                  \
		assert_int_equal(fx_e_->vector, (v));                           \
		assert_int_equal(fx_e_->errcode, (err));                        \
		uint64_t fx_r_ = fx_rip_lin(fx);                                \
		assert_true(fx_r_ == FX_STUB(v) || fx_r_ == FX_STUB(v) + 1);   \
	} while (0)

#define fx_assert_no_exc(fx) assert_int_equal((fx)->c->last_event.count, 0)

/* Call an interpreter service directly (sw_load_sreg, sw_read, ...) and
 * catch what it raises: FX_TRY(fx, sw_load_sreg(fx->c, SEG_DS, 0x1238));
 * then fx_assert_raised(fx, EXC_GP, 0x1238) or fx_assert_not_raised(fx). */
#define FX_NOT_RAISED 0xffffu
#define FX_TRY(fx, stmt)                                                        \
	do {                                                                    \
		(fx)->c->exc.vector = FX_NOT_RAISED;                            \
		if (!setjmp((fx)->c->fault)) {                                  \
			stmt;                                                   \
			(fx)->c->exc.vector = FX_NOT_RAISED;                    \
		}                                                               \
	} while (0)
#define fx_assert_raised(fx, v, err)                                            \
	do {                                                                    \
		assert_int_equal((fx)->c->exc.vector, (v));                     \
		assert_int_equal((fx)->c->exc.errcode, (err));                  \
	} while (0)
#define fx_assert_not_raised(fx) assert_int_equal((fx)->c->exc.vector, FX_NOT_RAISED)

/* fx_new that fails the test rather than returning NULL. */
static inline struct sw_fx *fx_new_ok(enum fx_mode m)
{
	struct sw_fx *fx = fx_new(m);
	assert_non_null(fx);
	return fx;
}

/* Run to the HLT that ends a snippet, with no exception on the way. */
static inline void fx_run_to_hlt(struct sw_fx *fx, uint64_t steps)
{
	fx_run(fx, steps);
	fx_assert_no_exc(fx);
	assert_int_equal(fx->vm.stop, VM_STOP_HALT);
}

#endif
