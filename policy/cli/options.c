#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/reason.h"
#include "policy/audit_format.h"
#include "policy/audit_summary.h"
#include "policy/cli/options.h"

const char run_usage[] =
	"Usage: hvmm run [options] GUEST\n"
	"Run GUEST, a Linux bzImage, a multiboot v1 ELF image (ELF32 or ELF64) or a\n"
	"flat binary.\n"
	"\n"
	"  --policy=POLICY   where the vCPU runs: theorem3 (default: kernel code in the\n"
	"                    interpreter, user code on KVM), sw (the interpreter only),\n"
	"                    hw (KVM only), chaos:SEED (migrate at seeded random\n"
	"                    points), adaptive (as theorem3, but user code stays in\n"
	"                    the interpreter where its stretches are too short to pay\n"
	"                    for the trip to KVM), lockstep[:STEPS] (each instruction\n"
	"                    in both engines, compared; the first STEPS, then KVM\n"
	"                    alone), or a policy file (docs/policy.md)\n"
	"  --engine=ENGINE   the same as --policy=ENGINE, for hw or sw\n"
	"  --stats[=FORMAT]  at the end, print statistics to stderr: text (default)\n"
	"                    or json\n"
	"  --mem=SIZE        guest RAM, e.g. 64M, 1G (default 128M)\n"
	"  --serial=DEST     COM1 output: stdio (default), none, or a file path\n"
	"  --cmdline=STRING  kernel command line (default for a bzImage: console=ttyS0)\n"
	"  --initrd=FILE     initial ramdisk for a bzImage\n"
	"  --module=FILE     add a multiboot module (\"FILE ARGS\" passes ARGS); repeatable\n"
	"  --flat[=ADDR]     load GUEST as a flat binary at ADDR (default 0x10000) and\n"
	"                    start it in 16-bit real mode; implied by a .bin name\n"
	"  --audit=FILE      write an audit of supervisor-mode execution to FILE (see\n"
	"                    docs/audit.md)\n"
	"  --audit-level=LEVEL  what it records: off (until a policy rule's audit N),\n"
	"                    events, supervisor (default: events and every\n"
	"                    instruction at CPL 0-2) or all (every interpreted\n"
	"                    instruction)\n"
	"  --audit-format=FORMAT  json (default: JSON Lines) or text\n"
	"  --audit-summary[=FORMAT]  at the end, print a summary of the audit to\n"
	"                    stderr: text (default) or json; with or without --audit\n"
	"  --audit-filter=SPEC  write only the records that match SPEC, key=value\n"
	"                    conditions joined with ',': kind=NAME, cr3=HEX,\n"
	"                    rip=LO-HI, syscall=N, cpl=N (see docs/audit.md)\n"
	"  --sandbox=on|off  once the VM is set up, confine hvmm to the system calls\n"
	"                    its run loop makes, on its own files (default on; see\n"
	"                    docs/sandbox.md)\n"
	"  -v, --verbose     report what the monitor does (repeat for more)\n"
	"  --timeout=SECONDS  stop the guest SECONDS of wall-clock time (a decimal,\n"
	"                    e.g. 30 or 0.5) after the run began, loading included,\n"
	"                    with a report of where it was\n"
	"  --max-instructions=N  stop the guest once the interpreter has executed N\n"
	"                    instructions (KVM cannot count them: not with\n"
	"                    --policy=hw; other policies count the interpreter's)\n"
	"  -v, --verbose     report what the monitor does, and port and MMIO accesses\n"
	"                    no device claims (repeat for more)\n"
	"  -h, --help        show this help\n"
	"\n"
	"SIGINT, SIGTERM and SIGHUP stop the guest as --timeout does, with the report,\n"
	"the statistics and the audit complete; one a second or more later ends hvmm\n"
	"at once.\n"
	"\n"
	"Exit status: the guest's debug-exit status ((v << 1) | 1 for a write of v\n"
	"to port 0xf4), 0 when the guest halts with interrupts off, 2 for a usage\n"
	"or input error, 4 when the monitor failed, 6 when the guest reset the\n"
	"machine (8042, port 0xcf9, the reset vector), 8 when it triple-faulted, 10\n"
	"at --timeout, 12 at --max-instructions, 14 at SIGINT, SIGTERM or SIGHUP, 32\n"
	"when the sandbox stopped a forbidden system call.\n";

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	unsigned shift = 0;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: return -EINVAL;
	}
	/* Accept an optional "B"/"iB" after a suffix, as in "64MiB". */
	if (shift && (!strcmp(end, "B") || !strcmp(end, "iB")))
		end += strlen(end);
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	reason_one_line(err);   /* arg is the user's */
	return -EINVAL;
}

