/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk layer of blkioq_do_io(): reap the used ring, move the
 * backlog in, publish and kick once per call, and wait when completions
 * are missing: regular queues sleep in ppoll() on the call eventfd (the
 * queue's completion fd) with interrupts enabled for just that long, as
 * libblkio does; poll queues spin on the used ring.  Waits also watch the
 * transport's liveness fd, so a device that goes away fails the requests
 * it held instead of hanging the caller; where the transport can tell
 * (check()) or sets a device timeout, a wait that sees no completion
 * asks every VBLK_CHECK_MS whether the device is still there.
 *
 * The completion fd hint maps onto interrupt suppression
 * (VRING_AVAIL_F_NO_INTERRUPT, or used_event with EVENT_IDX).  Enabling
 * re-checks the used ring after the device can see the wish and signals
 * the fd for entries that arrived before: no wakeup is lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "vblk-reap.h"

/* Busy-poll rounds between two looks at the liveness fd. */
#define POLLS_PER_LIVENESS_CHECK 4096

#define LIVENESS_EVENTS (POLLHUP | POLLERR | POLLNVAL)

#define GONE_MSG "virtio-blk device disconnected"
#define TIMEOUT_MSG "virtio-blk device completed no request within device-timeout-ms"

/* A wait's watch over a device that may stop answering. */
struct watch {
	struct timespec progress;	/* the last completion seen, or start */
	struct timespec checked;	/* the last check() */
	uint16_t used;			/* vq.last_used then */
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Reap, move the backlog in and kick; a broken device fails it all. */
static inline void progress(struct vblk_queue *vbq, struct do_io_ctx *ctx)
{
	if (unlikely(vblk_broken(vbq->dev)) ||
	    (vq_has_used(&vbq->vq) && vblk_reap(vbq, ctx) < 0)) {
		vblk_fail_all(vbq, ctx);
		return;
	}
	if (unlikely(vbq->q.backlog.head))
		vblk_refill(vbq, ctx);
	vblk_kick(vbq);
}

static bool outstanding(const struct vblk_queue *vbq)
{
	return vbq->in_flight || vbq->q.backlog_len;
}

static bool gone_events(const struct vblk_dev *d, short revents)
{
	return revents & (d->liveness_events | LIVENESS_EVENTS);
}

/* Whether the liveness fd says the device is gone (no waiting). */
static bool device_gone(struct vblk_dev *d)
{
	struct pollfd p = { .fd = d->liveness_fd, .events = d->liveness_events };

	if (d->liveness_fd < 0)
		return false;
	return poll(&p, 1, 0) == 1 && gone_events(d, p.revents);
}

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 +
	       (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void watch_start(struct vblk_queue *vbq, struct watch *w)
{
	if (!vbq->watched)
		return;
	clock_gettime(CLOCK_MONOTONIC, &w->progress);
	w->checked = w->progress;
	w->used = vbq->vq.last_used;
}

/*
 * Called as a wait goes on: once VBLK_CHECK_MS passed since the last
 * look, ask the transport whether the device still works, and give it
 * up when it completed nothing for device-timeout-ms.  Only waits on a
 * watched device pay for this (a clock read per wakeup), never a
 * request.
 */
static void watch_device(struct vblk_queue *vbq, struct watch *w)
{
	struct vblk_dev *d = vbq->dev;
	struct timespec now;
	const char *msg;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (vbq->vq.last_used != w->used) {
		w->used = vbq->vq.last_used;
		w->progress = now;
	}
	if (ms_between(&w->checked, &now) < VBLK_CHECK_MS)
		return;
	w->checked = now;
	if (d->t->check && (msg = d->t->check(d)))
		vblk_set_broken(d, msg);
	else if (d->device_timeout_ms &&
		 ms_between(&w->progress, &now) >= d->device_timeout_ms)
		vblk_set_broken(d, TIMEOUT_MSG);
}

static inline void watch(struct vblk_queue *vbq, struct watch *w)
{
	if (unlikely(vbq->watched))
		watch_device(vbq, w);
}

/* The longer of two waits is cut to the shorter one (NULL: forever). */
static struct timespec *shorter(struct timespec *ts, struct timespec *cap)
{
	if (!ts || cap->tv_sec < ts->tv_sec ||
	    (cap->tv_sec == ts->tv_sec && cap->tv_nsec < ts->tv_nsec))
		return cap;
	return ts;
}

static int timed_out(void)
{
	return blkio_err(-ETIME, "Timer expired (os error %d)", ETIME);
}

static bool expired(const struct do_io_ctx *ctx)
{
	struct timespec left;

	do_io_time_left(ctx, &left);
	return !left.tv_sec && !left.tv_nsec;
}

/*
 * Sleep until the call fd or the liveness fd says something, the
 * deadline passes (-ETIME) or, on a watched device, VBLK_CHECK_MS did
 * (0, like a wakeup).
 */
static int sleep_once(struct vblk_queue *vbq, struct do_io_ctx *ctx)
{
	struct vblk_dev *d = vbq->dev;
	struct pollfd *p = vbq->wait_fds;
	struct timespec left, slice, *ts = NULL;
	uint64_t count;
	int ret;

	if (ctx->has_deadline) {
		do_io_time_left(ctx, &left);
		ts = &left;
	}
	if (vbq->watched) {
		slice = (struct timespec){
			.tv_sec = VBLK_CHECK_MS / 1000,
			.tv_nsec = (VBLK_CHECK_MS % 1000) * 1000000L,
		};
		ts = shorter(ts, &slice);
	}
	/* ppoll() writes every revents it is given; p[1]'s stays 0 unused. */
	ret = ppoll(p, vbq->nr_wait_fds, ts, ctx->sig);
	if (ret < 0) {
		if (errno == EINTR)
			return ctx->interruptible ?
			       blkio_err(-EINTR, "Interrupted by a signal") : 0;
		return blkio_err_os(-errno, "ppoll on the completion fd failed");
	}
	if (ret == 0)
		return ts == &slice ? 0 : timed_out();
	if (p[0].revents & POLLIN) {
		/* Non-blocking: another reader may have emptied it. */
		if (read(vbq->call_fd, &count, sizeof(count)) < 0) {
			/* nothing to do */
		}
	}
	if (gone_events(d, p[1].revents))
		vblk_set_broken(d, GONE_MSG);
	return 0;
}

static int sleep_wait(struct vblk_queue *vbq, struct do_io_ctx *ctx)
{
	struct watch w;
	int ret;

	watch_start(vbq, &w);
	while (ctx->filled < ctx->min) {
		if (!outstanding(vbq))
			return blkio_err(-EINVAL,
					 "min_completions is larger than total outstanding requests");
		/* Entries that came before the wish was visible: no sleep. */
		if (!vq_irq_enable(&vbq->vq) && !vblk_broken(vbq->dev)) {
			ret = sleep_once(vbq, ctx);
			if (ret < 0)
				return ret;
			watch(vbq, &w);
		}
		progress(vbq, ctx);
	}
	return 0;
}

static int poll_wait(struct vblk_queue *vbq, struct do_io_ctx *ctx)
{
	struct watch w;

	watch_start(vbq, &w);
	while (ctx->filled < ctx->min) {
		if (!outstanding(vbq))
			return blkio_err(-EINVAL,
					 "min_completions is larger than total outstanding requests");
		if (unlikely(ctx->has_deadline) && expired(ctx))
			return timed_out();
		if (++vbq->polls >= POLLS_PER_LIVENESS_CHECK) {
			vbq->polls = 0;
			if (device_gone(vbq->dev))
				vblk_set_broken(vbq->dev, GONE_MSG);
			watch(vbq, &w);
		}
		cpu_relax();
		progress(vbq, ctx);
	}
	return 0;
}

/*
 * Leave interrupts as the application's hint wants them; when it wants
 * the fd, entries still unreaped must make it readable.
 */
static void settle_notifications(struct vblk_queue *vbq)
{
	if (vbq->q.poll)
		return;
	if (!queue_notifications_on(&vbq->q)) {
		vq_irq_disable(&vbq->vq);
		return;
	}
	if (vq_irq_enable(&vbq->vq))
		queue_signal(&vbq->q);
}

int vblk_do_io(struct blkioq *q, struct do_io_ctx *ctx)
{
	struct vblk_queue *vbq = vblk_queue(q);
	int ret = 0;

	progress(vbq, ctx);
	if (ctx->filled < ctx->min) {
		if (do_io_check_outstanding(q, ctx, vbq->in_flight))
			return blkio_err(-EINVAL,
					 "min_completions is larger than total outstanding requests");
		ret = q->poll ? poll_wait(vbq, ctx) : sleep_wait(vbq, ctx);
	}
	settle_notifications(vbq);
	return ret;
}

void vblk_set_completion_fd_enabled(struct blkioq *q, bool enable)
{
	struct vblk_queue *vbq = vblk_queue(q);

	if (!enable) {
		vq_irq_disable(&vbq->vq);
		return;
	}
	if (vq_irq_enable(&vbq->vq))
		queue_signal(q);
}

/* How long a queue being removed waits for the device to finish. */
#define DRAIN_TIMEOUT_SEC 10

/*
 * Before a queue goes away, wait for the device to give back every
 * buffer it holds, so that none is written after blkio_destroy() or
 * blkio_remove_queue() returned.  A device that does not within
 * DRAIN_TIMEOUT_SEC is given up on.
 */
void vblk_drain(struct vblk_queue *vbq)
{
	struct blkio_completion c[32];
	struct watch w;
	struct do_io_ctx ctx = {
		.c = c,
		.max = 32,
		.has_deadline = true,
		.budget = { .tv_sec = DRAIN_TIMEOUT_SEC },
	};

	clock_gettime(CLOCK_MONOTONIC, &ctx.start);
	watch_start(vbq, &w);
	while (vbq->in_flight && !vblk_broken(vbq->dev)) {
		ctx.filled = 0;
		if (vblk_reap(vbq, &ctx) < 0)
			return;
		/* Pieces of split requests went in: they must reach it too. */
		vblk_kick(vbq);
		if (ctx.filled)
			continue;
		if (expired(&ctx))
			return;
		if (!vq_irq_enable(&vbq->vq) && sleep_once(vbq, &ctx) < 0)
			return;
		watch(vbq, &w);
	}
}
