/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * One queue on the data path: the part every driver shares (request
 * slots, backlog, completion list, completion fd) and the operations a
 * driver supplies.  A driver's queue type embeds struct blkioq and gets
 * its own type back with container_of().
 */
#ifndef BLKIO_CORE_QUEUE_H
#define BLKIO_CORE_QUEUE_H

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>

#include "blkio.h"
#include "compiler.h"
#include "req.h"

struct queue_ops;
struct blkioq;

/* blkioq_do_io() with valid arguments, no timeout and no signal mask. */
typedef int do_io_fast_fn(struct blkioq *q, struct blkio_completion *c,
			  int min, int max);

/* Everything one queue owns on the data path; used by one thread at a time. */
struct blkioq {
	/*
	 * Where blkioq_do_io()'s common call goes: fast_default while the
	 * completion list, the deferred list and the backlog are empty,
	 * else the general path (do_io_general()).  Every push onto those
	 * lists switches it to the general path, which switches it back
	 * once they are empty (queue_refresh_fast()); so the common call
	 * tests none of them.
	 */
	do_io_fast_fn *fast;
	do_io_fast_fn *fast_default;	/* queue_use_fast() */
	bool fast_on;

	/* ops->submit_read and submit_write, or ops->submit. */
	void (*submit_read)(struct blkioq *q, struct req *r);
	void (*submit_write)(struct blkioq *q, struct req *r);

	const struct queue_ops *ops;

	struct req *free_reqs;		/* slots ready for new requests */
	struct req_list backlog;	/* accepted, waiting for room in the ring */
	struct req_list done;		/* completed, not yet returned */
	struct req_list deferred;	/* run by ops->run_deferred in do_io */
	unsigned backlog_len;
	struct req_chunk *chunks;	/* every slot allocation, for freeing */
	unsigned chunk_reqs;		/* slots added per growth step */

	int completion_fd;		/* eventfd, or -1 on poll queues */
	bool completion_fd_enabled;	/* the application's hint */
	bool completion_fd_exported;	/* blkioq_get_completion_fd() called */
	bool poll;
};

/* One blkioq_do_io() call as the driver sees it. */
struct do_io_ctx {
	struct blkio_completion *c;
	int filled;		/* entries of c[] already written */
	int min;
	int max;
	bool has_deadline;
	struct timespec start;		/* CLOCK_MONOTONIC, when called */
	struct timespec budget;		/* the caller's timeout */
	const sigset_t *sig;	/* installed while waiting; may be NULL */
	bool interruptible;	/* return -EINTR instead of retrying */
};

/* The data path of one queue. */
struct queue_ops {
	/* Put an accepted, validated request into the ring or q->backlog. */
	void (*submit)(struct blkioq *q, struct req *r);

	/*
	 * submit() for the REQ_READ and REQ_WRITE of blkioq_read() and
	 * blkioq_write(), the operation known in advance.  May be NULL:
	 * submit() then takes them.
	 */
	void (*submit_read)(struct blkioq *q, struct req *r);
	void (*submit_write)(struct blkioq *q, struct req *r);

	/*
	 * Submit what is queued, reap into ctx->c, wait until ctx->min are
	 * filled.  Returns 0, or a negative errno with the message set; the
	 * core then gives the ctx->filled completions back to the queue.
	 * Fails with -EINVAL before any system call when min cannot be met
	 * (do_io_check_outstanding()).
	 */
	int (*do_io)(struct blkioq *q, struct do_io_ctx *ctx);

	/*
	 * The common blkioq_do_io() call straight from the exported
	 * function: arguments valid, no timeout, no signal mask, nothing on
	 * q->done, q->deferred or q->backlog (struct blkioq, fast).  Returns what blkioq_do_io() returns;
	 * whatever it cannot finish on its own it hands to do_io_resume()
	 * with the completions it already wrote.  May be NULL: that call
	 * then goes to do_io, the core building no more than the context.
	 */
	do_io_fast_fn *do_io_fast;

	/*
	 * Notifications on the completion fd are wanted (enable) or not
	 * (may be NULL: notifications stay on).  Called when the application
	 * takes the fd and whenever it changes the hint.
	 */
	void (*set_completion_fd_enabled)(struct blkioq *q, bool enable);

	/*
	 * Run the requests the driver put on q->deferred (queue_defer()):
	 * those it does as plain system calls, at the start of the next
	 * blkioq_do_io().  Each finishes with queue_complete().  May be NULL
	 * for a driver that never defers.
	 */
	void (*run_deferred)(struct blkioq *q, struct do_io_ctx *ctx);