static int parse_audit_level(const char *s, int *level)
{
	static const char *const names[] = {
		[AUDIT_LEVEL_OFF] = "off",
		[AUDIT_LEVEL_EVENTS] = "events",
		[AUDIT_LEVEL_SUPERVISOR] = "supervisor",
		[AUDIT_LEVEL_ALL] = "all",
	};
	for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
		if (!strcmp(s, names[i])) {
			*level = i;
			return 0;
		}
	return -EINVAL;
}

/* --timeout: decimal seconds, digits with at most one point (strtod
 * alone would take "inf", "nan" and hex), more than 0 and at most a
 * year. */
static int parse_seconds(const char *s, uint64_t *ns)
{
	int points = 0, digits = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '.')
			points++;
		else if (*p >= '0' && *p <= '9')
			digits++;
		else
			return -EINVAL;
	}
	if (!digits || points > 1)
		return -EINVAL;
	double v = strtod(s, NULL);
	if (!(v > 0) || v > 366.0 * 86400)
		return -EINVAL;
	*ns = (uint64_t)(v * 1e9);
	return *ns ? 0 : -EINVAL;
}

/* A count: decimal digits only, at least 1. */
static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || !v)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

enum { OPT_ENGINE = 256, OPT_POLICY, OPT_STATS, OPT_MEM, OPT_SERIAL, OPT_CMDLINE, OPT_MODULE, OPT_INITRD,
       OPT_FLAT, OPT_AUDIT, OPT_AUDIT_LEVEL, OPT_AUDIT_FORMAT, OPT_AUDIT_SUMMARY, OPT_AUDIT_FILTER,
       OPT_SANDBOX, OPT_TIMEOUT, OPT_MAX_INSNS };

