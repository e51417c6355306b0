/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Per-queue request slots and the completion list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "queue.h"

static int add_chunk(struct blkioq *q, unsigned nr)
{
	struct req_chunk *chunk;
	unsigned i;

	chunk = calloc(1, sizeof(*chunk) + nr * sizeof(struct req));
	if (!chunk)
		return -ENOMEM;
	chunk->next = q->chunks;
	q->chunks = chunk;
	for (i = 0; i < nr; i++) {
		chunk->reqs[i].next = q->free_reqs;
		q->free_reqs = &chunk->reqs[i];
	}
	return 0;
}

int queue_init(struct blkioq *q, const struct queue_ops *ops, bool poll,
	       unsigned initial_reqs)
{
	q->fast_on = true;
	queue_set_ops(q, ops);
	q->poll = poll;
	q->completion_fd = -1;
	q->completion_fd_enabled = true;
	q->chunk_reqs = initial_reqs;
	return add_chunk(q, initial_reqs);
}

void queue_fini(struct blkioq *q)
{
	struct req_chunk *chunk, *next;

	for (chunk = q->chunks; chunk; chunk = next) {
		next = chunk->next;
		free(chunk);
	}
	q->chunks = NULL;
	q->free_reqs = NULL;
}

/*
 * Only reached when the application has more requests outstanding than
 * ever before on this queue: the slots sized at start are all taken.  The
 * backlog is unbounded by contract, so grow; in steady state this never
 * runs.  Requests cannot fail synchronously, so running out of memory here
 * leaves nothing sensible to do but stop, as g_malloc() does.
 */
__attribute__((cold, noinline))
struct req *req_grow(struct blkioq *q)
{
	if (add_chunk(q, q->chunk_reqs) < 0) {
		fprintf(stderr, "blkio: out of memory for request slots\n");
		abort();
	}
	return q->free_reqs;
}

/* Wake whoever waits on the completion fd (a hint: spurious is fine). */
void queue_signal(struct blkioq *q)
{
	uint64_t one = 1;

	if (queue_notifications_on(q)) {
		/* EAGAIN means the counter is saturated: already readable. */
		if (write(q->completion_fd, &one, sizeof(one)) < 0) {
			/* nothing more to do */
		}
	}
}

/* Complete a request from inside the library (validation, push-back). */
void queue_post(struct blkioq *q, struct req *r, int ret, const char *msg)
{
	r->ret = ret;
	r->error_msg = msg;
	req_list_push(&q->done, r);
	queue_leave_fast(q);
	queue_signal(q);
}

/*
 * The common blkioq_do_io() call of a driver without do_io_fast: its
 * do_io with no more than the context built.
 */
static int do_io_plain(struct blkioq *q, struct blkio_completion *c, int min,
		       int max)
{
	return do_io_resume(q, c, min, max, 0);
}

/*
 * Whether the common call may go to the driver's do_io_fast (a driver
 * turns it off while its queue needs its general path every time).
 */
void queue_use_fast(struct blkioq *q, bool on)
{
	q->fast_on = on;
	q->fast_default = on && q->ops->do_io_fast ? q->ops->do_io_fast :
						     do_io_plain;
	queue_refresh_fast(q);
}

/* The queue's operations, and what struct blkioq caches of them. */
void queue_set_ops(struct blkioq *q, const struct queue_ops *ops)
{
	q->ops = ops;
	q->submit_read = ops->submit_read ? ops->submit_read : ops->submit;
	q->submit_write = ops->submit_write ? ops->submit_write : ops->submit;
	queue_use_fast(q, q->fast_on);
}

/* After the lists of struct blkioq's comment changed: see there. */
void queue_refresh_fast(struct blkioq *q)
{
	if (q->done.head || q->deferred.head || q->backlog.head)
		q->fast = do_io_general;
	else
		q->fast = q->fast_default;
}
