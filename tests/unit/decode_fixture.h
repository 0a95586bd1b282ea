/* Decoder tests: decode a hex string. Include it after cmocka.h. */
#ifndef HVMM_TESTS_DECODE_FIXTURE_H
#define HVMM_TESTS_DECODE_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "swvmm/decode.h"

/* Decode a hex string ("48 89 c8") in the given mode. */
static inline int dec(enum decode_mode mode, const char *hex, struct insn *d)
{
	uint8_t b[32];
	size_t n = 0;
	unsigned v;

	while (*hex && n < sizeof(b)) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		b[n++] = (uint8_t)v;
		hex += 2;
	}
	memset(d, 0xa5, sizeof(*d));
	return decode_insn(b, n, mode, d);
}

#endif
