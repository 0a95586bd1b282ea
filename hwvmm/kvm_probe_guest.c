/* The host probe's guest: descriptor tables, page tables, exception stubs
 * and code in the scratch VM's memory, and the register state that puts
 * the vCPU in each kind of mode. The state is set directly (no mode-switch
 * code): the probe asks how KVM runs a state, not how the guest gets
 * there. */
#include <string.h>

#include "hwvmm/kvm_probe.h"

/* The same bytes in every mode, and KVM's emulator refuses both:
 * pxor xmm0, xmm0; popcnt (e)ax, (e)cx. */
#define PRB_HARD_INSNS 0x66, 0x0f, 0xef, 0xc0, 0xf3, 0x0f, 0xb8, 0xc1

static const uint8_t code_kernel[] = { PRB_HARD_INSNS, 0xe6, PRB_PORT_DONE, 0xf4 };
/* mov [(r|e)bx], al with RBX = PRB_MMIO_ADDR */
static const uint8_t code_user[] = { PRB_HARD_INSNS, 0x88, 0x03, 0xf4 };
/* mov [rbx], al; jmp back: every KVM_RUN is one round trip */
static const uint8_t code_mmio[] = { 0x88, 0x03, 0xeb, 0xfc };
static const uint8_t code_int80[] = { 0xcd, 0x80, 0xf4 };
static const uint8_t code_syscall[] = { 0x0f, 0x05, 0xf4 };
static const uint8_t code_sysenter[] = { 0x0f, 0x34, 0xf4 };
/* rdtsc; shl rdx, 32; or rax, rdx; mov [rbx], rax */
static const uint8_t code_rdtsc[] = { 0x0f, 0x31, 0x48, 0xc1, 0xe2, 0x20, 0x48, 0x09, 0xd0,
                                      0x48, 0x89, 0x03, 0xf4 };
static const uint8_t code_step[] = { 0x90, 0x90, 0x90, 0x88, 0x03, 0xf4 };

static void put64(uint8_t *mem, uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, sizeof(v));
}

static void put32(uint8_t *mem, uint64_t gpa, uint32_t v)
{
	memcpy(mem + gpa, &v, sizeof(v));
}

static void put16(uint8_t *mem, uint64_t gpa, uint16_t v)
{
	memcpy(mem + gpa, &v, sizeof(v));
}

/* A code/data or system descriptor, present. */
static uint64_t desc(uint32_t base, uint32_t limit, unsigned type, unsigned s, unsigned dpl,
                     unsigned l, unsigned db, unsigned g)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)type << 40) | ((uint64_t)s << 44) | ((uint64_t)dpl << 45) |
	       (1ull << 47) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)l << 53) | ((uint64_t)db << 54) | ((uint64_t)g << 55) |
	       ((uint64_t)(base >> 24) << 56);
}

static void build_gdt(uint8_t *mem)
{
	uint64_t g = PRB_GDT;
	put64(mem, g + PRB_SEL_KCODE64, desc(0, 0xfffff, 0xb, 1, 0, 1, 0, 1));
	put64(mem, g + PRB_SEL_KDATA, desc(0, 0xfffff, 0x3, 1, 0, 0, 1, 1));
	put64(mem, g + PRB_SEL_UCODE32, desc(0, 0xfffff, 0xb, 1, 3, 0, 1, 1));
	put64(mem, g + PRB_SEL_UDATA, desc(0, 0xfffff, 0x3, 1, 3, 0, 1, 1));
	put64(mem, g + PRB_SEL_UCODE64, desc(0, 0xfffff, 0xb, 1, 3, 1, 0, 1));
	put64(mem, g + PRB_SEL_KCODE32, desc(0, 0xfffff, 0xb, 1, 0, 0, 1, 1));
	/* Loaded, so busy (type 0xb); the 64-bit form's upper half is 0. */
	put64(mem, g + PRB_SEL_TSS64, desc(PRB_TSS64, 0x67, 0xb, 0, 0, 0, 0, 0));
	put64(mem, g + PRB_SEL_TSS32, desc(PRB_TSS32, 0x67, 0xb, 0, 0, 0, 0, 0));
	put64(mem, g + PRB_SEL_KCODE16, desc(0, 0xffff, 0xb, 1, 0, 0, 0, 0));
	put64(mem, g + PRB_SEL_KDATA16, desc(0, 0xffff, 0x3, 1, 0, 0, 0, 0));

	/* Stacks for exceptions from CPL 3; no I/O bitmap (its base lies
	 * past the limit), so port I/O at CPL 3 faults. */
	put64(mem, PRB_TSS64 + 4, PRB_KERNEL_STACK);
	put16(mem, PRB_TSS64 + 0x66, 0x68);
	put32(mem, PRB_TSS32 + 4, PRB_KERNEL_STACK);
	put32(mem, PRB_TSS32 + 8, PRB_SEL_KDATA);
	put16(mem, PRB_TSS32 + 0x66, 0x68);
}

