/* CRT controller registers as plain storage. The index is 8 bits wide so
 * that any index a guest writes reads back. */
#include "core/crtc.h"

#include <errno.h>
#include <string.h>

void crtc_init(struct crtc *c)
{
	memset(c, 0, sizeof(*c));
}

int crtc_io(void *opaque, uint64_t offset, void *data, unsigned len, bool is_write)
{
	struct crtc *c = opaque;
	uint8_t *b = data;
	if (offset >= CRTC_NR_PORTS || len > CRTC_NR_PORTS - offset)
		return -EINVAL;
	for (unsigned i = 0; i < len; i++) {
		uint8_t *r = offset + i == 0 ? &c->index : &c->reg[c->index];
		if (is_write)
			*r = b[i];
		else
			b[i] = *r;
	}
	return 0;
}
