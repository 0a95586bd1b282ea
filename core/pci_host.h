/* The PC's PCI host bridge ports with no PCI device behind them:
 * configuration address (0xcf8, 32-bit, reads back) and data (0xcfc-0xcff,
 * all ones: no device answers), and the reset control register at 0xcf9
 * (a byte access inside the address register's ports, as chipsets decode
 * it): writing it with bit 2 (reset CPU) set pulls the reset line. */
#ifndef HVMM_PCI_HOST_H
#define HVMM_PCI_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/reset_line.h"

#define PCI_HOST_BASE     0xcf8
#define PCI_HOST_NR_PORTS 8
#define PCI_RESET_PORT    0xcf9
#define PCI_RCR_SYS_RST   0x02   /* full rather than soft reset: kept */
#define PCI_RCR_RST_CPU   0x04   /* writing it set resets */
#define PCI_RCR_FULL_RST  0x08   /* kept */

struct pci_host {
	uint32_t address;     /* configuration address register */
	uint8_t rcr;          /* reset control register as last written */
	struct reset_line reset;
};

void pci_host_init(struct pci_host *p);

/* bus_handler_fn for ports 0xcf8-0xcff (opaque: the pci_host). */
int pci_host_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);

#endif
