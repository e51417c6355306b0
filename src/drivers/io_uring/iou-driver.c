/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The io_uring driver's table and its own properties.
 */

#include "iou.h"

/* Sorted by name; offsets into struct iou_dev. */
static const struct prop iou_props[] = {
	{
		.name = "direct",
		.type = PROP_BOOL, .write = WRITE_CREATED,
		.offset = offsetof(struct iou_dev, direct),
		.doc = "Open with O_DIRECT, bypassing the page cache",
	}, {
		.name = "inline-lone-requests",
		.type = PROP_BOOL, .write = WRITE_CREATED,
		.offset = offsetof(struct iou_dev, inline_lone_requests),
		.doc = "On a file without NOWAIT support, blkioq_do_io() does a lone read or write it waits for itself instead of through an io_uring worker thread",
	}, {
		.name = "num-entries",
		.type = PROP_INT, .write = WRITE_CONNECTED,
		.offset = offsetof(struct iou_dev, num_entries),
		.range = RANGE_POSITIVE,
		.doc = "Submission queue entries of each queue's io_uring",
	}, {
		.name = "poll-queue-mode",
		.type = PROP_STR, .read = READ_CONNECTED,
		.offset = offsetof(struct iou_dev, poll_queue_mode),
		.doc = "How poll queues poll: iopoll (the device) or busy-poll (the ring)",
	}, {
		.name = "register-mem-regions",
		.type = PROP_BOOL, .write = WRITE_CREATED,
		.offset = offsetof(struct iou_dev, register_mem_regions),
		.doc = "Mapped memory regions become registered buffers of every queue (pinned: may-pin-mem-regions turns true)",
	}, {
		.name = "single-issuer",
		.type = PROP_BOOL, .write = WRITE_CREATED,
		.offset = offsetof(struct iou_dev, single_issuer),
		.doc = "Each queue's ring belongs to the first thread that calls blkioq_do_io() on it (DEFER_TASKRUN, registered ring fd)",
	}, {
		.name = "sq-poll-idle",
		.type = PROP_INT, .write = WRITE_CREATED,
		.offset = offsetof(struct iou_dev, sq_poll_idle),
		.range = RANGE_NON_NEGATIVE,
		.doc = "Milliseconds a kernel thread keeps polling each regular queue's ring for requests (IORING_SETUP_SQPOLL); 0: no thread",
	}, {
		.name = "submit-batching",
		.type = PROP_BOOL, .write = WRITE_CREATED,
		.offset = offsetof(struct iou_dev, submit_batching),
		.doc = "Submit-only calls may leave requests for the next call while an event loop drains completions",
	},
};

static void iou_init(void *priv, struct dev_info *defaults)
{
	struct iou_dev *d = priv;

	d->num_entries = 128;
	d->submit_batching = true;
	d->inline_lone_requests = true;
}

/* Called with the instance lock held, in the started state. */
int iou_map_mem_region(struct blkio *b, const struct blkio_mem_region *r)
{
	struct iou_dev *d = iou_dev(b);

	if (d->register_mem_regions)
		uring_bufs_map(&d->bufs, r);
	return 0;
}

void iou_unmap_mem_region(struct blkio *b, const struct blkio_mem_region *r)
{
	struct iou_dev *d = iou_dev(b);

	if (d->register_mem_regions)
		uring_bufs_unmap(&d->bufs, r);
}

const struct driver io_uring_driver = {
	.name = "io_uring",
	.priv_size = sizeof(struct iou_dev),
	.props = iou_props,
	.nr_props = ARRAY_SIZE(iou_props),
	.init = iou_init,
	.connect = iou_connect,
	.add_queue = iou_add_queue,
	.remove_queue = iou_remove_queue,
	.get_capacity = iou_get_capacity,
	.map_mem_region = iou_map_mem_region,
	.unmap_mem_region = iou_unmap_mem_region,
};
