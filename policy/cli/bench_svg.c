/* The chart of `hvmm bench --svg`: one group of bars per workload, one bar
 * per policy, the height its work per second relative to a reference
 * policy's on the same workload (hw where hw ran, else the first policy
 * that ran). A logarithmic axis where the values span more than
 * SVG_LOG_RANGE, else a linear one from 0. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policy/cli/bench.h"

#define SVG_LOG_RANGE 20.0
#define SVG_LEFT   90
#define SVG_TOP    60
#define SVG_PLOT_H 300
#define SVG_BOTTOM 60
#define SVG_LEGEND 170
#define SVG_BAR_W  22
#define SVG_PAD    16

static const char *const palette[BENCH_MAX_POLICIES] = {
	"#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c",
};

struct axis {
	bool log;
	double lo, hi;      /* the axis range; log: powers of ten */
	double step;        /* linear: between ticks */
};

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
		}
	}
}

/* The policy the bars are relative to, or nr_policies if none ran. */
static unsigned reference(const struct bench *b)
{
	unsigned np = b->o->nr_policies, first = np;
	for (unsigned i = 0; i < b->nr_cells; i++) {
		const struct bench_cell *c = &b->cells[i];
		if (!c->nr)
			continue;
		if (!strcmp(b->o->policies[c->policy], "hw"))
			return c->policy;
		first = c->policy < first ? c->policy : first;
	}
	return first;
}

static double value(const struct bench *b, unsigned i, unsigned ref)
{
	const struct bench_cell *c = &b->cells[i];
	const struct bench_cell *r = &b->cells[i - c->policy + ref];
	if (!c->nr || ref >= b->o->nr_policies || !r->nr)
		return NAN;
	return c->sum.work_per_s / r->sum.work_per_s;
}

static void scale(const struct bench *b, unsigned ref, struct axis *a)
{
	double vmin = INFINITY, vmax = 0;
	for (unsigned i = 0; i < b->nr_cells; i++) {
		double v = value(b, i, ref);
		if (v > 0) {
			vmin = v < vmin ? v : vmin;
			vmax = v > vmax ? v : vmax;
		}
	}
	if (!(vmax > 0))
		vmin = vmax = 1;
	a->log = vmax / vmin > SVG_LOG_RANGE;
	if (a->log) {
		a->lo = pow(10, floor(log10(vmin)));
		a->hi = pow(10, ceil(log10(vmax)));
		return;
	}
	double top = (vmax > 1 ? vmax : 1) * 1.1;
	double mag = pow(10, floor(log10(top / 5)));
	a->step = top / 5 / mag <= 1 ? mag : top / 5 / mag <= 2 ? 2 * mag : 5 * mag;
	a->lo = 0;
	a->hi = ceil(top / a->step) * a->step;
}

/* The y coordinate of v, clamped to the plot. */
static double y_of(const struct axis *a, double v)
{
	double t = a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
	                  : (v - a->lo) / (a->hi - a->lo);
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return SVG_TOP + SVG_PLOT_H * (1 - t);
}

static void tick(FILE *f, const struct axis *a, double v, int plot_w)
{
	double y = y_of(a, v);
	fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n",
	        SVG_LEFT, y, SVG_LEFT + plot_w, y);
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">%g</text>\n",
	        SVG_LEFT - 6, y + 4, v);
}

static void axes(FILE *f, const struct bench *b, const struct axis *a, unsigned ref, int plot_w)
{
	if (a->log)
		for (double v = a->lo; v <= a->hi * 1.0001; v *= 10)
			tick(f, a, v, plot_w);
	else
		for (double v = a->lo; v <= a->hi + a->step / 2; v += a->step)
			tick(f, a, v, plot_w);
	double y1 = y_of(a, 1);
	fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333333\" "
	        "stroke-dasharray=\"6,4\"/>\n", SVG_LEFT, y1, SVG_LEFT + plot_w, y1);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
	        SVG_LEFT, SVG_TOP, SVG_LEFT, SVG_TOP + SVG_PLOT_H);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
	        SVG_LEFT, SVG_TOP + SVG_PLOT_H, SVG_LEFT + plot_w, SVG_TOP + SVG_PLOT_H);
	fprintf(f, "<text transform=\"translate(22,%d) rotate(-90)\" text-anchor=\"middle\" "
	        "font-size=\"13\">work per second relative to ", SVG_TOP + SVG_PLOT_H / 2);
	xml_text(f, ref < b->o->nr_policies ? b->o->policies[ref] : "nothing");
	fprintf(f, "%s</text>\n", a->log ? " (log scale)" : "");
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">workload</text>\n",
	        SVG_LEFT + plot_w / 2, SVG_TOP + SVG_PLOT_H + 45);
}

static void bars(FILE *f, const struct bench *b, const struct axis *a, unsigned ref)
{
	unsigned np = b->o->nr_policies, group_w = np * SVG_BAR_W + 2 * SVG_PAD;
	for (unsigned i = 0; i < b->nr_cells; i++) {
		const struct bench_cell *c = &b->cells[i];
		unsigned g = i / np;
		double x = SVG_LEFT + g * group_w + SVG_PAD + c->policy * SVG_BAR_W, v = value(b, i, ref);
		if (c->policy == 0) {
			fprintf(f, "<text x=\"%u\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">",
			        SVG_LEFT + g * group_w + group_w / 2, SVG_TOP + SVG_PLOT_H + 18);
			xml_text(f, c->w->name);
			fputs("</text>\n", f);
		}
		if (!(v > 0)) {
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"9\">n/a</text>\n",
			        x + SVG_BAR_W / 2.0, SVG_TOP + SVG_PLOT_H - 4);
			continue;
		}
		double y = y_of(a, v);
		fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
		        "fill=\"%s\"><title>", x, y, SVG_BAR_W - 2, SVG_TOP + SVG_PLOT_H - y,
		        palette[c->policy]);
		xml_text(f, c->w->name);
		fputs(", ", f);
		xml_text(f, b->o->policies[c->policy]);
		fprintf(f, ": %.3g</title></rect>\n", v);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"9\">%.2g</text>\n",
		        x + (SVG_BAR_W - 2) / 2.0, y - 3, v);
	}
}

static void legend(FILE *f, const struct bench *b, int x)
{
	for (unsigned p = 0; p < b->o->nr_policies; p++) {
		int y = SVG_TOP + 10 + 22 * (int)p;
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>\n", x, y,
		        palette[p]);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\">", x + 20, y + 12);
		xml_text(f, b->o->policies[p]);
		fputs("</text>\n", f);
	}
}

int bench_write_svg(FILE *f, const struct bench *b)
{
	unsigned np = b->o->nr_policies, ng = np ? b->nr_cells / np : 0, ref = reference(b);
	int plot_w = (int)(ng * (np * SVG_BAR_W + 2 * SVG_PAD));
	plot_w = plot_w < 300 ? 300 : plot_w;
	int width = SVG_LEFT + plot_w + SVG_LEGEND, height = SVG_TOP + SVG_PLOT_H + SVG_BOTTOM;
	struct axis a;

	scale(b, ref, &a);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	        "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
	        "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", width, height,
	        width, height);
	fprintf(f, "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" font-size=\"16\">"
	        "hvmm bench: throughput by workload and policy, relative to ", width / 2);
	xml_text(f, ref < np ? b->o->policies[ref] : "nothing");
	fputs("</text>\n", f);
	axes(f, b, &a, ref, plot_w);
	bars(f, b, &a, ref);
	legend(f, b, SVG_LEFT + plot_w + 20);
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}
