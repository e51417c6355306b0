/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Requests into the virtqueue.  A request goes to the device in pieces
 * that respect its limits (segments, segment length, transfer size,
 * discard and write-zeroes sizes), one piece in flight at a time; a FUA
 * write is followed by a flush.  Each piece is a chain: the header, the
 * data (or the discard/write-zeroes range), the status byte.  Requests
 * that find no room wait on the queue's backlog, in order.
 */
#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include "vblk.h"

#define RO_MSG "device is read-only"
#define ALIGN_MSG "start and len must be multiples of property \"request-alignment\""
#define FAULT_MSG "buffer is not inside a mapped memory region"
#define SEGS_MSG "iovec elements too small to fill a block within property \"max-segments\""

/* Stage of a write with BLKIO_REQ_FUA whose data is written. */
#define STAGE_FUA_FLUSH 1

void vblk_finish(struct vblk_queue *vbq, struct do_io_ctx *ctx, struct req *r,
		 int ret, const char *msg)
{
	if (ctx && ctx->filled < ctx->max) {
		ctx->c[ctx->filled++] = (struct blkio_completion){
			.user_data = r->user_data,
			.error_msg = msg,
			.ret = ret,
		};
		req_free(&vbq->q, r);
	} else {
		queue_post(&vbq->q, r, ret, msg);
	}
}

static uint64_t hdr_dev(const struct vq *vq, uint16_t h, size_t field)
{
	return vq->hdrs_dev + (uint64_t)h * sizeof(struct vq_hdr) + field;
}

/* Put header and status around the n data segments in vbq->segs[1..n]. */
static void queue_chain(struct vblk_queue *vbq, struct req *r, uint32_t type,
			uint64_t start, unsigned n, uint64_t len)
{
	struct vq *vq = &vbq->vq;
	struct vq_seg *segs = vbq->segs;
	uint16_t h = vq_take_head(vq, n + 2);
	struct vq_hdr *hdr = &vq->hdrs[h];

	hdr->out.type = htole32(type);
	hdr->out.ioprio = 0;
	hdr->out.sector = htole64(start >> VIRTIO_BLK_SECTOR_SHIFT);
	/* Not a status the device can send: one it did not write shows. */
	hdr->status = 0xff;
	segs[0] = (struct vq_seg){
		.addr = hdr_dev(vq, h, offsetof(struct vq_hdr, out)),
		.len = sizeof(hdr->out),
	};
	segs[n + 1] = (struct vq_seg){
		.addr = hdr_dev(vq, h, offsetof(struct vq_hdr, status)),
		.len = 1,
		.write = true,
	};
	vq_add(vq, h, segs, n + 2);
	vbq->slots[h] = (struct vblk_slot){ .r = r, .len = len };
	vbq->in_flight++;
}

/* Segments for [dev, dev + len), none longer than the device takes. */
static unsigned add_segs(const struct vblk_dev *d, struct vq_seg *segs,
			 uint64_t dev, uint32_t len, bool write)
{
	uint32_t max = d->max_seg_len ? d->max_seg_len : len;
	unsigned n = 0;

	while (len) {
		uint32_t l = len < max ? len : max;

		segs[n++] = (struct vq_seg){ .addr = dev, .len = l,
					     .write = write };
		dev += l;
		len -= l;
	}
	return n;
}

/* read/write: one buffer, so the piece is as long as the limits allow. */
static int piece_buf(struct vblk_queue *vbq, struct req *r, bool in,
		     const char **msg)
{
	const struct vblk_dev *d = vbq->dev;
	uint32_t len = r->len < d->max_rw ? (uint32_t)r->len : d->max_rw;
	unsigned n = d->max_seg_len ? (unsigned)(((uint64_t)len +
						   d->max_seg_len - 1) /
						  d->max_seg_len) : 1;
	uint64_t dev;

	/* max_rw keeps it within max_segs; the scratch array depends on it. */
	if (unlikely(n > d->max_segs)) {
		*msg = "request needs more segments than the device takes";
		return -EINVAL;
	}
	if (!vq_has_room(&vbq->vq, n + 2))
		return -EAGAIN;
	if (unlikely(!vblk_translate(vbq, r->buf, len, &dev))) {
		*msg = FAULT_MSG;
		return -EFAULT;
	}
	add_segs(d, &vbq->segs[1], dev, len, in);
	queue_chain(vbq, r, in ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT,
		    r->start, n, len);
	return 0;
}

/*
 * readv/writev: from the cursor (r->iov, r->iovcnt, r->drv[0] bytes of
 * r->iov[0] done) as many elements as fit; a piece that stops short of
 * the end must end on a block boundary, so its tail may be cut back.
 */
