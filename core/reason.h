/* One-line failure reasons for code that has no struct vm at hand (the ELF
 * reader, the state checks): write the reason if asked, return the error. */
#ifndef HVMM_REASON_H
#define HVMM_REASON_H

#include <stddef.h>

/* vsnprintf into why (when why && whylen), make it one line and return
 * err (a -errno). */
int set_reason(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A reason quotes what the user gave (a file name, an option's value),
 * which may hold a newline or a terminal's control bytes: each such byte
 * becomes '?', so that the reason prints as the one line it promises. */
void reason_one_line(char *s);

#endif
