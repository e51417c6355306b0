/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The io_uring driver's table and its own properties.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iou.h"

static int get_poll_queue_mode(struct blkio *b, union prop_val *v)
{
	v->s = strdup(iou_dev(b)->iopoll ? "iopoll" : "busy-poll");
	return v->s ? 0 : blkio_err(-ENOMEM, "Out of memory");
}

static int set_num_entries(struct blkio *b, const union prop_val *v)
{
	if (v->i <= 0)
		return blkio_err(-EINVAL, "num-entries must be greater than 0");
	iou_dev(b)->num_entries = v->i;
	return 0;
}

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
		.set = set_num_entries,
		.doc = "Submission queue entries of each queue's io_uring",
	}, {
		.name = "poll-queue-mode",
		.type = PROP_STR, .read = READ_CONNECTED,
		.get = get_poll_queue_mode,
		.doc = "How poll queues poll: iopoll (the device) or busy-poll (the ring)",
	},
};

static void iou_init(void *priv, struct dev_info *defaults)
{
	struct iou_dev *d = priv;

	d->num_entries = 128;
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
