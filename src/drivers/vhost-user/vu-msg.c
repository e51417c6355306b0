/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * vhost-user messages on the socket.  The backend is not trusted: a reply
 * must answer the request just sent, carry the reply flag and version 1,
 * and have exactly the size that request's reply has; fds it sends along
 * are closed; it has VU_REPLY_TIMEOUT_MS to answer.  Anything else leaves
 * the stream out of step, so the device is marked broken and every later
 * call fails at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vu.h"

/* How long a reply may take: a silent backend must not hang us. */
#define VU_REPLY_TIMEOUT_MS 10000

#define GONE_MSG "vhost-user backend disconnected"
#define BAD_REPLY_MSG "vhost-user backend sent an invalid reply"

static int broken(struct vu_dev *v, int ret, const char *msg)
{
	vblk_set_broken(&v->vblk, msg);
	return blkio_err(ret, "%s", msg);
}

static int check_usable(struct vu_dev *v)
{
	if (vblk_broken(&v->vblk))
		return blkio_err(-EIO, "%s", v->vblk.broken_msg);
	return 0;
}

static int send_all(struct vu_dev *v, const void *buf, size_t len,
		    const int *fds, unsigned nr_fds)
{
	char control[CMSG_SPACE(sizeof(int) *
				(VHOST_USER_MEMORY_BASELINE_NREGIONS + 1))];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	ssize_t n;

	if (nr_fds) {
		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nr_fds);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nr_fds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nr_fds);
	}
	while (len) {
		/* MSG_NOSIGNAL: a dead backend is an error, not SIGPIPE. */
		n = sendmsg(v->sock, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			vblk_set_broken(&v->vblk, GONE_MSG);
			return blkio_err_os(-errno,
					    "Failed to send to the vhost-user backend");
		}
		/* The fds went with the first bytes. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		iov.iov_base = (char *)iov.iov_base + n;
		iov.iov_len -= (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int vu_send(struct vu_dev *v, uint32_t request, const void *payload,
	    uint32_t size, const int *fds, unsigned nr_fds)
{
	struct vu_msg m;
	int ret = check_usable(v);

	if (ret < 0)
		return ret;
	if (size > sizeof(m.p))
		return blkio_err(-EINVAL, "vhost-user message too large");
	m.hdr = (struct vu_hdr){ .request = request,
				 .flags = VHOST_USER_VERSION, .size = size };
	if (size)
		memcpy(&m.p, payload, size);
	return send_all(v, &m, sizeof(m.hdr) + size, fds, nr_fds);
}

/* Close whatever fds came with a message: we never want any. */
static void close_fds(struct msghdr *mh)
{
	struct cmsghdr *cmsg;
	size_t i, n;
	int fd;

	for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

static int wait_readable(struct vu_dev *v)
{
	struct pollfd p = { .fd = v->sock, .events = POLLIN };
	int ret;

	do {
		ret = poll(&p, 1, VU_REPLY_TIMEOUT_MS);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return blkio_err_os(-errno, "poll on the vhost-user socket failed");
	if (ret == 0)
		return broken(v, -ETIMEDOUT,
			      "vhost-user backend did not reply in time");
	return 0;
}

static int recv_all(struct vu_dev *v, void *buf, size_t len)
{
	char control[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int ret;

	while (iov.iov_len) {
		ret = wait_readable(v);
		if (ret < 0)
			return ret;
		mh.msg_control = control;
		mh.msg_controllen = sizeof(control);
		n = recvmsg(v->sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vblk_set_broken(&v->vblk, GONE_MSG);
			return blkio_err_os(-errno,
					    "Failed to receive from the vhost-user backend");
		}
		close_fds(&mh);
		if (n == 0)
			return broken(v, -ECONNRESET, GONE_MSG);
		iov.iov_base = (char *)iov.iov_base + n;
		iov.iov_len -= (size_t)n;
	}
	return 0;
}

/* The reply to request: exactly size bytes of payload into *p. */
static int recv_reply(struct vu_dev *v, uint32_t request,
		      union vu_payload *p, uint32_t size)
{
	struct vu_hdr hdr;
	int ret;

	ret = recv_all(v, &hdr, sizeof(hdr));
	if (ret < 0)
		return ret;
	if (hdr.request != request || !(hdr.flags & VHOST_USER_REPLY_MASK) ||
	    (hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
	    hdr.size != size)
		return broken(v, -EPROTO, BAD_REPLY_MSG);
	return size ? recv_all(v, p, size) : 0;
}

int vu_call(struct vu_dev *v, uint32_t request, const void *payload,
	    uint32_t size, union vu_payload *reply, uint32_t reply_size)
{
	int ret = vu_send(v, request, payload, size, NULL, 0);

	if (ret < 0)
		return ret;
	return recv_reply(v, request, reply, reply_size);
}

int vu_get_u64(struct vu_dev *v, uint32_t request, uint64_t *value)
{
	union vu_payload reply;
	int ret = vu_call(v, request, NULL, 0, &reply, sizeof(reply.u64));

	if (ret == 0)
		*value = reply.u64;
	return ret;
}

/*
 * A request without a reply of its own.  With REPLY_ACK the backend
 * acknowledges it, and a failure is seen here instead of as a device
 * that later does nothing.
 */
int vu_request(struct vu_dev *v, uint32_t request, const void *payload,
	       uint32_t size, const int *fds, unsigned nr_fds)
{
	union vu_payload ack;
	struct vu_msg m;
	int ret = check_usable(v);

	if (ret < 0)
		return ret;
	if (size > sizeof(m.p))
		return blkio_err(-EINVAL, "vhost-user message too large");
	m.hdr = (struct vu_hdr){ .request = request,
				 .flags = VHOST_USER_VERSION, .size = size };
	if (vu_has_pf(v, VHOST_USER_PROTOCOL_F_REPLY_ACK))
		m.hdr.flags |= VHOST_USER_NEED_REPLY_MASK;
	if (size)
		memcpy(&m.p, payload, size);
	ret = send_all(v, &m, sizeof(m.hdr) + size, fds, nr_fds);
	if (ret < 0 || !(m.hdr.flags & VHOST_USER_NEED_REPLY_MASK))
		return ret;
	ret = recv_reply(v, request, &ack, sizeof(ack.u64));
	if (ret < 0)
		return ret;
	if (ack.u64)
		return blkio_err(-EIO,
				 "vhost-user backend refused request %u", request);
	return 0;
}

int vu_set_u64(struct vu_dev *v, uint32_t request, uint64_t value)
{
	return vu_request(v, request, &value, sizeof(value), NULL, 0);
}
