/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Every driver name the library accepts: libblkio's five and linux-aio,
 * which libblkio lacks.  Of the virtio-blk family vhost-user and
 * vfio-pci are built; vhost-vdpa can be created and configured (so
 * programs that probe it behave as with libblkio) but blkio_connect()
 * fails with -ENOTSUP.
 */
#include <string.h>

#include "instance.h"

/* Defined by each driver, next to its code (src/drivers/). */
extern const struct driver io_uring_driver;
extern const struct driver linux_aio_driver;
extern const struct driver nvme_io_uring_driver;
extern const struct driver vhost_user_driver;
extern const struct driver vfio_pci_driver;

/* The virtio-blk family starts with the limits libblkio reports for it. */
static void virtio_blk_init(void *priv, struct dev_info *defaults)
{
	defaults->can_add_queues = false;
	defaults->needs_mem_regions = true;
	defaults->needs_mem_region_fd = true;
	defaults->may_pin_mem_regions = true;
	defaults->supports_poll_queues = true;
}

#define UNBUILT_DRIVER(var, drv_name, init_fn)		\
	static const struct driver var = {		\
		.name = drv_name,			\
		.init = init_fn,			\
	}

UNBUILT_DRIVER(vhost_vdpa_driver, "virtio-blk-vhost-vdpa", virtio_blk_init);

static const struct driver *const drivers[] = {
	&io_uring_driver,
	&linux_aio_driver,
	&nvme_io_uring_driver,
	&vfio_pci_driver,
	&vhost_user_driver,
	&vhost_vdpa_driver,
};

const struct driver *driver_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(drivers); i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}
