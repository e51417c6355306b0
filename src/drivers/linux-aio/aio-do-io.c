/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The linux-aio layer of blkioq_do_io(): run the requests that are system
 * calls, reap finished iocbs (from the ring in user space, without a
 * system call, where the kernel exposes it), submit what is staged, and
 * wait in io_getevents() or io_pgetevents() for what is still missing.
 * In steady state one call makes one io_submit and, if it must wait, one
 * io_getevents.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "aio-sys.h"
#include "aio.h"

static void unquiet(struct aio_queue *aq, struct req *r)
{
	r->flags &= (uint8_t)~REQ_F_QUIET;
	aq->quiet--;
}

/* An event other than "finished": errors, short transfers, -EAGAIN. */
__attribute__((noinline))
static void event_slow(struct aio_queue *aq, struct do_io_ctx *ctx,
		       struct req *r, int64_t res)
{
	int ret;

	if (r->op == REQ_FLUSH)
		ret = file_retry_eagain(r, res) ? FILE_AGAIN :
		      res < 0 ? (int)res : 0;
	else
		ret = file_rw_result(&aq->dev->file, r, res);
	if (ret == FILE_AGAIN)
		aio_resubmit(aq, r);
	else
		queue_complete(&aq->q, ctx, r, ret);
}

/* The caller guarantees room for one completion in ctx->c. */
static inline void handle_event(struct aio_queue *aq, struct do_io_ctx *ctx,
				const struct io_event *ev)
{
	struct req *r = (struct req *)(uintptr_t)ev->data;

	aq->in_flight--;
	if (unlikely(r->flags & REQ_F_QUIET))
		unquiet(aq, r);
	if (likely(ev->res == r->expect)) {
		do_io_fill(ctx, r, 0);
		req_free(&aq->q, r);
		return;
	}
	event_slow(aq, ctx, r, ev->res);
}

/*
 * Reap from the kernel's ring in user space, as many events as ctx->c has
 * room for (each event fills at most one entry).
 */
static inline void reap_ring(struct aio_queue *aq, struct do_io_ctx *ctx)
{
	struct aio_ring *ring = aq->ring;
	unsigned head = ring->head;
	unsigned tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
	unsigned nr = ring->nr;
	int room = ctx->max - ctx->filled;

	if (head == tail || room <= 0)
		return;
	do {
		handle_event(aq, ctx, &ring->events[head]);
		if (unlikely(++head == nr))
			head = 0;
	} while (head != tail && --room);
	/* The events are read before the kernel may reuse their slots. */
	__atomic_store_n(&ring->head, head, __ATOMIC_RELEASE);
}

static void handle_events(struct aio_queue *aq, struct do_io_ctx *ctx,
			  int n)
{
	int i;

	for (i = 0; i < n; i++)
		handle_event(aq, ctx, &aq->events[i]);
}

/* Room in ctx->c for events, at most what the events array holds. */
static long event_room(const struct aio_queue *aq,
		       const struct do_io_ctx *ctx)
{
	long room = ctx->max - ctx->filled;

	return room < (long)aq->capacity ? room : (long)aq->capacity;
}

/* Reap what has finished without waiting. */
static inline void reap(struct aio_queue *aq, struct do_io_ctx *ctx)
{
	struct timespec zero = { 0, 0 };
	long room;
	int n;

	if (likely(aq->ring)) {
		reap_ring(aq, ctx);
		return;
	}
	room = event_room(aq, ctx);
	if (!aq->in_flight || !room)
		return;
	n = sys_io_getevents(aq->ctx, 0, room, aq->events, &zero);
	if (n > 0)
		handle_events(aq, ctx, n);
}

/* Drop the first n staged iocbs: the kernel has taken or refused them. */
static void unstage(struct aio_queue *aq, unsigned n)
{
	aq->staged -= n;
	if (aq->staged)
		memmove(aq->iocbs, aq->iocbs + n,
			aq->staged * sizeof(*aq->iocbs));
}

/*
 * io_submit refused the first staged iocb.  A flush the kernel cannot do
 * asynchronously becomes fdatasync(); anything else completes with the
 * error.
 */
