/* Configuration mechanism #1 with an empty bus, and the reset control
 * register. Only a 32-bit access at 0xcf8 reaches the address register;
 * a byte access at 0xcf9 is the reset control register; the other narrow
 * accesses to 0xcf8-0xcfb are not decoded (reads all ones). */
#include "core/pci_host.h"

#include <errno.h>
#include <string.h>

#define ADDR_WRITABLE 0x80fffffcu   /* enable, bus, device, function, register */
#define RCR_KEPT      (PCI_RCR_SYS_RST | PCI_RCR_FULL_RST)

void pci_host_init(struct pci_host *p)
{
	memset(p, 0, sizeof(*p));
}

static void write_rcr(struct pci_host *p, uint8_t v)
{
	p->rcr = v & RCR_KEPT;
	if (v & PCI_RCR_RST_CPU)
		reset_line_pulse(&p->reset);
}

int pci_host_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct pci_host *p = opaque;
	uint8_t *b = data;
	if (offset >= PCI_HOST_NR_PORTS || len > PCI_HOST_NR_PORTS - offset)
		return -EINVAL;
	if (offset == 0 && len == 4) {
		if (is_write) {
			memcpy(&p->address, data, 4);   /* x86 is little-endian */
			p->address &= ADDR_WRITABLE;
		} else {
			memcpy(data, &p->address, 4);
		}
		return 0;
	}
	if (offset == PCI_RESET_PORT - PCI_HOST_BASE && len == 1) {
		if (is_write)
			write_rcr(p, b[0]);
		else
			b[0] = p->rcr;
		return 0;
	}
	if (!is_write)
		memset(data, 0xff, len);   /* configuration data: no device */
	return 0;
}
