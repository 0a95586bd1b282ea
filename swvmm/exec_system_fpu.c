/* FXSAVE, FXRSTOR, LDMXCSR, STMXCSR and WAIT (Intel SDM Vol. 3, 2.5 and
 * 13.1; Vol. 2 FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, FWAIT), and the
 * encodings of extensions the model does not offer (3DNow!, SSE4a, VEX,
 * EVEX, XOP): #UD. The x87 and SIMD instructions themselves run in
 * swvmm/exec_x87.c and swvmm/exec_simd.c.
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
#include "swvmm/exec_fpu.h"
#include "swvmm/exec_system.h"

#define SW_MXCSR_MASK 0x0000ffffu

_Static_assert(sizeof(struct fxsave_area) == 512, "FXSAVE image is 512 bytes");
_Static_assert(offsetof(struct fxsave_area, mxcsr) == 24, "MXCSR at byte 24");
_Static_assert(offsetof(struct fxsave_area, xmm) == 160, "XMM0 at byte 160");

/* ---- FXSAVE / FXRSTOR ---- */

/* #UD without FXSR, #NM with EM or TS, #GP(0) unless 16-byte aligned. */
static uint64_t fx_operand(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, FEAT_FXSR))
		sw_ud(c);
	if (c->s.cr0 & (CR0_EM | CR0_TS))
		sw_raise(c, EXC_NM, SW_NO_ERRCODE);
	return fpu_aligned_operand(c, i, 16);
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
	fpu_check_sse(c);
	uint32_t v = (uint32_t)sw_read(c, i->seg, sw_ea(c, i), 4);
	if (v & ~SW_MXCSR_MASK)
		sw_gp0(c);
	c->s.fx.mxcsr = v;
}

static void exec_stmxcsr(struct sw_cpu *c, const struct insn *i)
{
	fpu_check_sse(c);
	sw_write(c, i->seg, sw_ea(c, i), 4, c->s.fx.mxcsr);
}

/* ---- WAIT ---- */

/* WAIT/FWAIT: #NM only when both MP and TS are set; then a pending
 * unmasked exception. */
static void exec_wait(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	if ((c->s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
		sw_raise(c, EXC_NM, SW_NO_ERRCODE);
	if (c->s.fx.fsw & FSW_ES)
		fpu_x87_pending(c);
}

/* ---- extensions the model does not offer ---- */

/* FEMMS and 3DNow!: AMD's 3DNow! (CPUID 0x80000001 EDX bit 31). */
static void exec_3dnow(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, 0x80000001u, CPUID_EDX, 31))
		sw_ud(c);
	fpu_check_mmx(c);
	sys_not_executed(c, i);
}

/* SSE4a EXTRQ/INSERTQ (CPUID 0x80000001 ECX bit 6). */
static void exec_sse4a(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, 0x80000001u, CPUID_ECX, 6))
		sw_ud(c);
	fpu_check_sse(c);
	sys_not_executed(c, i);
}

/* VEX, EVEX, XOP: the model offers neither AVX nor XOP (CPUID and XCR0),
 * so they are #UD whatever CR4.OSXSAVE says. */
static void exec_vex(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_ud(c);
}

void sw_register_system_fpu(sw_exec_fn *t)
{
	t[IF_FXSAVE_M] = exec_fxsave;
	t[IF_FXRSTOR_M] = exec_fxrstor;
	t[IF_LDMXCSR_Md] = exec_ldmxcsr;
	t[IF_STMXCSR_Md] = exec_stmxcsr;
	t[IF_WAIT] = exec_wait;
	sw_register_x87(t);
	sw_register_simd(t);
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
