/* libFuzzer target for the interpreter: random code from random initial
 * states, run for a bounded number of steps under ASan and UBSan. The
 * interpreter must never crash, touch host memory outside guest RAM,
 * abort or hang, whatever the guest does.
 *
 * Input: FZ_HDR_LEN header bytes (missing bytes read as 0), then the
 * payload. The payload is the guest's code (at the start of CS), and a
 * copy of it is the guest's data (DS-relative data area, the LDT when one
 * is loaded) and the top of its stack, so that loads, POPs, RETs and IRETs
 * see fuzzer-chosen values too.
 *
 *   0  mode (low 3 bits, modulo 7: real, prot16, prot32, compat16,
 *      compat32, long64, vm86); bit 3 paging in protected mode, bit 4 PAE,
 *      bit 5 large pages, bit 6 EFER.NXE, bit 7 EFER.LME outside long mode
 *   1  CPL (bits 0-1), IOPL (bits 2-3), IDT style (bits 4-7, FZ_IDT_*)
 *   2-3  RFLAGS (status, TF, IF, DF, NT; spare bits pick AC, RF, ID, VIF, VIP)
 *   4  CR0 extras (MP EM TS NE WP AM CD NW)
 *   5-6  CR4 extras (fz_cr4_bits[] order)
 *   7  EFER.SCE (bit 0), DR7 (bits 1-3: GD, L0, G0), CR8 (bits 4-7)
 *   8  events: exception pending (0), with error code (1), NMI pending
 *      (2), NMI masked (3), interrupt injected (4), STI shadow (5), MOV SS
 *      shadow (6), halted (7)
 *   9  event vector; 10 its error code, and the vector injected to wake
 *      a HLT with IF=1
 *   11 options (FZ_OPT_*)
 *   12-17  two page-table edits of three bytes (fz_build_paging)
 *   18-33  one byte per GPR (fz_gpr_value; an RSP byte below 0x80 puts
 *      RSP that many bytes below the stack top)
 *   34 more options (FZ_OPT2_*)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vcpu_state.h"
#include "core/vm.h"
#include "swvmm/cpu.h"
#include "swvmm/sw_engine.h"
#include "tests/fuzz/fuzz.h"

#define FZ_HDR_LEN    35
#define FZ_HDR_GPR    18
#define FZ_RAM        (2u << 20)
/* Every run call gets this budget; a guest gets at most FZ_ROUNDS calls.
 * One step of a REP string instruction moves up to 4096 elements, so
 * 1000 steps keep the slowest input near a second under the sanitizers,
 * far below the 10 s per-input timeout. */
#define FZ_STEPS      250
#define FZ_ROUNDS     4

/* Guest physical memory. The layout follows the unit-test fixture
 * (tests/unit/sw_fixture.h), which the harness does not include: it is
 * written for cmocka tests. */
#define FZ_IVT        0x0ull       /* real-mode IVT */
#define FZ_GDT        0x1000ull
#define FZ_IDT        0x2000ull
#define FZ_TSS        0x3000ull
#define FZ_STUBS      0x4000ull    /* eight HLT bytes per vector */
#define FZ_STUB(v)    (FZ_STUBS + 8ull * (v))
#define FZ_PML4       0x10000ull   /* 4-level identity map of 1 GiB, 2 MiB pages */
#define FZ_PDPT       0x11000ull
#define FZ_PD         0x12000ull
#define FZ_CODE       0x20000ull
#define FZ_DATA       0x40000ull
#define FZ_STACK_TOP  0x80000ull
#define FZ_STACK2_TOP 0x84000ull
#define FZ_STACK1_TOP 0x86000ull
#define FZ_STACK0_TOP 0x90000ull
#define FZ_IST_TOP(n) (0x98000ull + 0x1000ull * (n))
#define FZ_PD32       0xa0000ull   /* 32-bit paging: PD, then PT */
#define FZ_PT32       0xa1000ull
#define FZ_PDPT_PAE   0xa2000ull   /* PAE paging: PDPT, PD */
#define FZ_PD_PAE     0xa3000ull
#define FZ_PT64       0xa4000ull   /* 4 KiB pages of the first 2 MiB (PAE, long) */

/* GDT: a Linux-like layout so that SYSCALL/SYSRET work with FZ_STAR;
 * 0x58-0x78 may hold fuzzer bytes, then the harness's own slots. */
#define FZ_SEL_CODE32  0x08
#define FZ_SEL_CODE64  0x10
#define FZ_SEL_DATA    0x18
#define FZ_SEL_UCODE32 0x23
#define FZ_SEL_UDATA   0x2b
#define FZ_SEL_UCODE64 0x33
#define FZ_SEL_TSS     0x38   /* two slots in long mode */
#define FZ_SEL_CODE16  0x48
#define FZ_SEL_DATA16  0x50
#define FZ_SEL_FUZZ    0x58   /* five slots of fuzzer bytes */
#define FZ_SEL_CS      0x80   /* start CS, DPL = CPL */
#define FZ_SEL_DS      0x88   /* start SS and data, DPL = CPL */
#define FZ_SEL_SS1     0x91
#define FZ_SEL_SS2     0x9a
#define FZ_SEL_LDT     0xa0   /* two slots in long mode */
#define FZ_GDT_LIMIT   0xff
#define FZ_STAR        ((0x23ull << 48) | (0x10ull << 32))