static int build_vec(struct vblk_queue *vbq, struct req *r, bool in,
		     uint32_t *plen, const char **msg)
{
	const struct vblk_dev *d = vbq->dev;
	struct vq_seg *segs = &vbq->segs[1];
	uint64_t skip = r->drv[0], len = 0, dev, cut;
	unsigned n = 0, max = d->max_segs;
	int i;

	for (i = 0; i < r->iovcnt && len < r->len && len < d->max_rw; i++) {
		const char *base = (const char *)r->iov[i].iov_base + skip;
		uint64_t l = r->iov[i].iov_len - skip;
		unsigned k;

		skip = 0;
		if (l > r->len - len)
			l = r->len - len;
		if (l > d->max_rw - len)
			l = d->max_rw - len;
		if (!l)
			continue;
		if (unlikely(!vblk_translate(vbq, base, l, &dev))) {
			*msg = FAULT_MSG;
			return -EFAULT;
		}
		k = d->max_seg_len ? (unsigned)((l + d->max_seg_len - 1) /
						d->max_seg_len) : 1;
		if (n + k > max) {
			/* As much of this element as still fits. */
			l = (uint64_t)(max - n) * d->max_seg_len;
			if (!l)
				break;
		}
		n += add_segs(d, &segs[n], dev, (uint32_t)l, in);
		len += l;
		if (n >= max)
			break;
	}
	cut = len < r->len ? len % d->blk_size : 0;
	len -= cut;
	while (cut) {
		uint32_t l = segs[n - 1].len;

		if (l > cut) {
			segs[n - 1].len = l - (uint32_t)cut;
			break;
		}
		cut -= l;
		n--;
	}
	if (!len) {
		*msg = SEGS_MSG;
		return -EINVAL;
	}
	*plen = (uint32_t)len;
	return (int)n;
}

static int piece_vec(struct vblk_queue *vbq, struct req *r, bool in,
		     const char **msg)
{
	uint32_t len;
	int n = build_vec(vbq, r, in, &len, msg);

	if (n < 0)
		return n;
	if (!vq_has_room(&vbq->vq, (unsigned)n + 2))
		return -EAGAIN;
	queue_chain(vbq, r, in ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT,
		    r->start, (unsigned)n, len);
	return 0;
}

/* discard and write-zeroes: one range per piece, in the header block. */
static int piece_range(struct vblk_queue *vbq, struct req *r, uint32_t type,
		       uint64_t max)
{
	struct vq *vq = &vbq->vq;
	uint64_t len = r->len < max ? r->len : max;
	struct vq_hdr *hdr;
	uint16_t h;

	if (!vq_has_room(vq, 3))
		return -EAGAIN;
	/* The head queue_chain() will take, to fill its range first. */
	h = vq->indirect ? vq->free_stack[vq->nr_free - 1] : vq->free_head;
	hdr = &vq->hdrs[h];
	hdr->dwz.sector = htole64(r->start >> VIRTIO_BLK_SECTOR_SHIFT);
	hdr->dwz.num_sectors = htole32((uint32_t)(len >> VIRTIO_BLK_SECTOR_SHIFT));
	hdr->dwz.flags = htole32(type == VIRTIO_BLK_T_WRITE_ZEROES &&
				 !(r->flags & BLKIO_REQ_NO_UNMAP) ?
				 VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0);
	vbq->segs[1] = (struct vq_seg){
		.addr = hdr_dev(vq, h, offsetof(struct vq_hdr, dwz)),
		.len = sizeof(hdr->dwz),
	};
	queue_chain(vbq, r, type, 0, 1, len);
	return 0;
}

