/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk-vhost-vdpa driver's table.  Its properties are the
 * virtio-blk core's: "path" is /dev/vhost-vdpa-N, or "fd" an open one
 * (libblkio 1.3 and later; QEMU passes one when it can).
 */
#include "../virtio-blk/vblk-props.h"
#include "vdpa.h"

static const struct vblk_transport vdpa_transport = {
	/* The device reaches memory only through the IOTLB we fill. */
	.features = VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM),
	.takes_fd = true,
	.device_timeout_ms = VDPA_DEVICE_TIMEOUT_MS,
	.alloc_shared = vdpa_alloc_shared,
	.free_shared = vdpa_free_shared,
	.setup_vq = vdpa_setup_vq,
	.map = vdpa_map,
	.unmap = vdpa_unmap,
	.get_config = vdpa_get_config,
	.check = vdpa_check,
};

static void vdpa_init(void *priv, struct dev_info *defaults)
{
	struct vdpa_dev *v = priv;

	v->vfd = -1;
	vblk_init(&v->vblk, defaults, &vdpa_transport);
}

const struct driver vhost_vdpa_driver =
	VBLK_DRIVER("virtio-blk-vhost-vdpa", struct vdpa_dev,
		    vdpa_init, vdpa_connect, vdpa_disconnect);