/* Descriptor flags (bits 55:52). */
#define FZ_G  0x8
#define FZ_DB 0x4
#define FZ_L  0x2

/* 16-bit segments start at the code so that 16-bit offsets reach it. */
#define FZ_SEG16_BASE FZ_CODE
#define FZ_DATA16_OFF 0x8000ull
#define FZ_STACK16    0xfff0ull

enum fz_mode { FZ_REAL, FZ_PROT16, FZ_PROT32, FZ_COMPAT16, FZ_COMPAT32, FZ_LONG64, FZ_VM86,
               FZ_NR_MODES };

#define FZ_IDT_CODE   0x1   /* handlers in the payload instead of HLT stubs */
#define FZ_IDT_TRAP   0x2   /* trap gates instead of interrupt gates */
#define FZ_IDT_DPL3   0x4
#define FZ_IDT_ALT    0x8   /* long mode: IST stacks; protected: 16-bit gates */

#define FZ_OPT_GDT     0x01  /* GDT slots 0x58-0x78 from the payload's tail */
#define FZ_OPT_LDT     0x02  /* an LDT over the data copy */
#define FZ_OPT_IOMAP   0x04  /* a TSS I/O bitmap for ports 0-255 */
#define FZ_OPT_MIGRATE 0x08  /* store and reload the state between run calls */
#define FZ_OPT_CPLSTOP 0x10  /* run calls stop on a CPL change */
#define FZ_OPT_RIPSTOP 0x20  /* ... and at a RIP inside the code */
#define FZ_OPT_PGE     0x40  /* global bit on the PTEs */
#define FZ_OPT_IOMAP1  0x80  /* I/O bitmap denies every port (else alternate) */

#define FZ_OPT2_GATES   0x01  /* gates of vectors 0-7 from payload bytes */
#define FZ_OPT2_TSS     0x02  /* ring-0 stack and IST1 from payload bytes */
#define FZ_OPT2_IDTLIM  0x04  /* IDTR limit from header byte 10 */
#define FZ_OPT2_GDTLIM  0x08  /* GDTR limit 0x3f: harness slots out of reach */
#define FZ_OPT2_CSLIM   0x10  /* CS ends 0x80 bytes into the code */
#define FZ_OPT2_EXPDOWN 0x20  /* data and stack segments expand down */
#define FZ_OPT2_FSGS    0x40  /* FS/GS bases set (a high half one for FS) */

static const uint64_t fz_cr0_bits[8] = { CR0_MP, CR0_EM, CR0_TS, CR0_NE,
                                         CR0_WP, CR0_AM, CR0_CD, CR0_NW };
static const uint64_t fz_cr4_bits[16] = {
	CR4_VME, CR4_PVI, CR4_TSD, CR4_DE, CR4_PSE, CR4_MCE, CR4_PGE, CR4_PCE,
	CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_UMIP, CR4_FSGSBASE, CR4_PCIDE, CR4_OSXSAVE,
	CR4_SMEP, CR4_SMAP,
};

struct fz_input {
	uint8_t h[FZ_HDR_LEN];
	const uint8_t *p;            /* payload */
	size_t n;
};

static bool fz_long(enum fz_mode m)
{
	return m == FZ_COMPAT16 || m == FZ_COMPAT32 || m == FZ_LONG64;
}

static bool fz_16bit(enum fz_mode m)
{
	return m == FZ_REAL || m == FZ_PROT16 || m == FZ_COMPAT16 || m == FZ_VM86;
}

/* Payload byte i, wrapping; 0 for an empty payload. */
static uint8_t fz_pb(const struct fz_input *in, size_t i)
{
	return in->n ? in->p[i % in->n] : 0;
}

/* Eight payload bytes from i on, little-endian, wrapping. */
static uint64_t fz_pb64(const struct fz_input *in, size_t i)
{
	uint64_t v = 0;
	for (unsigned b = 0; b < 8; b++)
		v |= (uint64_t)fz_pb(in, i + b) << (8 * b);
	return v;
}

/* A register value from one header byte: the top three bits pick a kind
 * of value that tends to matter (small counts, pointers into the data,
 * sign and width boundaries, payload bytes), the low five a variant. */
static uint64_t fz_gpr_value(const struct fz_input *in, uint8_t b, uint64_t data)
{
	uint64_t k = b & 31;
	switch (b >> 5) {
	case 0: return k;
	case 1: return data + k * 8;
	case 2: return ~0ull - k;
	case 3: return 1ull << (k * 2);
	case 4: return 0x80000000ull + k - 16;
	case 5: return 0x8000ull + k - 16;
	case 6: return fz_pb64(in, k * 8);
	default: return 0x8000000000000000ull + k - 16;
	}
}

static void fz_poke(struct vm *vm, uint64_t gpa, const void *buf, size_t len)
{
	/* Every address here lies in RAM; a failure would only leave zeros. */
	(void)gmem_load(&vm->mem, gpa, buf, len);
}

