/* --stats: the VM's counters as text or JSON. */
#ifndef HVMM_CLI_STATS_H
#define HVMM_CLI_STATS_H

#include <stdbool.h>
#include <stdio.h>

struct vm;
struct vm_stats;

void print_stats(FILE *out, const struct vm *vm, const char *policy, bool json);
/* The same from the counters alone (hvmm bench keeps them per run). */
void print_vm_stats(FILE *out, const struct vm_stats *s, const char *policy, bool json);

/* A KVM exit reason's word in the reports: "KVM_EXIT_IO" -> "IO". */
const char *stats_exit_key(unsigned r);

/* s as a JSON string, quotes included. */
void stats_json_string(FILE *f, const char *s);

#endif
