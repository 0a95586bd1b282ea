/* The remaining system instructions: HLT, INVLPG, WBINVD, INVD, CLFLUSH,
 * the fences, CLFLUSHOPT/CLWB, and the instructions whose existence CPUID decides
 * (MONITOR/MWAIT, RDRAND/RDSEED, RDPID, CLAC/STAC, XGETBV/XSETBV,
 * RD/WR FS/GS BASE): #UD unless the VM's CPUID model advertises them (and
 * CR4 enables them where it must), as on a processor without the feature.
 * RSM is #UD: the virtual CPU never enters system-management mode. */
#include <sys/random.h>

#include "swvmm/exec_system.h"
#include "swvmm/flags.h"

/* HLT: the run loop sees halted and waits for an event, or stops the VM
 * when interrupts are off (swvmm/sw_engine.c); RIP is already past it. */
static void exec_hlt(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sys_need_cpl0(c);
	c->s.ev.halted = true;
}

/* INVLPG never faults on its address (a non-canonical one flushes
 * nothing that matters); segment limits are not checked. */
static void exec_invlpg(struct sw_cpu *c, const struct insn *i)
{
	sys_need_cpl0(c);
	sw_tlb_flush_page(c, sys_linear_nocheck(c, i->seg, sw_ea(c, i)));
}

/* Caches are not modelled: cache maintenance only checks privilege. */
static void exec_wbinvd(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sys_need_cpl0(c);
}

/* CLFLUSH checks its operand as a byte read (segment, then paging) and
 * does nothing else; no memory is read, so MMIO sees no access. */
static void exec_clflush(struct sw_cpu *c, const struct insn *i)
{
	uint64_t lin = sw_seg_linear(c, i->seg, sw_ea(c, i), 1, ACC_READ);
	sw_translate(c, lin, ACC_READ);
}

/* CLFLUSHOPT and CLWB (66 0F AE /7, /6) behave as CLFLUSH where CPUID
 * leaf 7 advertises them, and are #UD elsewhere. */
static void exec_clflushopt(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, 7u, CPUID_EBX, 23))
		sw_ud(c);
	exec_clflush(c, i);
}

static void exec_clwb(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, 7u, CPUID_EBX, 24))
		sw_ud(c);
	exec_clflush(c, i);
}

/* Fences order nothing in a sequential interpreter. LFENCE and MFENCE
 * came with SSE2, SFENCE with SSE. */
static void exec_lfence(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	if (!sys_cpuid_has(c, 1u, CPUID_EDX, 26))
		sw_ud(c);
}

static void exec_sfence(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	if (!sys_cpuid_has(c, FEAT_SSE))
		sw_ud(c);
}

/* MONITOR/MWAIT where advertised: CPL 0 only (#UD otherwise, as without
 * the MSR enable), no extensions (ECX must be 0 / at most bit 0 for MWAIT),
 * and MWAIT returns at once, which the SDM allows. */
static void monitor_common(struct sw_cpu *c)
{
	if (!sys_cpuid_has(c, FEAT_MONITOR) || c->cpl != 0)
		sw_ud(c);
}

static void exec_monitor(struct sw_cpu *c, const struct insn *i)
{
	monitor_common(c);
	if ((uint32_t)c->s.gpr[RCX] != 0)
		sw_gp0(c);
	unsigned seg = (i->flags & INSN_SEGOVR) ? i->seg : SEG_DS;
	uint64_t lin = sw_seg_linear(c, seg, sw_trunc(c->s.gpr[RAX], i->adsize), 1, ACC_READ);
	sw_translate(c, lin, ACC_READ);
}

static void exec_mwait(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	monitor_common(c);
	if ((uint32_t)c->s.gpr[RCX] > 1)
		sw_gp0(c);
}

/* RDRAND/RDSEED where advertised: host randomness; CF = 1 with a value,
 * CF = 0 and 0 when none is available; OF SF ZF AF PF cleared. */
static void random_to_reg(struct sw_cpu *c, const struct insn *i)
{
	uint64_t v = 0;
	bool ok = getrandom(&v, i->opsize, GRND_NONBLOCK) == (ssize_t)i->opsize;
	if (!ok)
		v = 0;
	sw_gpr_write(c, i->rm, i->opsize, false, v);
	sw_flags_set(c, SW_FLAGS_ARITH, ok ? RFLAGS_CF : 0);
}

static void exec_rdrand(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, FEAT_RDRAND))
		sw_ud(c);
	random_to_reg(c, i);
}

static void exec_rdseed(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, FEAT_RDSEED))
		sw_ud(c);
	random_to_reg(c, i);
}

static void exec_rdpid(struct sw_cpu *c, const struct insn *i)
{
	if (!sys_cpuid_has(c, FEAT_RDPID))
		sw_ud(c);
	sw_gpr_write(c, i->rm, i->opsize, false, c->s.msr.tsc_aux & 0xffffffffull);
}

