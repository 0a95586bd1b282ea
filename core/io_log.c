/* Record and replay of the device accesses of one step (core/io_log.h). */
#include "core/io_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
	[IOL_PIO] = "port", [IOL_MMIO] = "MMIO", [IOL_ACK] = "interrupt acknowledge",
	[IOL_NMI] = "NMI",
};

void io_log_replay(struct io_log *l)
{
	l->mode = IO_LOG_REPLAY;
	l->pos = 0;
	l->diverged = false;
	l->why[0] = '\0';
}

void io_log_start(struct io_log *l, enum io_log_mode mode)
{
	l->mode = mode;
	l->n = l->pos = 0;
	l->diverged = false;
	l->why[0] = '\0';
}

void io_log_free(struct io_log *l)
{
	free(l->e);
	memset(l, 0, sizeof(*l));
}

/* Room for one more; NULL (and a divergence) when memory runs out. */
static struct io_log_entry *append(struct io_log *l)
{
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 64;
		struct io_log_entry *e = realloc(l->e, cap * sizeof(*e));
		if (!e) {
			l->diverged = true;
			snprintf(l->why, sizeof(l->why), "device log: out of memory");
			return NULL;
		}
		l->e = e;
		l->cap = cap;
	}
	struct io_log_entry *e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

static void diverge(struct io_log *l, const char *what, uint64_t addr, unsigned len, bool w)
{
	if (l->diverged)
		return;
	l->diverged = true;
	const struct io_log_entry *e = l->pos < l->n ? &l->e[l->pos] : NULL;
	if (!e)
		snprintf(l->why, sizeof(l->why), "KVM made a %s %s at 0x%llx (%u bytes) that the "
		         "interpreter did not", what, w ? "write" : "read", (unsigned long long)addr,
		         len);
	else
		snprintf(l->why, sizeof(l->why), "KVM made a %s %s at 0x%llx (%u bytes) where the "
		         "interpreter made a %s %s at 0x%llx (%u bytes)", what, w ? "write" : "read",
		         (unsigned long long)addr, len, kind_names[e->kind],
		         e->write ? "write" : "read", (unsigned long long)e->addr, e->len);
}

void io_log_record_access(struct io_log *l, enum io_log_kind space, uint64_t addr,
                          const void *data, unsigned len, bool is_write, int ret)
{
	struct io_log_entry *e = append(l);
	if (!e)
		return;
	e->kind = (uint8_t)space;
	e->write = is_write;
	e->len = (uint8_t)len;
	e->addr = addr;
	e->ret = ret;
	memcpy(e->data, data, len > 8 ? 8 : len);
}

int io_log_replay_access(struct io_log *l, enum io_log_kind space, uint64_t addr, void *data,
                         unsigned len, bool is_write)
{
	const struct io_log_entry *e = l->pos < l->n ? &l->e[l->pos] : NULL;
	if (!e || e->kind != space || e->addr != addr || e->len != len || e->write != is_write) {
		diverge(l, kind_names[space], addr, len, is_write);
		if (!is_write)
			memset(data, 0xff, len);
		return 0;
	}
	l->pos++;
	if (!is_write)
		memcpy(data, e->data, len);
	else if (memcmp(data, e->data, len) && !l->diverged) {
		l->diverged = true;
		uint64_t a = 0, b = 0;
		memcpy(&a, e->data, len);
		memcpy(&b, data, len);
		snprintf(l->why, sizeof(l->why), "%s write at 0x%llx: the interpreter wrote 0x%llx, "
		         "KVM 0x%llx", kind_names[space], (unsigned long long)addr,
		         (unsigned long long)a, (unsigned long long)b);
	}
	return e->ret;
}

void io_log_record_intr(struct io_log *l, enum io_log_kind kind, int v)
{
	struct io_log_entry *e = append(l);
	if (e) {
		e->kind = (uint8_t)kind;
		e->ret = v;
	}
}

bool io_log_replay_pending(struct io_log *l, enum io_log_kind kind)
{
	return l->pos < l->n && l->e[l->pos].kind == kind;
}

int io_log_replay_intr(struct io_log *l, enum io_log_kind kind)
{
	if (!io_log_replay_pending(l, kind)) {
		diverge(l, kind_names[kind], 0, 0, false);
		return -1;
	}
	return l->e[l->pos++].ret;
}

void io_log_finish(struct io_log *l)
{
	if (l->diverged || l->pos == l->n)
		return;
	const struct io_log_entry *e = &l->e[l->pos];
	l->diverged = true;
	if (e->kind == IOL_ACK || e->kind == IOL_NMI) {
		snprintf(l->why, sizeof(l->why), "the interpreter took an %s (vector %d) that KVM "
		         "did not", e->kind == IOL_ACK ? "external interrupt" : "NMI",
		         e->kind == IOL_ACK ? e->ret : 2);
		return;
	}
	snprintf(l->why, sizeof(l->why), "the interpreter made a %s %s at 0x%llx (%u bytes) "
	         "that KVM did not", kind_names[e->kind], e->write ? "write" : "read",
	         (unsigned long long)e->addr, e->len);
}
