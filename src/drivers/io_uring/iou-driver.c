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
};
