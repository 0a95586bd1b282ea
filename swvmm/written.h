/* The pages the interpreter writes, for a caller that compares them
 * (lockstep): engine_ops.watch turns the log on for every page (all
 * writes then take the slow path, which notes them), written reports
 * and empties it. */
#ifndef HVMM_SWVMM_WRITTEN_H
#define HVMM_SWVMM_WRITTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "swvmm/cpu.h"

/* Page number page was written. */
void sw_written_add(struct sw_cpu *c, uint64_t page);

/* [gpa, gpa+len) of RAM was written (len small: at most two pages). */
static inline void sw_written_note(struct sw_cpu *c, uint64_t gpa, uint64_t len)
{
	if (!c->wlog.on)
		return;
	sw_written_add(c, gpa >> 12);
	if ((gpa + len - 1) >> 12 != gpa >> 12)
		sw_written_add(c, (gpa + len - 1) >> 12);
}

/* engine_ops.watch and .written of the interpreter. */
int sw_watch(void *ctx, uint64_t gpa);
int sw_written(void *ctx, bool (*fn)(void *opaque, uint64_t gpa), void *opaque);
void sw_written_free(struct sw_cpu *c);

#endif
