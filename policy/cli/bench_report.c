/* The reports of `hvmm bench`: the aligned table, CSV, JSON, and writing
 * a report file under a temporary name renamed on completion. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/cli/bench.h"
#include "policy/cli/stats.h"

/* 1234567 -> "1.23M": three significant digits with an SI suffix;
 * whole numbers below 1000 as they are. */
static void si(char *buf, size_t n, double v)
{
	static const char *const sfx[] = { "", "k", "M", "G", "T" };
	unsigned k = 0;
	if (isnan(v)) {
		snprintf(buf, n, "-");
		return;
	}
	while (fabs(v) >= 999.5 && k + 1 < sizeof(sfx) / sizeof(sfx[0])) {
		v /= 1000;
		k++;
	}
	int prec = fabs(v) >= 99.95 || (!k && v == floor(v)) ? 0 : fabs(v) >= 9.995 ? 1 : 2;
	snprintf(buf, n, "%.*f%s", prec, v, sfx[k]);
}

/* printf of one double, "-" for NAN. */
static void num(char *buf, size_t n, const char *fmt, double v)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, fmt, v);
}

static void exits_text(char *buf, size_t n, const struct bench_summary *s)
{
	size_t len = 0;
	char v[16];
	buf[0] = '\0';
	for (unsigned k = 0; k < BENCH_TOP_EXITS && s->exit_count[k] > 0 && len < n; k++) {
		si(v, sizeof(v), s->exit_count[k]);
		len += (size_t)snprintf(buf + len, n - len, "%s%s %s", k ? ", " : "",
		                        stats_exit_key(s->exit_reason[k]), v);
	}
	if (!buf[0])
		snprintf(buf, n, "-");
}

enum { COL_W, COL_P, COL_RUNS, COL_WALL, COL_SPREAD, COL_RATE, COL_UNITS, COL_VS, COL_SW,
       COL_HW, COL_MIGS, COL_MIGUS, COL_INSNS, COL_KRUNS, COL_EXITS, NR_COLS };
static const char *const headers[NR_COLS] = {
	"workload", "policy", "runs", "wall s", "+-%", "work/s", "units", "vs hw", "sw %",
	"hw %", "migr/s", "migr us", "interp insns", "KVM runs", "top KVM exits per run",
};

static void columns(const struct bench *b, const struct bench_cell *c, char col[NR_COLS][96])
{
	const struct bench_summary *s = &c->sum;
	snprintf(col[COL_W], 96, "%s", c->w->name);
	snprintf(col[COL_P], 96, "%s", b->o->policies[c->policy]);
	snprintf(col[COL_RUNS], 96, "%u", c->nr);
	num(col[COL_WALL], 96, "%.3f", s->wall_med);
	num(col[COL_SPREAD], 96, "%.0f", s->spread_pct);
	si(col[COL_RATE], 96, s->work_per_s);
	snprintf(col[COL_UNITS], 96, "%s", c->units);
	num(col[COL_VS], 96, "%.3gx", s->vs_hw);
	num(col[COL_SW], 96, "%.0f", 100 * s->sw_share);
	num(col[COL_HW], 96, "%.0f", 100 * s->hw_share);
	si(col[COL_MIGS], 96, s->mig_per_s);
	num(col[COL_MIGUS], 96, "%.1f", s->mig_mean_us);
	si(col[COL_INSNS], 96, s->insns);
	si(col[COL_KRUNS], 96, s->hw_runs);
	exits_text(col[COL_EXITS], 96, s);
}

/* Text columns left-aligned, numbers right-aligned; a skipped cell gives
 * its reason after the workload and policy. */
void bench_print_table(FILE *f, const struct bench *b)
{
	static char col[NR_COLS][96];
	int width[NR_COLS];
	for (int k = 0; k < NR_COLS; k++)
		width[k] = (int)strlen(headers[k]);
	for (unsigned i = 0; i < b->nr_cells; i++) {
		columns(b, &b->cells[i], col);
		for (int k = 0; k < NR_COLS; k++)
			if (b->cells[i].nr || k <= COL_P)
				width[k] = width[k] > (int)strlen(col[k]) ? width[k] : (int)strlen(col[k]);
	}
	for (int k = 0; k < NR_COLS; k++)
		fprintf(f, "%s%-*s", k ? "  " : "", k == NR_COLS - 1 ? 0 : width[k], headers[k]);
	fputc('\n', f);
	for (unsigned i = 0; i < b->nr_cells; i++) {
		const struct bench_cell *c = &b->cells[i];
		columns(b, c, col);
		fprintf(f, "%-*s  %-*s", width[COL_W], col[COL_W], width[COL_P], col[COL_P]);
		if (!c->nr) {
			fprintf(f, "  skipped: %s\n", c->skip);
			continue;
		}
		for (int k = COL_RUNS; k < NR_COLS; k++) {
			bool left = k == COL_UNITS || k == COL_EXITS;
			fprintf(f, "  %*s", left ? -(k == NR_COLS - 1 ? 0 : width[k]) : width[k], col[k]);
		}
		fputc('\n', f);
	}
}

