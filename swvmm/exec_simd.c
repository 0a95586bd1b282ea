/* MMX and SSE..SSE4.2 (the rows of SIMD_TABLE, swvmm/simd_table.h), run
 * on the host's own unit (swvmm/fpu_host.h, docs/swvmm.md).
 *
 * What the interpreter does itself: the #UD/#NM rules of CR0, CR4 and
 * the CPUID model, the memory operand (segmentation, paging, the 16-byte
 * alignment of legacy SSE, read before and written after), and moving
 * general registers in and out. The host re-encoding keeps the guest's
 * XMM and MM register numbers, so implicit operands (XMM0 of BLENDV*,
 * PCMPxSTRM) and aliasing need nothing special; general registers become
 * RAX (ModRM.reg) and RDX (ModRM.rm), PCMPxSTRx's implicit EAX/EDX/ECX
 * are the guest's, memory is [RSI].
 *
 * Choices:
 * - The OSFXSR rule applies to forms that touch XMM registers or MXCSR;
 *   forms on MMX registers only (including the SSE and SSSE3 additions
 *   such as PSHUFW and PSHUFB mm) follow the MMX rules (SDM Vol. 3,
 *   Table 13-1 and the exception classes of Vol. 2, 22.x).
 * - A SIMD instruction leaves the x87 last-instruction fields alone. */
#include <string.h>

#include "core/vm.h"
#include "swvmm/decode.h"
#include "swvmm/exec_fpu.h"
#include "swvmm/exec_system.h"
#include "swvmm/flags.h"


static bool is_gpr(unsigned o)
{
	return o == SOP_Gd || o == SOP_Gy || o == SOP_Gw || o == SOP_Ed || o == SOP_Ey ||
	       o == SOP_Ew || o == SOP_Eb || o == SOP_Rd || o == SOP_Ry;
}

static bool is_xmm(unsigned o)
{
	return o == SOP_V || o == SOP_U || o == SOP_W || o == SOP_X0;
}

static bool touches_xmm(const struct simd_form *f)
{
	return is_xmm(f->o[0]) || is_xmm(f->o[1]) || is_xmm(f->o[2]) ||
	       (f->flags & SFL_MXCSR);
}

static void simd_check(struct sw_cpu *c, const struct simd_form *f)
{
	if (!(c->simd_feats & (1u << f->feat)))
		sw_ud(c);
	if (touches_xmm(f))
		fpu_check_sse(c);
	else
		fpu_check_mmx(c);
}

static bool wide(const struct insn *i)
{
	return i->rex & 8;
}

/* Bytes of the memory operand: Ey and Ry follow REX.W. */
static unsigned mem_size(const struct insn *i, const struct simd_form *f)
{
	unsigned rm = simd_rm_operand(f);
	if ((rm == SOP_Ey || rm == SOP_Ry) && wide(i))
		return 8;
	return f->msize;
}

/* The host's encoding: mandatory prefix, REX (R/B for XMM8-15, W as the
 * guest gave it), escape bytes, opcode, ModRM, immediate. */
static unsigned encode(const struct insn *i, const struct simd_form *f, uint8_t *b)
{
	static const uint8_t pfx[4] = { 0, 0x66, 0xf3, 0xf2 };
	unsigned n = 0, reg, rm, mod = 3, rex = wide(i) ? 8 : 0;
	unsigned ro = simd_reg_operand(f), mo = simd_rm_operand(f);

	if (f->pfx)
		b[n++] = pfx[f->pfx];
	reg = ro == SOP_V ? i->reg : ro == SOP_P ? (i->reg & 7u) :
	      ro == SOP___ ? ((i->modrm >> 3) & 7u) : 0;              /* G: RAX */
	if (i->flags & INSN_MEM) {
		mod = 0;
		rm = 6;                                               /* [RSI] */
	} else {
		rm = is_gpr(mo) ? 2 : is_xmm(mo) ? i->rm : (i->rm & 7u); /* E: RDX */
	}
	rex |= (reg & 8 ? 4 : 0) | (rm & 8 ? 1 : 0);
	if (rex)
		b[n++] = (uint8_t)(0x40 | rex);
	b[n++] = 0x0f;
	if (f->map == 2)
		b[n++] = 0x38;
	else if (f->map == 3)
		b[n++] = 0x3a;
	b[n++] = f->op;
	if (f->o[0] != SOP___)                                /* not EMMS */
		b[n++] = (uint8_t)(mod << 6 | (reg & 7) << 3 | (rm & 7));
	if (simd_has_imm(f))
		b[n++] = (uint8_t)i->imm;
	return n;
}

static unsigned gpr_size(const struct insn *i, unsigned o)
{
	switch (o) {
	case SOP_Gy: case SOP_Ey: case SOP_Ry:
		return wide(i) ? 8 : 4;
	default:
		return 4;
	}
}

