/* XSAVE, XSAVEOPT and XRSTOR for the two components the
 * model offers, x87 (bit 0) and SSE (bit 1) (SDM Vol. 1, chapter 13;
 * Vol. 2 instruction pages). Both live in the legacy area, laid out as
 * FXSAVE's, followed by the 64-byte header; the image is 576 bytes for
 * every XCR0 the model allows, as CPUID leaf 0xD says.
 *
 * Choices:
 * - XINUSE is taken as all ones: XSTATE_BV gets a 1 for every component
 *   saved (the SDM lets a processor report a component in use whatever
 *   its state), and XSAVEOPT saves as XSAVE does (it may skip only
 *   unmodified components).
 * - The standard form only: XSAVEC, XSAVES, XRSTORS and the compacted
 *   format are not offered (CPUID 0xD.1 EAX), so XCOMP_BV must be 0. */
#include <string.h>

#include "swvmm/exec_fpu.h"
#include "swvmm/exec_system.h"

#define XCR0_X87    1ull
#define XCR0_SSE    2ull
#define XCR0_MODEL  (XCR0_X87 | XCR0_SSE)
#define XSAVE_HDR   512u
#define XSAVE_SIZE  576u
#define MXCSR_MASK_MODEL 0xffffu

/* #UD without CR4.OSXSAVE, #NM with CR0.TS, #GP(0) unless 64-byte aligned. */
static uint64_t xsave_operand(struct sw_cpu *c, const struct insn *i)
{
	if (!(c->s.cr4 & CR4_OSXSAVE))
		sw_ud(c);
	if (c->s.cr0 & CR0_TS)
		sw_raise(c, EXC_NM, SW_NO_ERRCODE);
	return fpu_aligned_operand(c, i, 64);
}

static uint64_t rfbm(const struct sw_cpu *c)
{
	uint64_t edx_eax = (c->s.gpr[RDX] << 32) | (uint32_t)c->s.gpr[RAX];
	return edx_eax & c->s.xcr0;
}

static unsigned xmm_count(const struct sw_cpu *c)
{
	return c->mode == MODE_LONG64 ? 16 : 8;
}

static void exec_xsave(struct sw_cpu *c, const struct insn *i)
{
	uint64_t off = xsave_operand(c, i), m = rfbm(c);
	const struct fxsave_area *fx = &c->s.fx;
	uint64_t bv;

	/* What is written is checked first: a fault leaves memory alone. */
	sw_check_write(c, i->seg, off, XSAVE_SIZE);
	if (m & XCR0_X87) {
		sw_write_buf(c, i->seg, off, fx, 24);
		sw_write_buf(c, i->seg, off + 32, fx->st, sizeof(fx->st));
	}
	if (m & XCR0_SSE) {
		sw_write(c, i->seg, off + 24, 4, fx->mxcsr);
		sw_write(c, i->seg, off + 28, 4, MXCSR_MASK_MODEL);
		sw_write_buf(c, i->seg, off + 160, fx->xmm, 16 * xmm_count(c));
	}
	bv = sw_read(c, i->seg, off + XSAVE_HDR, 8);
	sw_write(c, i->seg, off + XSAVE_HDR, 8, bv | m);   /* XINUSE: all ones */
}

static void exec_xrstor(struct sw_cpu *c, const struct insn *i)
{
	uint64_t off = xsave_operand(c, i), m = rfbm(c);
	uint8_t hdr[64];
	uint64_t bv, comp, rsvd;
	struct fxsave_area img = c->s.fx;

	sw_read_buf(c, i->seg, off + XSAVE_HDR, hdr, sizeof(hdr));
	memcpy(&bv, hdr, 8);
	memcpy(&comp, hdr + 8, 8);
	memcpy(&rsvd, hdr + 16, 8);
	if ((bv & ~c->s.xcr0) || comp || rsvd)
		sw_gp0(c);
	if (m & XCR0_SSE) {
		uint32_t mxcsr = (uint32_t)sw_read(c, i->seg, off + 24, 4);
		if (mxcsr & ~MXCSR_MASK_MODEL)
			sw_gp0(c);
		img.mxcsr = mxcsr;
		if (bv & XCR0_SSE)
			sw_read_buf(c, i->seg, off + 160, img.xmm, 16 * xmm_count(c));
		else
			memset(img.xmm, 0, 16 * xmm_count(c));
	}
	if ((m & XCR0_X87) && (bv & XCR0_X87)) {
		sw_read_buf(c, i->seg, off, &img, 24);
		sw_read_buf(c, i->seg, off + 32, img.st, sizeof(img.st));
	} else if (m & XCR0_X87) {
		fpu_x87_reset(&img);
		memset(img.st, 0, sizeof(img.st));
	}
	img.mxcsr_mask = c->s.fx.mxcsr_mask;
	c->s.fx = img;
}

void sw_register_system_xsave(sw_exec_fn *t)
{
	t[IF_XSAVE_M] = exec_xsave;
	t[IF_XSAVEOPT_M] = exec_xsave;
	t[IF_XRSTOR_M] = exec_xrstor;
}
