/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Instance life cycle: created -> connected -> started -> destroyed.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "error.h"
#include "instance.h"
#include "utf8.h"

static struct blkio *instance_new(const struct driver *drv)
{
	struct blkio *b = calloc(1, sizeof(*b) + drv->priv_size);

	if (!b)
		return NULL;
	b->drv = drv;
	b->state = STATE_CREATED;
	b->fd = -1;
	b->num_queues = 1;
	b->num_poll_queues = 0;
	pthread_mutex_init(&b->lock, NULL);

	/* What every driver answers until it knows better. */
	b->info.can_add_queues = true;
	b->info.flush_needed = true;
	b->info.max_queues = INT32_MAX;
	b->info.max_mem_regions = UINT64_MAX;
	if (drv->init)
		drv->init(b->priv, &b->info);
	return b;
}

void *drv_priv(struct blkio *b)
{
	return b->priv;
}

BLKIO_EXPORT int blkio_create(const char *driver, struct blkio **bp)
{
	const struct driver *drv;

	if (!bp)
		return blkio_err(-EINVAL, "bp must be non-NULL");
	*bp = NULL;
	if (!driver || !utf8_valid(driver))
		return blkio_err(-EINVAL, "Invalid driver name");
	drv = driver_find(driver);
	if (!drv)
		return blkio_err(-ENOENT, "Unknown driver name");
	*bp = instance_new(drv);
	if (!*bp)
		return blkio_err(-ENOMEM, "Out of memory");
	return 0;
}

/* Take over what the driver's connect found. */
static void adopt_device(struct blkio *b, const struct drv_device *dev)
{
	b->fd = dev->fd;
	b->read_only = dev->read_only;
	b->info = dev->info;
	if (dev->fd_adopted) {
		/* The fd came from the caller: path stays empty. */
		free(b->path);
		b->path = NULL;
	}
}

static int connect_locked(struct blkio *b)
{
	struct drv_settings s = {
		.path = b->path,
		.fd = b->fd,
		.read_only = b->read_only,
	};
	struct drv_device dev = { .fd = -1, .info = b->info };
	int ret;

	switch (b->state) {
	case STATE_CONNECTED:
		return 0;
	case STATE_STARTED:
		return blkio_err(-EBUSY, "Cannot set property in connected state");
	case STATE_CREATED:
		break;
	}
	if (!b->drv->connect)
		return blkio_err(-ENOTSUP,
				 "The %s driver is not supported by this build of blkio",
				 b->drv->name);
	ret = b->drv->connect(b, &s, &dev);
	if (ret < 0)
		return ret;
	adopt_device(b, &dev);
	b->state = STATE_CONNECTED;
	return 0;
}

BLKIO_EXPORT int blkio_connect(struct blkio *b)
{
	int ret;

	if (!b)
		return blkio_err(-EINVAL, "b must be non-NULL");
	pthread_mutex_lock(&b->lock);
	ret = connect_locked(b);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static int start_locked(struct blkio *b)
{
	int ret;

	switch (b->state) {
	case STATE_CREATED:
		return blkio_err(-ENODEV, "Device must be connected");
	case STATE_STARTED:
		return 0;
	case STATE_CONNECTED:
		break;
	}
	if (b->drv->start) {
		ret = b->drv->start(b, b->num_queues, b->num_poll_queues);
		if (ret < 0)
			return ret;
	}
	ret = queues_start(b);
	if (ret < 0)
		return ret;
	b->state = STATE_STARTED;
	return 0;
}

BLKIO_EXPORT int blkio_start(struct blkio *b)
{
	int ret;

	if (!b)
		return blkio_err(-EINVAL, "b must be non-NULL");
	pthread_mutex_lock(&b->lock);
	ret = start_locked(b);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

int instance_capacity(struct blkio *b, uint64_t *capacity)
{
	return b->drv->get_capacity(b, capacity);
}

/*
 * Valid in every state.  libblkio crashes when *bp is NULL; here that,
 * like bp == NULL, is a no-op.
 */
BLKIO_EXPORT void blkio_destroy(struct blkio **bp)
{
	struct blkio *b;

	if (!bp || !*bp)
		return;
	b = *bp;
	queues_destroy_all(b);
	regions_free_all(b);
	if (b->state != STATE_CREATED && b->drv->disconnect)
		b->drv->disconnect(b);
	/* Once connected the fd is ours, whether opened or handed over. */
	if (b->state != STATE_CREATED && b->fd >= 0)
		close(b->fd);
	free(b->path);
	pthread_mutex_destroy(&b->lock);
	free(b);
	*bp = NULL;
}
