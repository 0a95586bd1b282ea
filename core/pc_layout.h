/* Where the PC platform puts things in guest-physical memory: what PC
 * firmware would have left there (BIOS data area, EBDA, the BIOS area
 * with the MP and ACPI tables and the reset vector) and the fixed device
 * windows. The loaders and the e820 map keep clear of it; the platform
 * tables are built into it. */
#ifndef HVMM_PC_LAYOUT_H
#define HVMM_PC_LAYOUT_H

#define PC_BDA            0x400ull      /* BIOS data area, 256 bytes */
#define PC_BDA_EBDA_SEG   0x40eull      /* word: EBDA segment */
#define PC_BDA_BASE_KB    0x413ull      /* word: base memory in KiB */
#define PC_EBDA           0x9fc00ull    /* extended BIOS data area, 1 KiB */
#define PC_EBDA_SIZE      0x400ull
#define PC_LOW_RAM_END    PC_EBDA       /* usable RAM below 1 MiB ends here */
#define PC_VGA            0xa0000ull    /* VGA window and option ROMs ... */
#define PC_BIOS_AREA      0xe0000ull    /* ... BIOS area: tables, reset stub */
#define PC_BIOS_END       0x100000ull
#define PC_RESET_VECTOR   0xffff0ull    /* F000:FFF0 */
#define PC_HIGH_RAM       0x100000ull   /* 1 MiB */

#define PC_IOAPIC_BASE    0xfec00000ull /* 4 KiB */
#define PC_IOAPIC_PINS    24
/* What the IOAPIC's ID and version registers read at reset; the MP table
 * and the MADT name the same (core/pc_tables.h). ID 1: apart from the
 * processor's local APIC ID 0, as the MP spec wants on a shared APIC bus;
 * version 0x11: an 82093AA, without the EOI register of later ones. */
#define PC_IOAPIC_ID      1
#define PC_IOAPIC_VERSION 0x11

#endif
