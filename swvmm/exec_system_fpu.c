/* The x87/MMX/SSE boundary of the interpreter (Intel SDM Vol. 3, 2.5 and
 * 13.1; Vol. 2 FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, FWAIT).
 *
 * What executes: FXSAVE/FXRSTOR (the canonical FXSAVE area), LDMXCSR,
 * STMXCSR, WAIT, EMMS, and the x87 control instructions a kernel uses to
 * find and initialise the FPU (FNINIT, FNCLEX, FNSTSW, FNSTCW, FLDCW).
 * Every other x87, MMX, SSE, 3DNow!, VEX, EVEX and XOP instruction first
 * gets the exceptions CR0, CR4 and CPUID give it (#UD for CR0.EM with
 * MMX/SSE, for CR4.OSFXSR clear with SSE, for a feature the model lacks;
 * #NM for CR0.TS, and for CR0.EM with x87), and then #UD: executing them
 * is later work, reported once per form.
 *
 * Choices:
 * - The FXSAVE image's FIP/FCS and FDP/FDS fields (bytes 8-23) are moved
 *   verbatim between memory and the state, which round-trips both the
 *   32-bit and the 64-bit (REX.W) layouts exactly.
 * - MXCSR_MASK is that of every processor since the Pentium 4 without
 *   misaligned-SSE mode: 0xffff. FXSAVE stores it; FXRSTOR checks MXCSR
 *   against it (#GP) and does not load the field.
 * - XMM8-15 are saved and restored in 64-bit mode only; the reserved
 *   bytes 416-511 are not written. CR4.OSFXSR does not change what
 *   FXSAVE/FXRSTOR move (the SDM makes that implementation-dependent). */
#include <string.h>

#include "core/vm.h"
#include "swvmm/exec_system.h"

#define SW_MXCSR_MASK 0x0000ffffu
#define FSW_ES  0x0080u          /* error summary: an unmasked exception pends */
#define FSW_CLEX 0x80ffu         /* FNCLEX: exception flags, SF, ES, B */

_Static_assert(sizeof(struct fxsave_area) == 512, "FXSAVE image is 512 bytes");
_Static_assert(offsetof(struct fxsave_area, mxcsr) == 24, "MXCSR at byte 24");
_Static_assert(offsetof(struct fxsave_area, xmm) == 160, "XMM0 at byte 160");

static __attribute__((noreturn)) void raise_nm(struct sw_cpu *c)
{
	sw_raise(c, EXC_NM, SW_NO_ERRCODE);
}

/* x87: CR0.EM or CR0.TS gives #NM. */
static void x87_check(struct sw_cpu *c)
{
	if (c->s.cr0 & (CR0_EM | CR0_TS))
		raise_nm(c);
}

/* A waiting x87 instruction first reports a pending unmasked exception
 * (#MF with CR0.NE; the external FERR# path is not modelled). */
static void x87_wait_check(struct sw_cpu *c)
{
	if ((c->s.fx.fsw & FSW_ES) && (c->s.cr0 & CR0_NE))
		sw_raise(c, EXC_MF, SW_NO_ERRCODE);
}

/* MMX: CR0.EM is #UD, CR0.TS #NM. */
static void mmx_check(struct sw_cpu *c)
{
	if (!sys_cpuid_has(c, FEAT_MMX) || (c->s.cr0 & CR0_EM))
		sw_ud(c);
	if (c->s.cr0 & CR0_TS)
		raise_nm(c);
}

/* SSE: CR0.EM or CR4.OSFXSR clear is #UD, then CR0.TS #NM. */
static void sse_check(struct sw_cpu *c, bool sse2)
{
	if (!sys_cpuid_has(c, FEAT_SSE) || (sse2 && !sys_cpuid_has(c, 1u, CPUID_EDX, 26)))
		sw_ud(c);
	if ((c->s.cr0 & CR0_EM) || !(c->s.cr4 & CR4_OSFXSR))
		sw_ud(c);
	if (c->s.cr0 & CR0_TS)
		raise_nm(c);
}

/* ---- FXSAVE / FXRSTOR ---- */

/* #UD without FXSR, #NM with EM or TS, #GP(0) unless 16-byte aligned. */
static uint64_t fx_operand(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, FEAT_FXSR))
		sw_ud(c);
	if (c->s.cr0 & (CR0_EM | CR0_TS))
		raise_nm(c);
	uint64_t off = sw_ea(c, i);
	if (sys_linear_nocheck(c, i->seg, off) & 15)
		sw_gp0(c);
	return off;
}

/* Bytes of the image FXSAVE/FXRSTOR move: through XMM15 in 64-bit mode,
 * through XMM7 elsewhere. */
static unsigned fx_len(const struct sw_cpu *c)
{
	return (unsigned)offsetof(struct fxsave_area, xmm) + 16u * (c->mode == MODE_LONG64 ? 16 : 8);
}

static void exec_fxsave(struct sw_cpu *c, const struct insn *i)
{
	uint64_t off = fx_operand(c, i);
	struct fxsave_area img = c->s.fx;
	img.mxcsr_mask = SW_MXCSR_MASK;
	sw_write_buf(c, i->seg, off, &img, fx_len(c));
}

static void exec_fxrstor(struct sw_cpu *c, const struct insn *i)
{
	uint64_t off = fx_operand(c, i);
	struct fxsave_area img;
	unsigned n = fx_len(c);

	memcpy(&img, &c->s.fx, sizeof(img));
	sw_read_buf(c, i->seg, off, &img, n);
	if (img.mxcsr & ~SW_MXCSR_MASK)
		sw_gp0(c);
	img.mxcsr_mask = c->s.fx.mxcsr_mask;
	c->s.fx = img;
}

/* ---- MXCSR ---- */

