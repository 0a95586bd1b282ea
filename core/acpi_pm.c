/* ACPI PM1a registers (core/acpi_pm.h; ACPI 6.3, 4.8.3.1 and 4.8.3.2). */
#include "core/acpi_pm.h"

#include <errno.h>
#include <string.h>

void acpi_pm_init(struct acpi_pm *pm)
{
	memset(pm, 0, sizeof(*pm));
}

/* The 16-bit register at byte offset off (0 status, 2 enable, 4 control). */
static uint16_t reg_read(const struct acpi_pm *pm, unsigned off)
{
	switch (off) {
	case 2:
		return pm->en;
	case 4:
		return pm->cnt | ACPI_PM1_SCI_EN;
	default:
		return 0;                    /* PM1_STS: nothing pending */
	}
}

static void reg_write(struct acpi_pm *pm, unsigned off, uint16_t v)
{
	if (off == 2)
		pm->en = v;
	else if (off == 4)
		pm->cnt = v & ~(uint16_t)(1u << 13);   /* SLP_EN is write-only */
	/* PM1_STS: write 1 to clear what is never set */
}

int acpi_pm_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct acpi_pm *pm = opaque;
	uint8_t *b = data;
	if (offset >= ACPI_PM_NR_PORTS || len > ACPI_PM_NR_PORTS - offset)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++) {
		unsigned at = (unsigned)offset + i, reg = at & ~1u, hi = at & 1u;
		uint16_t v = reg_read(pm, reg);
		if (!is_write) {
			b[i] = (uint8_t)(v >> (8 * hi));
			continue;
		}
		v = hi ? (uint16_t)((v & 0x00ff) | b[i] << 8) : (uint16_t)((v & 0xff00) | b[i]);
		reg_write(pm, reg, v);
	}
	return 0;
}
