/* The timer loop (loop_timer.S) with the PIT at about 10 kHz: a tick
 * shorter than a KVM round trip in emulated hardware, which must not
 * keep the guest from running (hwvmm/kvm_run.c, kick_deadline). */
#define TIMER_RELOAD	119	/* PIT_HZ / 119: 10.0 kHz */
#define TIMER_NAME	timer10k
#include "loop_timer.S"
