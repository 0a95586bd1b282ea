/* The timer loop (loop_timer.S) with the PIT at about 10 kHz: a tick
 * shorter than two KVM round trips in emulated hardware, which must not
 * keep theorem3 and adaptive from running user code (policy/dispatch.c,
 * defer_for_timer). */
#define TIMER_RELOAD	119	/* PIT_HZ / 119: 10.0 kHz */
#define TIMER_NAME	timer10k
#include "loop_timer.S"
