/* The ACPI PM1a event and control blocks the FADT names (core/acpi.c):
 * status reads 0 (no fixed event ever fires, so the SCI stays quiet),
 * enable holds what is written, control reads SCI_EN set (with no SMI
 * command port the machine is in ACPI mode from the start). No sleep
 * state is offered (the DSDT has no \_Sx), so SLP_EN is ignored. */
#ifndef HVMM_ACPI_PM_H
#define HVMM_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_PM_BASE     0x600   /* PM1a_EVT 0x600-0x603, PM1a_CNT 0x604-0x605 */
#define ACPI_PM_NR_PORTS 6
#define ACPI_PM1_SCI_EN  0x0001u

struct acpi_pm {
	uint16_t en;                 /* PM1_EN */
	uint16_t cnt;                /* PM1_CNT as written, SCI_EN aside */
};

void acpi_pm_init(struct acpi_pm *pm);

/* bus_handler_fn for ports 0x600-0x605 (opaque: the acpi_pm). */
int acpi_pm_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);

#endif
