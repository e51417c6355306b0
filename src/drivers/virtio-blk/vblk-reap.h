/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Reaping the used ring, inline into the do_io layer (vblk-do-io.c and
 * vblk-do-io-fast.c): the common completion costs no call.  The
 * used ring is written by the device, so each entry is checked before
 * it is believed (vblk-complete.c has the rest).
 */
#ifndef BLKIO_VBLK_REAP_H
#define BLKIO_VBLK_REAP_H

#include "vblk.h"

/*
 * The slot of head id when it has a piece in flight; NULL when the
 * device named any other head.
 */
static inline struct vblk_slot *vblk_used_slot(struct vblk_queue *vbq,
					       uint32_t id)
{
	if (unlikely(id >= vbq->vq.num || !vbq->slots[id].r))
		return NULL;
	return &vbq->slots[id];
}

/*
 * Whether the piece in s, used with status, ends its request: it
 * succeeded, was all of the request and no FUA flush follows.
 */
static inline bool vblk_piece_ends(const struct vblk_slot *s, uint8_t status)
{
	const struct req *r = s->r;

	return status == VIRTIO_BLK_S_OK && s->len == r->len &&
	       !(r->flags & BLKIO_REQ_FUA) && !r->stage;
}

/* Consume used entry vq.last_used, head id (slot s): its request. */
static inline struct req *vblk_take_used(struct vblk_queue *vbq,
					 struct vblk_slot *s, uint32_t id)
{
	struct req *r = s->r;

	s->r = NULL;
	vbq->vq.last_used++;
	vq_put_head(&vbq->vq, (uint16_t)id);
	vbq->in_flight--;
	return r;
}

/* Head id's status byte, as the device wrote it. */
static inline uint8_t vblk_status(const struct vblk_queue *vbq, uint32_t id)
{
	return __atomic_load_n(&vbq->vq.hdrs[id].status, __ATOMIC_RELAXED);
}

/*
 * Consume used entries while completions fit into ctx (continuing
 * pieces do not take a place).  Returns -EIO when the device broke a
 * rule; the caller then fails everything (vblk_fail_all()).  A piece
 * that ends its request completes right here.
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
		struct vblk_slot *s = vblk_used_slot(vbq, id);
		uint64_t len;
		uint8_t status;
		struct req *r;

		if (unlikely(!s)) {
			ctx->filled = filled;
			return vblk_device_broke(vbq,
					    "virtio-blk device returned an unknown request id");
		}
		status = vblk_status(vbq, id);
		if (likely(vblk_piece_ends(s, status))) {
			r = vblk_take_used(vbq, s, id);
			ctx->c[filled++] = (struct blkio_completion){
				.user_data = r->user_data,
			};
			req_free(&vbq->q, r);
			continue;
		}
		len = s->len;
		r = vblk_take_used(vbq, s, id);
		ctx->filled = filled;
		vblk_used_slow(vbq, ctx, r, status, len);
		filled = ctx->filled;
	}
	ctx->filled = filled;
	vq_irq_keep_off(vq);
	return 0;
}

/*
 * vblk_reap() for the fast path (vblk-do-io-fast.c): the entries up to
 * used (loaded by the caller) that end their requests, into
 * c[filled..max).  It stops at the first other entry, and takes none
 * when the index ran past what is in flight, leaving them for
 * vblk_reap() to judge; the caller leaves used_event to its own end.
 * Returns the new fill.
 */
static inline int vblk_reap_ends(struct vblk_queue *vbq,
				 struct blkio_completion *c, int filled,
				 int max, uint16_t used)
{
	struct vq *vq = &vbq->vq;

	if (unlikely((uint16_t)(used - vq->last_used) > vbq->in_flight))
		return filled;
	while (vq->last_used != used && filled < max) {
		uint32_t id = vq_used_id(vq, vq->last_used);
		struct vblk_slot *s = vblk_used_slot(vbq, id);
		struct req *r;

		if (unlikely(!s || !vblk_piece_ends(s, vblk_status(vbq, id))))
			break;
		r = vblk_take_used(vbq, s, id);
		c[filled++] = (struct blkio_completion){
			.user_data = r->user_data,
		};
		req_free(&vbq->q, r);
	}
	return filled;
}

#endif
