/* Initial vCPU states (power-on, real mode for flat images, the flat 32-bit
 * state of multiboot and Linux, Linux's 64-bit state) and mode detection. */
#include <string.h>

#include "core/vcpu_state.h"

static void set_seg(struct seg_cache *c, uint16_t sel, uint64_t base, uint32_t limit,
                    uint8_t type, uint8_t s)
{
	memset(c, 0, sizeof(*c));
	c->selector = sel;
	c->base = base;
	c->limit = limit;
	c->type = type;
	c->s = s;
	c->present = 1;
}

/* A flat 4 GiB segment as a GDT descriptor with G=1, D/B=1 would give. */
static void set_flat32_seg(struct seg_cache *c, uint16_t sel, uint8_t type)
{
	set_seg(c, sel, 0, 0xffffffffu, type, 1);
	c->db = 1;
	c->g = 1;
}

void vcpu_state_reset(struct vcpu_state *s)
{
	memset(s, 0, sizeof(*s));
	/* EDX holds the processor signature after reset. 0x600 (family 6,
	 * model 0, stepping 0) stands for any family-6 part; the CPUID model
	 * reports the host's real signature, which firmware-less guests never
	 * compare against this value. */
	s->gpr[RDX] = 0x600;
	s->rip = 0xfff0;
	s->rflags = RFLAGS_FIXED;

	for (int i = 0; i < NR_SREGS; i++)
		set_seg(&s->seg[i], 0, 0, 0xffff, 0x3, 1);   /* read/write data, accessed */
	set_seg(&s->seg[SEG_CS], 0xf000, 0xffff0000ull, 0xffff, 0xb, 1); /* exec/read code */

	set_seg(&s->ldtr, 0, 0, 0xffff, 0x2, 0);  /* LDT */
	/* The SDM gives TR as a 16-bit busy TSS at reset; hardware entry checks
	 * and KVM expect a busy 32-bit TSS (type 11), which is what real
	 * processors report once in protected mode. */
	set_seg(&s->tr, 0, 0, 0xffff, 0xb, 0);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;

	s->cr0 = CR0_CD | CR0_NW | CR0_ET;           /* 0x60000010 */
	s->dr[6] = 0xffff0ff0;
	s->dr[7] = 0x400;
	s->xcr0 = 1;                                 /* x87 state always enabled */

	s->fx.fcw = 0x37f;                           /* FINIT values */
	s->fx.ftw = 0;                               /* abridged tag: all empty */
	s->fx.mxcsr = 0x1f80;
	/* Every MXCSR bit including DAZ is writable on SSE2 parts. */
	s->fx.mxcsr_mask = 0xffff;

	s->msr.pat = 0x0007040600070406ull;
	s->msr.apic_base = 0xfee00000ull | (1u << 11) | (1u << 8); /* enabled, BSP */
	/* Branch trace store and PEBS unavailable: no debug store is modelled. */
	s->msr.misc_enable = (1u << 11) | (1u << 12);
}

void vcpu_state_set_real_mode(struct vcpu_state *s, uint16_t cs, uint16_t ip)
{
	vcpu_state_reset(s);
	/* As firmware leaves the machine: caches on, so clear CD/NW. */
	s->cr0 = CR0_ET;
	for (int i = 0; i < NR_SREGS; i++)
		set_seg(&s->seg[i], cs, (uint64_t)cs << 4, 0xffff, 0x3, 1);
	set_seg(&s->seg[SEG_CS], cs, (uint64_t)cs << 4, 0xffff, 0xb, 1);
	s->rip = ip;
}

void seg_cache_set_vm86(struct seg_cache *c, uint16_t sel)
{
	set_seg(c, sel, (uint64_t)sel << 4, 0xffff, 0x3, 1);
	c->dpl = 3;
}

void vcpu_state_set_flat32_sel(struct vcpu_state *s, uint32_t eip, uint16_t cs, uint16_t ds)
{
	vcpu_state_reset(s);
	set_flat32_seg(&s->seg[SEG_CS], cs, 0xb);
	for (int i = 0; i < NR_SREGS; i++)
		if (i != SEG_CS)
			set_flat32_seg(&s->seg[i], ds, 0x3);
	/* NE: x87 errors raise #MF; the legacy FERR#/IRQ13 path is not modelled. */
	s->cr0 = CR0_PE | CR0_ET | CR0_NE;
	s->rflags = RFLAGS_FIXED;                    /* IF=0, VM=0 */
	s->rip = eip;
}

void vcpu_state_set_flat32(struct vcpu_state *s, uint32_t eip)
{
	/* Multiboot leaves GDTR/IDTR undefined, so the selectors only hint at
	 * a conventional GDT (code 0x08, data 0x10); the caches are what count. */
	vcpu_state_set_flat32_sel(s, eip, 0x08, 0x10);
}

void vcpu_state_set_long64(struct vcpu_state *s, uint64_t rip, uint64_t cr3, uint16_t cs,
			   uint16_t ds)
{
	vcpu_state_set_flat32_sel(s, 0, cs, ds);
	s->seg[SEG_CS].l = 1;                        /* as a descriptor with L=1, D=0 */
	s->seg[SEG_CS].db = 0;
	s->cr3 = cr3;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
	s->cr0 |= CR0_PG;
	s->rip = rip;
}

bool seg_cache_equal(const struct seg_cache *a, const struct seg_cache *b)
{
#define SAME_FIELD(f) a->f == b->f &&
	return SEG_CACHE_FIELDS(SAME_FIELD) true;
#undef SAME_FIELD
}

enum cpu_mode vcpu_mode(const struct vcpu_state *s)
{
	const struct seg_cache *cs = &s->seg[SEG_CS];

	if (!(s->cr0 & CR0_PE))
		return MODE_REAL;
	if (s->efer & EFER_LMA) {
		if (cs->l)
			return MODE_LONG64;
		return cs->db ? MODE_COMPAT32 : MODE_COMPAT16;
	}
	if (s->rflags & RFLAGS_VM)
		return MODE_VM86;
	return cs->db ? MODE_PROT32 : MODE_PROT16;
}

const char *cpu_mode_name(enum cpu_mode m)
{
	static const char *const names[] = {
		[MODE_REAL] = "real",
		[MODE_VM86] = "vm86",
		[MODE_PROT16] = "prot16",
		[MODE_PROT32] = "prot32",
		[MODE_COMPAT16] = "compat16",
		[MODE_COMPAT32] = "compat32",
		[MODE_LONG64] = "long64",
	};
	if ((unsigned)m < sizeof(names) / sizeof(names[0]) && names[m])
		return names[m];
	return "unknown";
}