static void fz_poke64(struct vm *vm, uint64_t gpa, uint64_t v)
{
	fz_poke(vm, gpa, &v, 8);
}

static void fz_poke32(struct vm *vm, uint64_t gpa, uint32_t v)
{
	fz_poke(vm, gpa, &v, 4);
}

static uint64_t fz_peek(struct vm *vm, uint64_t gpa, unsigned size)
{
	uint64_t v = 0;
	(void)gmem_read(&vm->mem, gpa, &v, size);
	return v;
}

/* A code or data segment descriptor; type is the 4-bit type field. */
static uint64_t fz_desc(uint32_t base, uint32_t limit, unsigned type, unsigned dpl,
                        unsigned flags)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)(type & 0xf) << 40) | (1ull << 44) | ((uint64_t)(dpl & 3) << 45) |
	       (1ull << 47) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

/* A system descriptor (TSS, LDT) with byte granularity. */
static uint64_t fz_sys_desc(uint64_t base, uint32_t limit, unsigned type)
{
	return (limit & 0xffffull) | ((base & 0xffffff) << 16) | ((uint64_t)type << 40) |
	       (1ull << 47) | ((uint64_t)((limit >> 16) & 0xf) << 48) | ((base >> 24) << 56);
}

static void fz_set_gdt(struct vm *vm, uint16_t sel, uint64_t desc)
{
	fz_poke64(vm, FZ_GDT + (sel & ~7u), desc);
}

/* Interrupt (0xe) or trap (0xf) gate, or their 16-bit forms (6, 7). */
static void fz_set_gate(struct vm *vm, bool lm, unsigned v, uint16_t sel, uint64_t off,
                        unsigned type, unsigned dpl, unsigned ist)
{
	uint64_t lo = (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)(ist & 7) << 32) |
	              ((uint64_t)type << 40) | ((uint64_t)(dpl & 3) << 45) | (1ull << 47) |
	              (((off >> 16) & 0xffff) << 48);
	if (lm) {
		fz_poke64(vm, FZ_IDT + 16ull * v, lo);
		fz_poke64(vm, FZ_IDT + 16ull * v + 8, off >> 32);
	} else {
		fz_poke64(vm, FZ_IDT + 8ull * v, lo);
	}
}

/* A segment cache as loading sel from the GDT would fill it. */
static void fz_seg_from_gdt(struct vm *vm, struct seg_cache *sc, uint16_t sel)
{
	uint64_t raw[2] = { fz_peek(vm, FZ_GDT + (sel & ~7u), 8), 0 };
	if (!(raw[0] & (1ull << 44)))
		raw[1] = fz_peek(vm, FZ_GDT + (sel & ~7u) + 8, 8);
	sw_desc_to_cache(sel, raw, sc);
}

/* What every mode shares: HLT stubs, the IVT pointing at them, the GDT's
 * fixed entries, a busy TSS with ring 0-2 and IST stacks, and the 4-level
 * identity map (also outside long mode, for code that enables it). */
static void fz_build_base(struct vm *vm, bool lm)
{
	uint8_t hlt[8 * 256];
	memset(hlt, 0xf4, sizeof(hlt));
	fz_poke(vm, FZ_STUBS, hlt, sizeof(hlt));
	for (unsigned v = 0; v < 256; v++)
		fz_poke32(vm, FZ_IVT + 4 * v, (uint32_t)FZ_STUB(v));   /* segment 0 */

	fz_set_gdt(vm, FZ_SEL_CODE32, fz_desc(0, 0xfffff, 0xb, 0, FZ_G | FZ_DB));
	fz_set_gdt(vm, FZ_SEL_CODE64, fz_desc(0, 0xfffff, 0xb, 0, FZ_G | FZ_L));
	fz_set_gdt(vm, FZ_SEL_DATA, fz_desc(0, 0xfffff, 0x3, 0, FZ_G | FZ_DB));
	fz_set_gdt(vm, FZ_SEL_UCODE32, fz_desc(0, 0xfffff, 0xb, 3, FZ_G | FZ_DB));
	fz_set_gdt(vm, FZ_SEL_UDATA, fz_desc(0, 0xfffff, 0x3, 3, FZ_G | FZ_DB));
	fz_set_gdt(vm, FZ_SEL_UCODE64, fz_desc(0, 0xfffff, 0xb, 3, FZ_G | FZ_L));
	fz_set_gdt(vm, FZ_SEL_CODE16, fz_desc(0, 0xffff, 0xb, 0, 0));
	fz_set_gdt(vm, FZ_SEL_DATA16, fz_desc(0, 0xffff, 0x3, 0, 0));
	fz_set_gdt(vm, FZ_SEL_SS1, fz_desc(0, 0xfffff, 0x3, 1, FZ_G | FZ_DB));
	fz_set_gdt(vm, FZ_SEL_SS2, fz_desc(0, 0xfffff, 0x3, 2, FZ_G | FZ_DB));
	/* Busy TSS, type 11 (32-bit and 64-bit alike); no I/O bitmap. */
	fz_set_gdt(vm, FZ_SEL_TSS, fz_sys_desc(FZ_TSS, 0x67, 0xb));
	fz_set_gdt(vm, FZ_SEL_TSS + 8, 0);
	fz_poke32(vm, FZ_TSS + 0x64, 0x68u << 16);

	if (lm) {
		fz_poke64(vm, FZ_TSS + 4, FZ_STACK0_TOP);
		fz_poke64(vm, FZ_TSS + 12, FZ_STACK1_TOP);
		fz_poke64(vm, FZ_TSS + 20, FZ_STACK2_TOP);
		for (unsigned n = 1; n <= 7; n++)
			fz_poke64(vm, FZ_TSS + 0x24 + 8 * (n - 1), FZ_IST_TOP(n));
	} else {
		fz_poke32(vm, FZ_TSS + 0x04, (uint32_t)FZ_STACK0_TOP);
		fz_poke32(vm, FZ_TSS + 0x08, FZ_SEL_DATA);
		fz_poke32(vm, FZ_TSS + 0x0c, (uint32_t)FZ_STACK1_TOP);
		fz_poke32(vm, FZ_TSS + 0x10, FZ_SEL_SS1);
		fz_poke32(vm, FZ_TSS + 0x14, (uint32_t)FZ_STACK2_TOP);
		fz_poke32(vm, FZ_TSS + 0x18, FZ_SEL_SS2);
	}

	fz_poke64(vm, FZ_PML4, FZ_PDPT | 7);
	fz_poke64(vm, FZ_PDPT, FZ_PD | 7);
	for (uint64_t i = 0; i < 512; i++)
		fz_poke64(vm, FZ_PD + 8 * i, (i << 21) | 0x87);   /* P RW US PS */
}