/* Every vector to its stub, in the real-mode IVT and both IDTs. INT 3,
 * INT 4 and INT 0x80 may come from CPL 3. */
static void build_idts(uint8_t *mem)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t stub = PRB_STUBS + v * PRB_STUB_SIZE;
		uint8_t *p = mem + stub;
		p[0] = 0xb0, p[1] = (uint8_t)v;       /* mov al, v */
		p[2] = 0xe6, p[3] = PRB_PORT_VECTOR;  /* out PRB_PORT_VECTOR, al */
		p[4] = 0xf4;                          /* hlt */

		unsigned dpl = (v == 3 || v == 4 || v == 0x80) ? 3 : 0;
		uint64_t attr = (uint64_t)(0x8e | dpl << 5) << 40; /* present interrupt gate */
		put32(mem, PRB_IVT + v * 4, (uint32_t)stub);       /* segment 0 */
		put64(mem, PRB_IDT32 + v * 8, (stub & 0xffff) | (uint64_t)PRB_SEL_KCODE32 << 16 |
		      attr | (stub >> 16) << 48);
		put64(mem, PRB_IDT64 + v * 16, (stub & 0xffff) | (uint64_t)PRB_SEL_KCODE64 << 16 |
		      attr | (stub >> 16) << 48);
		put64(mem, PRB_IDT64 + v * 16 + 8, stub >> 32);
	}
	static const uint8_t sys[] = { 0xb0, PRB_SYSCALL_MARK, 0xe6, PRB_PORT_ENTRY, 0xf4 };
	static const uint8_t sysenter[] = { 0xb0, PRB_SYSENTER_MARK, 0xe6, PRB_PORT_ENTRY, 0xf4 };
	memcpy(mem + PRB_SYSCALL_TGT, sys, sizeof(sys));
	memcpy(mem + PRB_SYSENTER_TGT, sysenter, sizeof(sysenter));
}

/* Identity map of the first 2 MiB and the 2 MiB page of PRB_MMIO_ADDR,
 * all user-accessible (no SMEP/SMAP: CPL 0 runs there too). */
static void build_page_tables(uint8_t *mem)
{
	const uint64_t p = 1, rw = 2, us = 4, ps = 0x80;
	put64(mem, PRB_PML4, PRB_PDPT | p | rw | us);
	put64(mem, PRB_PDPT, PRB_PD_LOW | p | rw | us);
	put64(mem, PRB_PDPT + 8 * (PRB_MMIO_ADDR >> 30), PRB_PD_HIGH | p | rw | us);
	put64(mem, PRB_PD_LOW, 0 | p | rw | us | ps);
	put64(mem, PRB_PD_HIGH + 8 * ((PRB_MMIO_ADDR >> 21) & 511),
	      (PRB_MMIO_ADDR & ~0x1fffffull) | p | rw | us | ps);
}

void prb_build_image(uint8_t *mem)
{
	memset(mem, 0, PRB_MEM_SIZE);
	build_gdt(mem);
	build_idts(mem);
	build_page_tables(mem);
	memcpy(mem + PRB_CODE_KERNEL, code_kernel, sizeof(code_kernel));
	memcpy(mem + PRB_CODE_USER, code_user, sizeof(code_user));
	memcpy(mem + PRB_CODE_MMIO, code_mmio, sizeof(code_mmio));
	memcpy(mem + PRB_CODE_INT80, code_int80, sizeof(code_int80));
	memcpy(mem + PRB_CODE_SYSCALL, code_syscall, sizeof(code_syscall));
	memcpy(mem + PRB_CODE_SYSENTER, code_sysenter, sizeof(code_sysenter));
	memcpy(mem + PRB_CODE_RDTSC, code_rdtsc, sizeof(code_rdtsc));
	memcpy(mem + PRB_CODE_STEP, code_step, sizeof(code_step));
}

/* A flat segment cache as the GDT entry of sel describes it. */
static struct kvm_segment seg(uint16_t sel, uint32_t limit, uint8_t type, uint8_t dpl,
                              uint8_t l, uint8_t db, uint8_t g)
{
	return (struct kvm_segment){
		.base = 0, .limit = limit, .selector = sel, .type = type, .present = 1,
		.dpl = dpl, .db = db, .s = 1, .l = l, .g = g,
	};
}

static void data_segs(struct kvm_sregs *sr, struct kvm_segment d)
{
	sr->ds = sr->es = sr->fs = sr->gs = sr->ss = d;
}

static void set_tr(struct kvm_sregs *sr, uint16_t sel, uint64_t base)
{
	sr->tr = (struct kvm_segment){ .base = base, .limit = 0x67, .selector = sel,
	                               .type = 0xb, .present = 1 };
}

