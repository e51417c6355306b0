/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Every driver name libblkio knows.  Only io_uring is built in this
 * release; the others can be created and configured (so programs that
 * probe them behave as with libblkio) but blkio_connect() fails with
 * -ENOTSUP.
 */
#include <string.h>

#include "driver.h"

/* The virtio-blk family starts with the limits libblkio reports for it. */
static void virtio_blk_init(struct blkio *b)
{
	b->info.can_add_queues = false;
	b->info.needs_mem_regions = true;
	b->info.needs_mem_region_fd = true;
	b->info.may_pin_mem_regions = true;
	b->info.supports_poll_queues = true;
}

static void nvme_init(struct blkio *b)
{
	b->info.supports_fua_natively = true;
}

#define UNBUILT_DRIVER(var, drv_name, init_fn)		\
	static const struct driver var = {		\
		.name = drv_name,			\
		.instance_size = sizeof(struct blkio),	\
		.init = init_fn,			\
	}

UNBUILT_DRIVER(nvme_io_uring_driver, "nvme-io_uring", nvme_init);
UNBUILT_DRIVER(vfio_pci_driver, "virtio-blk-vfio-pci", virtio_blk_init);
UNBUILT_DRIVER(vhost_user_driver, "virtio-blk-vhost-user", virtio_blk_init);
UNBUILT_DRIVER(vhost_vdpa_driver, "virtio-blk-vhost-vdpa", virtio_blk_init);

static const struct driver *const drivers[] = {
	&io_uring_driver,
	&nvme_io_uring_driver,
	&vfio_pci_driver,
	&vhost_user_driver,
	&vhost_vdpa_driver,
};

const struct driver *driver_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}
