/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The linux-aio driver's table and its own properties: the same as the
 * io_uring driver's, so a program switches by changing the driver name.
 */

#include "aio.h"

/* Sorted by name; offsets into struct aio_dev. */
static const struct prop aio_props[] = {
	{
		.name = "direct",
		.type = PROP_BOOL, .write = WRITE_CREATED,
		.offset = offsetof(struct aio_dev, direct),
		.doc = "Open with O_DIRECT, bypassing the page cache",
	}, {
		.name = "num-entries",
		.type = PROP_INT, .write = WRITE_CONNECTED,
		.offset = offsetof(struct aio_dev, num_entries),
		.range = RANGE_POSITIVE,
		.doc = "Requests each queue's AIO context holds in flight",
	}, {
		.name = "submit-batching",
		.type = PROP_BOOL, .write = WRITE_CREATED,
		.offset = offsetof(struct aio_dev, submit_batching),
		.doc = "Submit-only calls may leave requests for the next call while an event loop drains completions",
	},
};

static void aio_init(void *priv, struct dev_info *defaults)
{
	struct aio_dev *d = priv;

	d->num_entries = 128;
	d->submit_batching = true;
}

const struct driver linux_aio_driver = {
	.name = "linux-aio",
	.priv_size = sizeof(struct aio_dev),
	.props = aio_props,
	.nr_props = ARRAY_SIZE(aio_props),
	.init = aio_init,
	.connect = aio_connect,
	.add_queue = aio_add_queue,
	.remove_queue = aio_remove_queue,
	.get_capacity = aio_get_capacity,
};
