/* The audit of `hvmm run`: the file of --audit, opened after the guest
 * loaded (as the serial file is, so that a bad invocation truncates
 * nothing), and the summary of --audit-summary; hung on the VM, flushed
 * and closed after the run. */
#ifndef HVMM_CLI_AUDIT_RUN_H
#define HVMM_CLI_AUDIT_RUN_H

#include <stddef.h>

#include "core/audit.h"
#include "policy/audit_sink.h"
#include "policy/audit_summary.h"
#include "policy/cli/options.h"

struct vm;

struct audit_run {
	struct audit audit;
	struct audit_file file;
	struct audit_summary summary;
	bool summarize;
};

/* Open o->audit, set up the summary and set vm->audit; nothing when
 * neither is asked for. 0, or -errno with a one-line reason in err. */
int audit_run_open(struct audit_run *ar, struct vm *vm, const struct run_options *o,
                   char *err, size_t errlen);
/* Write what is buffered and close the file; the summary stays for
 * audit_run_free. 0, or -errno with a reason in err. */
int audit_run_close(struct audit_run *ar, struct vm *vm, const struct run_options *o,
                    char *err, size_t errlen);
/* Free the summary (after audit_run_close), and the file where
 * audit_run_close did not run. */
void audit_run_free(struct audit_run *ar);

#endif