/* The harness's own descriptors: start CS and data for the mode and CPL,
 * the LDT, and optionally five descriptors of fuzzer bytes. */
static void fz_build_gdt(struct vm *vm, const struct fz_input *in, enum fz_mode m,
                         unsigned cpl)
{
	uint64_t code, data;
	switch (m) {
	case FZ_PROT16:
	case FZ_COMPAT16:
		code = fz_desc((uint32_t)FZ_SEG16_BASE, 0xffff, 0xb, cpl, 0);
		data = fz_desc((uint32_t)FZ_SEG16_BASE, 0xffff, 0x3, cpl, 0);
		break;
	case FZ_LONG64:
		code = fz_desc(0, 0xfffff, 0xb, cpl, FZ_G | FZ_L);
		data = fz_desc(0, 0xfffff, 0x3, cpl, FZ_G | FZ_DB);
		break;
	default:
		code = fz_desc(0, 0xfffff, 0xb, cpl, FZ_G | FZ_DB);
		data = fz_desc(0, 0xfffff, 0x3, cpl, FZ_G | FZ_DB);
		break;
	}
	if (in->h[34] & FZ_OPT2_CSLIM) {
		/* Byte granular, so the fetch of the 0x81st byte faults. */
		uint32_t lim = (uint32_t)(fz_16bit(m) ? 0x7f : FZ_CODE + 0x7f);
		code = (code & ~0x008f00000000ffffull) | (lim & 0xffff) |
		       ((uint64_t)(lim >> 16) << 48);
	}
	if (in->h[34] & FZ_OPT2_EXPDOWN)
		data = (data & ~0x008f00000000ffffull) | 0xfff | (0x4ull << 40);   /* expand-down, limit 0xfff */
	fz_set_gdt(vm, FZ_SEL_CS, code);
	fz_set_gdt(vm, FZ_SEL_DS, data);
	fz_set_gdt(vm, FZ_SEL_LDT, fz_sys_desc(fz_16bit(m) ? FZ_SEG16_BASE + FZ_DATA16_OFF : FZ_DATA,
	                                       0xff, 0x2));
	fz_set_gdt(vm, FZ_SEL_LDT + 8, 0);

	if ((in->h[11] & FZ_OPT_GDT) && in->n) {
		/* From the end of the payload, where code matters least. */
		uint8_t raw[40];
		size_t start = in->n > sizeof(raw) ? in->n - sizeof(raw) : 0;
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = fz_pb(in, start + i);
		fz_poke(vm, FZ_GDT + FZ_SEL_FUZZ, raw, sizeof(raw));
	}
}

/* A TSS I/O bitmap for ports 0-255 (all denied, or every other one). */
static void fz_build_iomap(struct vm *vm, const struct fz_input *in)
{
	if (!(in->h[11] & FZ_OPT_IOMAP))
		return;
	uint8_t map[33];
	memset(map, (in->h[11] & FZ_OPT_IOMAP1) ? 0xff : 0x55, 32);
	map[32] = 0xff;   /* the byte after the bitmap must be readable */
	fz_poke(vm, FZ_TSS + 0x68, map, sizeof(map));
	fz_set_gdt(vm, FZ_SEL_TSS, fz_sys_desc(FZ_TSS, 0x68 + sizeof(map) - 1, 0xb));
}

/* Gates or IVT entries as the IDT style asks. Handlers in the payload keep
 * the guest running after an exception; HLT stubs behind interrupt gates
 * end it there. */
