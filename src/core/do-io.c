/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkioq_do_io(): argument checks, the completion list, timeout
 * bookkeeping and giving completions back on error.  Submitting, reaping
 * and waiting are the driver's (queue_ops.do_io).
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "queue.h"

#define NSEC_PER_SEC 1000000000L

static int check_args(const struct blkio_completion *c, int min, int max,
		      const struct timespec *timeout)
{
	if (timeout) {
		if (timeout->tv_sec < 0)
			return blkio_err(-EINVAL, "tv_sec cannot be negative");
		if ((unsigned long)timeout->tv_nsec >= NSEC_PER_SEC)
			return blkio_err(-EINVAL,
					 "tv_nsec must be less than one second");
	}
	if (min < 0)
		return blkio_err(-EINVAL, "min_completions cannot be negative");
	if (max < 0)
		return blkio_err(-EINVAL, "max_completions cannot be negative");
	if (min > max)
		return blkio_err(-EINVAL,
				 "min_completions must be less than or equal to max_completions");
	if (!c && max > 0)
		return blkio_err(-EINVAL,
				 "max_completions must be 0 when completions is NULL");
	return 0;
}

/*
 * The budget minus the time elapsed since the call started, clamped at
 * zero.  Kept as start + budget rather than a deadline, so that timeouts
 * like LONG_MAX seconds neither overflow nor get cut short.
 */
void do_io_time_left(const struct do_io_ctx *ctx, struct timespec *left)
{
	struct timespec now;
	long long sec, nsec;

	clock_gettime(CLOCK_MONOTONIC, &now);
	sec = now.tv_sec - ctx->start.tv_sec;
	nsec = now.tv_nsec - ctx->start.tv_nsec;
	if (nsec < 0) {
		sec--;
		nsec += NSEC_PER_SEC;
	}
	/* left = budget - elapsed */
	sec = ctx->budget.tv_sec - sec;
	nsec = ctx->budget.tv_nsec - nsec;
	if (nsec < 0) {
		sec--;
		nsec += NSEC_PER_SEC;
	}
	if (sec < 0)
		sec = nsec = 0;
	left->tv_sec = sec;
	left->tv_nsec = nsec;
}

/* Move completions the library posted itself into c[], oldest first. */
static int drain_done(struct blkioq *q, struct blkio_completion *c, int max)
{
	int n = 0;

	while (n < max && q->done.head) {
		struct req *r = req_list_pop(&q->done);

		c[n++] = (struct blkio_completion){
			.user_data = r->user_data,
			.error_msg = r->error_msg,
			.ret = r->ret,
		};
		req_free(q, r);
	}
	return n;
}

/*
 * A failed call must not lose what it reaped: put the entries back at the
 * front of the completion list, in order, and wake the completion fd.
 */
__attribute__((cold))
static void give_back(struct blkioq *q, const struct blkio_completion *c, int n)
{
	while (n-- > 0) {
		struct req *r = req_alloc(q);

		r->user_data = c[n].user_data;
		r->error_msg = c[n].error_msg;
		r->ret = c[n].ret;
		req_list_push_front(&q->done, r);
	}
	queue_leave_fast(q);
	queue_signal(q);
}

/*
 * What blkioq_do_io() returns for a call that ended with queue_ops.do_io's
 * ret: ctx->filled, or ret when it failed, the completions in ctx->c then
 * given back to the queue for a later call.
 */
static int do_io_result(struct blkioq *q, const struct do_io_ctx *ctx,
			int ret)
{
	if (unlikely(ret < 0)) {
		give_back(q, ctx->c, ctx->filled);
		return ret;
	}
	return ctx->filled;
}