	/*
	 * submit() takes the zone requests (REQ_ZONE_*).  Without it they
	 * complete with -ENOTSUP before reaching the driver.
	 */
	bool zones;

	/*
	 * Poll queues take every request type (the virtio-blk drivers).
	 * Without it write-zeroes, discard and flush on a poll queue
	 * complete with -ENOTSUP before reaching the driver, as libblkio's
	 * io_uring driver does.
	 */
	bool poll_takes_all;
};

/* Request slots and completion posting (src/core/queue.c). */
int queue_init(struct blkioq *q, const struct queue_ops *ops, bool poll,
	       unsigned initial_reqs);
void queue_fini(struct blkioq *q);
struct req *req_grow(struct blkioq *q);
void queue_post(struct blkioq *q, struct req *r, int ret, const char *msg);
void queue_signal(struct blkioq *q);
void queue_use_fast(struct blkioq *q, bool on);
void queue_set_ops(struct blkioq *q, const struct queue_ops *ops);
void queue_refresh_fast(struct blkioq *q);

/* The general blkioq_do_io() (src/core/do-io.c). */
int do_io_general(struct blkioq *q, struct blkio_completion *c, int min,
		  int max);

/* Something went onto q->done, q->deferred or q->backlog. */
static inline void queue_leave_fast(struct blkioq *q)
{
	q->fast = do_io_general;
}

/* Whether anyone may be waiting on the completion fd. */
static inline bool queue_notifications_on(const struct blkioq *q)
{
	return q->completion_fd_exported && q->completion_fd_enabled;
}

static inline struct req *req_alloc(struct blkioq *q)
{
	struct req *r = q->free_reqs;

	if (unlikely(!r))
		r = req_grow(q);
	q->free_reqs = r->next;
	return r;
}

static inline void req_free(struct blkioq *q, struct req *r)
{
	r->next = q->free_reqs;
	q->free_reqs = r;
}

static inline void backlog_push(struct blkioq *q, struct req *r)
{
	req_list_push(&q->backlog, r);
	q->backlog_len++;
	queue_leave_fast(q);
}

static inline void backlog_push_front(struct blkioq *q, struct req *r)
{
	req_list_push_front(&q->backlog, r);
	q->backlog_len++;
	queue_leave_fast(q);
}

static inline struct req *backlog_pop(struct blkioq *q)
{
	struct req *r = req_list_pop(&q->backlog);

	q->backlog_len--;
	if (!q->backlog.head)
		queue_refresh_fast(q);
	return r;
}

/*
 * min_completions cannot be met when fewer requests are outstanding.
 * Completions still on the completion list count only as far as they were
 * copied (with min <= max, a non-empty list means min is reached).
 */
static inline int do_io_check_outstanding(const struct blkioq *q,
					  const struct do_io_ctx *ctx,
					  unsigned in_flight)
{
	if (ctx->min > ctx->filled + (int)(in_flight + q->backlog_len))
		return -EINVAL;
	return 0;
}

/*
 * A request the driver does as a blocking system call, which the data
 * path may only make inside blkioq_do_io(): it waits on q->deferred.
 */
static inline void queue_defer(struct blkioq *q, struct req *r)
{
	req_list_push(&q->deferred, r);
	queue_leave_fast(q);
}

/*
 * The general blkioq_do_io() from where a do_io_fast left it, filled
 * completions already in c[] (src/core/do-io.c).
 */
int do_io_resume(struct blkioq *q, struct blkio_completion *c, int min,
		 int max, int filled);

/* Time left of ctx->budget (never negative); src/core/do-io.c. */
void do_io_time_left(const struct do_io_ctx *ctx, struct timespec *left);

/* A finished request's completion, written into ctx->c. */
static inline void do_io_fill(struct do_io_ctx *ctx, const struct req *r,
			      int ret)
{
	ctx->c[ctx->filled++] = (struct blkio_completion){
		.user_data = r->user_data,
		.ret = ret,
	};
}

/*
 * Hand a finished request to the application: into this call's array when
 * it has room, else onto the completion list for the next call.
 */
static inline void queue_complete(struct blkioq *q, struct do_io_ctx *ctx,
				  struct req *r, int ret)
{
	if (ctx->filled < ctx->max) {
		do_io_fill(ctx, r, ret);
		req_free(q, r);
	} else {
		queue_post(q, r, ret, NULL);
	}
}

#endif
