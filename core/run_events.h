/* The events an engine can report, in one list: the engines return them
 * (core/engine.h), policy files name them (policy/rules_parse.c) and the
 * statistics count them (core/stats.h), so a new kind is added here once.
 *
 * X(ID, NAME, WHAT): RUN_EV_ID is the enum constant, NAME the word a
 * policy file and the statistics use, WHAT what happened and what the
 * event's number is. */
#ifndef HVMM_RUN_EVENTS_H
#define HVMM_RUN_EVENTS_H

#include <stddef.h>

#define RUN_EVENTS(X) \
	X(SYSCALL,   "syscall",   "SYSCALL, SYSENTER or INT 0x80 executed; num = RAX") \
	X(INTERRUPT, "interrupt", "external interrupt or INT n delivered; num = vector") \
	X(EXCEPTION, "exception", "exception delivered; num = vector") \
	X(PORT,      "port",      "port I/O; num = port") \
	X(MSR,       "msr",       "RDMSR or WRMSR; num = the MSR") \
	X(CR_WRITE,  "cr",        "MOV to CRn, LMSW, CLTS; num = n")

/* After the instruction that caused one, the run call returns
 * RUN_EXIT_EVENT with what and which (num). RUN_EV_NONE: a decision
 * point with no event. */
enum run_event {
	RUN_EV_NONE,
#define RUN_EVENT_ENUM(id, name, what) RUN_EV_##id,
	RUN_EVENTS(RUN_EVENT_ENUM)
#undef RUN_EVENT_ENUM
	NR_RUN_EVENTS
};

/* Sets of events are bit masks (1u << RUN_EV_*). */
_Static_assert(NR_RUN_EVENTS <= 32, "event masks are unsigned int");

/* The name of event e as in policy files ("syscall"), NULL for
 * RUN_EV_NONE or a value outside the list. */
static inline const char *run_event_name(enum run_event e)
{
	switch (e) {
#define RUN_EVENT_NAME(id, name, what) case RUN_EV_##id: return name;
	RUN_EVENTS(RUN_EVENT_NAME)
#undef RUN_EVENT_NAME
	default:
		return NULL;
	}
}

#endif
