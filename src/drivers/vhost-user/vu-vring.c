/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Virtqueues and the configuration space over vhost-user.
 */
#include <errno.h>
#include <string.h>

#include "vu.h"

static int vring_state(struct vu_dev *v, uint32_t request, unsigned index,
		       unsigned num)
{
	struct vu_vring_state st = { .index = index, .num = num };

	return vu_request(v, request, &st, sizeof(st), NULL, 0);
}

static int vring_fd(struct vu_dev *v, uint32_t request, unsigned index,
		    int fd)
{
	uint64_t u = index;

	return vu_request(v, request, &u, sizeof(u), &fd, 1);
}

/*
 * Size, start index, ring addresses (ours: the backend translates them
 * through the memory table), kick and call eventfds, then enable.
 */
int vu_setup_vq(struct vblk_dev *d, struct vblk_queue *vbq)
{
	struct vu_dev *v = vu_dev(d);
	const struct vq *vq = &vbq->vq;
	struct vu_vring_addr addr = {
		.index = vbq->index,
		.desc_user_addr = vq->desc_dev,
		.used_user_addr = vq->used_dev,
		.avail_user_addr = vq->avail_dev,
	};
	int ret;

	ret = vring_state(v, VHOST_USER_SET_VRING_NUM, vbq->index, vq->num);
	if (!ret)
		ret = vring_state(v, VHOST_USER_SET_VRING_BASE, vbq->index, 0);
	if (!ret)
		ret = vu_request(v, VHOST_USER_SET_VRING_ADDR, &addr,
				 sizeof(addr), NULL, 0);
	if (!ret)
		ret = vring_fd(v, VHOST_USER_SET_VRING_KICK, vbq->index,
			       vbq->kick_fd);
	if (!ret)
		ret = vring_fd(v, VHOST_USER_SET_VRING_CALL, vbq->index,
			       vbq->call_fd);
	if (!ret)
		ret = vring_state(v, VHOST_USER_SET_VRING_ENABLE, vbq->index, 1);
	return ret;
}

/* GET_VRING_BASE stops the backend's processing of the virtqueue. */
void vu_stop_vq(struct vblk_dev *d, struct vblk_queue *vbq)
{
	struct vu_vring_state st = { .index = vbq->index };
	union vu_payload reply;
	struct vu_dev *v = vu_dev(d);

	if (v->sock < 0)
		return;
	/* A failure marks the device broken; nothing more to do here. */
	vu_call(v, VHOST_USER_GET_VRING_BASE, &st, sizeof(st), &reply,
		sizeof(reply.state));
}

int vu_get_config(struct vblk_dev *d, struct virtio_blk_config *cfg,
		  size_t len)
{
	struct vu_config req = { .offset = 0, .size = (uint32_t)len };
	const uint32_t hdr = offsetof(struct vu_config, region);
	struct vu_dev *v = vu_dev(d);
	union vu_payload reply;
	int ret;

	if (len > sizeof(req.region))
		return blkio_err(-EINVAL, "configuration space read too large");
	ret = vu_call(v, VHOST_USER_GET_CONFIG, &req, hdr + (uint32_t)len,
		      &reply, hdr + (uint32_t)len);
	if (ret < 0)
		return ret;
	if (reply.config.offset != 0 || reply.config.size != len)
		return blkio_err(-EIO,
				 "vhost-user backend sent an invalid configuration space");
	memcpy(cfg, reply.config.region, len);
	return 0;
}
