/* Command-line options of `hvmm run`. */
#ifndef HVMM_CLI_OPTIONS_H
#define HVMM_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/loader.h"
#include "policy/audit_filter.h"

enum { STATS_NONE, STATS_TEXT, STATS_JSON };

#define DEFAULT_MEM (128ull << 20)
#define DEFAULT_FLAT_ADDR 0x10000ull

struct run_options {
	const char *guest;
	const char *policy;       /* sw, hw, theorem3, chaos:SEED, adaptive, or a file */
	int stats;                /* STATS_NONE, STATS_TEXT, STATS_JSON */
	uint64_t mem;
	const char *serial;       /* "stdio", "none" or a file path */
	const char *cmdline;
	bool flat;                /* load GUEST as a flat binary */
	uint64_t flat_addr;
	struct load_params load;  /* cmdline, modules and initrd for kernels */
	const char *audit;        /* --audit FILE: the audit's records, or NULL */
	int audit_level;          /* enum audit_level */
	int audit_format;         /* enum audit_format */
	int audit_summary;        /* 0, or 1 + AUDIT_SUMMARY_TEXT/JSON */
	bool audit_filtered;      /* --audit-filter given: audit_filter holds it */
	struct audit_filter audit_filter;
	bool sandbox;             /* --sandbox=on (default): policy/cli/sandbox.h */
	uint64_t timeout_ns;      /* --timeout, 0: none */
	const char *timeout;      /* ... as given */
	uint64_t max_instructions; /* --max-instructions, 0: none */
	int verbose;
	bool help;
};

/* Parse `hvmm run` arguments (argv[0] is "run"). Returns 0, or -EINVAL
 * with a one-line reason in err. */
int parse_run_options(int argc, char **argv, struct run_options *o, char *err, size_t errlen);

/* "64M", "1G", "4096", "512K": bytes, or -EINVAL. */
int parse_size(const char *s, uint64_t *out);

extern const char run_usage[];

#endif