static void fz_build_idt(struct vm *vm, const struct fz_input *in, enum fz_mode m)
{
	unsigned style = in->h[1] >> 4;
	size_t n = in->n ? in->n : 1;
	bool lm = fz_long(m);

	for (unsigned v = 0; v < 256; v++) {
		uint64_t code_off = (v * 11u) % n;
		if (m == FZ_REAL) {
			if (style & FZ_IDT_CODE)
				fz_poke32(vm, FZ_IVT + 4 * v,
				          (uint32_t)((FZ_CODE >> 4) << 16 | code_off));
			continue;
		}
		unsigned type = (style & FZ_IDT_TRAP) ? 0xf : 0xe;
		unsigned dpl = (style & FZ_IDT_DPL3) ? 3 : 0;
		uint64_t off = (style & FZ_IDT_CODE) ? FZ_CODE + code_off : FZ_STUB(v);
		if (lm)
			fz_set_gate(vm, true, v, FZ_SEL_CODE64, off, type, dpl,
			            (style & FZ_IDT_ALT) ? v % 8 : 0);
		else if (style & FZ_IDT_ALT)
			/* 16-bit gates reach only the first 64 KiB: the stubs. */
			fz_set_gate(vm, false, v, FZ_SEL_CODE16, FZ_STUB(v), type - 8, dpl, 0);
		else
			fz_set_gate(vm, false, v, FZ_SEL_CODE32, off, type, dpl, 0);
	}
	if (m == FZ_REAL || !(in->h[34] & FZ_OPT2_GATES) || !in->n)
		return;
	/* Arbitrary gate bytes for vectors 0-7 (#DE, #DB, NMI, #BP, #OF,
	 * #BR, #UD, #NM): from the middle of the payload. */
	for (unsigned v = 0; v < 8; v++) {
		size_t at = in->n / 2 + v * (lm ? 16 : 8);
		fz_poke64(vm, FZ_IDT + (lm ? 16ull : 8ull) * v, fz_pb64(in, at));
		if (lm)
			fz_poke64(vm, FZ_IDT + 16ull * v + 8, fz_pb64(in, at + 8));
	}
}

/* Ring-0 stack pointer, SS0 and IST1 from payload bytes. */
static void fz_build_tss_fuzz(struct vm *vm, const struct fz_input *in, enum fz_mode m)
{
	if (!(in->h[34] & FZ_OPT2_TSS) || !in->n)
		return;
	if (fz_long(m)) {
		fz_poke64(vm, FZ_TSS + 4, fz_pb64(in, 3));
		fz_poke64(vm, FZ_TSS + 0x24, fz_pb64(in, 11));
	} else {
		fz_poke64(vm, FZ_TSS + 4, fz_pb64(in, 3));   /* ESP0 and SS0 */
	}
}

/* Page tables for 32-bit and PAE paging (long mode uses the 2 MiB identity
 * map, or 4 KiB pages for the first 2 MiB), then two edits from header
 * bytes 12-17, three bytes each: the entry index (low byte, and bit 0 of
 * the second byte as bit 8), bit 1 of the second byte picks the PD instead
 * of the PT, and the third byte gives the new flags: P RW US A D G XD and
 * a reserved bit. Returns CR3. */
static uint64_t fz_build_paging(struct vm *vm, const struct fz_input *in, enum fz_mode m)
{
	bool pae = fz_long(m) || (in->h[0] & 0x10);
	bool large = in->h[0] & 0x20;
	uint64_t g = (in->h[11] & FZ_OPT_PGE) ? 0x100 : 0;
	uint64_t pd;

	if (!pae) {
		for (uint64_t i = 0; i < 1024; i++)
			fz_poke32(vm, FZ_PT32 + 4 * i, (uint32_t)((i << 12) | g | 0x7));
		fz_poke32(vm, FZ_PD32, (uint32_t)(large ? g | 0x87 : FZ_PT32 | 0x7));
		/* The next 4 MiB lie beyond RAM: accesses there go to the bus. */
		fz_poke32(vm, FZ_PD32 + 4, (uint32_t)((1u << 22) | 0x87));
		pd = FZ_PD32;
	} else {
		for (uint64_t i = 0; i < 512; i++)
			fz_poke64(vm, FZ_PT64 + 8 * i, (i << 12) | g | 0x7);
		if (fz_long(m)) {
			pd = FZ_PD;
		} else {
			pd = FZ_PD_PAE;
			fz_poke64(vm, FZ_PDPT_PAE, FZ_PD_PAE | 1);
			for (uint64_t i = 1; i < 512; i++)
				fz_poke64(vm, FZ_PD_PAE + 8 * i, (i << 21) | 0x87);
		}
		fz_poke64(vm, pd, large ? g | 0x87 : FZ_PT64 | 0x7);
	}

	for (unsigned e = 0; e < 2; e++) {
		const uint8_t *ed = &in->h[12 + 3 * e];
		unsigned idx = ed[0] | (ed[1] & 1u) << 8;
		bool pde = ed[1] & 2;
		uint8_t f = ed[2];
		uint64_t bits = (f & 0x07) | (f & 0x08 ? 0x20 : 0) | (f & 0x10 ? 0x40 : 0) |
		                (f & 0x20 ? 0x100 : 0);
		if (!pae) {
			uint64_t a = (pde ? FZ_PD32 : FZ_PT32) + 4 * idx;
			uint32_t old = (uint32_t)fz_peek(vm, a, 4);
			fz_poke32(vm, a, (old & ~0x167u) | (uint32_t)bits);
		} else {
			uint64_t a = (pde ? pd : FZ_PT64) + 8 * idx;
			uint64_t old = fz_peek(vm, a, 8);
			if (f & 0x40)
				bits |= 1ull << 63;   /* XD */
			if (f & 0x80)
				bits |= 1ull << 51;   /* reserved below MAXPHYADDR 52 */
			fz_poke64(vm, a, (old & ~0x8008000000000167ull) | bits);
		}
	}
	return pae ? (fz_long(m) ? FZ_PML4 : FZ_PDPT_PAE) : FZ_PD32;
}

