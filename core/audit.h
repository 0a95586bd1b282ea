/* The audit of supervisor-mode execution (docs/audit.md): the engines and
 * the dispatcher fill fixed-size binary records into a buffer in memory;
 * when it is full, a sink the command set up formats and writes them. The
 * records hold raw bytes and state only, so that disassembly and text
 * cost nothing while the guest runs.
 *
 * Here because both engines and the dispatcher produce records and all of
 * them see core; the formatting is policy/audit_format.c, the file the
 * command's. */
#ifndef HVMM_AUDIT_H
#define HVMM_AUDIT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/audit_hist.h"
#include "core/clock.h"
#include "core/vcpu_state.h"

/* X(ID, NAME, WHAT): AUDIT_ID the enum constant, NAME the "kind" field of
 * a record, WHAT what the payload v[] holds (docs/audit.md names the
 * fields). */
#define AUDIT_KINDS(X) \
	X(INSN,      "insn",      "an instruction executed; bytes, len") \
	X(CR_WRITE,  "cr-write",  "sub = n of CRn; v0 old, v1 new value") \
	X(MSR_READ,  "msr-read",  "v0 the MSR, v1 the value read") \
	X(MSR_WRITE, "msr-write", "v0 the MSR, v1 the value written") \
	X(DT_LOAD,   "dt-load",   "sub = AUDIT_DT_*; v0 base, v1 limit, v2 selector") \
	X(PIO,       "pio",       "sub = AUDIT_IN/OUT; v0 port, v1 size, v2 value") \
	X(MMIO,      "mmio",      "sub = AUDIT_IN/OUT; v0 address, v1 size, v2 value") \
	X(EXCEPTION, "exception", "v0 vector, v1 error code or ~0, v2 CR2 (#PF)") \
	X(INTERRUPT, "interrupt", "v0 vector; sub = 1 for INT n") \
	X(SYSCALL,   "syscall",   "v0 number, v1-v6 the ABI's argument registers") \
	X(CPL,       "cpl",       "v0 the CPL before, v1 after") \
	X(MIGRATION, "migration", "v0 from, v1 to (audit_engine), v2 mig_reason, v3 ns") \
	X(GAP,       "gap",       "supervisor code run unaudited on KVM: rip where it " \
	                          "entered, v0 RIP where it left, v1 CPL then, v2 ns")

enum audit_kind {
#define AUDIT_KIND_ENUM(id, name, what) AUDIT_##id,
	AUDIT_KINDS(AUDIT_KIND_ENUM)
#undef AUDIT_KIND_ENUM
	NR_AUDIT_KINDS
};

/* What --audit-level (and a policy file's `audit N`, N the value here)
 * asks for: nothing, events only, and instructions at CPL 0-2
 * (supervisor) or at every CPL (all). */
enum audit_level { AUDIT_LEVEL_OFF, AUDIT_LEVEL_EVENTS, AUDIT_LEVEL_SUPERVISOR, AUDIT_LEVEL_ALL };

/* Who made a record: an engine, or the dispatcher between runs. */
enum audit_engine { AUDIT_ENGINE_SW, AUDIT_ENGINE_HW, AUDIT_ENGINE_DISPATCH, NR_AUDIT_ENGINES };

enum { AUDIT_DT_GDTR, AUDIT_DT_IDTR, AUDIT_DT_LDTR, AUDIT_DT_TR };
enum { AUDIT_IN, AUDIT_OUT };

#define AUDIT_NONE (~0ull)   /* no error code, no value */

/* One record: 128 bytes, whatever its kind. */
struct audit_rec {
	uint64_t seq;        /* 0, 1, 2, ... in the order they were made */
	uint64_t icount;     /* instructions the interpreter retired before it */
	uint64_t cr3;
	uint64_t rip;        /* linear address of the instruction (or event) */
	uint64_t v[7];       /* the kind's payload (AUDIT_KINDS) */
	uint8_t kind;        /* enum audit_kind */
	uint8_t engine;      /* enum audit_engine */
	uint8_t mode;        /* enum cpu_mode */
	uint8_t cpl;
	uint8_t sub;         /* a kind's variant (AUDIT_KINDS) */
	uint8_t len;         /* bytes used of bytes[] */
	uint8_t bytes[15];   /* the instruction as fetched */
	uint8_t pad[15];
};
_Static_assert(sizeof(struct audit_rec) == 128, "records are fixed-size");

