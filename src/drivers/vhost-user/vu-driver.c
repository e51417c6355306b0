/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk-vhost-user driver's table.  Its properties are the
 * virtio-blk core's ("path" is the backend's unix socket; "fd" is not
 * supported, as in libblkio 1.4 and later).
 */
#include "../virtio-blk/vblk-props.h"
#include "vu.h"

static const struct vblk_transport vu_transport = {
	.alloc_shared = vu_alloc_shared,
	.free_shared = vu_free_shared,
	.setup_vq = vu_setup_vq,
	.stop_vq = vu_stop_vq,
	.map = vu_map,
	.unmap = vu_unmap,
	.get_config = vu_get_config,
};

static void vu_init(void *priv, struct dev_info *defaults)
{
	struct vu_dev *v = priv;

	v->sock = -1;
	vblk_init(&v->vblk, defaults, &vu_transport);
}

const struct driver vhost_user_driver =
	VBLK_DRIVER("virtio-blk-vhost-user", struct vu_dev,
		    vu_init, vu_connect, vu_disconnect);
