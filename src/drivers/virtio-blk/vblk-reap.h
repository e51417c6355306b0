/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Reaping the used ring, inline into the do_io layer (vblk-do-io.c), the
 * one place that calls it: the common completion costs no call.  The
 * used ring is written by the device, so each entry is checked before
 * it is believed (vblk-complete.c has the rest).
 */
#ifndef BLKIO_VBLK_REAP_H
#define BLKIO_VBLK_REAP_H

#include "vblk.h"

/*
 * Consume used entries while completions fit into ctx (continuing
 * pieces do not take a place).  Returns -EIO when the device broke a
 * rule; the caller then fails everything (vblk_fail_all()).  A piece
 * that succeeded and was all of its request, without a FUA flush to
 * follow, completes right here.
 */
static inline int vblk_reap(struct vblk_queue *vbq,
			    struct do_io_ctx *ctx)
{
	struct vq *vq = &vbq->vq;
	uint16_t used = vq_used_idx(vq);
	int filled = ctx->filled;

	if (used == vq->last_used)
		return 0;
	if (unlikely((uint16_t)(used - vq->last_used) > vbq->in_flight))
		return vblk_device_broke(vbq,
				    "virtio-blk device moved its used index past the requests in flight");
	while (vq->last_used != used && filled < ctx->max) {
		uint32_t id = vq_used_id(vq, vq->last_used);
		struct vblk_slot *s;
		struct req *r;
		uint8_t status;

		if (unlikely(id >= vq->num || !vbq->slots[id].r)) {
			ctx->filled = filled;
			return vblk_device_broke(vbq,
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
		vblk_used_slow(vbq, ctx, r, status, s->len);
		filled = ctx->filled;
	}
	ctx->filled = filled;
	vq_irq_keep_off(vq);
	return 0;
}

#endif