__attribute__((cold))
static void submit_refused(struct aio_queue *aq, struct do_io_ctx *ctx,
			   int err)
{
	struct req *r = (struct req *)(uintptr_t)aq->iocbs[0].aio_data;

	unstage(aq, 1);
	if (r->flags & REQ_F_QUIET)
		unquiet(aq, r);
	if (r->op == REQ_FLUSH && (err == -EINVAL || err == -EOPNOTSUPP)) {
		aq->fdsync_refused = true;
		queue_defer(&aq->q, r);
		return;
	}
	queue_complete(&aq->q, ctx, r, err);
}

/*
 * Submit everything staged.  io_submit takes a prefix: stop at the first
 * refused iocb, settle it and go on; -EAGAIN (the kernel is short of
 * resources) leaves the rest staged for a later call.  A refused iocb
 * frees its room, so the backlog is staged again: with nothing else in
 * flight, requests left in the backlog would never signal the completion
 * fd.
 */
static void submit(struct aio_queue *aq, struct do_io_ctx *ctx)
{
	if (unlikely(aq->q.backlog.head))
		aio_refill(aq);
	while (aq->staged) {
		int n = sys_io_submit(aq->ctx, aq->staged, aq->iocbps);

		if (likely(n == (int)aq->staged)) {
			aq->in_flight += (unsigned)n;
			aq->staged = 0;
			return;
		}
		if (n > 0) {
			aq->in_flight += (unsigned)n;
			unstage(aq, (unsigned)n);
		} else if (n == -EAGAIN || n == -EINTR || n == 0) {
			return;
		} else {
			submit_refused(aq, ctx, n);
			if (aq->q.backlog.head)
				aio_refill(aq);
		}
	}
}

/*
 * Submit what is staged, then run the flushes io_submit just refused
 * (submit_refused()): nothing else would, until a later call, and this
 * one may be waiting for them, or its caller for the completion fd.
 */
static void submit_all(struct aio_queue *aq, struct do_io_ctx *ctx)
{
	submit(aq, ctx);
	if (unlikely(aq->q.deferred.head))
		aio_run_deferred(&aq->q, ctx);
}

static bool expired(const struct do_io_ctx *ctx)
{
	struct timespec left;

	do_io_time_left(ctx, &left);
	return left.tv_sec == 0 && left.tv_nsec == 0;
}

/* What a failed wait means for this call: 0 to go on. */
__attribute__((cold))
static int wait_failed(const struct do_io_ctx *ctx, int ret)
{
	switch (ret) {
	case -EINTR:
		if (ctx->interruptible)
			return blkio_err(-EINTR, "Interrupted by a signal");
		return 0;
	case -ENOSYS:
		if (ctx->sig)
			return blkio_err(-ENOTSUP,
					 "Waiting with a signal mask needs io_pgetevents (Linux 4.18)");
		/* fall through */
	default:
		return blkio_err_os(ret, "io_getevents failed");
	}
}

/*
 * Nothing is in flight, yet requests wait: the kernel refused them with
 * -EAGAIN.  Give it a millisecond (never past the deadline) and retry.
 */
__attribute__((cold))
static void back_off(const struct do_io_ctx *ctx)
{
	struct timespec pause = { 0, 1000 * 1000 }, left;

	if (ctx->has_deadline) {
		do_io_time_left(ctx, &left);
		if (left.tv_sec == 0 && left.tv_nsec < pause.tv_nsec)
			pause = left;
	}
	nanosleep(&pause, NULL);
}

/* Block until some of the missing completions arrive. */
static int wait_events(struct aio_queue *aq, struct do_io_ctx *ctx)
{
	long want = ctx->min - ctx->filled;
	struct timespec left, *timeout = NULL;
	int n;

	if (unlikely(!aq->in_flight)) {
		back_off(ctx);
		return 0;
	}
	if (want > (long)aq->in_flight)
		want = aq->in_flight;
	if (unlikely(ctx->has_deadline)) {
		do_io_time_left(ctx, &left);
		timeout = &left;
	}
	if (unlikely(ctx->sig))
		n = sys_io_pgetevents(aq->ctx, want, event_room(aq, ctx),
				      aq->events, timeout, ctx->sig);
	else
		n = sys_io_getevents(aq->ctx, want, event_room(aq, ctx),
				     aq->events, timeout);
	if (unlikely(n < 0))
		return wait_failed(ctx, n);
	handle_events(aq, ctx, n);
	return 0;
}