static int do_io(struct blkioq *q, struct blkio_completion *c, int min,
		 int max, struct timespec *timeout, const sigset_t *sig,
		 bool interruptible)
{
	struct do_io_ctx ctx;
	int ret;

	if (unlikely(!q))
		return blkio_err(-EINVAL, "q must be non-NULL");
	if (unlikely(timeout || min < 0 || min > max || (!c && max > 0))) {
		ret = check_args(c, min, max, timeout);
		if (ret)
			return ret;
	}

	ctx.c = c;
	ctx.min = min;
	ctx.max = max;
	ctx.sig = sig;
	ctx.interruptible = interruptible;
	ctx.has_deadline = timeout != NULL;
	if (unlikely(timeout)) {
		clock_gettime(CLOCK_MONOTONIC, &ctx.start);
		ctx.budget = *timeout;
	}

	ctx.filled = unlikely(q->done.head) ? drain_done(q, c, max) : 0;
	if (unlikely(q->deferred.head))
		q->ops->run_deferred(q, &ctx);

	ret = q->ops->do_io(q, &ctx);

	if (unlikely(timeout))
		do_io_time_left(&ctx, timeout);
	ret = do_io_result(q, &ctx, ret);
	queue_refresh_fast(q);
	return ret;
}

int do_io_general(struct blkioq *q, struct blkio_completion *c, int min,
		  int max)
{
	return do_io(q, c, min, max, NULL, NULL, false);
}

__attribute__((noinline))
int do_io_resume(struct blkioq *q, struct blkio_completion *c, int min,
		 int max, int filled)
{
	struct do_io_ctx ctx = {
		.c = c,
		.filled = filled,
		.min = min,
		.max = max,
	};
	return do_io_result(q, &ctx, q->ops->do_io(q, &ctx));
}

/*
 * 0 <= min <= max, and no completions array only with max 0: one
 * unsigned compare covers both signs of min.
 */
static inline bool plain_args(const struct blkio_completion *c, int min,
			      int max)
{
	return (unsigned)min <= (unsigned)max && max >= 0 && (c || !max);
}

BLKIO_EXPORT int blkioq_do_io(struct blkioq *q,
			      struct blkio_completion *completions,
			      int min_completions, int max_completions,
			      struct timespec *timeout)
{
	/* The common call: a tail call, see struct blkioq's fast. */
	if (likely(q && !timeout &&
		   plain_args(completions, min_completions, max_completions)))
		return q->fast(q, completions, min_completions,
			       max_completions);
	return do_io(q, completions, min_completions, max_completions,
		     timeout, NULL, false);
}

BLKIO_EXPORT int blkioq_do_io_interruptible(struct blkioq *q,
					    struct blkio_completion *completions,
					    int min_completions,
					    int max_completions,
					    struct timespec *timeout,
					    const sigset_t *sig)
{
	if (q && q->poll && sig)
		return blkio_err(-ENOTSUP,
				 "blkioq_do_io_interruptible() is not supported on poll queues");
	return do_io(q, completions, min_completions, max_completions,
		     timeout, sig, true);
}

/*
 * Whether the kernel should signal the eventfd.  Nobody can wait on a fd
 * they have not obtained, so notifications start with the first
 * blkioq_get_completion_fd(); until then completions cost no eventfd write.
 */
static void update_notifications(struct blkioq *q)
{
	bool on = queue_notifications_on(q);

	if (q->ops->set_completion_fd_enabled)
		q->ops->set_completion_fd_enabled(q, on);
	/*
	 * Completions the library posted meanwhile, and requests waiting
	 * for a blkioq_do_io() to run them, must not be missed.
	 */
	if (on && (q->done.head || q->deferred.head))
		queue_signal(q);
}

BLKIO_EXPORT int blkioq_get_completion_fd(struct blkioq *q)
{
	if (!q)
		return blkio_err(-EINVAL, "q must be non-NULL");
	if (q->completion_fd >= 0 && !q->completion_fd_exported) {
		q->completion_fd_exported = true;
		update_notifications(q);
	}
	return q->completion_fd;
}

BLKIO_EXPORT void blkioq_set_completion_fd_enabled(struct blkioq *q,
						   bool enable)
{
	if (!q || q->completion_fd < 0)
		return;
	q->completion_fd_enabled = enable;
	update_notifications(q);
}
