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

/* Stages of a write-zeroes request (req.stage); FUA adds a flush. */
enum { WZ_ZERO = 0, WZ_FLUSH };

struct iou_queue {
	struct blkioq q;
	struct io_uring ring;
	struct iou_dev *dev;
	unsigned in_flight;	/* SQEs prepared and not yet reaped */
	unsigned max_in_flight;	/* CQ ring size: never overflow it */
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

/* submit.c */
void iou_submit(struct blkioq *q, struct req *r);
void iou_resubmit(struct iou_queue *iq, struct req *r);
void iou_refill(struct iou_queue *iq);

/* complete.c */
void iou_reap(struct iou_queue *iq, struct do_io_ctx *ctx);

/* do_io.c */
int iou_do_io(struct blkioq *q, struct do_io_ctx *ctx);
void iou_set_completion_fd_enabled(struct blkioq *q, bool enable);

#endif
