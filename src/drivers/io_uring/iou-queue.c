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

static const struct queue_ops iou_queue_ops = {
	.submit = iou_submit,
	.submit_read = iou_submit_read,
	.submit_write = iou_submit_write,
	.do_io = uring_do_io,
	.do_io_fast = uring_do_io_fast,
	.set_completion_fd_enabled = uring_set_completion_fd_enabled,
	.run_deferred = iou_run_deferred,
	.zones = true,
};

/* A queue whose ring registered the memory regions. */
static const struct queue_ops iou_fixed_queue_ops = {
	.submit = iou_submit_fixed,
	.submit_read = iou_submit_fixed_read,
	.submit_write = iou_submit_fixed_write,
	.do_io = uring_do_io,
	.do_io_fast = uring_do_io_fast,
	.set_completion_fd_enabled = uring_set_completion_fd_enabled,
	.run_deferred = iou_run_deferred,
	.zones = true,
};

static const struct uring_ops iou_uring_ops = {
	.prep = iou_prep,
	.complete = iou_complete,
};

int iou_add_queue(struct blkio *b, bool poll, struct blkioq **qp)
{
	struct iou_dev *d = iou_dev(b);
	struct uring_setup s = {
		.queue_ops = &iou_queue_ops,
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
		queue_set_ops(&iq->uq.q, &iou_fixed_queue_ops);
	*qp = &iq->uq.q;
	return 0;
}

void iou_remove_queue(struct blkioq *q)
{
	struct iou_queue *iq = iou_queue(q);

	uring_queue_fini(&iq->uq);
	free(iq);
}