/* Events in the kernel's ring not yet reaped. */
static inline unsigned ring_events(const struct aio_ring *ring)
{
	unsigned head = ring->head;
	unsigned tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);

	return tail >= head ? tail - head : ring->nr - head + tail;
}

/*
 * Submit batching, as in the io_uring drivers (src/drivers/uring,
 * may_batch()): a call that need not wait may leave its staged iocbs for
 * the next call when that call is certain to come: the application
 * watches the completion fd, events wait in the ring for it to reap, and
 * requests still in the kernel will signal the fd again.  At most
 * AIO_BATCH_MAX iocbs wait.
 */
#define AIO_BATCH_MAX 32

static inline bool may_batch(const struct aio_queue *aq,
			     const struct do_io_ctx *ctx)
{
	unsigned events;

	if (!aq->dev->submit_batching || ctx->filled < ctx->min ||
	    aq->staged >= AIO_BATCH_MAX || !aq->ring || aq->resfd < 0 ||
	    !queue_notifications_on(&aq->q))
		return false;
	events = ring_events(aq->ring);
	return events > 0 && aq->in_flight > events;
}

int aio_do_io(struct blkioq *q, struct do_io_ctx *ctx)
{
	struct aio_queue *aq = aio_queue(q);
	int ret;

	if (unlikely(do_io_check_outstanding(q, ctx, aq->in_flight +
					     aq->staged)))
		return blkio_err(-EINVAL,
				 "min_completions is larger than total outstanding requests");
	/*
	 * Submit first, then reap: completions that arrive meanwhile (and
	 * buffered I/O, done inside io_submit) come back in this call, so
	 * the application resubmits them as one batch.  Reaping first made
	 * many small batches, each its own io_submit (docs/performance.md).
	 */
	if (!may_batch(aq, ctx))
		submit_all(aq, ctx);
	reap(aq, ctx);
	/* What went round again, and the backlog into the room freed. */
	if (unlikely(aq->staged || aq->q.backlog.head) && !may_batch(aq, ctx))
		submit_all(aq, ctx);
	while (ctx->filled < ctx->min) {
		ret = wait_events(aq, ctx);
		if (unlikely(ret < 0))
			return ret;
		submit_all(aq, ctx);
		if (unlikely(ctx->has_deadline) &&
		    ctx->filled < ctx->min && expired(ctx))
			return blkio_err(-ETIME, "Timer expired (os error %d)",
					 ETIME);
	}
	/* Requests from before the fd was taken cannot signal it. */
	if (unlikely(aq->quiet) && queue_notifications_on(q))
		queue_signal(q);
	return 0;
}

/* Whether completions may wait for a blkioq_do_io() call. */
static bool events_pending(const struct aio_queue *aq)
{
	if (!aq->ring)	/* cannot look without reaping */
		return aq->in_flight > 0;
	return __atomic_load_n(&aq->ring->tail, __ATOMIC_SEQ_CST) !=
	       aq->ring->head;
}

/*
 * Every iocb carries the eventfd from the moment notifications are first
 * wanted.  Kernel AIO decides at submission whether a request will signal,
 * so turning notifications off cannot stop requests already in flight
 * from signalling, and to never lose a wakeup when they are turned back
 * on, the eventfd stays attached: turning them off silences only the
 * library's own signals (queue_signal()).  Turning them on signals at
 * once if completions already wait, since the application may have
 * emptied the fd meanwhile.
 */
void aio_set_completion_fd_enabled(struct blkioq *q, bool enable)
{
	struct aio_queue *aq = aio_queue(q);

	if (!enable)
		return;
	aq->resfd = q->completion_fd;
	if (aq->quiet || events_pending(aq))
		queue_signal(q);
}

/* Requests with no AIO command (src/drivers/file/file-sync.c). */
void aio_run_deferred(struct blkioq *q, struct do_io_ctx *ctx)
{
	file_run_deferred(&aio_queue(q)->dev->file, q, ctx);
}
