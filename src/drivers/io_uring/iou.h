/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The io_uring driver: one ring per queue, the device registered as fixed
 * file 0, an eventfd registered on regular queues for completions.
 */
#ifndef BLKIO_IOU_H
#define BLKIO_IOU_H

#include <liburing.h>
#include <stdbool.h>

#include "../../core/driver.h"
#include "../../core/internal.h"

struct iou_dev {
	struct blkio b;		/* first: the core's view of the instance */

	/* io_uring-only properties */
	bool direct;
	int num_entries;

	/* What connect found out about the device and the kernel. */
	bool is_blockdev;
	bool write_zeroes_native;	/* block device: REQ_OP_WRITE_ZEROES */
	bool discard_cmd;		/* block device: BLOCK_URING_CMD_DISCARD */
};

/*
 * Stages of a write-zeroes request (req.stage).  Files whose filesystem
 * cannot zero a range in place (tmpfs) get NO_UNMAP zeroing as a punched
 * hole allocated again; FUA adds a flush at the end.
 */
enum { WZ_ZERO = 0, WZ_PUNCH, WZ_ALLOC, WZ_FLUSH };

struct iou_queue {
	struct blkioq q;
	struct io_uring ring;
	struct iou_dev *dev;
	unsigned max_in_flight;	/* CQ ring size: never overflow it */

	/*
	 * SQEs that may be prepared without looking: no more than the free
	 * SQ entries and no more than the CQ can take.  Counted down by
	 * every prepared SQE and recomputed only when it runs out (room never
	 * shrinks behind our back), so the hot path tests one number; 0 while
	 * a backlog waits.
	 */
	unsigned credits;
	bool ext_arg;		/* IORING_FEAT_EXT_ARG: timeouts + sigmask */
};

static inline struct iou_dev *iou_dev(struct blkio *b)
{
	return container_of(b, struct iou_dev, b);
}

static inline struct iou_queue *iou_queue(struct blkioq *q)
{
	return container_of(q, struct iou_queue, q);
}

/* connect.c */
int iou_connect(struct blkio *b);
int iou_get_capacity(struct blkio *b, uint64_t *capacity);

/* queue.c */
int iou_add_queue(struct blkio *b, bool poll, struct blkioq **qp);
void iou_remove_queue(struct blkioq *q);

/*
 * Requests in the ring and not yet reaped.  Every SQE this driver prepares
 * yields exactly one CQE, so the count falls out of the ring's own
 * counters instead of being kept on every submission and completion.
 */
static inline unsigned iou_in_flight(const struct iou_queue *iq)
{
	return iq->ring.sq.sqe_tail - *iq->ring.cq.khead;
}

/* How many SQEs may be prepared now (see credits). */
static inline unsigned iou_room(const struct iou_queue *iq)
{
	const struct io_uring_sq *sq = &iq->ring.sq;
	unsigned sq_free = sq->ring_entries -
			   (sq->sqe_tail - io_uring_smp_load_acquire(sq->khead));
	unsigned cq_free = iq->max_in_flight - iou_in_flight(iq);

	return sq_free < cq_free ? sq_free : cq_free;
}

/* submit.c */
void iou_submit(struct blkioq *q, struct req *r);
void iou_resubmit(struct iou_queue *iq, struct req *r);
void iou_refill(struct iou_queue *iq);

/* complete.c: results other than plain success; 0, -errno or: */
#define IOU_CONTINUED 1	/* the request went round again: nothing to report */
int iou_advance_slow(struct iou_queue *iq, struct req *r, int res);

/*
 * Move finished requests from the CQ ring into ctx->c.  Inline: it runs on
 * every blkioq_do_io() call.
 */
static inline void iou_reap(struct iou_queue *iq, struct do_io_ctx *ctx)
{
	struct io_uring_cq *cq = &iq->ring.cq;
	struct blkio_completion *c = ctx->c;
	unsigned head = *cq->khead;
	unsigned tail = io_uring_smp_load_acquire(cq->ktail);
	int filled = ctx->filled, max = ctx->max;

	while (head != tail && filled < max) {
		struct io_uring_cqe *cqe = &cq->cqes[head & cq->ring_mask];
		struct req *r = (struct req *)(uintptr_t)cqe->user_data;
		int ret = 0;

		head++;
		if (unlikely(cqe->res != r->expect)) {
			ret = iou_advance_slow(iq, r, cqe->res);
			if (ret == IOU_CONTINUED)
				continue;
		}
		c[filled++] = (struct blkio_completion){
			.user_data = r->user_data,
			.ret = ret,
		};
		req_free(&iq->q, r);
	}
	io_uring_smp_store_release(cq->khead, head);
	ctx->filled = filled;
}

/* do_io.c */
int iou_do_io(struct blkioq *q, struct do_io_ctx *ctx);
void iou_set_completion_fd_enabled(struct blkioq *q, bool enable);

#endif