static void gprs_in(struct sw_cpu *c, const struct insn *i, const struct simd_form *f,
                    struct fpu_host_ctx *x)
{
	if (f->flags & SFL_ECX) {
		x->gpr[FPU_RAX] = c->s.gpr[RAX];
		x->gpr[FPU_RDX] = c->s.gpr[RDX];
		x->gpr[FPU_RCX] = c->s.gpr[RCX];
		return;
	}
	if (is_gpr(simd_reg_operand(f)))
		x->gpr[FPU_RAX] = c->s.gpr[i->reg];
	if (is_gpr(simd_rm_operand(f)) && !(i->flags & INSN_MEM))
		x->gpr[FPU_RDX] = c->s.gpr[i->rm];
}

static void gprs_out(struct sw_cpu *c, const struct insn *i, const struct simd_form *f,
                     const struct fpu_host_ctx *x)
{
	unsigned dst = f->o[0];
	if (f->flags & SFL_ECX)
		c->s.gpr[RCX] = x->gpr[FPU_RCX];
	else if (is_gpr(dst) && simd_is_reg_field(dst))
		sw_gpr_write(c, i->reg, gpr_size(i, dst), false, x->gpr[FPU_RAX]);
	else if (is_gpr(dst) && !(i->flags & INSN_MEM))
		sw_gpr_write(c, i->rm, gpr_size(i, dst), false, x->gpr[FPU_RDX]);
	if (f->flags & SFL_FLAGS)
		sw_flags_set(c, SW_FLAGS_ARITH, x->rflags & SW_FLAGS_ARITH);
}

/* MMi is physical register i: the image's slot (i - TOS) mod 8, the
 * image holding ST0-ST7 in stack order. */
static uint8_t *mmx_reg(struct fxsave_area *fx, unsigned i)
{
	return fx->st[(i - ((fx->fsw >> 11) & 7u)) & 7u];
}

/* The x87-to-MMX transition of an MMX instruction: TOS 0, all valid. */
static void mmx_transition(struct fxsave_area *fx)
{
	fpu_x87_set_top(fx, 0);
	fx->ftw = 0xff;
}

/* MASKMOVQ / MASKMOVDQU: the bytes whose mask byte has its top bit set
 * are stored at DS:rDI (segment override allowed), one by one so that a
 * fault leaves the earlier ones written, as the SDM allows. MASKMOVQ is
 * an MMX instruction: a pending x87 exception stops it (#MF), and it
 * makes the x87-to-MMX transition. */
static void exec_maskmov(struct sw_cpu *c, const struct insn *i, const struct simd_form *f)
{
	bool mmx = f->o[0] == SOP_P;
	unsigned n = mmx ? 8 : 16;
	const uint8_t *src, *mask;
	if (mmx) {
		if (c->s.fx.fsw & FSW_ES) {
			fpu_x87_pending(c);
			return;
		}
		src = mmx_reg(&c->s.fx, i->reg & 7);
		mask = mmx_reg(&c->s.fx, i->rm & 7);
	} else {
		src = c->s.fx.xmm[i->reg];
		mask = c->s.fx.xmm[i->rm];
	}
	uint64_t off = sw_trunc(c->s.gpr[RDI], i->adsize);
	for (unsigned k = 0; k < n; k++)
		if (mask[k] & 0x80)
			sw_write(c, i->seg, sw_trunc(off + k, i->adsize), 1, src[k]);
	if (mmx)
		mmx_transition(&c->s.fx);
}

/* The XMM registers an SSE instruction names, and XMM0, the implicit
 * operand of BLENDV* and PCMPxSTRM. */
static uint16_t xmm_used(const struct insn *i, const struct simd_form *f)
{
	uint16_t m = 1;
	if (simd_reg_operand(f) == SOP_V)
		m |= (uint16_t)(1u << i->reg);
	if (is_xmm(simd_rm_operand(f)) && !(i->flags & INSN_MEM))
		m |= (uint16_t)(1u << i->rm);
	return m;
}

static void exec_simd(struct sw_cpu *c, const struct insn *i)
{
	const struct simd_form *f = insn_simd(i);
	simd_check(c, f);
	if (f->flags & SFL_C) {
		exec_maskmov(c, i, f);
		return;
	}
	bool sse = !(f->flags & SFL_MMX);
	uint16_t xmm = sse ? xmm_used(i, f) : 0;
	struct fpu_host_ctx *x = sse ? fpu_begin_sse(c, xmm) : fpu_begin(c);
	uint64_t off = 0;
	unsigned msize = 0;
	if (i->flags & INSN_MEM) {
		off = sw_ea(c, i);
		msize = mem_size(i, f);
		if ((f->flags & SFL_A16) && (sys_linear_nocheck(c, i->seg, off) & 15))
			sw_gp0(c);
		if (f->flags & SFL_MEMDST)
			sw_check_write(c, i->seg, off, msize);
		else
			sw_read_buf(c, i->seg, off, x->mem, msize);
	}
	gprs_in(c, i, f, x);
	uint8_t b[16];
	unsigned n = encode(i, f, b);
	if (!(sse ? fpu_run_sse(c, b, n, xmm) : fpu_run(c, b, n)))
		return;
	if (msize && (f->flags & SFL_MEMDST))
		sw_write_buf(c, i->seg, off, x->mem, msize);
	if (!sse)
		fpu_commit_image(c, x);
	gprs_out(c, i, f, x);
}

void sw_register_simd(sw_exec_fn *t)
{
	t[IF_SIMD] = exec_simd;
}
