/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * One io_uring per queue (src/drivers/uring does the work).
 */
#include <errno.h>
#include <stdlib.h>

#include "iou.h"

/* Zone requests: block-layer ioctls, deferred to blkioq_do_io(). */
static void iou_run_deferred(struct blkioq *q, struct do_io_ctx *ctx)
{
	file_run_deferred(&iou_queue(q)->dev->file, q, ctx);
}

/*
 * The kinds of queue by the file's NOWAIT support: on a file without it
 * reads and writes go straight to io_uring's workers (IOSQE_ASYNC), and
 * the common blkioq_do_io() call may do a lone one itself
 * (uring-inline.c, property inline-lone-requests).
 */
enum iou_kind {
	IOU_NOWAIT,		/* the file has NOWAIT support */
	IOU_ASYNC,		/* it has not */
	IOU_ASYNC_INLINE,	/* it has not, and inline-lone-requests */
	IOU_KINDS
};

/*
 * The queue operations by [registered buffers][kind], so that queues pay
 * only for what they use: submit paths that look up registered buffers
 * only where the memory regions are registered, and so on.
 */
#define IOU_QUEUE_OPS(sub, fast) {					\
	.submit = iou_submit##sub,					\
	.submit_read = iou_submit##sub##_read,				\
	.submit_write = iou_submit##sub##_write,			\
	.do_io = uring_do_io,						\
	.do_io_fast = fast,						\
	.set_completion_fd_enabled = uring_set_completion_fd_enabled,	\
	.run_deferred = iou_run_deferred,				\
	.zones = true,							\
}

static const struct queue_ops iou_queue_ops[2][IOU_KINDS] = {
	{
		[IOU_NOWAIT] = IOU_QUEUE_OPS(, uring_do_io_fast),
		[IOU_ASYNC] = IOU_QUEUE_OPS(_async, uring_do_io_fast),
		[IOU_ASYNC_INLINE] = IOU_QUEUE_OPS(_async, uring_do_io_inline),
	}, {
		[IOU_NOWAIT] = IOU_QUEUE_OPS(_fixed, uring_do_io_fast),
		[IOU_ASYNC] = IOU_QUEUE_OPS(_fixed_async, uring_do_io_fast),
		[IOU_ASYNC_INLINE] = IOU_QUEUE_OPS(_fixed_async,
						   uring_do_io_inline),
	},
};

/* Poll queues never take do_io_fast (uring_update_fast()). */
static enum iou_kind iou_kind(const struct iou_dev *d)
{
	if (d->nowait)
		return IOU_NOWAIT;
	return d->inline_lone_requests ? IOU_ASYNC_INLINE : IOU_ASYNC;
}

static const struct uring_ops iou_uring_ops = {
	.prep = iou_prep,
	.complete = iou_complete,
};

int iou_add_queue(struct blkio *b, bool poll, struct blkioq **qp)
{
	struct iou_dev *d = iou_dev(b);
	struct uring_setup s = {
		.queue_ops = &iou_queue_ops[0][iou_kind(d)],
		.ops = &iou_uring_ops,
		.entries = (unsigned)d->num_entries,
		.fd = d->file.fd,
		.poll = poll,
		.iopoll = d->iopoll,
		.batch_submit = d->submit_batching,
		.bufs = d->register_mem_regions ? &d->bufs : NULL,
		.single_issuer = d->single_issuer,
		.sqpoll_idle = (unsigned)d->sq_poll_idle,
		.unavailable_hint = "the linux-aio driver works without it",
	};
	struct iou_queue *iq;
	int ret;

	iq = calloc(1, sizeof(*iq));
	if (!iq)
		return blkio_err(-ENOMEM, "Out of memory");
	iq->dev = d;
	ret = uring_queue_init(&iq->uq, &s);
	if (ret < 0) {
		free(iq);
		return ret;
	}
	if (iq->uq.bufs)
		queue_set_ops(&iq->uq.q, &iou_queue_ops[1][iou_kind(d)]);
	*qp = &iq->uq.q;
	return 0;
}

void iou_remove_queue(struct blkioq *q)
{
	struct iou_queue *iq = iou_queue(q);

	uring_queue_fini(&iq->uq);
	free(iq);
}
