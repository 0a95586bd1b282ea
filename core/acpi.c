/* ACPI 6.3 tables for a legacy PC (not hardware-reduced): RSDP -> RSDT
 * and XSDT -> FADT (-> FACS, DSDT) and MADT. Both 32- and 64-bit pointer
 * fields are filled, with the same addresses, for OSes that read either.
 *
 * The PM1a event and control blocks the FADT must name are at
 * ACPI_PM_BASE, answered by core/acpi_pm.c: no fixed event is ever
 * pending (so the SCI stays quiet) and SCI_EN reads set (with SMI_CMD 0
 * the machine is in ACPI mode from the start). No PM timer (allowed since
 * ACPI 5.0), no GPE blocks, no sleep states. */
#include <stddef.h>
#include <string.h>

#include "core/acpi_pm.h"
#include "core/cmos.h"
#include "core/lapic.h"
#include "core/pc_layout.h"
#include "core/pc_tables.h"
#include "core/vm.h"

#define ACPI_RESET_PORT  0xcf9   /* the PC reset control register */
#define ACPI_RESET_VALUE 0x06    /* full reset, then the reset itself */
#define ACPI_ALL_CPUS    0xff    /* MADT local APIC NMI: every processor */
#define OEM_TABLE_ID     "HVMMPC"
#define CREATOR_REV      1

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;          /* over the first 20 bytes (the ACPI 1.0 RSDP) */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;      /* over all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");

/* Generic Address Structure. */
struct acpi_gas {
	uint8_t space, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));
#define GAS_SYSTEM_IO 1
#define GAS_BYTE      1
#define GAS_WORD      2

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control, sleep_status;
	uint64_t hypervisor_id;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT (ACPI 6)");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");

/* IAPC_BOOT_ARCH: ISA devices (COM1, PIT, RTC ...) and the 8042 are there;
 * there is no VGA and no PCI to do MSI. */
#define BOOT_LEGACY_DEVICES 0x1
#define BOOT_8042           0x2
#define BOOT_NO_VGA         0x4
#define BOOT_NO_MSI         0x8
/* FADT flags. */
#define FADT_WBINVD         (1u << 0)
#define FADT_PROC_C1        (1u << 2)   /* HLT */
#define FADT_PWR_BUTTON     (1u << 4)   /* no fixed-feature power button */
#define FADT_SLP_BUTTON     (1u << 5)   /* nor sleep button */
#define FADT_FIX_RTC        (1u << 6)   /* no RTC wake status */
#define FADT_RESET_REG_SUP  (1u << 10)
#define C2_NONE             101         /* latencies above these: no C2/C3 */
#define C3_NONE             1001