/* CLAC/STAC (SMAP): CPL 0 only, #UD elsewhere. */
static void smap_ac(struct sw_cpu *c, bool set)
{
	if (!sys_cpuid_has(c, FEAT_SMAP) || c->cpl != 0)
		sw_ud(c);
	if (set)
		c->s.rflags |= RFLAGS_AC;
	else
		c->s.rflags &= ~RFLAGS_AC;
}

static void exec_clac(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	smap_ac(c, false);
}

static void exec_stac(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	smap_ac(c, true);
}

/* XGETBV/XSETBV need CR4.OSXSAVE (which needs XSAVE in the model). Only
 * XCR0 exists, holding x87 and SSE state at most. */
static void exec_xgetbv(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	if (!(c->s.cr4 & CR4_OSXSAVE))
		sw_ud(c);
	if ((uint32_t)c->s.gpr[RCX] != 0)
		sw_gp0(c);
	sw_gpr_write(c, RAX, 4, false, c->s.xcr0 & 0xffffffffull);
	sw_gpr_write(c, RDX, 4, false, c->s.xcr0 >> 32);
}

static void exec_xsetbv(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	if (!(c->s.cr4 & CR4_OSXSAVE))
		sw_ud(c);
	sys_need_cpl0(c);
	uint64_t v = (c->s.gpr[RDX] << 32) | (c->s.gpr[RAX] & 0xffffffffull);
	if ((uint32_t)c->s.gpr[RCX] != 0 || !(v & 1) || (v & ~3ull))
		sw_gp0(c);
	c->s.xcr0 = v;
}

/* RD/WR FS/GS BASE (64-bit mode only, at decode): need CR4.FSGSBASE. */
static struct seg_cache *fsgs(struct sw_cpu *c, unsigned sreg)
{
	if (!(c->s.cr4 & CR4_FSGSBASE))
		sw_ud(c);
	return &c->s.seg[sreg];
}

static void rd_base(struct sw_cpu *c, const struct insn *i, unsigned sreg)
{
	sw_gpr_write(c, i->rm, i->opsize, false, fsgs(c, sreg)->base);
}

static void wr_base(struct sw_cpu *c, const struct insn *i, unsigned sreg)
{
	struct seg_cache *sc = fsgs(c, sreg);
	uint64_t v = sw_gpr_read(c, i->rm, i->opsize, false);
	if (!sw_canonical(v))
		sw_gp0(c);
	sc->base = v;
}

static void exec_rdfsbase(struct sw_cpu *c, const struct insn *i)
{
	rd_base(c, i, SEG_FS);
}

static void exec_rdgsbase(struct sw_cpu *c, const struct insn *i)
{
	rd_base(c, i, SEG_GS);
}

static void exec_wrfsbase(struct sw_cpu *c, const struct insn *i)
{
	wr_base(c, i, SEG_FS);
}

static void exec_wrgsbase(struct sw_cpu *c, const struct insn *i)
{
	wr_base(c, i, SEG_GS);
}

static void exec_rsm(struct sw_cpu *c, const struct insn *i)
{
	(void)i;
	sw_ud(c);
}

void sw_register_system_misc(sw_exec_fn *t)
{
	t[IF_HLT] = exec_hlt;
	t[IF_INVLPG_Mb] = exec_invlpg;
	t[IF_WBINVD] = exec_wbinvd;
	t[IF_INVD] = exec_wbinvd;
	t[IF_CLFLUSH_Mb] = exec_clflush;
	t[IF_CLFLUSHOPT_Mb] = exec_clflushopt;
	t[IF_CLWB_Mb] = exec_clwb;
	t[IF_LFENCE] = exec_lfence;
	t[IF_MFENCE] = exec_lfence;
	t[IF_SFENCE] = exec_sfence;
	t[IF_MONITOR] = exec_monitor;
	t[IF_MWAIT] = exec_mwait;
	t[IF_RDRAND_Rv] = exec_rdrand;
	t[IF_RDSEED_Rv] = exec_rdseed;
	t[IF_RDPID_Ry] = exec_rdpid;
	t[IF_CLAC] = exec_clac;
	t[IF_STAC] = exec_stac;
	t[IF_XGETBV] = exec_xgetbv;
	t[IF_XSETBV] = exec_xsetbv;
	t[IF_RDFSBASE_Ry] = exec_rdfsbase;
	t[IF_RDGSBASE_Ry] = exec_rdgsbase;
	t[IF_WRFSBASE_Ry] = exec_wrfsbase;
	t[IF_WRGSBASE_Ry] = exec_wrgsbase;
	t[IF_RSM] = exec_rsm;
}
