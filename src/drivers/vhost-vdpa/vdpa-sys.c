/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The vhost-vdpa kernel interface: ioctls on /dev/vhost-vdpa-N and the
 * IOTLB messages written to it.  Names of failed calls go into the error
 * message: a vDPA setup fails in many places, and "which ioctl" is what
 * a user needs to know.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../core/driver-api.h"
#include "vdpa-sys.h"

_Static_assert(VDPA_S_ACKNOWLEDGE == VIRTIO_CONFIG_S_ACKNOWLEDGE &&
	       VDPA_S_DRIVER == VIRTIO_CONFIG_S_DRIVER &&
	       VDPA_S_DRIVER_OK == VIRTIO_CONFIG_S_DRIVER_OK &&
	       VDPA_S_FEATURES_OK == VIRTIO_CONFIG_S_FEATURES_OK &&
	       VDPA_S_NEEDS_RESET == VIRTIO_CONFIG_S_NEEDS_RESET &&
	       VDPA_S_FAILED == VIRTIO_CONFIG_S_FAILED &&
	       VDPA_ID_BLOCK == VIRTIO_ID_BLOCK,
	       "vdpa-sys.h disagrees with <linux/virtio_config.h>");

/* Largest configuration space believed (virtio-blk's is under 100). */
#define CONFIG_SIZE_MAX 4096

static int call(int fd, unsigned long request, void *arg, const char *name)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return blkio_err_os(-errno, "vhost-vdpa %s failed", name);
	return 0;
}

#define CALL(fd, req, arg) call(fd, req, arg, #req)

int vdpa_sys_info(int fd, struct vdpa_sys_info *info)
{
	struct vhost_vdpa_iova_range range;
	int ret;

	memset(info, 0, sizeof(*info));
	ret = CALL(fd, VHOST_VDPA_GET_DEVICE_ID, &info->device_id);
	if (ret < 0)
		return ret;
	ret = CALL(fd, VHOST_VDPA_GET_VQS_COUNT, &info->nr_vqs);
	if (ret < 0)
		return ret;
	ret = CALL(fd, VHOST_VDPA_GET_VRING_NUM, &info->vring_max);
	if (ret < 0)
		return ret;
	ret = CALL(fd, VHOST_VDPA_GET_CONFIG_SIZE, &info->config_size);
	if (ret < 0)
		return ret;
	if (info->config_size > CONFIG_SIZE_MAX)
		return blkio_err(-EIO, "vDPA device reports a configuration space of %u bytes",
				 info->config_size);
	/* Kernels before 5.16 cannot tell: every address then. */
	info->iova_first = 0;
	info->iova_last = UINT64_MAX;
	if (ioctl(fd, VHOST_VDPA_GET_IOVA_RANGE, &range) == 0) {
		if (range.first > range.last)
			return blkio_err(-EIO, "vDPA device reports an empty IOVA range");
		info->iova_first = range.first;
		info->iova_last = range.last;
	}
	return 0;
}

/*
 * Version 2 IOTLB messages are required (the layout written below).
 * Batching is accepted when offered, as QEMU does; it changes nothing
 * until a VHOST_IOTLB_BATCH_BEGIN, and every change this driver makes is
 * one message (one region), so it never opens a batch.
 */
int vdpa_sys_backend_features(int fd)
{
	uint64_t offered, wanted;
	int ret;

	ret = CALL(fd, VHOST_GET_BACKEND_FEATURES, &offered);
	if (ret < 0)
		return ret;
	if (!(offered & (1ull << VHOST_BACKEND_F_IOTLB_MSG_V2)))
		return blkio_err(-ENOTSUP,
				 "vhost-vdpa device does not offer VHOST_BACKEND_F_IOTLB_MSG_V2");
	wanted = offered & ((1ull << VHOST_BACKEND_F_IOTLB_MSG_V2) |
			    (1ull << VHOST_BACKEND_F_IOTLB_BATCH));
	return CALL(fd, VHOST_SET_BACKEND_FEATURES, &wanted);
}

int vdpa_sys_set_owner(int fd)
{
	return CALL(fd, VHOST_SET_OWNER, NULL);
}

int vdpa_sys_get_status(int fd, uint8_t *status)
{
	return CALL(fd, VHOST_VDPA_GET_STATUS, status);
}

int vdpa_sys_set_status(int fd, uint8_t status)
{
	return CALL(fd, VHOST_VDPA_SET_STATUS, &status);
}

