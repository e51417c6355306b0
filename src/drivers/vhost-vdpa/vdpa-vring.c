/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Virtqueues, the configuration space and the liveness check over
 * vhost-vdpa.
 */
#include <errno.h>
#include <string.h>

#include "vdpa.h"

/*
 * Size, base, ring addresses (IOVAs of the shared area), kick and call
 * eventfds, enable.  The device is told DRIVER_OK once the last
 * virtqueue blkio_start() creates is set up: a vDPA device starts all
 * its enabled queues at that moment, and none can be added later
 * (can-add-queues is false).
 */
int vdpa_setup_vq(struct vblk_dev *d, struct vblk_queue *vbq)
{
	struct vdpa_dev *v = vdpa_dev(d);
	const struct vq *vq = &vbq->vq;
	struct vdpa_sys_vring vr = {
		.index = vbq->index,
		.num = vq->num,
		.desc = vq->desc_dev,
		.avail = vq->avail_dev,
		.used = vq->used_dev,
		.kick_fd = vbq->kick_fd,
		.call_fd = vbq->call_fd,
	};
	int ret;

	ret = vdpa_sys_vring(v->vfd, &vr);
	if (ret < 0)
		return ret;
	ret = vdpa_sys_vring_enable(v->vfd, vbq->index, true);
	if (ret < 0)
		return ret;
	if (vbq->index + 1 < d->nr_vqs)
		return 0;
	return vdpa_add_status(v, VDPA_S_DRIVER_OK);
}

/*
 * The configuration space: at most what the device has (a larger read
 * fails with EINVAL: VHOST_VDPA_GET_CONFIG_SIZE), the rest zero, which
 * reads as "not given" for every field the core uses.
 */
int vdpa_get_config(struct vblk_dev *d, struct virtio_blk_config *cfg,
		    size_t len)
{
	struct vdpa_dev *v = vdpa_dev(d);
	uint32_t n = len < v->info.config_size ? (uint32_t)len :
						 v->info.config_size;

	memset(cfg, 0, len);
	return vdpa_sys_get_config(v->vfd, cfg, n);
}

/*
 * Asked during a wait that sees no completion: a device that asks for a
 * reset, failed, or was reset behind our back will not complete what it
 * holds.  (A VDUSE device whose daemon died says nothing of the kind:
 * device-timeout-ms catches that one.)
 */
const char *vdpa_check(struct vblk_dev *d)
{
	struct vdpa_dev *v = vdpa_dev(d);
	uint8_t st;

	if (vdpa_sys_get_status(v->vfd, &st) < 0)
		return "vDPA device status cannot be read";
	if (st & VDPA_S_NEEDS_RESET)
		return "vDPA device needs a reset (virtio status NEEDS_RESET)";
	if (st & VDPA_S_FAILED)
		return "vDPA device failed (virtio status FAILED)";
	if (!(st & VDPA_S_DRIVER_OK))
		return "vDPA device was reset";
	return NULL;
}
