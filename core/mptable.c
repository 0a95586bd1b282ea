/* The Intel MultiProcessor Specification 1.4 table, for kernels that boot
 * without ACPI (or are told acpi=off): the floating pointer at the start
 * of the EBDA, which the spec and Linux search first, and the
 * configuration table in the BIOS area. It describes one processor, the
 * ISA bus, the IOAPIC, the ISA interrupts on its pins and the local APIC's
 * LINT0/LINT1 wiring. */
#include <stddef.h>
#include <string.h>

#include "core/lapic.h"
#include "core/pc_layout.h"
#include "core/pc_tables.h"
#include "core/vm.h"

#define MP_SPEC_REV 4          /* version 1.4 */
#define MP_ISA_BUS  0

enum mp_entry_type { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_IO_INTR, MP_LOCAL_INTR };
enum mp_intr_type { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };

#define MP_CPU_ENABLED 0x1
#define MP_CPU_BSP     0x2
#define MP_IOAPIC_ENABLED 0x1
#define MP_ALL_LAPICS  0xff     /* a local interrupt entry for every processor */

struct mp_floating {
	char sig[4];
	uint32_t config;           /* the configuration table's address */
	uint8_t length;            /* in 16-byte units */
	uint8_t spec_rev;
	uint8_t checksum;
	/* [0] 0: a configuration table is present; [1] bit 7 (IMCRP) clear:
	 * virtual wire mode, the 8259 reaches the CPU through LINT0. */
	uint8_t feature[5];
} __attribute__((packed));
_Static_assert(sizeof(struct mp_floating) == 16, "MP floating pointer");

struct mp_config {
	char sig[4];
	uint16_t length;           /* the base table, header included */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem[8];
	char product[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entries;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct mp_config) == 44, "MP configuration table header");

struct mp_processor {
	uint8_t type, apic_id, apic_version, flags;
	uint32_t signature;        /* CPUID 1 EAX: stepping, model, family */
	uint32_t features;         /* CPUID 1 EDX */
	uint32_t reserved[2];
} __attribute__((packed));

struct mp_bus {
	uint8_t type, id;
	char name[6];
} __attribute__((packed));

struct mp_ioapic {
	uint8_t type, id, version, flags;
	uint32_t address;
} __attribute__((packed));

/* An I/O (to an IOAPIC pin) or local (to a LINTIN) interrupt entry. */
struct mp_intr {
	uint8_t type, intr_type;
	uint16_t flags;            /* MPS_INTI_* */
	uint8_t src_bus, src_irq, dst_apic, dst_pin;
} __attribute__((packed));

static void put_intr(struct tbuf *t, uint16_t *n, uint8_t type, uint8_t intr_type,
                     uint16_t flags, uint8_t src_irq, uint8_t dst_apic, uint8_t dst_pin)
{
	struct mp_intr e = { type, intr_type, flags, MP_ISA_BUS, src_irq, dst_apic, dst_pin };
	tb_put(t, &e, sizeof(e));
	(*n)++;
}

static void put_devices(struct tbuf *t, uint16_t *n, const struct vm *vm)
{
	uint32_t id[4];
	cpuid_model_query(&vm->cpuid, 1, 0, id);
	struct mp_processor cpu = {
		.type = MP_PROCESSOR, .apic_id = PC_BSP_APIC_ID,
		.apic_version = LAPIC_VERSION & 0xff, .flags = MP_CPU_ENABLED | MP_CPU_BSP,
		.signature = id[0] & 0xfff, .features = id[3],
	};
	struct mp_bus isa = { .type = MP_BUS, .id = MP_ISA_BUS };
	pc_id(isa.name, sizeof(isa.name), "ISA");
	struct mp_ioapic io = { MP_IOAPIC, PC_IOAPIC_ID, PC_IOAPIC_VERSION, MP_IOAPIC_ENABLED,
	                        (uint32_t)PC_IOAPIC_BASE };
	tb_put(t, &cpu, sizeof(cpu));
	tb_put(t, &isa, sizeof(isa));
	tb_put(t, &io, sizeof(io));
	*n += 3;
}

/* Pin 0 carries the 8259's INTR (ExtINT), the ISA IRQs their routes; the
 * local APIC takes the 8259 on LINT0 and NMI on LINT1. */
static void put_interrupts(struct tbuf *t, uint16_t *n)
{
	put_intr(t, n, MP_IO_INTR, MP_EXTINT, 0, 0, PC_IOAPIC_ID, 0);
#define IO_INTR(irq, pin, flags) put_intr(t, n, MP_IO_INTR, MP_INT, flags, irq, PC_IOAPIC_ID, pin);
	PC_ISA_IRQ_ROUTES(IO_INTR)
#undef IO_INTR
	put_intr(t, n, MP_LOCAL_INTR, MP_EXTINT, 0, 0, MP_ALL_LAPICS, 0);
	put_intr(t, n, MP_LOCAL_INTR, MP_NMI, 0, 0, MP_ALL_LAPICS, 1);
}

static void build_config(struct tbuf *t, const struct vm *vm)
{
	struct mp_config h = { .spec_rev = MP_SPEC_REV, .lapic = (uint32_t)LAPIC_BASE };
	memcpy(h.sig, "PCMP", sizeof(h.sig));
	pc_id(h.oem, sizeof(h.oem), PC_OEM_ID);
	pc_id(h.product, sizeof(h.product), "PC");
	tb_put(t, &h, sizeof(h));
	uint16_t entries = 0;
	put_devices(t, &entries, vm);
	put_interrupts(t, &entries);
	h.entries = entries;
	h.length = (uint16_t)t->n;
	memcpy(t->b, &h, sizeof(h));
	t->b[offsetof(struct mp_config, checksum)] = pc_checksum(t->b, t->n);
}

int mptable_build(struct pc_place *pl)
{
	struct tbuf t = { .n = 0 };
	uint64_t config;
	build_config(&t, pl->vm);
	int rc = pc_place(pl, &t, 16, &config);
	if (rc)
		return rc;

	struct mp_floating f = { .config = (uint32_t)config, .length = 1, .spec_rev = MP_SPEC_REV };
	memcpy(f.sig, "_MP_", sizeof(f.sig));
	f.checksum = pc_checksum(&f, sizeof(f));
	rc = gmem_load(&pl->vm->mem, PC_EBDA, &f, sizeof(f));
	return rc ? vm_fail(pl->vm, rc, "cannot write the MP floating pointer") : 0;
}
