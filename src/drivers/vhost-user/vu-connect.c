/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Connect: the unix socket, then the vhost-user handshake (features,
 * protocol features, owner, queue count, memory slots) and the virtio-blk
 * features and configuration space through the core.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vu.h"

/* Protocol features used when the backend offers them. */
#define VU_PROTOCOL_FEATURES					\
	((1ull << VHOST_USER_PROTOCOL_F_MQ) |			\
	 (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) |		\
	 (1ull << VHOST_USER_PROTOCOL_F_CONFIG) |		\
	 (1ull << VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS))

static int open_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (!path || !path[0])
		return blkio_err(-EINVAL, "path must be set to the vhost-user socket");
	if (strlen(path) >= sizeof(sa.sun_path))
		return blkio_err(-ENAMETOOLONG,
				 "path is too long for a unix socket: %s", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return blkio_err_os(-errno, "socket failed");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = blkio_err_os(-errno,
				   "Failed to connect to vhost-user socket %s",
				   path);
		close(fd);
		return ret;
	}
	return fd;
}

static int protocol_features(struct vu_dev *v, uint64_t features)
{
	uint64_t pf;
	int ret;

	/* Without them there is no configuration space to read. */
	if (!(features & VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
		return blkio_err(-ENOTSUP,
				 "vhost-user backend does not offer VHOST_USER_F_PROTOCOL_FEATURES");
	ret = vu_get_u64(v, VHOST_USER_GET_PROTOCOL_FEATURES, &pf);
	if (ret < 0)
		return ret;
	if (!(pf & (1ull << VHOST_USER_PROTOCOL_F_CONFIG)))
		return blkio_err(-ENOTSUP,
				 "vhost-user backend does not offer VHOST_USER_PROTOCOL_F_CONFIG");
	pf &= VU_PROTOCOL_FEATURES;
	/* Sent before REPLY_ACK applies: no acknowledgement. */
	ret = vu_send(v, VHOST_USER_SET_PROTOCOL_FEATURES, &pf, sizeof(pf),
		      NULL, 0);
	if (ret < 0)
		return ret;
	v->protocol_features = pf;
	return 0;
}

/* How many virtqueues and memory regions the backend can take. */
static int backend_limits(struct vu_dev *v)
{
	uint64_t n;
	int ret;

	v->vblk.max_queues = 1;
	if (vu_has_pf(v, VHOST_USER_PROTOCOL_F_MQ)) {
		ret = vu_get_u64(v, VHOST_USER_GET_QUEUE_NUM, &n);
		if (ret < 0)
			return ret;
		if (n == 0 || n > UINT16_MAX)
			return blkio_err(-EIO,
					 "vhost-user backend reports %llu queues",
					 (unsigned long long)n);
		v->vblk.max_queues = (int)n;
	}
	v->max_slots = VHOST_USER_MEMORY_BASELINE_NREGIONS;
	if (vu_has_pf(v, VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)) {
		ret = vu_get_u64(v, VHOST_USER_GET_MAX_MEM_SLOTS, &n);
		if (ret < 0)
			return ret;
		if (n < 2 || n > VU_MAX_MEM_SLOTS)
			return blkio_err(-EIO,
					 "vhost-user backend reports %llu memory slots",
					 (unsigned long long)n);
		v->max_slots = (unsigned)n;
	}
	/* One slot holds the rings and request headers. */
	v->vblk.max_regions = v->max_slots - 1;
	if (v->vblk.max_regions > VBLK_MAX_REGIONS)
		v->vblk.max_regions = VBLK_MAX_REGIONS;
	v->vblk.max_mem_regions = v->vblk.max_regions;
	return 0;
}

static int handshake(struct vu_dev *v, const struct drv_settings *s,
		     struct drv_device *dev)
{
	uint64_t offered, features;
	int ret;

	ret = vu_get_u64(v, VHOST_USER_GET_FEATURES, &offered);
	if (ret < 0)
		return ret;
	ret = protocol_features(v, offered);
	if (ret < 0)
		return ret;
	ret = vu_request(v, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0);
	if (ret < 0)
		return ret;
	ret = backend_limits(v);
	if (ret < 0)
		return ret;
	features = vblk_wanted_features(&v->vblk, offered) |
		   VIRTIO_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	ret = vu_set_u64(v, VHOST_USER_SET_FEATURES, features);
	if (ret < 0)
		return ret;
	return vblk_configure(&v->vblk, features, s, dev);
}

int vu_connect(struct blkio *b, const struct drv_settings *s,
	       struct drv_device *dev)
{
	struct vu_dev *v = drv_priv(b);
	int ret;

	ret = open_socket(s->path);
	if (ret < 0)
		return ret;
	v->sock = ret;
	v->vblk.liveness_fd = v->sock;
	ret = handshake(v, s, dev);
	if (ret < 0) {
		close(v->sock);
		v->sock = v->vblk.liveness_fd = -1;
		/* A later connect starts afresh. */
		v->vblk.broken = 0;
		v->vblk.broken_msg = NULL;
		return ret;
	}
	return 0;
}

/* Queues are gone (and drained) by now; the backend resets on close. */
void vu_disconnect(struct blkio *b)
{
	struct vu_dev *v = drv_priv(b);

	/* Closed first: the shared area then goes without a message. */
	if (v->sock >= 0)
		close(v->sock);
	v->sock = v->vblk.liveness_fd = -1;
	vblk_stop(&v->vblk);
	vu_maps_release(v);
}
