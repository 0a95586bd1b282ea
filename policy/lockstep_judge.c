/* Lockstep's comparison of one step and its report (policy/lockstep.h). */
#include <stdlib.h>
#include <string.h>

#include "policy/lockstep.h"

bool ls_field_in(const char *name, const char *list)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		/* An entry ending in '.' covers every field under it. */
		if ((len == n && !strncmp(p, name, n)) ||
		    (len && p[len - 1] == '.' && len <= n && !strncmp(p, name, len)))
			return true;
		p += len + (end != NULL);
	}
	return false;
}

bool ls_fields_within(const struct ls_step *st, const char *list)
{
	char names[sizeof(st->fields)];
	snprintf(names, sizeof(names), "%s", st->fields);
	for (char *save, *f = strtok_r(names, ",", &save); f; f = strtok_r(NULL, ",", &save))
		if (!ls_field_in(f, list))
			return false;
	return true;
}

/* Fields the comparison leaves out: the TSC each engine read when its
 * state was stored (RDTSC results are compared, as the tsc deviation). */
static bool ignored(const char *name)
{
	return !strcmp(name, "tsc");
}

/* KVM's state with what means nothing taken from the interpreter's: the
 * vector and error code of an event neither holds pending or injected
 * (KVM keeps the last one's). */
static void meaningless_as_sw(const struct vcpu_state *sw, struct vcpu_state *hw)
{
	const struct vcpu_events *a = &sw->ev;
	struct vcpu_events *b = &hw->ev;
	if (!a->interrupt.injected && !b->interrupt.injected) {
		b->interrupt.vector = a->interrupt.vector;
		b->interrupt.soft = a->interrupt.soft;
	}
	if (!a->exception.pending && !a->exception.injected && !b->exception.pending &&
	    !b->exception.injected) {
		b->exception.vector = a->exception.vector;
		b->exception.has_error_code = a->exception.has_error_code;
		b->exception.error_code = a->exception.error_code;
	}
}

/* vcpu_state_diff's lines ("name: A != B") with the ignored fields
 * dropped: the names into st->fields, the lines reworded into out. */
static void diff_fields(struct ls_step *st, FILE *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	st->fields[0] = '\0';
	if (!mf)
		return;
	struct vcpu_state hw = *st->hw;
	meaningless_as_sw(st->sw, &hw);
	vcpu_state_diff(st->sw, &hw, mf);
	fclose(mf);
	size_t used = 0;
	for (char *save, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strstr(line, ": "), *ne = strstr(line, " != ");
		if (!colon || !ne)
			continue;
		*colon = *ne = '\0';
		if (ignored(line))
			continue;
		used += (size_t)snprintf(st->fields + used, used < sizeof(st->fields) ?
		                         sizeof(st->fields) - used : 0, "%s%s", used ? "," : "", line);
		if (out)
			fprintf(out, "  %s: sw %s, hw %s\n", line, colon + 2, ne + 4);
	}
	free(buf);
}

static void header(const struct ls_step *st, FILE *out)
{
	const struct vcpu_state *b = st->before;
	fprintf(out, "lockstep: the engines differ at step %llu, rip 0x%llx (cs 0x%x, CPL %u, "
	        "%s)\n", (unsigned long long)st->n, (unsigned long long)b->rip,
	        b->seg[SEG_CS].selector, vcpu_cpl(b), cpu_mode_name(vcpu_mode(b)));
	fprintf(out, "  instruction: %s  %s\n", st->insn.hex, st->insn.disasm);
	if (st->sw_exception >= 0)
		fprintf(out, "  the interpreter delivered exception %d\n", st->sw_exception);
	if (!st->hw_reached)
		fprintf(out, "  KVM did not stop at the interpreter's next instruction (linear "
		        "0x%llx): its state is where it stopped\n",
		        (unsigned long long)(st->sw->seg[SEG_CS].base + st->sw->rip));
}

enum ls_verdict ls_judge(struct ls_step *st, unsigned *dev, FILE *out)
{
	diff_fields(st, NULL);
	if (!st->fields[0] && !st->mem[0] && !st->io_why && !st->hw_stopped && st->hw_reached)
		return LS_SAME;
	for (unsigned i = 0; i < ls_nr_deviations(); i++) {
		const struct ls_deviation *d = ls_deviation(i);
		if (d->applies && !st->io_why && d->applies(st)) {
			*dev = i;
			return LS_SKIPPED;
		}
	}
	header(st, out);
	diff_fields(st, out);
	if (st->mem[0])
		fprintf(out, "  %s\n", st->mem);
	if (st->io_why)
		fprintf(out, "  devices: %s\n", st->io_why);
	if (st->hw_stopped)
		fprintf(out, "  KVM stopped the VM: %s\n", st->hw_stopped);
	return LS_DIVERGED;
}

void ls_summary(uint64_t compared, const uint64_t *skips, FILE *out)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < ls_nr_deviations(); i++)
		total += skips[i];
	fprintf(out, "lockstep: %llu steps compared, %llu skipped", (unsigned long long)compared,
	        (unsigned long long)total);
	const char *sep = " (";
	for (unsigned i = 0; i < ls_nr_deviations(); i++) {
		if (!skips[i])
			continue;
		fprintf(out, "%s%s: %llu", sep, ls_deviation(i)->name, (unsigned long long)skips[i]);
		sep = ", ";
	}
	fprintf(out, "%s\n", total ? ")" : "");
}
