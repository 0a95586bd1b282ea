/* Hardware task switches (Intel SDM Vol. 3, ch. 7): far JMP/CALL to a TSS
 * or a task gate, IRET with EFLAGS.NT set, and events through a task gate
 * in the IDT (swvmm/task_switch.c). Legacy protected mode only: long mode
 * refuses all three before they get here. */
#ifndef HVMM_SWVMM_TASK_SWITCH_H
#define HVMM_SWVMM_TASK_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "swvmm/cpu.h"

/* A far JMP (call false) or CALL to sel, whose descriptor is raw: when it
 * is an available TSS or a task gate outside long mode, the task switch
 * (or the fault that refuses it) happens and true is returned; false for
 * any other descriptor. */
bool sw_task_far(struct sw_cpu *c, uint16_t sel, const uint64_t raw[2], bool call);

/* IRET with NT set: back to the task named by the current TSS's link. */
void sw_task_return(struct sw_cpu *c);

/* An event through a task gate for the TSS tss_sel. rip_after is the EIP
 * saved for the interrupted task; errcode (SW_NO_ERRCODE: none) is pushed
 * on the new task's stack; ext is the EXT bit of the faults on the way. */
void sw_task_gate_event(struct sw_cpu *c, uint16_t tss_sel, int errcode, int ext,
                        uint64_t rip_after);

#endif
