/* `hvmm audit-summary FILE`: the summary of an audit file (docs/audit.md). */
#ifndef HVMM_CLI_AUDIT_SUMMARY_CMD_H
#define HVMM_CLI_AUDIT_SUMMARY_CMD_H

/* argv[0] is "audit-summary". Returns the exit status: 0, 2 for a usage
 * error or a file that is not a JSON Lines audit, 4 when memory ran out. */
int cmd_audit_summary(int argc, char **argv);

#endif
