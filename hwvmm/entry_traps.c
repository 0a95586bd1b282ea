#include "hwvmm/entry_traps.h"

#include <string.h>

#include "core/pagewalk.h"
#include "core/vm.h"

static unsigned via_of(enum entry_kind kind, unsigned vector)
{
	if (kind != ENTRY_GATE)
		return 0;
	return vector == 6 ? ENTRY_VIA_UD : vector == 13 ? ENTRY_VIA_GP
	       : vector == 14 ? ENTRY_VIA_PF : vector == 1 ? ENTRY_VIA_DB : 0;
}

static void add_site(struct entry_traps *t, struct vm *vm, const struct vcpu_state *s,
                     uint64_t lin, enum entry_kind kind, unsigned vector)
{
	uint64_t gpa;

	if ((kind != ENTRY_GATE && !lin) || guest_lin_to_phys(&vm->mem, s, lin, &gpa))
		return;
	const struct gmem_region *r = gmem_find(&vm->mem, gpa, 1);
	if (!r || r->kind != GMEM_RAM)
		return;
	for (unsigned i = 0; i < t->n; i++) {
		if (t->site[i].gpa == gpa) {
			/* Several gates may share a handler. */
			t->site[i].via |= (uint8_t)via_of(kind, vector);
			return;
		}
	}
	if (t->n == MAX_ENTRY_SITES)
		return;
	t->site[t->n++] = (struct entry_site){
		.lin = lin, .gpa = gpa, .kind = (uint8_t)kind, .vector = (uint8_t)vector,
		.via = (uint8_t)via_of(kind, vector),
	};
}

/* The descriptor a selector names, from the GDT or LDT. */
static int read_desc(struct vm *vm, const struct vcpu_state *s, uint16_t sel, uint8_t d[8])
{
	uint64_t table = s->gdtr.base, limit = s->gdtr.limit;
	if (sel & 4) {
		if (s->ldtr.unusable)
			return -1;
		table = s->ldtr.base;
		limit = s->ldtr.limit;
	}
	if ((uint64_t)(sel & ~7) + 7 > limit)
		return -1;
	return guest_read_lin(&vm->mem, s, table + (sel & ~7), d, 8) ? -1 : 0;
}

static uint32_t desc_base(const uint8_t d[8])
{
	return d[2] | (uint32_t)d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[7] << 24;
}

/* The base of the code segment a legacy gate names. */
static int selector_base(struct vm *vm, const struct vcpu_state *s, uint16_t sel, uint64_t *base)
{
	uint8_t d[8];
	if (read_desc(vm, s, sel, d))
		return -1;
	*base = desc_base(d);
	return 0;
}

/* A task gate enters at the new task's CS:EIP, read from its TSS (32-bit:
 * EIP at 0x20, CS at 0x4c, CR3 at 0x1c; 16-bit: IP at 0x0e, CS at 0x16)
 * and mapped through the new task's CR3. Not followed: a CS in the new
 * task's LDT, or a new CR3 under PAE paging (its PDPTEs are not loaded). */
static void add_task_gate(struct entry_traps *t, struct vm *vm, const struct vcpu_state *s,
                          uint16_t tss_sel, unsigned vector)
{
	uint8_t d[8];
	if ((tss_sel & 4) || read_desc(vm, s, tss_sel, d))
		return;
	unsigned type = d[5] & 0xf;
	bool tss32 = type == 0x9 || type == 0xb;
	if (!tss32 && type != 0x1 && type != 0x3)
		return;
	uint64_t base = desc_base(d);
	uint32_t eip = 0, cr3 = 0;
	uint16_t cs;
	struct vcpu_state n = *s;
	if (guest_read_lin(&vm->mem, s, base + (tss32 ? 0x20 : 0x0e), &eip, tss32 ? 4 : 2) ||
	    guest_read_lin(&vm->mem, s, base + (tss32 ? 0x4c : 0x16), &cs, 2))
		return;
	if (tss32 && (s->cr0 & CR0_PG)) {
		if (guest_read_lin(&vm->mem, s, base + 0x1c, &cr3, 4))
			return;
		if ((s->cr4 & CR4_PAE) && cr3 != s->cr3)
			return;
		n.cr3 = cr3;
	}
	uint64_t cs_base;
	if ((cs & 4) || selector_base(vm, &n, cs, &cs_base))
		return;
	add_site(t, vm, &n, (cs_base + eip) & 0xffffffffu, ENTRY_GATE, vector);
}