/* Segment registers, descriptor tables and TR for the start mode. */
static void fz_build_segs(struct vm *vm, const struct fz_input *in, enum fz_mode m,
                          unsigned cpl, struct vcpu_state *s)
{
	if (m == FZ_REAL) {
		vcpu_state_set_real_mode(s, (uint16_t)(FZ_SEG16_BASE >> 4), 0);
		s->idtr.base = FZ_IVT;
		s->idtr.limit = 0x3ff;
		return;
	}
	vcpu_state_set_flat32(s, 0);
	s->gdtr.base = FZ_GDT;
	s->gdtr.limit = FZ_GDT_LIMIT;
	s->idtr.base = FZ_IDT;
	s->idtr.limit = fz_long(m) ? 256 * 16 - 1 : 256 * 8 - 1;
	fz_seg_from_gdt(vm, &s->tr, FZ_SEL_TSS);
	if (in->h[11] & FZ_OPT_LDT)
		fz_seg_from_gdt(vm, &s->ldtr, FZ_SEL_LDT);
	else
		s->ldtr = (struct seg_cache){ .unusable = 1 };

	if (m == FZ_VM86) {
		/* Real-mode style caches, as virtual-8086 mode requires. */
		for (int r = 0; r < NR_SREGS; r++)
			s->seg[r] = (struct seg_cache){
				.selector = (uint16_t)(FZ_SEG16_BASE >> 4), .base = FZ_SEG16_BASE,
				.limit = 0xffff, .type = 0x3, .s = 1, .dpl = 3, .present = 1,
			};
		return;
	}
	fz_seg_from_gdt(vm, &s->seg[SEG_CS], (uint16_t)(FZ_SEL_CS | cpl));
	for (int r = 0; r < NR_SREGS; r++)
		if (r != SEG_CS)
			fz_seg_from_gdt(vm, &s->seg[r], (uint16_t)(FZ_SEL_DS | cpl));
	if (in->h[34] & FZ_OPT2_IDTLIM)
		s->idtr.limit = in->h[10];
	if (in->h[34] & FZ_OPT2_GDTLIM)
		s->gdtr.limit = 0x3f;
	if (fz_long(m) && (in->h[34] & FZ_OPT2_FSGS)) {
		s->seg[SEG_FS].base = 0xffff800000000000ull;   /* unmapped */
		s->seg[SEG_GS].base = FZ_DATA + 0x100;
	}
}

/* The initial vCPU state. false: the header asks for a state that
 * vcpu_state_check() refuses (the input is not interesting). */