int parse_run_options(int argc, char **argv, struct run_options *o, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{ "engine",  required_argument, NULL, OPT_ENGINE },
		{ "policy",  required_argument, NULL, OPT_POLICY },
		{ "stats",   optional_argument, NULL, OPT_STATS },
		{ "mem",     required_argument, NULL, OPT_MEM },
		{ "serial",  required_argument, NULL, OPT_SERIAL },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "module",  required_argument, NULL, OPT_MODULE },
		{ "initrd",  required_argument, NULL, OPT_INITRD },
		{ "flat",    optional_argument, NULL, OPT_FLAT },
		{ "audit",   required_argument, NULL, OPT_AUDIT },
		{ "audit-level",  required_argument, NULL, OPT_AUDIT_LEVEL },
		{ "audit-format", required_argument, NULL, OPT_AUDIT_FORMAT },
		{ "audit-summary", optional_argument, NULL, OPT_AUDIT_SUMMARY },
		{ "audit-filter", required_argument, NULL, OPT_AUDIT_FILTER },
		{ "sandbox", required_argument, NULL, OPT_SANDBOX },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-instructions", required_argument, NULL, OPT_MAX_INSNS },
		{ "verbose", no_argument,       NULL, 'v' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char optbuf[64];
	bool level_opt = false, format_opt = false;

	memset(o, 0, sizeof(*o));
	o->audit_level = AUDIT_LEVEL_SUPERVISOR;
	o->audit_format = AUDIT_FMT_JSON;
	o->policy = "theorem3";
	o->mem = DEFAULT_MEM;
	o->serial = "stdio";
	o->flat_addr = DEFAULT_FLAT_ADDR;
	o->sandbox = true;

	/* 0, not 1: glibc's getopt then starts afresh, where 1 would go on
	 * from a scan that stopped inside a cluster such as -hv, reading the
	 * argument vector of an earlier call. */
	optind = 0;
	opterr = 0;   /* we word the errors ourselves, on one line */
	int c;
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ENGINE:
			if (strcmp(optarg, "hw") && strcmp(optarg, "sw"))
				return fail(err, errlen, "--engine: unknown engine '%s' (expected hw or sw)", optarg);
			o->policy = optarg;
			break;
		case OPT_POLICY:
			if (!*optarg)
				return fail(err, errlen, "--policy: empty policy%s", "");
			o->policy = optarg;
			break;
		case OPT_STATS:
			if (!optarg || !strcmp(optarg, "text"))
				o->stats = STATS_TEXT;
			else if (!strcmp(optarg, "json"))
				o->stats = STATS_JSON;
			else
				return fail(err, errlen, "--stats: unknown format '%s' (expected text or json)", optarg);
			break;
		case OPT_MEM:
			if (parse_size(optarg, &o->mem))
				return fail(err, errlen, "--mem: bad size '%s' (expected a number with an optional K, M or G suffix, e.g. 64M)", optarg);
			if (o->mem < (1ull << 20) || o->mem > (1ull << 40) || (o->mem & 0xfff))
				return fail(err, errlen, "--mem: size '%s' out of range (1M to 1T, a multiple of 4K)", optarg);
			break;
		case OPT_SERIAL:
			if (!*optarg)
				return fail(err, errlen, "--serial: empty destination%s", "");
			o->serial = optarg;
			break;
		case OPT_CMDLINE:
			o->cmdline = optarg;
			break;
		case OPT_MODULE:
			if (o->load.nr_modules == MB_MAX_MODULES) {
				snprintf(optbuf, sizeof(optbuf), "%d", MB_MAX_MODULES);
				return fail(err, errlen, "--module: at most %s modules", optbuf);
			}
			if (!*optarg)
				return fail(err, errlen, "--module: empty file name%s", "");
			o->load.modules[o->load.nr_modules++] = optarg;
			break;
		case OPT_INITRD:
			if (!*optarg)
				return fail(err, errlen, "--initrd: empty file name%s", "");
			o->load.initrd = optarg;
			break;
		case OPT_FLAT:
			o->flat = true;
			if (optarg) {
				char *end;
				errno = 0;
				unsigned long long a = strtoull(optarg, &end, 0);
				if (errno || !*optarg || *end || *optarg == '-')
					return fail(err, errlen, "--flat: bad address '%s'", optarg);
				o->flat_addr = a;
			}
			break;
		case OPT_AUDIT:
			if (!*optarg)
				return fail(err, errlen, "--audit: empty file name%s", "");
			o->audit = optarg;
			break;
		case OPT_AUDIT_LEVEL:
			if (parse_audit_level(optarg, &o->audit_level))
				return fail(err, errlen, "--audit-level: unknown level '%s' (expected events, supervisor or all)", optarg);
			level_opt = true;
			break;
		case OPT_AUDIT_FORMAT:
			if (!strcmp(optarg, "json"))
				o->audit_format = AUDIT_FMT_JSON;
			else if (!strcmp(optarg, "text"))
				o->audit_format = AUDIT_FMT_TEXT;
			else
				return fail(err, errlen, "--audit-format: unknown format '%s' (expected json or text)", optarg);
			format_opt = true;
			break;
		case OPT_AUDIT_SUMMARY:
			if (!optarg || !strcmp(optarg, "text"))
				o->audit_summary = 1 + AUDIT_SUMMARY_TEXT;
			else if (!strcmp(optarg, "json"))
				o->audit_summary = 1 + AUDIT_SUMMARY_JSON;
			else
				return fail(err, errlen, "--audit-summary: unknown format '%s' (expected text or json)", optarg);
			break;
		case OPT_AUDIT_FILTER: {
			/* A second --audit-filter adds its conditions to the first. */
			char why[384];
			if (audit_filter_parse(&o->audit_filter, optarg, why, sizeof(why)))
				return fail(err, errlen, "--audit-filter: %s", why);
			o->audit_filtered = true;
			break;
		}
		case OPT_SANDBOX:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				return fail(err, errlen, "--sandbox: expected on or off, not '%s'", optarg);
			o->sandbox = !strcmp(optarg, "on");
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(optarg, &o->timeout_ns))
				return fail(err, errlen, "--timeout: bad time '%s' (expected seconds, more than 0 and at most a year, e.g. 30 or 0.5)", optarg);
			o->timeout = optarg;
			break;
		case OPT_MAX_INSNS:
			if (parse_count(optarg, &o->max_instructions))
				return fail(err, errlen, "--max-instructions: bad count '%s' (expected a whole number from 1)", optarg);
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			o->help = true;
			return 0;
		case ':':
			snprintf(optbuf, sizeof(optbuf), "%s", argv[optind - 1]);
			return fail(err, errlen, "option '%s' needs a value", optbuf);
		default:
			snprintf(optbuf, sizeof(optbuf), "%s", argv[optind - 1]);
			return fail(err, errlen, "unknown option '%s' (see hvmm run --help)", optbuf);
		}
	}
	if (optind >= argc)
		return fail(err, errlen, "no guest image given (see hvmm run --help)%s", "");
	if (optind + 1 < argc)
		return fail(err, errlen, "unexpected argument '%s' after the guest image", argv[optind + 1]);
	if (level_opt && !o->audit && !o->audit_summary)
		return fail(err, errlen, "--audit-level needs --audit FILE or --audit-summary%s", "");
	if (format_opt && !o->audit)
		return fail(err, errlen, "--audit-format needs --audit FILE (it is the file's format)%s", "");
	if (o->audit_filtered && !o->audit)
		return fail(err, errlen, "--audit-filter needs --audit FILE (it picks the file's records)%s", "");
	o->guest = argv[optind];
	if (ends_with(o->guest, ".bin"))
		o->flat = true;
	if (o->flat && (o->cmdline || o->load.nr_modules || o->load.initrd))
		return fail(err, errlen, "%s: a flat binary takes no --cmdline, --module or --initrd (those are for kernels)", o->guest);
	o->load.cmdline = o->cmdline;
	return 0;
}
