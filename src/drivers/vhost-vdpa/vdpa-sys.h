/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The vhost-vdpa character device's interface (ioctls and IOTLB
 * messages), wrapped in plain functions.  Only vdpa-sys.c includes
 * <linux/vhost.h>: it drags in <linux/virtio_ring.h>, whose ring structs
 * clash with the virtio-blk core's own (virtio-spec.h).
 *
 * Every function returns 0 or a negative errno with the message set.
 */
#ifndef BLKIO_VDPA_SYS_H
#define BLKIO_VDPA_SYS_H

#include <stdbool.h>
#include <stdint.h>

/* Device status bits (virtio 1.2, 2.1); vdpa-sys.c checks the values. */
#define VDPA_S_ACKNOWLEDGE	0x01
#define VDPA_S_DRIVER		0x02
#define VDPA_S_DRIVER_OK	0x04
#define VDPA_S_FEATURES_OK	0x08
#define VDPA_S_NEEDS_RESET	0x40
#define VDPA_S_FAILED		0x80

/* The virtio device id of a block device. */
#define VDPA_ID_BLOCK		2

/* What connect reads before it touches the device. */
struct vdpa_sys_info {
	uint32_t device_id;
	uint32_t nr_vqs;		/* VHOST_VDPA_GET_VQS_COUNT */
	uint16_t vring_max;		/* VHOST_VDPA_GET_VRING_NUM */
	uint32_t config_size;		/* VHOST_VDPA_GET_CONFIG_SIZE */
	uint64_t iova_first, iova_last;	/* VHOST_VDPA_GET_IOVA_RANGE */
};

/* One virtqueue as the device is told about it. */
struct vdpa_sys_vring {
	unsigned index;
	unsigned num;
	uint64_t desc, avail, used;	/* I/O virtual addresses */
	int kick_fd, call_fd;
};

int vdpa_sys_info(int fd, struct vdpa_sys_info *info);
int vdpa_sys_backend_features(int fd);
int vdpa_sys_set_owner(int fd);
int vdpa_sys_get_status(int fd, uint8_t *status);
int vdpa_sys_set_status(int fd, uint8_t status);
/*
 * Status 0, best effort: for paths that failed already or tear down, so
 * it leaves the error message alone.
 */
void vdpa_sys_reset(int fd);
int vdpa_sys_get_features(int fd, uint64_t *features);
int vdpa_sys_set_features(int fd, uint64_t features);
int vdpa_sys_get_config(int fd, void *buf, uint32_t len);
int vdpa_sys_vring(int fd, const struct vdpa_sys_vring *vr);
int vdpa_sys_vring_enable(int fd, unsigned index, bool enable);

/* Map [iova, iova + size) to our [uaddr, ...) read-write, or unmap it. */
int vdpa_sys_iotlb_update(int fd, uint64_t iova, uint64_t size,
			  uint64_t uaddr);
int vdpa_sys_iotlb_invalidate(int fd, uint64_t iova, uint64_t size);

#endif
