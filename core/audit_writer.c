/* Writing full audit buffers from a thread of their own (core/audit.h):
 * formatting a buffer (Capstone, text, the file) takes longer than the
 * guest takes to fill one, and on a host with a core to spare it need
 * not hold the guest up. The guest's thread hands over a full buffer and
 * takes the empty one back; it waits only while the writer is still busy
 * with the last, and that wait is taken out of guest time. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <x86intrin.h>

#include "core/audit.h"

struct audit_writer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct audit_rec *buf;   /* the buffer being written, or the spare */
	size_t n;                /* records in it to write; 0: idle */
	bool quit;
	int err;                 /* the sink's first failure */
};

static void *writer_main(void *opaque)
{
	struct audit *a = opaque;
	struct audit_writer *w = a->writer;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->n && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->n)
			break;
		pthread_mutex_unlock(&w->lock);
		int err = w->err ? 0 : a->sink(a->opaque, w->buf, w->n);
		pthread_mutex_lock(&w->lock);
		if (err && !w->err)
			w->err = err;
		w->n = 0;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int audit_writer_start(struct audit *a)
{
	struct audit_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->buf = calloc(a->cap, sizeof(*w->buf));
	if (!w->buf) {
		free(w);
		return -ENOMEM;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	a->writer = w;
	int r = pthread_create(&w->thread, NULL, writer_main, a);
	if (r) {
		a->writer = NULL;
		free(w->buf);
		free(w);
		return -r;
	}
	return 0;
}

int audit_writer_hand_over(struct audit *a)
{
	struct audit_writer *w = a->writer;
	uint64_t t0 = __rdtsc();
	pthread_mutex_lock(&w->lock);
	while (w->n)
		pthread_cond_wait(&w->cond, &w->lock);
	if (a->clock)
		vclock_pause(a->clock, __rdtsc() - t0);
	struct audit_rec *full = a->buf;
	a->buf = w->buf;
	w->buf = full;
	w->n = a->n;
	int err = w->err;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	a->n = 0;
	return err;
}

int audit_writer_stop(struct audit *a)
{
	struct audit_writer *w = a->writer;
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	int err = w->err;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w->buf);
	free(w);
	a->writer = NULL;
	return err;
}
