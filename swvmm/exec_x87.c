/* x87 (the rows of X87_TABLE, swvmm/simd_table.h), run on the host's
 * own unit (swvmm/fpu_host.h, docs/swvmm.md): the host computes every
 * result, status and tag bit with the guest's control word, precision and
 * rounding control included. An unmasked exception the instruction raises
 * only sets ES (the host does not fault until its next waiting
 * instruction, which never comes: FXSAVE and FXRSTOR do not wait); a
 * pending one stops the next waiting instruction with #MF (or IRQ 13)
 * before it runs.
 *
 * What the interpreter keeps itself: the last-instruction fields (FOP,
 * FIP/FCS, FDP/FDS), which the host would fill with its own addresses;
 * the memory operand; and the environment and state images of FLDENV,
 * FNSTENV, FRSTOR and FNSAVE (swvmm/exec_x87_env.c), whose layouts
 * depend on the guest's mode.
 *
 * Choices:
 * - FIP and FDP hold the offsets, FCS and FDS the selectors (FXSAVE's
 *   32-bit layout: selector in bits 32-47), or the 64-bit offsets in
 *   64-bit mode; selectors read as 0 where the model says FCS/FDS are
 *   deprecated (CPUID.7.0:EBX[13]). FDP changes only with a memory
 *   operand.
 * - A store whose unmasked invalid-operation, overflow or underflow
 *   exception stops it leaves memory unchanged, as the host does. */
#include <string.h>

#include "core/vm.h"
#include "swvmm/decode.h"
#include "swvmm/exec_fpu.h"
#include "swvmm/exec_system.h"
#include "swvmm/flags.h"

#define FSW_IE 0x01u
#define FSW_OE 0x08u
#define FSW_UE 0x10u

/* FCOMI, FCOMIP, FUCOMI, FUCOMIP: ZF, PF, CF in RFLAGS. */
static bool writes_rflags(const struct insn *i)
{
	return (i->opcode == 0xdb || i->opcode == 0xdf) && !(i->flags & INSN_MEM) &&
	       i->modrm >= 0xe8 && i->modrm <= 0xf7;
}

/* FNSTSW AX. */
static bool writes_ax(const struct insn *i)
{
	return i->opcode == 0xdf && i->modrm == 0xe0;
}

static uint64_t with_selector(const struct sw_cpu *c, uint64_t off, unsigned sreg)
{
	if (c->mode == MODE_LONG64)
		return off;
	uint64_t sel = sys_cpuid_has(c, 7u, CPUID_EBX, 13) ? 0 : c->s.seg[sreg].selector;
	return (off & 0xffffffffu) | sel << 32;
}

/* The last-instruction fields of a non-control instruction. */
static void note_last(struct sw_cpu *c, const struct insn *i, uint64_t off)
{
	struct fxsave_area *fx = &c->s.fx;
	fx->fop = (uint16_t)((i->opcode & 7u) << 8 | i->modrm);
	fx->fip = with_selector(c, c->insn_rip, SEG_CS);
	if (i->flags & INSN_MEM)
		fx->fdp = with_selector(c, off, i->seg);
}

/* Whether a store happened: not when the instruction raised an unmasked
 * invalid-operation, overflow or underflow exception (one pending before
 * would have stopped it, so the new flags are the ones that count). */
static bool store_done(const struct sw_cpu *c, const struct fpu_host_ctx *x)
{
	unsigned raised = x->fx.fsw & ~c->s.fx.fsw & ~x->fx.fcw & 0x3fu;
	return !(raised & (FSW_IE | FSW_OE | FSW_UE));
}

/* FNINIT clears the last-instruction fields too. */
static bool is_fninit(const struct insn *i)
{
	return i->opcode == 0xdb && i->modrm == 0xe3;
}

static void exec_x87(struct sw_cpu *c, const struct insn *i)
{
	const struct x87_form *f = insn_x87(i);
	fpu_check_x87(c);
	if (f->flags & XFL_C) {
		x87_env_exec(c, i);
		return;
	}
	struct fpu_host_ctx *x = fpu_begin(c);
	uint64_t off = 0;
	if (i->flags & INSN_MEM) {
		off = sw_ea(c, i);
		if (f->flags & XFL_MEMDST)
			sw_check_write(c, i->seg, off, f->msize);
		else
			sw_read_buf(c, i->seg, off, x->mem, f->msize);
	}
	x->gpr[FPU_RAX] = c->s.gpr[RAX];
	/* The host's encoding: the opcode and ModRM, memory at [RSI]. */
	uint8_t b[2] = { i->opcode, i->flags & INSN_MEM ? (uint8_t)((i->modrm & 0x38) | 6) : i->modrm };
	if (!fpu_run(c, b, 2))
		return;
	if ((f->flags & XFL_MEMDST) && store_done(c, x))
		sw_write_buf(c, i->seg, off, x->mem, f->msize);
	fpu_commit_image(c, x);
	if (is_fninit(i))
		fpu_x87_reset(&c->s.fx);
	if (writes_ax(i))
		sw_gpr_write(c, RAX, 2, false, x->gpr[FPU_RAX]);
	if (writes_rflags(i))
		sw_flags_set(c, SW_FLAGS_ARITH, x->rflags & SW_FLAGS_ARITH);
	if (!(f->flags & XFL_CONTROL))
		note_last(c, i, off);
}

void sw_register_x87(sw_exec_fn *t)
{
	t[IF_X87] = exec_x87;
}
