/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk-vfio-pci driver's table.  Its properties are the
 * virtio-blk core's: "path" is the PCI function's sysfs directory, "fd"
 * is not supported (-ENOENT, as in libblkio 1.4 and later).  Regions need
 * no fd (needs-mem-region-fd turns false at connect) and are pinned.
 */
#include "../virtio-blk/vblk-props.h"
#include "vfio.h"

static const struct vblk_transport vfio_transport = {
	/* The device must use the IOMMU; see negotiate() in vfio-virtio.c. */
	.features = VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM),
	/*
	 * No default timeout: the request eventfd reports a device being
	 * taken away and check() one that was reset or removed; a request
	 * may legitimately take long on real hardware (device-timeout-ms).
	 */
	.device_timeout_ms = 0,
	.alloc_shared = vfio_alloc_shared,
	.free_shared = vfio_free_shared,
	.setup_vq = vfio_setup_vq,
	.map = vfio_map,
	.unmap = vfio_unmap,
	.get_config = vfio_get_config,
	.notify = vfio_notify,
	.check = vfio_check,
};

static void vfio_init(void *priv, struct dev_info *defaults)
{
	struct vfio_dev *v = priv;

	v->container = v->group = v->device = v->req_fd = -1;
	vblk_init(&v->vblk, defaults, &vfio_transport);
}

const struct driver vfio_pci_driver =
	VBLK_DRIVER("virtio-blk-vfio-pci", struct vfio_dev,
		    vfio_init, vfio_connect, vfio_disconnect);