static void add_gates(struct entry_traps *t, struct vm *vm, const struct vcpu_state *s)
{
	bool lm = s->efer & EFER_LMA;
	unsigned size = lm ? 16 : 8;
	unsigned count = ((unsigned)s->idtr.limit + 1) / size;
	if (count > 256)
		count = 256;

	/* The whole table at once, a page walk per page; gate by gate only
	 * if part of it is not mapped. */
	uint8_t idt[256 * 16];
	bool whole = count && !guest_read_lin(&vm->mem, s, s->idtr.base, idt, count * size);
	for (unsigned v = 0; v < count; v++) {
		uint8_t *g = idt + v * size;
		if (!whole && guest_read_lin(&vm->mem, s, s->idtr.base + v * size, g, size))
			continue;
		unsigned type = g[5] & 0xf;
		if (!(g[5] & 0x80))
			continue;   /* not present */
		uint64_t off = g[0] | (uint32_t)g[1] << 8;
		uint16_t sel = (uint16_t)(g[2] | g[3] << 8);
		if (lm) {
			if (type != 0xe && type != 0xf)
				continue;
			off |= (uint64_t)(g[6] | g[7] << 8) << 16 |
			       (uint64_t)(g[8] | g[9] << 8 | (uint32_t)g[10] << 16 | (uint32_t)g[11] << 24) << 32;
			add_site(t, vm, s, off, ENTRY_GATE, v);
			continue;
		}
		/* Legacy interrupt and trap gates, 32- and 16-bit, and task
		 * gates. */
		if (type == 0x5) {
			add_task_gate(t, vm, s, sel, v);
			continue;
		}
		if (type == 0xe || type == 0xf)
			off |= (uint32_t)(g[6] | g[7] << 8) << 16;
		else if (type != 0x6 && type != 0x7)
			continue;
		uint64_t base;
		if (selector_base(vm, s, sel, &base))
			continue;
		add_site(t, vm, s, (base + off) & 0xffffffffu, ENTRY_GATE, v);
	}
}

int entry_traps_arm(struct entry_traps *t, struct vm *vm, const struct vcpu_state *s)
{
	t->n = 0;
	t->armed = false;
	if (!(s->cr0 & CR0_PE))
		return 0;
	add_gates(t, vm, s);
	bool lm = s->efer & EFER_LMA;
	/* An MSR target of 0 is one the kernel never set up. */
	if (s->efer & EFER_SCE) {
		if (lm) {
			add_site(t, vm, s, s->msr.lstar, ENTRY_LSTAR, 0);
			add_site(t, vm, s, s->msr.cstar, ENTRY_CSTAR, 0);
		} else {
			add_site(t, vm, s, s->msr.star & 0xffffffffu, ENTRY_STAR, 0);
		}
	}
	if (s->msr.sysenter_cs & 0xfffc)
		add_site(t, vm, s, lm ? s->msr.sysenter_eip : s->msr.sysenter_eip & 0xffffffffu,
		         ENTRY_SYSENTER, 0);
	for (unsigned i = 0; i < t->n; i++) {
		uint8_t *p = gmem_ptr(&vm->mem, t->site[i].gpa, 1);
		t->site[i].orig = *p;
		*p = ENTRY_TRAP_BYTE;
	}
	t->armed = t->n > 0;
	return (int)t->n;
}

void entry_traps_disarm(struct entry_traps *t, struct vm *vm)
{
	if (!t->armed)
		return;
	for (unsigned i = 0; i < t->n; i++) {
		uint8_t *p = gmem_ptr(&vm->mem, t->site[i].gpa, 1);
		if (*p == ENTRY_TRAP_BYTE)
			*p = t->site[i].orig;
	}
	t->armed = false;
}

const struct entry_site *entry_traps_find(const struct entry_traps *t, uint64_t lin)
{
	if (!t->armed)
		return NULL;
	for (unsigned i = 0; i < t->n; i++)
		if (t->site[i].lin == lin)
			return &t->site[i];
	return NULL;
}

enum run_event entry_gate_event(unsigned vector, const struct vcpu_state *s, uint64_t *num)
{
	*num = vector;
	if (vector == 0x80) {
		*num = s->gpr[RAX];
		return RUN_EV_SYSCALL;
	}
	return vector < 32 ? RUN_EV_EXCEPTION : RUN_EV_INTERRUPT;
}

enum run_event entry_event(const struct entry_site *e, const struct vcpu_state *s,
                           uint64_t *num)
{
	if (e->kind == ENTRY_GATE)
		return entry_gate_event(e->vector, s, num);
	*num = s->gpr[RAX];
	return RUN_EV_SYSCALL;
}