void vdpa_sys_reset(int fd)
{
	uint8_t status = 0;

	if (ioctl(fd, VHOST_VDPA_SET_STATUS, &status) < 0) {
		/* nothing to do: the device is closed next anyway */
	}
}

int vdpa_sys_get_features(int fd, uint64_t *features)
{
	return CALL(fd, VHOST_GET_FEATURES, features);
}

int vdpa_sys_set_features(int fd, uint64_t features)
{
	return CALL(fd, VHOST_SET_FEATURES, &features);
}

/* len must not exceed the device's configuration size (else EINVAL). */
int vdpa_sys_get_config(int fd, void *buf, uint32_t len)
{
	/*
	 * struct vhost_vdpa_config ends in a flexible array: the header and
	 * the data that follows it live in one aligned buffer (a struct
	 * embedding it would not be ISO C).
	 */
	union {
		struct vhost_vdpa_config hdr;
		uint8_t bytes[sizeof(struct vhost_vdpa_config) + CONFIG_SIZE_MAX];
	} cfg;
	int ret;

	if (len > CONFIG_SIZE_MAX)
		return blkio_err(-EINVAL, "configuration space read too large");
	cfg.hdr.off = 0;
	cfg.hdr.len = len;
	ret = CALL(fd, VHOST_VDPA_GET_CONFIG, &cfg);
	if (ret == 0)
		memcpy(buf, cfg.bytes + sizeof(cfg.hdr), len);
	return ret;
}

int vdpa_sys_vring(int fd, const struct vdpa_sys_vring *vr)
{
	struct vhost_vring_state num = { .index = vr->index, .num = vr->num };
	struct vhost_vring_state base = { .index = vr->index, .num = 0 };
	struct vhost_vring_addr addr = {
		.index = vr->index,
		.desc_user_addr = vr->desc,
		.avail_user_addr = vr->avail,
		.used_user_addr = vr->used,
	};
	struct vhost_vring_file kick = { .index = vr->index, .fd = vr->kick_fd };
	struct vhost_vring_file callf = { .index = vr->index, .fd = vr->call_fd };
	int ret;

	ret = CALL(fd, VHOST_SET_VRING_NUM, &num);
	if (!ret)
		ret = CALL(fd, VHOST_SET_VRING_BASE, &base);
	if (!ret)
		ret = CALL(fd, VHOST_SET_VRING_ADDR, &addr);
	if (!ret)
		ret = CALL(fd, VHOST_SET_VRING_KICK, &kick);
	if (!ret)
		ret = CALL(fd, VHOST_SET_VRING_CALL, &callf);
	return ret;
}

int vdpa_sys_vring_enable(int fd, unsigned index, bool enable)
{
	struct vhost_vring_state st = { .index = index, .num = enable };

	return CALL(fd, VHOST_VDPA_SET_VRING_ENABLE, &st);
}

static int iotlb_msg(int fd, uint8_t type, uint64_t iova, uint64_t size,
		     uint64_t uaddr, const char *what)
{
	struct vhost_msg_v2 msg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.type = VHOST_IOTLB_MSG_V2;
	msg.iotlb.type = type;
	msg.iotlb.iova = iova;
	msg.iotlb.size = size;
	msg.iotlb.uaddr = uaddr;
	msg.iotlb.perm = type == VHOST_IOTLB_UPDATE ? VHOST_ACCESS_RW : 0;
	do {
		n = write(fd, &msg, sizeof(msg));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return blkio_err_os(-errno, "vhost-vdpa %s of 0x%llx+0x%llx failed",
				    what, (unsigned long long)iova,
				    (unsigned long long)size);
	if ((size_t)n != sizeof(msg))
		return blkio_err(-EIO, "vhost-vdpa took a short IOTLB message");
	return 0;
}

int vdpa_sys_iotlb_update(int fd, uint64_t iova, uint64_t size,
			  uint64_t uaddr)
{
	return iotlb_msg(fd, VHOST_IOTLB_UPDATE, iova, size, uaddr,
			 "VHOST_IOTLB_UPDATE");
}

int vdpa_sys_iotlb_invalidate(int fd, uint64_t iova, uint64_t size)
{
	return iotlb_msg(fd, VHOST_IOTLB_INVALIDATE, iova, size, 0,
			 "VHOST_IOTLB_INVALIDATE");
}
