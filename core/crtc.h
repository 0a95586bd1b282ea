/* The colour CRT controller's index and data ports (0x3d4, 0x3d5) of a
 * VGA/CGA card: registers that read back what was written, so that
 * guests probing for a display or moving the cursor see a card. Nothing
 * is displayed. */
#ifndef HVMM_CRTC_H
#define HVMM_CRTC_H

#include <stdbool.h>
#include <stdint.h>

#define CRTC_BASE      0x3d4
#define CRTC_NR_PORTS  2
#define CRTC_NR_REGS   256

struct crtc {
	uint8_t index;
	uint8_t reg[CRTC_NR_REGS];
};

void crtc_init(struct crtc *c);

/* bus_handler_fn for ports 0x3d4-0x3d5 (opaque: the crtc); a wider access
 * touches consecutive ports, one byte each (outw 0x3d4 sets index and
 * data). */
int crtc_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write);

#endif
