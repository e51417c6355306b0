/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Used entries into completions.  The used ring is written by the
 * device, so each entry is checked before it is believed: its head must
 * be one that has a piece in flight, and the index may not run ahead of
 * what is in flight.  A device that breaks these rules is given up on:
 * every request it holds fails with -EIO, exactly once, and so does
 * every request after.
 */
#include <errno.h>

#include "vblk.h"

#define STAGE_FUA_FLUSH 1

static int status_errno(uint8_t status, const char **msg)
{
	switch (status) {
	case VIRTIO_BLK_S_OK:
		return 0;
	case VIRTIO_BLK_S_IOERR:
		*msg = "virtio-blk device reported an I/O error (VIRTIO_BLK_S_IOERR)";
		return -EIO;
	case VIRTIO_BLK_S_UNSUPP:
		*msg = "virtio-blk device does not support the request (VIRTIO_BLK_S_UNSUPP)";
		return -ENOTSUP;
	default:
		*msg = "virtio-blk device returned an invalid request status";
		return -EIO;
	}
}

/* Move the vectored cursor (iov, iovcnt, drv[0] done of iov[0]) on. */
static void advance_vec(struct req *r, uint64_t n)
{
	while (n) {
		uint64_t left = r->iov[0].iov_len - r->drv[0];

		if (n < left) {
			r->drv[0] += n;
			return;
		}
		n -= left;
		r->iov++;
		r->iovcnt--;
		r->drv[0] = 0;
	}
}

static void advance(struct req *r, uint64_t n)
{
	if (r->op == REQ_READ || r->op == REQ_WRITE)
		r->buf = (char *)r->buf + n;
	else if (r->op == REQ_READV || r->op == REQ_WRITEV)
		advance_vec(r, n);
	r->start += n;
	r->len -= n;
}

/*
 * A piece succeeded: send the next one, or the FUA flush, or report the
 * request done (true).
 */
static bool piece_done(struct vblk_queue *vbq, struct do_io_ctx *ctx,
		       struct req *r, uint64_t len)
{
	const char *msg;
	int ret;

	if (r->stage == STAGE_FUA_FLUSH)
		return true;
	advance(r, len);
	if (!r->len) {
		if (!(r->flags & BLKIO_REQ_FUA))
			return true;
		r->stage = STAGE_FUA_FLUSH;
	}
	ret = vblk_queue_piece(vbq, r, &msg);
	if (ret == -EAGAIN)
		backlog_push_front(&vbq->q, r);
	else if (ret < 0)
		vblk_finish(vbq, ctx, r, ret, msg);
	return false;
}

/* A piece that is not simply its request's end (see vblk_reap()). */
__attribute__((noinline))
void vblk_used_slow(struct vblk_queue *vbq, struct do_io_ctx *ctx,
		      struct req *r, uint8_t status, uint64_t len)
{
	const char *msg = NULL;
	int ret = status_errno(status, &msg);

	if (likely(ret == 0) && !piece_done(vbq, ctx, r, len))
		return;
	vblk_finish(vbq, ctx, r, ret, msg);
}

__attribute__((cold, noinline))
int vblk_device_broke(struct vblk_queue *vbq, const char *msg)
{
	vblk_set_broken(vbq->dev, msg);
	return -EIO;
}

/*
 * The device is broken: fail every request in flight and on the
 * backlog.  The ring is abandoned; nothing is handed to the device again.
 */
void vblk_fail_all(struct vblk_queue *vbq, struct do_io_ctx *ctx)
{
	const char *msg = vbq->dev->broken_msg;
	struct vq *vq = &vbq->vq;
	struct req *r;
	unsigned h;

	for (h = 0; h < vq->num && vbq->in_flight; h++) {
		r = vbq->slots[h].r;
		if (!r)
			continue;
		vbq->slots[h].r = NULL;
		vbq->in_flight--;
		vblk_finish(vbq, ctx, r, -EIO, msg);
	}
	while ((r = vbq->q.backlog.head)) {
		backlog_pop(&vbq->q);
		vblk_finish(vbq, ctx, r, -EIO, msg);
	}
}