/* Leaves apic_base, cr8 and the interrupt bitmap as the caller had them. */
void prb_state(enum prb_state st, uint64_t rip, struct kvm_sregs *sr, struct kvm_regs *r)
{
	const uint32_t flat = 0xffffffff;

	memset(r, 0, sizeof(*r));
	r->rip = rip;
	r->rflags = 2;
	r->rsp = PRB_KERNEL_STACK;
	r->rbx = PRB_MMIO_ADDR;

	/* SSE legal everywhere: MP, no EM or TS; OSFXSR. */
	sr->cr0 = CR0_ET | CR0_NE | CR0_MP;
	sr->cr2 = 0;
	sr->cr3 = 0;
	sr->cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT;
	sr->efer = 0;
	sr->gdt = (struct kvm_dtable){ .base = PRB_GDT, .limit = PRB_GDT_LIMIT };
	sr->ldt = (struct kvm_segment){ .type = 2, .unusable = 1 };
	set_tr(sr, PRB_SEL_TSS32, PRB_TSS32);
	sr->idt = (struct kvm_dtable){ .base = PRB_IDT32, .limit = 256 * 8 - 1 };

	switch (st) {
	case PRB_ST_REAL:
		sr->cs = seg(0, 0xffff, 0xb, 0, 0, 0, 0);
		data_segs(sr, seg(0, 0xffff, 0x3, 0, 0, 0, 0));
		sr->idt = (struct kvm_dtable){ .base = PRB_IVT, .limit = 256 * 4 - 1 };
		return;
	case PRB_ST_PROT16:
		sr->cr0 |= CR0_PE;
		sr->cs = seg(PRB_SEL_KCODE16, 0xffff, 0xb, 0, 0, 0, 0);
		data_segs(sr, seg(PRB_SEL_KDATA16, 0xffff, 0x3, 0, 0, 0, 0));
		return;
	case PRB_ST_PROT32:
		sr->cr0 |= CR0_PE;
		sr->cs = seg(PRB_SEL_KCODE32, flat, 0xb, 0, 0, 1, 1);
		data_segs(sr, seg(PRB_SEL_KDATA, flat, 0x3, 0, 0, 1, 1));
		return;
	case PRB_ST_PROT_USER:
		sr->cr0 |= CR0_PE;
		sr->cs = seg(PRB_SEL_UCODE32 | 3, flat, 0xb, 3, 0, 1, 1);
		data_segs(sr, seg(PRB_SEL_UDATA | 3, flat, 0x3, 3, 0, 1, 1));
		r->rsp = PRB_USER_STACK;
		return;
	default:
		break;
	}

	/* Long mode: 4-level paging, the 64-bit TSS and IDT. */
	sr->cr0 |= CR0_PE | CR0_PG;
	sr->cr3 = PRB_PML4;
	sr->cr4 |= CR4_PAE;
	sr->efer = EFER_LME | EFER_LMA | EFER_SCE;
	set_tr(sr, PRB_SEL_TSS64, PRB_TSS64);
	sr->idt = (struct kvm_dtable){ .base = PRB_IDT64, .limit = 256 * 16 - 1 };
	if (st == PRB_ST_LONG_KERNEL) {
		sr->cs = seg(PRB_SEL_KCODE64, flat, 0xb, 0, 1, 0, 1);
		data_segs(sr, seg(PRB_SEL_KDATA, flat, 0x3, 0, 0, 1, 1));
		return;
	}
	if (st == PRB_ST_COMPAT_USER)
		sr->cs = seg(PRB_SEL_UCODE32 | 3, flat, 0xb, 3, 0, 1, 1);
	else
		sr->cs = seg(PRB_SEL_UCODE64 | 3, flat, 0xb, 3, 1, 0, 1);
	data_segs(sr, seg(PRB_SEL_UDATA | 3, flat, 0x3, 3, 0, 1, 1));
	r->rsp = PRB_USER_STACK;
}

void prb_mode_state(enum kvm_host_mode m, struct kvm_sregs *sr, struct kvm_regs *r)
{
	static const struct { enum prb_state st; uint64_t code; } rows[NR_HOST_MODES] = {
		[HM_REAL] = { PRB_ST_REAL, PRB_CODE_KERNEL },
		[HM_PROT16] = { PRB_ST_PROT16, PRB_CODE_KERNEL },
		[HM_PROT32] = { PRB_ST_PROT32, PRB_CODE_KERNEL },
		[HM_PROT_USER] = { PRB_ST_PROT_USER, PRB_CODE_USER },
		[HM_COMPAT_USER] = { PRB_ST_COMPAT_USER, PRB_CODE_USER },
		[HM_LONG_KERNEL] = { PRB_ST_LONG_KERNEL, PRB_CODE_KERNEL },
		[HM_LONG_USER] = { PRB_ST_LONG_USER, PRB_CODE_USER },
	};
	prb_state(rows[m].st, rows[m].code, sr, r);
}
