/* The device side of one compared step (lockstep, policy/lockstep.c):
 * port and MMIO accesses and interrupt acknowledges happen once. While
 * recording, the bus and the interrupt controllers work as usual and
 * each access is logged; while replaying, nothing reaches a device: reads
 * return what was logged, writes and acknowledges must match the log in
 * order, and the first mismatch is kept as the step's divergence. */
#ifndef HVMM_IO_LOG_H
#define HVMM_IO_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum io_log_mode { IO_LOG_OFF, IO_LOG_RECORD, IO_LOG_REPLAY };

/* What an entry is: a bus access (space as enum bus_space), an interrupt
 * acknowledge, an NMI taken from the APIC. */
enum io_log_kind { IOL_PIO, IOL_MMIO, IOL_ACK, IOL_NMI };

struct io_log_entry {
	uint8_t kind;      /* enum io_log_kind */
	bool write;
	uint8_t len;
	int ret;           /* the device's result; the vector of an acknowledge */
	uint64_t addr;
	uint8_t data[8];
};

struct io_log {
	enum io_log_mode mode;
	struct io_log_entry *e;
	unsigned n, cap;
	unsigned pos;               /* replay: entries consumed */
	bool diverged;              /* replay: an access did not match */
	char why[160];              /* ... which, in words */
};

/* Empty the log and set its mode. */
void io_log_start(struct io_log *l, enum io_log_mode mode);
void io_log_free(struct io_log *l);
/* Replay what was recorded, from the first entry. */
void io_log_replay(struct io_log *l);

/* Replay of a bus access (space IOL_PIO or IOL_MMIO): fills data on a
 * read and returns the device's logged result. */
int io_log_replay_access(struct io_log *l, enum io_log_kind space, uint64_t addr, void *data,
                         unsigned len, bool is_write);
/* Record one (after the device answered). */
void io_log_record_access(struct io_log *l, enum io_log_kind space, uint64_t addr,
                          const void *data, unsigned len, bool is_write, int ret);

/* Interrupt acknowledges (v: vector or -1) and NMIs. replay_pending:
 * whether the next entry is an acknowledge (what vm_intr_pending answers
 * while replaying). */
void io_log_record_intr(struct io_log *l, enum io_log_kind kind, int v);
bool io_log_replay_pending(struct io_log *l, enum io_log_kind kind);
int io_log_replay_intr(struct io_log *l, enum io_log_kind kind);

/* After a replay: a divergence if entries were left unused. */
void io_log_finish(struct io_log *l);

#endif
