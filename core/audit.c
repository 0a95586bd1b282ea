/* The audit record buffer (core/audit.h). */
#include <errno.h>
#include <x86intrin.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"

int audit_init(struct audit *a, enum audit_level level, size_t cap,
               audit_sink_fn sink, void *opaque)
{
	memset(a, 0, sizeof(*a));
	a->buf = calloc(cap, sizeof(*a->buf));
	if (!a->buf)
		return -ENOMEM;
	a->cap = cap;
	audit_set_level(a, level);
	a->insn_records = true;
	a->sink = sink;
	a->opaque = opaque;
	return 0;
}

void audit_set_level(struct audit *a, enum audit_level level)
{
	a->level = level;
	a->insn_cpls = level == AUDIT_LEVEL_ALL ? 0xf
	             : level == AUDIT_LEVEL_SUPERVISOR ? 0x7 : 0;
}

int audit_flush(struct audit *a)
{
	if (a->writer) {
		int err = a->n ? audit_writer_hand_over(a) : 0;
		if (err && !a->err)
			a->err = err;
		return a->err;
	}
	if (a->n && !a->err) {
		uint64_t t0 = __rdtsc();
		a->err = a->sink(a->opaque, a->buf, a->n);
		if (a->clock)
			vclock_pause(a->clock, __rdtsc() - t0);
	}
	a->n = 0;
	return a->err;
}

int audit_fini(struct audit *a)
{
	int err = a->buf ? audit_flush(a) : 0;
	if (a->writer) {
		int werr = audit_writer_stop(a);
		if (!err)
			err = werr;
	}
	free(a->buf);
	a->buf = NULL;
	return err;
}

struct audit_rec *audit_add(struct audit *a, enum audit_kind kind)
{
	if (a->n == a->cap)
		audit_flush(a);
	struct audit_rec *r = &a->buf[a->n++];
	memset(r, 0, sizeof(*r));
	r->seq = a->seq++;
	r->kind = (uint8_t)kind;
	a->counts[kind]++;
	return r;
}

const char *audit_kind_name(unsigned kind)
{
	static const char *const names[] = {
#define AUDIT_KIND_NAME(id, name, what) [AUDIT_##id] = name,
		AUDIT_KINDS(AUDIT_KIND_NAME)
#undef AUDIT_KIND_NAME
	};
	return kind < NR_AUDIT_KINDS ? names[kind] : NULL;
}

struct audit_rec *audit_add_state(struct audit *a, enum audit_kind kind, enum audit_engine e,
                                  const struct vcpu_state *s, uint64_t icount)
{
	if (!audit_events_on(a))
		return NULL;
	struct audit_rec *r = audit_add(a, kind);
	audit_stamp_state(r, s);
	r->engine = (uint8_t)e;
	r->icount = icount;
	return r;
}

void audit_stamp_state(struct audit_rec *r, const struct vcpu_state *s)
{
	enum cpu_mode m = vcpu_mode(s);
	r->mode = (uint8_t)m;
	r->cpl = (uint8_t)vcpu_cpl(s);
	r->cr3 = s->cr3;
	r->rip = m == MODE_LONG64 ? s->rip : (s->seg[SEG_CS].base + s->rip) & 0xffffffffull;
}

void audit_syscall_args(struct audit_rec *r, const struct vcpu_state *s, bool i386_abi)
{
	static const uint8_t abi64[6] = { RDI, RSI, RDX, R10, R8, R9 };
	static const uint8_t abi32[6] = { RBX, RCX, RDX, RSI, RDI, RBP };
	uint64_t mask = i386_abi ? 0xffffffffull : ~0ull;
	r->v[0] = s->gpr[RAX] & mask;
	for (unsigned k = 0; k < 6; k++)
		r->v[1 + k] = s->gpr[i386_abi ? abi32[k] : abi64[k]] & mask;
}

uint64_t audit_value(const void *data, unsigned len)
{
	uint64_t v = 0;
	memcpy(&v, data, len < sizeof(v) ? len : sizeof(v));
	return v;
}