static void exec_ldmxcsr(struct sw_cpu *c, const struct insn *i)
{
	sse_check(c, false);
	uint32_t v = (uint32_t)sw_read(c, i->seg, sw_ea(c, i), 4);
	if (v & ~SW_MXCSR_MASK)
		sw_gp0(c);
	c->s.fx.mxcsr = v;
}

static void exec_stmxcsr(struct sw_cpu *c, const struct insn *i)
{
	sse_check(c, false);
	sw_write(c, i->seg, sw_ea(c, i), 4, c->s.fx.mxcsr);
}

/* ---- x87 ---- */

/* WAIT/FWAIT: #NM only when both MP and TS are set. */
static void exec_wait(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	if ((c->s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		raise_nm(c);
	x87_wait_check(c);
}

/* FNINIT: FCW 0x37f, status, tags (all empty: abridged 0), opcode and
 * pointers cleared. */
static void fninit(struct sw_cpu *c)
{
	struct fxsave_area *fx = &c->s.fx;
	fx->fcw = 0x37f;
	fx->fsw = 0;
	fx->ftw = 0;
	fx->fop = 0;
	fx->fip = 0;
	fx->fdp = 0;
}

static void exec_x87(struct sw_cpu *c, const struct insn *i)
{
	x87_check(c);
	unsigned op = i->opcode, reg = (i->modrm >> 3) & 7;
	bool mem = i->flags & INSN_MEM;

	if (!mem && op == 0xdb && i->modrm == 0xe3) {         /* FNINIT */
		fninit(c);
		return;
	}
	if (!mem && op == 0xdb && i->modrm == 0xe2) {         /* FNCLEX */
		c->s.fx.fsw &= (uint16_t)~FSW_CLEX;
		return;
	}
	if (!mem && op == 0xdf && i->modrm == 0xe0) {         /* FNSTSW AX */
		sw_gpr_write(c, RAX, 2, false, c->s.fx.fsw);
		return;
	}
	if (mem && op == 0xdd && reg == 7) {                  /* FNSTSW m16 */
		sw_write(c, i->seg, sw_ea(c, i), 2, c->s.fx.fsw);
		return;
	}
	if (mem && op == 0xd9 && reg == 7) {                  /* FNSTCW m16 */
		sw_write(c, i->seg, sw_ea(c, i), 2, c->s.fx.fcw);
		return;
	}
	if (mem && op == 0xd9 && reg == 5) {                  /* FLDCW m16 */
		x87_wait_check(c);
		c->s.fx.fcw = (uint16_t)sw_read(c, i->seg, sw_ea(c, i), 2);
		return;
	}
	sys_not_executed(c, i);
}

/* ---- MMX, SSE, 3DNow!, VEX ---- */

static bool simd_feature(struct sw_cpu *c, unsigned feat)
{
	switch (feat) {
#define FEAT_CASE(f, leaf, reg, bit) case SFEAT_##f: return sys_cpuid_has(c, leaf, reg, bit);
	SIMD_FEATURE_LIST(FEAT_CASE)
#undef FEAT_CASE
	}
	return false;
}

/* The decoder's row says the feature and the registers: the MMX
 * instructions of the 0F map get MMX's checks, the others (MMX-register
 * conversions included) SSE's. EMMS empties every x87 tag. */
static void exec_simd(struct sw_cpu *c, const struct insn *i)
{
	const struct simd_form *f = insn_simd(i);

	if (!simd_feature(c, f->feat))
		sw_ud(c);
	if (f->map == 1 && f->pfx == SPFX_NP && (f->flags & SFL_MMX) &&
	    !(f->flags & SFL_MXCSR))
		mmx_check(c);
	else
		sse_check(c, false);
	if (i->imm2 == SF_EMMS) {
		c->s.fx.ftw = 0;
		return;
	}
	sys_not_executed(c, i);
}

/* FEMMS and 3DNow!: AMD's 3DNow! (CPUID 0x80000001 EDX bit 31). */
static void exec_3dnow(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, 0x80000001u, CPUID_EDX, 31))
		sw_ud(c);
	mmx_check(c);
	sys_not_executed(c, i);
}

/* SSE4a EXTRQ/INSERTQ (CPUID 0x80000001 ECX bit 6). */
static void exec_sse4a(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, 0x80000001u, CPUID_ECX, 6))
		sw_ud(c);
	sse_check(c, true);
	sys_not_executed(c, i);
}

/* VEX, EVEX, XOP: AVX needs CR4.OSXSAVE, which needs XSAVE in the model;
 * without it these are #UD before any #NM. */
static void exec_vex(struct sw_cpu *c, const struct insn *i)
{
	if (!(c->s.cr4 & CR4_OSXSAVE))
		sw_ud(c);
	sys_not_executed(c, i);
}

void sw_register_system_fpu(sw_exec_fn *t)
{
	t[IF_FXSAVE_M] = exec_fxsave;
	t[IF_FXRSTOR_M] = exec_fxrstor;
	t[IF_LDMXCSR_Md] = exec_ldmxcsr;
	t[IF_STMXCSR_Md] = exec_stmxcsr;
	t[IF_WAIT] = exec_wait;
	t[IF_X87] = exec_x87;
	t[IF_SIMD] = exec_simd;
	t[IF_FEMMS] = exec_3dnow;
	t[IF_AMD3DNOW] = exec_3dnow;
	t[IF_EXTRQ_IbIb] = exec_sse4a;
	t[IF_INSERTQ_IbIb] = exec_sse4a;
	t[IF_EXTRQ_Ux] = exec_sse4a;
	t[IF_INSERTQ_Ux] = exec_sse4a;
	t[IF_VEX] = exec_vex;
	t[IF_EVEX] = exec_vex;
	t[IF_XOP] = exec_vex;
}