struct acpi_facs {
	char sig[4];
	uint32_t length;
	uint32_t hw_signature, waking_vector, global_lock, flags;
	uint64_t x_waking_vector;
	uint8_t version;
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS");

enum madt_type { MADT_LAPIC, MADT_IOAPIC, MADT_OVERRIDE, MADT_NMI_SOURCE, MADT_LAPIC_NMI };
#define MADT_PCAT_COMPAT 0x1    /* 8259s present: mask them before using the IOAPIC */
#define MADT_ENABLED     0x1

struct madt_lapic {
	uint8_t type, length, uid, apic_id;
	uint32_t flags;
} __attribute__((packed));
struct madt_ioapic {
	uint8_t type, length, id, reserved;
	uint32_t address, gsi_base;
} __attribute__((packed));
struct madt_override {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;            /* MPS_INTI_* */
} __attribute__((packed));
struct madt_lapic_nmi {
	uint8_t type, length, uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

/* A table's revision; the FADT's minor version goes with it. */
#define FADT_REVISION      6
#define FADT_MINOR         3
#define FACS_VERSION       2
#define MADT_REVISION      5
#define RSDT_REVISION      1
#define XSDT_REVISION      1
#define DSDT_REVISION      2    /* 64-bit AML integers */
#define RSDP_REVISION      2

static struct acpi_header header(const char *sig, uint8_t revision)
{
	struct acpi_header h = { .revision = revision, .oem_revision = 1,
	                         .creator_revision = CREATOR_REV };
	memcpy(h.sig, sig, sizeof(h.sig));
	pc_id(h.oem_id, sizeof(h.oem_id), PC_OEM_ID);
	pc_id(h.oem_table_id, sizeof(h.oem_table_id), OEM_TABLE_ID);
	pc_id(h.creator_id, sizeof(h.creator_id), PC_OEM_ID);
	return h;
}

static void sdt_header(struct tbuf *t, const char *sig, uint8_t revision)
{
	struct acpi_header h = header(sig, revision);
	tb_put(t, &h, sizeof(h));
}

/* Set the length and checksum of the table in t, then place it. */
static int sdt_place(struct pc_place *pl, struct tbuf *t, uint64_t *gpa)
{
	uint32_t len = (uint32_t)t->n;
	memcpy(t->b + offsetof(struct acpi_header, length), &len, sizeof(len));
	t->b[offsetof(struct acpi_header, checksum)] = pc_checksum(t->b, t->n);
	return pc_place(pl, t, 16, gpa);
}

/* No checksum, not listed in the RSDT: the FADT points at it. */
static int place_facs(struct pc_place *pl, uint64_t *gpa)
{
	struct acpi_facs f = { .length = sizeof(f), .version = FACS_VERSION };
	memcpy(f.sig, "FACS", sizeof(f.sig));
	struct tbuf t = { .n = 0 };
	tb_put(&t, &f, sizeof(f));
	return pc_place(pl, &t, 64, gpa);
}

static int place_dsdt(struct pc_place *pl, uint64_t *gpa)
{
	struct tbuf t = { .n = 0 };
	sdt_header(&t, "DSDT", DSDT_REVISION);
	acpi_dsdt_aml(&t);
	return sdt_place(pl, &t, gpa);
}

static struct acpi_gas io_gas(uint16_t port, uint8_t bytes, uint8_t access)
{
	return (struct acpi_gas){ GAS_SYSTEM_IO, (uint8_t)(bytes * 8), 0, access, port };
}

/* The PM1a blocks, in both the 32-bit and the GAS form. */
static void fadt_pm1(struct acpi_fadt *f)
{
	f->pm1a_evt_blk = ACPI_PM_BASE;
	f->pm1_evt_len = 4;
	f->x_pm1a_evt_blk = io_gas(ACPI_PM_BASE, 4, GAS_WORD);
	f->pm1a_cnt_blk = ACPI_PM_BASE + 4;
	f->pm1_cnt_len = 2;
	f->x_pm1a_cnt_blk = io_gas(ACPI_PM_BASE + 4, 2, GAS_WORD);
}

static int place_fadt(struct pc_place *pl, uint64_t facs, uint64_t dsdt, uint64_t *gpa)
{
	struct acpi_fadt f = {
		.h = header("FACP", FADT_REVISION),
		.firmware_ctrl = (uint32_t)facs, .x_firmware_ctrl = facs,
		.dsdt = (uint32_t)dsdt, .x_dsdt = dsdt,
		.sci_int = PC_SCI_IRQ,
		.p_lvl2_lat = C2_NONE, .p_lvl3_lat = C3_NONE,
		.century = RTC_CENTURY,
		.iapc_boot_arch = BOOT_LEGACY_DEVICES | BOOT_8042 | BOOT_NO_VGA | BOOT_NO_MSI,
		.flags = FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
		         FADT_FIX_RTC | FADT_RESET_REG_SUP,
		.reset_reg = io_gas(ACPI_RESET_PORT, 1, GAS_BYTE),
		.reset_value = ACPI_RESET_VALUE,
		.minor_version = FADT_MINOR,
	};
	fadt_pm1(&f);
	struct tbuf t = { .n = 0 };
	tb_put(&t, &f, sizeof(f));
	return sdt_place(pl, &t, gpa);
}

static void madt_override(struct tbuf *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	struct madt_override o = { MADT_OVERRIDE, sizeof(o), 0 /* ISA */, irq, gsi, flags };
	tb_put(t, &o, sizeof(o));
}

/* The processor, the IOAPIC from GSI 0, an override for every ISA route
 * that is not identity with bus-conforming flags, NMI on LINT1. */
static int place_madt(struct pc_place *pl, uint64_t *gpa)
{
	struct tbuf t = { .n = 0 };
	sdt_header(&t, "APIC", MADT_REVISION);
	uint32_t head[2] = { (uint32_t)LAPIC_BASE, MADT_PCAT_COMPAT };
	tb_put(&t, head, sizeof(head));
	struct madt_lapic cpu = { MADT_LAPIC, sizeof(cpu), ACPI_CPU_UID, PC_BSP_APIC_ID,
	                          MADT_ENABLED };
	struct madt_ioapic io = { MADT_IOAPIC, sizeof(io), PC_IOAPIC_ID, 0,
	                          (uint32_t)PC_IOAPIC_BASE, 0 };
	tb_put(&t, &cpu, sizeof(cpu));
	tb_put(&t, &io, sizeof(io));
#define OVERRIDE(irq, pin, flags) \
	if ((irq) != (pin) || (flags) != 0) madt_override(&t, irq, pin, flags);
	PC_ISA_IRQ_ROUTES(OVERRIDE)
#undef OVERRIDE
	struct madt_lapic_nmi nmi = { MADT_LAPIC_NMI, sizeof(nmi), ACPI_ALL_CPUS, 0, 1 };
	tb_put(&t, &nmi, sizeof(nmi));
	return sdt_place(pl, &t, gpa);
}

/* The RSDT (4-byte entries) or the XSDT (8-byte entries). */
static int place_sdt_list(struct pc_place *pl, const char *sig, unsigned width,
                          const uint64_t *tables, int n, uint64_t *gpa)
{
	struct tbuf t = { .n = 0 };
	sdt_header(&t, sig, width == 4 ? RSDT_REVISION : XSDT_REVISION);
	for (int i = 0; i < n; i++)
		tb_put(&t, &tables[i], width);     /* little-endian: the low bytes first */
	return sdt_place(pl, &t, gpa);
}

static int write_rsdp(struct pc_place *pl, uint64_t at, uint64_t rsdt, uint64_t xsdt)
{
	struct acpi_rsdp r = { .revision = RSDP_REVISION, .rsdt = (uint32_t)rsdt,
	                       .length = sizeof(r), .xsdt = xsdt };
	memcpy(r.sig, "RSD PTR ", sizeof(r.sig));
	pc_id(r.oem_id, sizeof(r.oem_id), PC_OEM_ID);
	r.checksum = pc_checksum(&r, offsetof(struct acpi_rsdp, length));
	r.ext_checksum = pc_checksum(&r, sizeof(r));
	int rc = gmem_load(&pl->vm->mem, at, &r, sizeof(r));
	return rc ? vm_fail(pl->vm, rc, "cannot write the ACPI RSDP") : 0;
}

int acpi_build(struct pc_place *pl)
{
	/* The RSDP's place first (at the start of the area), its contents last. */
	struct tbuf hole = { .n = sizeof(struct acpi_rsdp) };
	uint64_t rsdp, facs, dsdt, tables[2], rsdt, xsdt;
	int rc;
	if ((rc = pc_place(pl, &hole, 16, &rsdp)) || (rc = place_facs(pl, &facs)) ||
	    (rc = place_dsdt(pl, &dsdt)) || (rc = place_fadt(pl, facs, dsdt, &tables[0])) ||
	    (rc = place_madt(pl, &tables[1])) ||
	    (rc = place_sdt_list(pl, "RSDT", 4, tables, 2, &rsdt)) ||
	    (rc = place_sdt_list(pl, "XSDT", 8, tables, 2, &xsdt)))
		return rc;
	return write_rsdp(pl, rsdp, rsdt, xsdt);
}
