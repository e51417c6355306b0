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
#include "../uring/uring.h"

/* Linux 6.12: asynchronous discard of a block device range. */
#ifndef BLOCK_URING_CMD_DISCARD
#define BLOCK_URING_CMD_DISCARD _IO(0x12, 0)
#endif

/*
 * req.stage of reads and writes while the instance registers its memory
 * regions: how the request went to the kernel this round.
 */
enum {
	IOU_RW_ANY = 0,		/* fresh: registered if its buffer is */
	IOU_RW_FIXED,		/* as READ_FIXED & co. */
	IOU_RW_UNFIXED,		/* the kernel refused the slot: never again */
};

/* The driver's private data of an instance (drv_priv()). */
struct iou_dev {
	struct file_dev file;

	/* io_uring-only properties */
	bool direct;
	int num_entries;
	bool submit_batching;
	bool register_mem_regions;
	bool single_issuer;
	int sq_poll_idle;
	bool inline_lone_requests;

	/* What connect found out about the kernel. */
	bool discard_cmd;		/* block device: BLOCK_URING_CMD_DISCARD */
	bool iopoll;		/* the device completes polled I/O (IOPOLL) */
	bool nowait;		/* I/O can be tried without blocking (FMODE_NOWAIT) */
	const char *poll_queue_mode;	/* uring_poll_queue_mode(iopoll) */

	/* Mapped memory regions, registered with every ring. */
	struct uring_bufs bufs;
};

struct iou_queue {
	struct uring_queue uq;
	const struct iou_dev *dev;
};

static inline struct iou_dev *iou_dev(struct blkio *b)
{
	return drv_priv(b);
}

static inline struct iou_queue *iou_queue(struct blkioq *q)
{
	return container_of(q, struct iou_queue, uq.q);
}

static inline struct iou_queue *iou_uq(struct uring_queue *uq)
{
	return container_of(uq, struct iou_queue, uq);
}

/* iou-connect.c */
int iou_connect(struct blkio *b, const struct drv_settings *s,
		struct drv_device *dev);
int iou_get_capacity(struct blkio *b, uint64_t *capacity);

/* iou-queue.c */
int iou_add_queue(struct blkio *b, bool poll, struct blkioq **qp);
void iou_remove_queue(struct blkioq *q);

/* iou-driver.c: memory regions as registered buffers */
int iou_map_mem_region(struct blkio *b, const struct blkio_mem_region *r);
void iou_unmap_mem_region(struct blkio *b, const struct blkio_mem_region *r);

/*
 * iou-submit.c: queue_ops.submit, .submit_read and .submit_write for
 * each kind of queue: with registered buffers (_fixed) or not, on a file
 * with NOWAIT support or without (_async).
 */
#define IOU_SUBMIT_DECL(suffix)						\
	void iou_submit##suffix(struct blkioq *q, struct req *r);	\
	void iou_submit##suffix##_read(struct blkioq *q, struct req *r);	\
	void iou_submit##suffix##_write(struct blkioq *q, struct req *r);

IOU_SUBMIT_DECL()
IOU_SUBMIT_DECL(_async)
IOU_SUBMIT_DECL(_fixed)
IOU_SUBMIT_DECL(_fixed_async)
void iou_prep(struct uring_queue *uq, struct io_uring_sqe *sqe,
	      struct req *r);

/* iou-complete.c: a CQE result other than r->expect (struct uring_ops). */
int iou_complete(struct uring_queue *uq, struct req *r,
		 const struct io_uring_cqe *cqe, const char **msg);

#endif
