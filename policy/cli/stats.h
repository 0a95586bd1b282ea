/* --stats: the VM's counters as text or JSON. */
#ifndef HVMM_CLI_STATS_H
#define HVMM_CLI_STATS_H

#include <stdbool.h>
#include <stdio.h>

struct vm;

void print_stats(FILE *out, const struct vm *vm, const char *policy, bool json);

#endif
