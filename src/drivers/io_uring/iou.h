/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The io_uring driver: one ring per queue, the device registered as fixed
 * file 0, an eventfd registered on regular queues for completions.
 */
#ifndef BLKIO_IOU_H
#define BLKIO_IOU_H

#include <linux/fs.h>
#include <liburing.h>
#include <stdbool.h>

#include "../file/file.h"

/* Linux 6.12: asynchronous discard of a block device range. */
#ifndef BLOCK_URING_CMD_DISCARD
#define BLOCK_URING_CMD_DISCARD _IO(0x12, 0)
#endif

/* The driver's private data of an instance (drv_priv()). */
struct iou_dev {
	struct file_dev file;

	/* io_uring-only properties */
	bool direct;
	int num_entries;

	/* What connect found out about the kernel. */
	bool discard_cmd;		/* block device: BLOCK_URING_CMD_DISCARD */
	bool iopoll;		/* the device completes polled I/O (IOPOLL) */
};

struct iou_queue {
	struct blkioq q;
	struct io_uring ring;
	const struct iou_dev *dev;
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

	/*
	 * A poll queue on a device that cannot poll: an ordinary ring whose
	 * completion queue do_io polls in user space, never sleeping.
	 */
	bool busy_poll;
};

static inline struct iou_dev *iou_dev(struct blkio *b)
{
	return drv_priv(b);
}

static inline struct iou_queue *iou_queue(struct blkioq *q)
{
	return container_of(q, struct iou_queue, q);
}

/* iou-connect.c */
int iou_connect(struct blkio *b, const struct drv_settings *s,
		struct drv_device *dev);
int iou_get_capacity(struct blkio *b, uint64_t *capacity);

/* iou-queue.c */
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

/* iou-submit.c */
void iou_submit(struct blkioq *q, struct req *r);
void iou_resubmit(struct iou_queue *iq, struct req *r);
void iou_refill(struct iou_queue *iq);

/*
 * iou-complete.c: a CQE result other than r->expect.  Returns the
 * completion's ret, or IOU_CONTINUED when the request went round again
 * and there is nothing to report.
 */
#define IOU_CONTINUED 1
int iou_advance_slow(struct iou_queue *iq, struct req *r, int res);

/* iou-do-io.c */
int iou_do_io(struct blkioq *q, struct do_io_ctx *ctx);
void iou_set_completion_fd_enabled(struct blkioq *q, bool enable);

#endif
