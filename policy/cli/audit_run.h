/* The audit file of `hvmm run --audit`: opened after the guest loaded (as
 * the serial file is, so that a bad invocation truncates nothing), hung
 * on the VM, flushed and closed after the run. */
#ifndef HVMM_CLI_AUDIT_RUN_H
#define HVMM_CLI_AUDIT_RUN_H

#include <stddef.h>

#include "core/audit.h"
#include "policy/audit_sink.h"
#include "policy/cli/options.h"

struct vm;

struct audit_run {
	struct audit audit;
	struct audit_file file;
};

/* Open o->audit and set vm->audit; nothing when o->audit is NULL.
 * 0, or -errno with a one-line reason in err. */
int audit_run_open(struct audit_run *ar, struct vm *vm, const struct run_options *o,
                   char *err, size_t errlen);
/* Write what is buffered and close; 0, or -errno with a reason in err. */
int audit_run_close(struct audit_run *ar, struct vm *vm, const struct run_options *o,
                    char *err, size_t errlen);

#endif
