/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Connect: open /dev/vhost-vdpa-N (or take the caller's fd), check it is
 * a block device, negotiate the backend and virtio features through the
 * status handshake, and read the limits; the virtio-blk core reads the
 * configuration space.  Disconnect resets the device.
 *
 * Every number the device reports is checked before it becomes a limit:
 * the device may be a userspace daemon (VDUSE) we do not trust.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "vdpa.h"

/* Largest virtqueue size a split ring may have (virtio 1.2, 2.7). */
#define VDPA_VRING_MAX 32768

static int open_device(struct vdpa_dev *v, const struct drv_settings *s)
{
	bool has_path = s->path && s->path[0];
	int fd = v->vblk.fd;	/* the driver's own "fd" property */

	if (!has_path && fd == -1)
		return blkio_err(-EINVAL, "One of path and fd must be set");
	if (has_path && fd != -1)
		return blkio_err(-EINVAL, "path and fd cannot be set at the same time");
	if (!has_path) {
		if (fd < 0)
			return blkio_err(-EBADF, "fd %d is not a valid file descriptor",
					 fd);
		v->vfd = fd;
		v->own_fd = false;
		return 0;
	}
	/* Read-write even when read-only: IOTLB messages are writes. */
	fd = open(s->path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return blkio_err(-EIO, "Failed to connect to vDPA device path %s: %s",
				 s->path, strerror(errno));
	v->vfd = fd;
	v->own_fd = true;
	return 0;
}

/* Largest power of two not above n (split rings need one). */
static unsigned pow2_floor(unsigned n)
{
	unsigned p = 1;

	while (p <= n / 2)
		p *= 2;
	return p;
}

/* What the device says about itself, before we own it. */
static int probe(struct vdpa_dev *v)
{
	struct vdpa_sys_info *i = &v->info;
	int ret;

	ret = vdpa_sys_info(v->vfd, i);
	if (ret == -ENOTTY)
		return blkio_err(-EINVAL, "The file is not a vhost-vdpa device");
	if (ret < 0)
		return ret;
	if (i->device_id != VDPA_ID_BLOCK)
		return blkio_err(-ENOTSUP,
				 "vDPA device is not a virtio-blk device (virtio device id %u, expected %u)",
				 i->device_id, VDPA_ID_BLOCK);
	if (i->nr_vqs == 0 || i->nr_vqs > UINT16_MAX)
		return blkio_err(-EIO, "vDPA device reports %u virtqueues",
				 i->nr_vqs);
	if (i->vring_max == 0)
		return blkio_err(-EIO, "vDPA device reports a virtqueue size of 0");
	/* The capacity at least (virtio-blk's first field). */
	if (i->config_size < 8)
		return blkio_err(-EIO, "vDPA device configuration space is too small (%u bytes)",
				 i->config_size);
	return 0;
}

int vdpa_add_status(struct vdpa_dev *v, uint8_t bits)
{
	uint8_t st = v->status | bits;
	int ret = vdpa_sys_set_status(v->vfd, st);

	if (ret == 0)
		v->status = st;
	return ret;
}

/* Virtio features: VERSION_1 and ACCESS_PLATFORM (the IOTLB) are a must. */
static int negotiate(struct vdpa_dev *v, uint64_t *features)
{
	uint64_t offered, wanted;
	uint8_t st;
	int ret;

	ret = vdpa_sys_get_features(v->vfd, &offered);
	if (ret < 0)
		return ret;
	if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		return blkio_err(-ENOTSUP, "vDPA device does not offer VIRTIO_F_VERSION_1");
	if (!(offered & VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM)))
		return blkio_err(-ENOTSUP, "vDPA device does not offer VIRTIO_F_ACCESS_PLATFORM");
	wanted = vblk_wanted_features(&v->vblk, offered);
	ret = vdpa_sys_set_features(v->vfd, wanted);
	if (ret < 0)
		return ret;
	ret = vdpa_add_status(v, VDPA_S_FEATURES_OK);
	if (ret < 0)
		return ret;
	ret = vdpa_sys_get_status(v->vfd, &st);
	if (ret < 0)
		return ret;
	if (!(st & VDPA_S_FEATURES_OK))
		return blkio_err(-EIO, "vDPA device refused features 0x%llx (status 0x%x)",
				 (unsigned long long)wanted, st);
	*features = wanted;
	return 0;
}

/* Limits that come from the transport rather than the config space. */
static void transport_limits(struct vdpa_dev *v)
{
	struct vblk_dev *d = &v->vblk;
	unsigned max = pow2_floor(v->info.vring_max);

	if (max > VDPA_VRING_MAX)
		max = VDPA_VRING_MAX;
	d->max_queue_size = (int)max;
	if (d->queue_size > d->max_queue_size)
		d->queue_size = d->max_queue_size;
	d->max_queues = (int)v->info.nr_vqs;
	d->max_regions = VBLK_MAX_REGIONS;
	d->max_mem_regions = VBLK_MAX_REGIONS;
	/* The IOTLB maps whole pages (libblkio: the page size). */
	d->info.mem_region_alignment = (uint64_t)sysconf(_SC_PAGESIZE);
}

static int handshake(struct vdpa_dev *v, const struct drv_settings *s,
		     struct drv_device *dev)
{
	uint64_t features = 0;
	int ret;

	ret = probe(v);
	if (ret < 0)
		return ret;
	ret = vdpa_sys_backend_features(v->vfd);
	if (ret < 0)
		return ret;
	ret = vdpa_sys_set_owner(v->vfd);
	if (ret < 0)
		return ret;
	/* Whatever a previous user left: start from a reset device. */
	v->status = 0;
	ret = vdpa_sys_set_status(v->vfd, 0);
	if (ret < 0)
		return ret;
	ret = vdpa_add_status(v, VDPA_S_ACKNOWLEDGE | VDPA_S_DRIVER);
	if (ret < 0)
		return ret;
	ret = negotiate(v, &features);
	if (ret < 0)
		return ret;
	transport_limits(v);
	return vblk_configure(&v->vblk, features, s, dev);
}

static void close_device(struct vdpa_dev *v)
{
	/* The caller's fd is ours once connected (libblkio closes it too). */
	if (v->vfd >= 0)
		close(v->vfd);
	v->vfd = -1;
}

int vdpa_connect(struct blkio *b, const struct drv_settings *s,
		 struct drv_device *dev)
{
	struct vdpa_dev *v = drv_priv(b);
	int ret;

	ret = open_device(v, s);
	if (ret < 0)
		return ret;
	ret = handshake(v, s, dev);
	if (ret < 0) {
		/* A caller's fd stays open, and its device reset for a retry. */
		if (v->status)
			vdpa_sys_reset(v->vfd);
		v->status = 0;
		if (v->own_fd)
			close_device(v);
		v->vfd = -1;
		return ret;
	}
	return 0;
}

/*
 * Queues are gone (drained) and regions unmapped by now.  The reset
 * stops the device before the rings' memory goes; closing the fd would
 * reset it too, but only after the memory was gone.
 */
void vdpa_disconnect(struct blkio *b)
{
	struct vdpa_dev *v = drv_priv(b);

	/*
	 * A broken device is reset too: NEEDS_RESET asks for it.  (A VDUSE
	 * device whose daemon died makes this wait for VDUSE's message
	 * timeout, once; the close would otherwise.)
	 */
	if (v->vfd >= 0 && v->status)
		vdpa_sys_reset(v->vfd);
	v->status = 0;
	vblk_stop(&v->vblk);
	close_device(v);
}
