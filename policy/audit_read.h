/* Reading an audit file back: a line of the JSON Lines that --audit
 * writes (policy/audit_format.c) into the record it came from. Only our
 * own flat records are read: string, number and boolean values. */
#ifndef HVMM_AUDIT_READ_H
#define HVMM_AUDIT_READ_H

#include <stddef.h>

#include "core/audit.h"

/* One line (without its newline or with it): 0, or -EINVAL with a
 * one-line reason in err. */
int audit_read_line(const char *line, struct audit_rec *r, char *err, size_t errlen);

#endif