static bool fz_build_state(struct vm *vm, const struct fz_input *in, enum fz_mode m,
                           unsigned cpl, struct vcpu_state *s)
{
	const uint8_t *h = in->h;
	uint64_t data_off = fz_16bit(m) ? FZ_DATA16_OFF : FZ_DATA;
	uint64_t stack = fz_16bit(m) ? FZ_STACK16 : FZ_STACK_TOP;

	fz_build_segs(vm, in, m, cpl, s);
	s->rip = fz_16bit(m) ? 0 : FZ_CODE;

	for (unsigned r = 0; r < NR_GPRS; r++) {
		uint8_t b = h[FZ_HDR_GPR + r];
		if (r == RSP && b < 0x80)
			s->gpr[r] = stack - b;   /* mostly a usable stack */
		else
			s->gpr[r] = fz_gpr_value(in, b, data_off);
	}

	uint64_t fl = h[2] | (uint64_t)h[3] << 8;
	s->rflags = RFLAGS_FIXED | (fl & 0x4fd5) | ((uint64_t)(h[1] >> 2 & 3) << 12);
	if (fl & 0x8000) s->rflags |= RFLAGS_AC;
	if (fl & 0x2000) s->rflags |= RFLAGS_RF;
	if (fl & 0x1000) s->rflags |= RFLAGS_ID;
	if (fl & 0x0002) s->rflags |= RFLAGS_VIF;
	if (fl & 0x0008) s->rflags |= RFLAGS_VIP;
	if (m == FZ_VM86)
		s->rflags |= RFLAGS_VM;

	for (unsigned b = 0; b < 8; b++)
		if (h[4] & (1u << b))
			s->cr0 |= fz_cr0_bits[b];
	if ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD))
		s->cr0 &= ~CR0_NW;
	unsigned cr4x = h[5] | (unsigned)h[6] << 8;
	for (unsigned b = 0; b < 16; b++)
		if (cr4x & (1u << b))
			s->cr4 |= fz_cr4_bits[b];

	if (h[0] & 0x40)
		s->efer |= EFER_NXE;
	if (h[7] & 1)
		s->efer |= EFER_SCE;
	if (fz_long(m)) {
		s->efer |= EFER_LME | EFER_LMA;
		s->cr4 |= CR4_PAE;
		s->cr0 |= CR0_PG;
		s->cr3 = fz_build_paging(vm, in, m);
	} else {
		s->cr4 &= ~CR4_PCIDE;
		if (m != FZ_REAL && (h[0] & 0x08)) {
			s->cr0 |= CR0_PG;
			if (h[0] & 0x10)
				s->cr4 |= CR4_PAE;
			s->cr3 = fz_build_paging(vm, in, m);
		}
		/* LME without paging: a later MOV CR0 may enter long mode. */
		if ((h[0] & 0x80) && !(s->cr0 & CR0_PG))
			s->efer |= EFER_LME;
	}

	s->dr[7] |= (h[7] & 2 ? 1ull << 13 : 0) | (h[7] & 4 ? 1 : 0) | (h[7] & 8 ? 2 : 0);
	s->dr[0] = FZ_CODE;
	s->cr8 = h[7] >> 4;

	/* MSRs as a kernel would set them: system calls land in the code. */
	s->msr.star = FZ_STAR;
	s->msr.lstar = FZ_CODE + 0x10;
	s->msr.cstar = FZ_CODE + 0x20;
	s->msr.sfmask = RFLAGS_IF | RFLAGS_TF | RFLAGS_DF;
	s->msr.sysenter_cs = FZ_SEL_CODE32;
	s->msr.sysenter_eip = FZ_CODE + 0x30;
	s->msr.sysenter_esp = FZ_STACK0_TOP;
	s->msr.kernel_gs_base = FZ_DATA;

	uint8_t e = h[8];
	if (e & 0x01) {
		s->ev.exception.pending = true;
		s->ev.exception.vector = h[9] & 31;
		s->ev.exception.has_error_code = e & 0x02;
		s->ev.exception.error_code = h[10];
	}
	s->ev.nmi.pending = e & 0x04;
	s->ev.nmi.masked = e & 0x08;
	if (e & 0x10) {
		s->ev.interrupt.injected = true;
		s->ev.interrupt.vector = h[9];
	}
	if ((e & 0x20) && (s->rflags & RFLAGS_IF))
		s->ev.shadow |= SHADOW_STI;
	if (e & 0x40)
		s->ev.shadow |= SHADOW_MOVSS;
	s->ev.halted = e & 0x80;

	return vcpu_state_check(s, NULL, 0) == 0;
}

/* Payload as code (HLT after it: running off its end stops or waits
 * instead of spending the budget on zero bytes), data, LDT and stack. */
static void fz_place_payload(struct vm *vm, const struct fz_input *in, enum fz_mode m)
{
	bool b16 = fz_16bit(m);
	(void)gmem_fill(&vm->mem, FZ_CODE, 0xf4, 0x1000);
	if (!in->n)
		return;
	fz_poke(vm, FZ_CODE, in->p, in->n);
	fz_poke(vm, b16 ? FZ_SEG16_BASE + FZ_DATA16_OFF : FZ_DATA, in->p, in->n);
	fz_poke(vm, b16 ? FZ_SEG16_BASE + FZ_STACK16 : FZ_STACK_TOP, in->p, in->n);
}

static const char *const fz_mode_names[FZ_NR_MODES] = {
	"real", "prot16", "prot32", "compat16", "compat32", "long64", "vm86",
};

static void fz_log(void *opaque, enum log_level lvl, const char *msg)
{
	(void)opaque;
	(void)lvl;
	fprintf(stderr, "  log: %s\n", msg);
}

/* HVMM_FUZZ_VERBOSE=1: say what one input did (for replaying by hand). */
static void fz_report(const struct vm *vm, const struct sw_cpu *c, enum fz_mode m,
                      unsigned calls)
{
	fprintf(stderr, "fuzz_interp: start %s; %u run calls, %llu instructions; now %s cpl %u "
	        "rip %#llx; stop %s%s%s; %llu events delivered, last vector %u\n",
	        fz_mode_names[m], calls, (unsigned long long)c->icount, cpu_mode_name(c->mode),
	        c->cpl, (unsigned long long)c->s.rip, vm_stop_name(vm->stop),
	        vm->err[0] ? ": " : "", vm->err, (unsigned long long)c->last_event.count,
	        c->last_event.vector);
}

/* Run calls as the dispatcher makes them; between calls, optionally take
 * the state out and put it back (a migration), and wake a HLT with IF=1 by
 * injecting an external interrupt. Returns the number of calls. */
