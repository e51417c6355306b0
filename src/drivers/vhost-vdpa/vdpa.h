/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The virtio-blk-vhost-vdpa driver: a virtio-blk device behind a
 * /dev/vhost-vdpa-N character device (VDUSE, a vDPA simulator, hardware),
 * under the virtio-blk core.
 *
 * The device reaches our memory through an IOTLB we fill with messages
 * written to the fd.  I/O virtual addresses are our own virtual
 * addresses (an identity map, checked against the device's IOVA range),
 * so the core's regions need no translation beyond "is it mapped".
 * VDUSE can only reach MAP_SHARED file-backed memory, which is why the
 * rings live in a memfd and regions must have an fd.
 */
#ifndef BLKIO_VDPA_H
#define BLKIO_VDPA_H

#include <stdbool.h>
#include <stdint.h>

#include "../virtio-blk/vblk.h"
#include "vdpa-sys.h"

/*
 * How long a wait may see no completion before the device is given up
 * on: a VDUSE device whose daemon died keeps its status, so only time
 * tells (check() catches devices that say they need a reset).
 */
#define VDPA_DEVICE_TIMEOUT_MS 30000

/* The driver's private data; struct vblk_dev must come first. */
struct vdpa_dev {
	struct vblk_dev vblk;
	int vfd;		/* /dev/vhost-vdpa-N, or -1 */
	bool own_fd;		/* opened from "path", not the caller's "fd" */
	uint8_t status;		/* what we last set */
	struct vdpa_sys_info info;
};

static inline struct vdpa_dev *vdpa_dev(struct vblk_dev *d)
{
	return container_of(d, struct vdpa_dev, vblk);
}

/* vdpa-connect.c */
int vdpa_connect(struct blkio *b, const struct drv_settings *s,
		 struct drv_device *dev);
void vdpa_disconnect(struct blkio *b);
int vdpa_add_status(struct vdpa_dev *v, uint8_t bits);

/* vdpa-mem.c: the shared area and application regions in the IOTLB */
int vdpa_alloc_shared(struct vblk_dev *d, size_t len, struct vblk_shm *shm);
void vdpa_free_shared(struct vblk_dev *d, struct vblk_shm *shm);
int vdpa_map(struct vblk_dev *d, const struct blkio_mem_region *r,
	     uint64_t *dev_addr);
void vdpa_unmap(struct vblk_dev *d, const struct blkio_mem_region *r,
		uint64_t dev_addr);

/* vdpa-vring.c: virtqueues, configuration space, liveness */
int vdpa_setup_vq(struct vblk_dev *d, struct vblk_queue *vbq);
int vdpa_get_config(struct vblk_dev *d, struct virtio_blk_config *cfg,
		    size_t len);
const char *vdpa_check(struct vblk_dev *d);

#endif
