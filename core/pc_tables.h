/* The tables PC firmware leaves for an operating system: the BIOS data
 * area words, an Intel MP table (MP spec 1.4) and ACPI tables (RSDP, RSDT,
 * XSDT, FADT, FACS, DSDT, MADT). They describe the machine core/ models:
 * one processor with its local APIC, the IOAPIC, the ISA interrupts, the
 * 8042 and the reset port. docs/platform.md says what each holds and why. */
#ifndef HVMM_PC_TABLES_H
#define HVMM_PC_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* Write every table into guest memory (the BDA, the EBDA's first KiB and
 * PC_BIOS_AREA up to the reset stub's last 256 bytes). Needs guest RAM
 * over the first MiB and the CPUID model (for the MP processor entry).
 * Returns 0 or -errno with vm->err set. */
int pc_tables_build(struct vm *vm);

/* ---- Shared by the table builders (pc_tables.c, mptable.c, acpi*.c). */

#define PC_BSP_APIC_ID   0      /* the one processor's local APIC ID */
#define ACPI_CPU_UID     0      /* its ACPI processor UID (MADT, DSDT _UID) */
#define PC_OEM_ID        "HVMM" /* space-padded to each table's field */
#define PC_SCI_IRQ       9      /* ACPI's SCI, as PCs wire it */

/* MPS INTI flags, the same encoding in MP entries and MADT entries:
 * polarity in bits 0-1, trigger mode in bits 2-3; 0 conforms to the bus
 * (ISA: active high, edge). */
#define MPS_INTI_ACTIVE_HIGH 0x1
#define MPS_INTI_ACTIVE_LOW  0x3
#define MPS_INTI_EDGE        (0x1 << 2)
#define MPS_INTI_LEVEL       (0x3 << 2)

/* ISA IRQ -> IOAPIC pin and INTI flags, for the MP table's interrupt
 * entries and the MADT's overrides (an entry whose pin or flags differ
 * from identity and 0 becomes one). IRQ 2 is the 8259 cascade and reaches
 * no pin; the PIT's IRQ 0 is on pin 2 because pin 0 carries the 8259's
 * INTR; the SCI is level-triggered, active low. */
#define PC_ISA_IRQ_ROUTES(X)                                     \
	X(0, 2, 0) X(1, 1, 0) X(3, 3, 0) X(4, 4, 0) X(5, 5, 0)   \
	X(6, 6, 0) X(7, 7, 0) X(8, 8, 0)                         \
	X(PC_SCI_IRQ, PC_SCI_IRQ, MPS_INTI_LEVEL | MPS_INTI_ACTIVE_LOW) \
	X(10, 10, 0) X(11, 11, 0) X(12, 12, 0) X(13, 13, 0)      \
	X(14, 14, 0) X(15, 15, 0)

/* A table being assembled on the host before it is placed. */
#define TBUF_MAX 1024
struct tbuf {
	uint8_t b[TBUF_MAX];
	size_t n;
	bool overflow;     /* a put did not fit: placing the table fails */
};
void tb_put(struct tbuf *t, const void *p, size_t n);
void tb_u8(struct tbuf *t, uint8_t v);

/* Space-padded copy of s into a fixed-width ID field (not terminated). */
void pc_id(char *dst, size_t width, const char *s);

/* The byte that makes the n bytes at p sum to 0 (mod 256) once stored in
 * their checksum field, which must read 0 while this runs. */
uint8_t pc_checksum(const void *p, size_t n);

/* Where the next table goes: a cursor through the BIOS area. */
struct pc_place {
	struct vm *vm;
	uint64_t next, end;
};
/* Copy t's bytes to the next free align-aligned place; *gpa gets it. */
int pc_place(struct pc_place *pl, const struct tbuf *t, unsigned align, uint64_t *gpa);

int mptable_build(struct pc_place *pl);
int acpi_build(struct pc_place *pl);
/* The DSDT's AML body (the definition block after the table header). */
void acpi_dsdt_aml(struct tbuf *t);

#endif
