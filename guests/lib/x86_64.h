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

#endif
