/* The platform's reset signal, as the devices that can pull it (the 8042's
 * output port, the reset control register at 0xcf9) see it. */
#ifndef HVMM_RESET_LINE_H
#define HVMM_RESET_LINE_H

struct reset_line {
	void (*fn)(void *opaque);   /* NULL: not connected */
	void *opaque;
};

static inline void reset_line_pulse(const struct reset_line *r)
{
	if (r->fn)
		r->fn(r->opaque);
}

#endif
