/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Every driver name the library accepts: libblkio's five and linux-aio,
 * which libblkio lacks.  Each has its code under src/drivers/; the
 * virtio-blk family shares src/drivers/virtio-blk.
 */
#include <string.h>

#include "instance.h"

/* Defined by each driver, next to its code (src/drivers/). */
extern const struct driver io_uring_driver;
extern const struct driver linux_aio_driver;
extern const struct driver nvme_io_uring_driver;
extern const struct driver vhost_user_driver;
extern const struct driver vhost_vdpa_driver;
extern const struct driver vfio_pci_driver;

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