/* Where full buffers go: 0 or -errno. */
typedef int (*audit_sink_fn)(void *opaque, const struct audit_rec *r, size_t n);

struct audit {
	enum audit_level level;
	unsigned insn_cpls;          /* 1 << CPL: whose instructions are recorded */
	/* Instruction records go to the buffer (a file wants them); without,
	 * they are only counted (counts[], seq) and, with hist, tallied. */
	bool insn_records;
	struct audit_hist *hist;     /* the summary's, or NULL */
	struct audit_rec *buf;
	size_t n, cap;
	uint64_t seq;                /* the next record's */
	uint64_t counts[NR_AUDIT_KINDS];
	audit_sink_fn sink;
	void *opaque;
	int err;                     /* the sink's first failure */
	/* The guest's clock, whose time stands still while a buffer is
	 * written (vclock_pause): the audit must not change when the guest
	 * sees things. NULL: none. */
	struct vclock *clock;
	struct audit_writer *writer; /* core/audit_writer.c, or NULL */
};

/* 0 or -ENOMEM. cap records are buffered between calls of sink. */
int audit_init(struct audit *a, enum audit_level level, size_t cap,
               audit_sink_fn sink, void *opaque);
/* Write what the buffer holds (0 or the sink's first -errno). */
int audit_flush(struct audit *a);
/* Flush, then free the buffer; returns as audit_flush. */
int audit_fini(struct audit *a);

/* Write full buffers from a thread of their own from now on (the sink
 * then runs there, one buffer at a time): 0 or -errno. audit_fini stops
 * it. */
int audit_writer_start(struct audit *a);
/* For audit_flush and audit_fini: hand the buffer to the writer; stop it
 * (after the last buffer is written). The sink's first -errno, or 0. */
int audit_writer_hand_over(struct audit *a);
int audit_writer_stop(struct audit *a);

/* Change the level; instruction records follow from the next run call. */
void audit_set_level(struct audit *a, enum audit_level level);

/* Whether event records are made now. */
static inline bool audit_events_on(const struct audit *a)
{
	return a && a->level != AUDIT_LEVEL_OFF;
}

/* Fill r's engine-independent stamp from state s: mode, CPL, CR3, RIP
 * made linear. */
void audit_stamp_state(struct audit_rec *r, const struct vcpu_state *s);

/* An event record of kind stamped with state s as engine e saw it (RIP
 * made linear), icount the interpreter's count so far; NULL when events
 * are off. For the KVM engine and the dispatcher, which hold no state of
 * their own between runs. */
struct audit_rec *audit_add_state(struct audit *a, enum audit_kind kind, enum audit_engine e,
                                  const struct vcpu_state *s, uint64_t icount);

/* A syscall record's number and arguments from state s: the 64-bit ABI
 * (RAX; RDI, RSI, RDX, R10, R8, R9), or with i386_abi the i386 one (EAX;
 * EBX, ECX, EDX, ESI, EDI, EBP). */
void audit_syscall_args(struct audit_rec *r, const struct vcpu_state *s, bool i386_abi);

/* Little-endian bytes of an access as a record's value (up to 8). */
uint64_t audit_value(const void *data, unsigned len);

/* Count an instruction record not buffered (insn_records off). */
static inline void audit_skip(struct audit *a)
{
	a->seq++;
	a->counts[AUDIT_INSN]++;
}

/* A zeroed record of kind, numbered, to fill in place; valid until the
 * next call. Flushes first when the buffer is full. */
struct audit_rec *audit_add(struct audit *a, enum audit_kind kind);

/* NAME of a kind, NULL outside the list. */
const char *audit_kind_name(unsigned kind);

#endif