void bench_csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/* The summary's numbers: CSV columns and JSON keys, in one order. */
#define SUMMARY_FIELDS(X) \
	X(wall_med, "wall_median_s") X(wall_min, "wall_min_s") X(wall_max, "wall_max_s") \
	X(spread_pct, "spread_pct") X(work_per_s, "work_per_s") X(vs_hw, "vs_hw") \
	X(sw_share, "sw_share") X(hw_share, "hw_share") X(mig_per_s, "migrations_per_s") \
	X(mig_mean_us, "migration_mean_us") X(insns, "interp_instructions") \
	X(hw_runs, "kvm_runs")

/* ",KEY" (JSON: ",\"KEY\":") and the number, empty (null) if none. */
static void field(FILE *f, bool json, const char *key, double v)
{
	if (json)
		fprintf(f, ",\"%s\":", key);
	else
		fputc(',', f);
	if (!isnan(v))
		fprintf(f, "%.9g", v);
	else if (json)
		fputs("null", f);
}

static void summary_fields(FILE *f, bool json, const struct bench_summary *s)
{
#define SUMMARY_FIELD(member, key) field(f, json, key, s->member);
	SUMMARY_FIELDS(SUMMARY_FIELD)
#undef SUMMARY_FIELD
}

int bench_write_csv(FILE *f, const struct bench *b)
{
	const struct bench_summary none = {
#define SUMMARY_NONE(member, key) .member = NAN,
		SUMMARY_FIELDS(SUMMARY_NONE)
#undef SUMMARY_NONE
	};
	fputs("workload,policy,iterations,units,runs,work", f);
#define SUMMARY_HEADER(member, key) fputs("," key, f);
	SUMMARY_FIELDS(SUMMARY_HEADER)
#undef SUMMARY_HEADER
	fputs(",top_kvm_exits,skipped\n", f);
	for (unsigned i = 0; i < b->nr_cells; i++) {
		const struct bench_cell *c = &b->cells[i];
		char exits[256];
		bench_csv_field(f, c->w->name);
		fputc(',', f);
		bench_csv_field(f, b->o->policies[c->policy]);
		fprintf(f, ",%" PRIu64 ",", c->iters);
		bench_csv_field(f, c->units);
		fprintf(f, ",%u", c->nr);
		field(f, false, "work", c->nr ? (double)c->s[0].work : NAN);
		summary_fields(f, false, c->nr ? &c->sum : &none);
		exits_text(exits, sizeof(exits), &c->sum);
		fputc(',', f);
		bench_csv_field(f, c->nr ? exits : "");
		fputc(',', f);
		bench_csv_field(f, c->skip);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

static void json_summary(FILE *f, const struct bench_summary *s)
{
	fputs(",\"summary\":{\"top_kvm_exits\":{", f);
	for (unsigned k = 0; k < BENCH_TOP_EXITS && s->exit_count[k] > 0; k++)
		fprintf(f, "%s\"%s\":%.9g", k ? "," : "", stats_exit_key(s->exit_reason[k]),
		        s->exit_count[k]);
	fputc('}', f);
	summary_fields(f, true, s);
	fputc('}', f);
}

/* One cell: what it is, its summary, and each run with the counters
 * exactly as `hvmm run --stats=json` prints them. */
static void json_cell(FILE *f, const struct bench *b, const struct bench_cell *c)
{
	const char *policy = b->o->policies[c->policy];
	fputs("{\"workload\":", f);
	stats_json_string(f, c->w->name);
	fputs(",\"policy\":", f);
	stats_json_string(f, policy);
	fprintf(f, ",\"iterations\":%" PRIu64 ",\"units\":", c->iters);
	stats_json_string(f, c->units);
	fputs(",\"skipped\":", f);
	if (c->nr)
		fputs("null", f);
	else
		stats_json_string(f, c->skip);
	if (c->nr)
		json_summary(f, &c->sum);
	fputs(",\"runs\":[", f);
	for (unsigned i = 0; i < c->nr; i++) {
		fprintf(f, "%s{\"wall_s\":%.9g,\"work\":%" PRIu64 ",\"stats\":", i ? "," : "",
		        c->s[i].wall_s, c->s[i].work);
		print_vm_stats(f, &c->s[i].stats, policy, true);
		fputs("}", f);
	}
	fputs("]}", f);
}

int bench_write_json(FILE *f, const struct bench *b)
{
	fprintf(f, "{\"repeat\":%u,\"cells\":[", b->o->repeat);
	for (unsigned i = 0; i < b->nr_cells; i++) {
		fputs(i ? ",\n" : "\n", f);
		json_cell(f, b, &b->cells[i]);
	}
	fputs("\n]}\n", f);
	return ferror(f) ? -EIO : 0;
}

int bench_write_file(const char *path, int (*fn)(FILE *, const struct bench *),
                     const struct bench *b, char *err, size_t errlen)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return -ENOMEM;
	FILE *f = fopen(tmp, "w");
	int r = f ? fn(f, b) : -errno;
	if (f && fclose(f) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	if (r) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
		unlink(tmp);
	}
	free(tmp);
	return r;
}