static int piece_flush(struct vblk_queue *vbq, struct req *r)
{
	if (!vq_has_room(&vbq->vq, 2))
		return -EAGAIN;
	queue_chain(vbq, r, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	return 0;
}

/*
 * The next piece of r into the ring: 0, -EAGAIN when there is no room
 * (the caller backlogs it), or another negative errno with *msg for a
 * request that must fail.
 */
int vblk_queue_piece(struct vblk_queue *vbq, struct req *r, const char **msg)
{
	const struct vblk_dev *d = vbq->dev;

	if (r->stage == STAGE_FUA_FLUSH)
		return piece_flush(vbq, r);
	switch (r->op) {
	case REQ_READ:
		return piece_buf(vbq, r, true, msg);
	case REQ_WRITE:
		return piece_buf(vbq, r, false, msg);
	case REQ_READV:
		return piece_vec(vbq, r, true, msg);
	case REQ_WRITEV:
		return piece_vec(vbq, r, false, msg);
	case REQ_DISCARD:
		return piece_range(vbq, r, VIRTIO_BLK_T_DISCARD, d->max_discard);
	case REQ_WRITE_ZEROES:
		return piece_range(vbq, r, VIRTIO_BLK_T_WRITE_ZEROES, d->max_wz);
	case REQ_FLUSH:
		return piece_flush(vbq, r);
	default:
		*msg = "request not supported for this driver";
		return -ENOTSUP;
	}
}

/* What is refused before the device sees it; NULL when all is well. */
static const char *refused(const struct vblk_dev *d, const struct req *r,
			   int *ret)
{
	bool writes = r->op == REQ_WRITE || r->op == REQ_WRITEV ||
		      r->op == REQ_WRITE_ZEROES || r->op == REQ_DISCARD;

	if (vblk_broken(d)) {
		*ret = -EIO;
		return d->broken_msg;
	}
	if (writes && d->read_only) {
		*ret = -EBADF;
		return RO_MSG;
	}
	*ret = -EINVAL;
	if (r->op != REQ_FLUSH && ((r->start | r->len) & (d->blk_size - 1)))
		return ALIGN_MSG;
	*ret = -ENOTSUP;
	if (r->op == REQ_DISCARD && !vblk_has(d, VIRTIO_BLK_F_DISCARD))
		return "the virtio-blk device does not support discard";
	if (r->op == REQ_WRITE_ZEROES && !vblk_has(d, VIRTIO_BLK_F_WRITE_ZEROES))
		return "the virtio-blk device does not support write zeroes";
	return NULL;
}

/* Requests that need no piece at all complete at once, successfully. */
static bool nothing_to_do(const struct vblk_dev *d, const struct req *r)
{
	if (r->op == REQ_FLUSH)
		return !vblk_has(d, VIRTIO_BLK_F_FLUSH);
	return r->len == 0;
}

__attribute__((noinline))
static void submit_slow(struct vblk_queue *vbq, struct req *r)
{
	const struct vblk_dev *d = vbq->dev;
	const char *msg;
	int ret;

	r->stage = 0;
	r->drv[0] = 0;
	msg = refused(d, r, &ret);
	if (msg) {
		queue_post(&vbq->q, r, ret, msg);
		return;
	}
	if (nothing_to_do(d, r)) {
		queue_post(&vbq->q, r, 0, NULL);
		return;
	}
	if (r->flags & BLKIO_REQ_FUA && !vblk_has(d, VIRTIO_BLK_F_FLUSH))
		r->flags &= (uint8_t)~BLKIO_REQ_FUA;	/* write-through */
	if (unlikely(vbq->q.backlog.head)) {
		backlog_push(&vbq->q, r);
		return;
	}
	ret = vblk_queue_piece(vbq, r, &msg);
	if (ret == -EAGAIN)
		backlog_push(&vbq->q, r);
	else if (ret < 0)
		queue_post(&vbq->q, r, ret, msg);
}

/*
 * The common request in one go: a read or write of whole blocks, no FUA,
 * within the device's limits, from the mapped region the last request
 * used, into a free head of an indirect queue with nothing backlogged.
 * False: take the general path (which also reports what is wrong).  It
 * calls nothing, so the hot path saves no registers.
 */
static inline bool submit_fast(struct vblk_queue *vbq, struct req *r)
{
	struct vq *vq = &vbq->vq;
	bool in = r->op == REQ_READ;
	struct vq_hdr *hdr;
	uint64_t dev;
	uint16_t h;

	if (unlikely((!in && r->op != REQ_WRITE) || r->flags ||
		     ((r->start | r->len) & vbq->blk_mask) ||
		     r->len - 1 >= vbq->fast_max || !vq->nr_free ||
		     vbq->q.backlog.head || (!in && vbq->read_only) ||
		     vblk_broken(vbq->dev)))
		return false;
	if (unlikely(!vblk_translate_last(vbq, r->buf, r->len, &dev)))
		return false;
	h = vq_add_indirect3(vq, dev, (uint32_t)r->len, in);
	hdr = &vq->hdrs[h];
	hdr->out.type = htole32(in ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT);
	hdr->out.ioprio = 0;
	hdr->out.sector = htole64(r->start >> VIRTIO_BLK_SECTOR_SHIFT);
	hdr->status = 0xff;
	vbq->slots[h] = (struct vblk_slot){ .r = r, .len = r->len };
	vbq->in_flight++;
	return true;
}

/* queue_ops.submit */
void vblk_submit(struct blkioq *q, struct req *r)
{
	struct vblk_queue *vbq = vblk_queue(q);

	if (likely(submit_fast(vbq, r))) {
		r->stage = 0;
		return;
	}
	submit_slow(vbq, r);
}

/* Move backlogged requests into the ring while there is room. */
void vblk_refill(struct vblk_queue *vbq, struct do_io_ctx *ctx)
{
	struct blkioq *q = &vbq->q;
	struct req *r;
	const char *msg;
	int ret;

	while ((r = q->backlog.head)) {
		ret = vblk_queue_piece(vbq, r, &msg);
		if (ret == -EAGAIN)
			return;
		backlog_pop(q);
		if (ret < 0)
			vblk_finish(vbq, ctx, r, ret, msg);
	}
}

/* The device wants to know about new buffers (vblk_kick()). */
void vblk_notify(struct vblk_queue *vbq)
{
	static const uint64_t one = 1;

	if (vbq->dev->t->notify) {
		vbq->dev->t->notify(vbq);
		return;
	}
	/* EAGAIN: the counter is saturated, the device is told anyway. */
	if (write(vbq->kick_fd, &one, sizeof(one)) < 0) {
		/* nothing to do */
	}
}
