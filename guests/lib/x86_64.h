/* Long-mode system structures and the SYSCALL MSRs, for 64-bit guests
 * that build their own TSS and IDT (ring3/, bench/, minios/). */
#ifndef GUESTS_LIB_X86_64_H
#define GUESTS_LIB_X86_64_H

#include <stdint.h>

#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_FMASK	0xc0000084
/* Flags SYSCALL clears: TF, IF, DF, IOPL, NT, AC. */
#define FMASK_BITS	0x47700

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS layout");

struct idt_gate {
	uint16_t offset0;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;		/* P, DPL, 0xe = 64-bit interrupt gate */
	uint16_t offset1;
	uint32_t offset2;
	uint32_t reserved;
} __attribute__((packed));

/* The two GDT slots of an available 64-bit TSS descriptor (DPL 0). */
static inline void tss64_descriptor(uint64_t slot[2], const struct tss64 *tss)
{
	uint64_t base = (uintptr_t)tss, limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | (base & 0xffffff) << 16 |
		  0x89ULL << 40 |	/* P, DPL 0, available 64-bit TSS */
		  ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
	slot[1] = base >> 32;
}

/* Operand of LGDT/LIDT in 64-bit mode. */
struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* A 64-bit interrupt gate to target through code selector sel. */
static inline struct idt_gate idt_gate64(uint64_t target, uint16_t sel, unsigned int dpl,
					 unsigned int ist)
{
	return (struct idt_gate){
		.offset0 = (uint16_t)target,
		.selector = sel,
		.ist = (uint8_t)ist,
		.type = (uint8_t)(0x8e | dpl << 5),	/* P, DPL, interrupt gate */
		.offset1 = (uint16_t)(target >> 16),
		.offset2 = (uint32_t)(target >> 32),
	};
}

/* Put tss's descriptor at selector sel_tss of gdt (gdt_bytes long), load
 * the GDT and then TR. The caller reloads its segment registers. */
static inline void gdt_load_with_tss(uint64_t *gdt, uint16_t gdt_bytes, const struct tss64 *tss,
				     uint16_t sel_tss)
{
	struct table_ptr gdtr = { (uint16_t)(gdt_bytes - 1), (uintptr_t)gdt };

	tss64_descriptor(&gdt[sel_tss / 8], tss);
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
	__asm__ volatile("ltr %w0" : : "r"(sel_tss) : "memory");
}

#endif
