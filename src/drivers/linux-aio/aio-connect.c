/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkio_connect() for linux-aio: everything is the file driver code's;
 * kernel AIO has no polled completions, so there are no poll queues.
 */
#include "aio.h"

int aio_connect(struct blkio *b, const struct drv_settings *s,
		struct drv_device *dev)
{
	struct aio_dev *d = aio_dev(b);
	int ret;

	ret = file_connect(&d->file, s, d->direct, dev);
	if (ret < 0)
		return ret;
	d->direct = d->file.direct;
	dev->info.supports_poll_queues = false;
	return 0;
}

int aio_get_capacity(struct blkio *b, uint64_t *capacity)
{
	return file_capacity(&aio_dev(b)->file, capacity);
}