static unsigned fz_drive(struct vm *vm, void *ctx, const struct fz_input *in)
{
	struct vcpu_state *s = &vm->vcpu;
	unsigned call = 0;

	while (call < FZ_ROUNDS && vm->stop == VM_RUNNING) {
		struct run_limits lim = {
			.max_instructions = FZ_STEPS,
			.stop_on_cpl_change = in->h[11] & FZ_OPT_CPLSTOP,
			.stop_at_rip = in->h[11] & FZ_OPT_RIPSTOP,
			.rip = FZ_CODE + fz_pb(in, call) % 16,
		};
		struct run_exit ex = { .reason = RUN_EXIT_EVENT };
		call++;
		if (sw_engine_ops.run(ctx, &lim, &ex) || ex.reason == RUN_EXIT_STOPPED)
			break;
		if (ex.reason != RUN_EXIT_HALT && !(in->h[11] & FZ_OPT_MIGRATE))
			continue;
		if (sw_engine_ops.store_state(ctx, s))
			break;
		if (ex.reason == RUN_EXIT_HALT) {
			s->ev.halted = false;
			s->ev.interrupt.injected = true;
			s->ev.interrupt.soft = false;
			s->ev.interrupt.vector = in->h[10];
		}
		if (sw_engine_ops.load_state(ctx, s))
			break;
	}
	return call;
}

/* HVMM_FUZZ_CHECK_STATE=1: the state the interpreter leaves at an
 * instruction boundary must still pass vcpu_state_check(), or the KVM
 * engine could not take it over; =warn only prints. Off by default: a
 * finding here is a fidelity question, not host harm. */
static void fz_check_final(struct vm *vm, void *ctx)
{
	const char *on = getenv("HVMM_FUZZ_CHECK_STATE");
	struct vcpu_state out;
	char why[200];

	if (!on || !*on || !strcmp(on, "0"))
		return;
	if (vm->stop != VM_RUNNING && vm->stop != VM_STOP_HALT)
		return;
	if (sw_engine_ops.store_state(ctx, &out) || !vcpu_state_check(&out, why, sizeof(why)))
		return;
	fprintf(stderr, "fuzz_interp: final state refused: %s\n", why);
	if (strcmp(on, "warn"))
		abort();
}

static int fz_run(const struct fz_input *in)
{
	enum fz_mode m = (enum fz_mode)((in->h[0] & 7) % FZ_NR_MODES);
	unsigned cpl = m == FZ_REAL ? 0 : m == FZ_VM86 ? 3 : in->h[1] & 3u;
	const char *verbose = getenv("HVMM_FUZZ_VERBOSE");
	bool loud = verbose && *verbose && strcmp(verbose, "0");
	/* The host TSC rate, measured by the first VM: measuring it for every
	 * input would cost more than running most inputs. */
	static uint64_t tsc_khz;
	struct vm_config cfg = { .ram_size = FZ_RAM, .serial_out_fd = -1, .serial_in_fd = -1,
	                         .verbosity = LOG_DEBUG, .log_fn = loud ? fz_log : NULL,
	                         .tsc_khz = tsc_khz };
	struct vm vm;
	void *ctx = NULL;
	int ret = -1;

	if (vm_init(&vm, &cfg)) {
		/* The harness itself cannot work: say so rather than pass. */
		fprintf(stderr, "fuzz_interp: %s\n", vm.err);
		abort();
	}
	tsc_khz = vm.clock.tsc_khz;
	struct fz_guards guards;
	fz_guard_ram(&vm.mem, &guards);
	fz_build_base(&vm, fz_long(m));
	if (m != FZ_REAL) {
		fz_build_gdt(&vm, in, m, cpl);
		fz_build_iomap(&vm, in);
		fz_build_tss_fuzz(&vm, in, m);
	}
	fz_build_idt(&vm, in, m);
	fz_place_payload(&vm, in, m);

	if (!fz_build_state(&vm, in, m, cpl, &vm.vcpu)) {
		if (loud) {
			char why[200];
			vcpu_state_check(&vm.vcpu, why, sizeof(why));
			fprintf(stderr, "fuzz_interp: initial state refused: %s\n", why);
		}
		goto out_vm;
	}
	if (sw_engine_ops.create(&vm, &ctx)) {
		fprintf(stderr, "fuzz_interp: %s\n", vm.err);
		abort();
	}
	if (!sw_engine_ops.load_state(ctx, &vm.vcpu)) {
		unsigned calls = fz_drive(&vm, ctx, in);
		if (loud)
			fz_report(&vm, ctx, m, calls);
		fz_check_final(&vm, ctx);
		ret = 0;
	}
	sw_engine_ops.destroy(ctx);
out_vm:
	vm_destroy(&vm);
	fz_unguard_ram(&guards);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = { { 0 }, NULL, 0 };
	size_t hl = size < FZ_HDR_LEN ? size : FZ_HDR_LEN;
	if (hl)
		memcpy(in.h, data, hl);
	in.p = data + hl;
	in.n = size - hl;
	/* -1 keeps an input whose state the checks refuse out of the corpus. */
	return fz_run(&in);
}
