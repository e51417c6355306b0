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
static void used_slow(struct vblk_queue *vbq, struct do_io_ctx *ctx,
		      struct req *r, uint8_t status, uint64_t len)
{
	const char *msg = NULL;
	int ret = status_errno(status, &msg);

	if (likely(ret == 0) && !piece_done(vbq, ctx, r, len))
		return;
	vblk_finish(vbq, ctx, r, ret, msg);
}

__attribute__((cold, noinline))
static int device_broke(struct vblk_queue *vbq, const char *msg)
{
	vblk_set_broken(vbq->dev, msg);
	return -EIO;
}

/*
 * Consume used entries while completions fit into ctx (continuing
 * pieces do not take a place).  Returns -EIO when the device broke a
 * rule; the caller then fails everything (vblk_fail_all()).  A piece
 * that succeeded and was all of its request, without a FUA flush to
 * follow, completes right here.
 */
int vblk_reap(struct vblk_queue *vbq, struct do_io_ctx *ctx)
{
	struct vq *vq = &vbq->vq;
	uint16_t used = vq_used_idx(vq);
	int filled = ctx->filled;

	if (used == vq->last_used)
		return 0;
	if (unlikely((uint16_t)(used - vq->last_used) > vbq->in_flight))
		return device_broke(vbq,
				    "virtio-blk device moved its used index past the requests in flight");
	while (vq->last_used != used && filled < ctx->max) {
		uint32_t id = vq_used_id(vq, vq->last_used);
		struct vblk_slot *s;
		struct req *r;
		uint8_t status;

		if (unlikely(id >= vq->num || !vbq->slots[id].r)) {
			ctx->filled = filled;
			return device_broke(vbq,
					    "virtio-blk device returned an unknown request id");
		}
		s = &vbq->slots[id];
		r = s->r;
		s->r = NULL;
		vq->last_used++;
		status = __atomic_load_n(&vq->hdrs[id].status, __ATOMIC_RELAXED);
		vq_put_head(vq, (uint16_t)id);
		vbq->in_flight--;
		if (likely(status == VIRTIO_BLK_S_OK && s->len == r->len &&
			   !(r->flags & BLKIO_REQ_FUA) && !r->stage)) {
			ctx->c[filled++] = (struct blkio_completion){
				.user_data = r->user_data,
			};
			req_free(&vbq->q, r);
			continue;
		}
		ctx->filled = filled;
		used_slow(vbq, ctx, r, status, s->len);
		filled = ctx->filled;
	}
	ctx->filled = filled;
	vq_irq_keep_off(vq);
	return 0;
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
