/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Turning requests into SQEs.  A request goes straight into the ring when
 * there is room; otherwise it waits in the queue's backlog until
 * blkioq_do_io() makes room.
 */
#include <errno.h>

#include "iou.h"

/*
 * The SQE flags of a read or write: the device is fixed file 0, and a
 * file without NOWAIT support goes straight to an io_uring worker
 * (IOSQE_ASYNC), which the kernel would otherwise do only after an
 * attempt that cannot succeed (iou_dev.nowait).
 */
static inline uint8_t rw_sqe_flags(bool async)
{
	return IOSQE_FIXED_FILE | (async ? IOSQE_ASYNC : 0);
}

static void prep_write_zeroes(const struct iou_dev *d,
			      struct io_uring_sqe *sqe, const struct req *r)
{
	if (r->stage == WZ_FLUSH)
		io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
	else
		io_uring_prep_fallocate(sqe, 0, file_wz_mode(&d->file, r),
					(off_t)r->start, (off_t)r->len);
}

static void prep_discard(const struct iou_dev *d, struct io_uring_sqe *sqe,
			 const struct req *r)
{
	if (d->discard_cmd) {
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
		sqe->cmd_op = BLOCK_URING_CMD_DISCARD;
		sqe->addr = r->start;
		sqe->addr3 = r->len;
	} else {
		io_uring_prep_fallocate(sqe, 0, file_discard_mode(),
					(off_t)r->start, (off_t)r->len);
	}
}

/*
 * The registered-buffer slot of a read or write buffer, or -1; sets the
 * request's stage so that a refused slot is tried only once.
 */
static int rw_slot(struct uring_queue *uq, struct req *r, uintptr_t addr,
		   size_t len)
{
	int slot;

	if (r->stage == IOU_RW_UNFIXED)
		return -1;
	slot = uring_buf_index(uq, addr, len);
	r->stage = slot < 0 ? IOU_RW_ANY : IOU_RW_FIXED;
	return slot;
}

/* All of a vector in one registered buffer (Linux 6.15), or -1. */
static int rwv_slot(struct uring_queue *uq, struct req *r,
		    const struct iovec *iov, int cnt)
{
	int slot, i;

	if (!uq->bufs->vectored || cnt < 1)
		return -1;
	slot = rw_slot(uq, r, (uintptr_t)iov[0].iov_base, iov[0].iov_len);
	/* A hit leaves its region in uq->fx. */
	for (i = 1; i < cnt && slot >= 0; i++) {
		if (!uring_buf_holds(uq->fx.start, uq->fx.len,
				     (uintptr_t)iov[i].iov_base,
				     iov[i].iov_len)) {
			r->stage = IOU_RW_ANY;
			slot = -1;
		}
	}
	return slot;
}

static void prep_vectored(struct uring_queue *uq, struct io_uring_sqe *sqe,
			  struct req *r)
{
	const struct iovec *iov = r->partial_head ? &r->partial : r->iov;
	int cnt = r->partial_head ? 1 : r->iovcnt;
	bool read = r->op == REQ_READV;
	int slot = uq->bufs ? rwv_slot(uq, r, iov, cnt) : -1;

	if (read)
		io_uring_prep_readv(sqe, 0, iov, (unsigned)cnt, r->start);
	else
		io_uring_prep_writev(sqe, 0, iov, (unsigned)cnt, r->start);
	if (slot >= 0) {
		sqe->opcode = read ? URING_OP_READV_FIXED : URING_OP_WRITEV_FIXED;
		sqe->buf_index = (uint16_t)slot;
	}
}

static void prep_rw(struct uring_queue *uq, struct io_uring_sqe *sqe,
		    struct req *r)
{
	bool read = r->op == REQ_READ;
	int slot = uq->bufs ? rw_slot(uq, r, (uintptr_t)r->buf, r->len) : -1;

	if (slot >= 0)
		io_uring_prep_rw(read ? IORING_OP_READ_FIXED :
				 IORING_OP_WRITE_FIXED, sqe, 0, r->buf,
				 (unsigned)r->len, r->start);
	else
		io_uring_prep_rw(read ? IORING_OP_READ : IORING_OP_WRITE, sqe,
				 0, r->buf, (unsigned)r->len, r->start);
	sqe->buf_index = slot >= 0 ? (uint16_t)slot : 0;
}

void iou_prep(struct uring_queue *uq, struct io_uring_sqe *sqe,
	      struct req *r)
{
	const struct iou_queue *iq = iou_uq(uq);

	switch (r->op) {
	case REQ_READ:
	case REQ_WRITE:
		prep_rw(uq, sqe, r);
		if (r->flags & BLKIO_REQ_FUA)
			sqe->rw_flags = RWF_DSYNC;
		break;
	case REQ_READV:
	case REQ_WRITEV:
		prep_vectored(uq, sqe, r);
		if (r->flags & BLKIO_REQ_FUA)
			sqe->rw_flags = RWF_DSYNC;
		break;
	case REQ_FLUSH:
		io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
		break;
	case REQ_WRITE_ZEROES:
		prep_write_zeroes(iq->dev, sqe, r);
		break;
	case REQ_DISCARD:
		prep_discard(iq->dev, sqe, r);
		break;
	}
	sqe->flags |= r->op <= REQ_WRITEV ? rw_sqe_flags(!iq->dev->nowait) :
					    (uint8_t)IOSQE_FIXED_FILE;
	io_uring_sqe_set_data(sqe, (void *)r);
}

/* Everything but a read or write going straight into the ring. */
__attribute__((noinline))
static void submit_slow(struct iou_queue *iq, struct req *r)
{
	struct blkioq *q = &iq->uq.q;

	if (unlikely(file_zone_submit(&iq->dev->file, q, r)))
		return;
	/* A fresh read or write: see rw_slot(). */
	if (r->op <= REQ_WRITEV)
		r->stage = IOU_RW_ANY;
	if (unlikely(r->op == REQ_WRITE_ZEROES)) {
		const char *refused = file_wz_refused(&iq->dev->file, r);

		if (refused) {
			queue_post(q, r, -ENOTSUP, refused);
			return;
		}
		/* FUA is a flush after the zeroing: 0 is not the end yet. */
		if (r->flags & BLKIO_REQ_FUA)
			r->expect = REQ_EXPECT_NOTHING;
	}
	uring_submit_slow(&iq->uq, r);
}

/* FUA as RWF_DSYNC; reads never carry it (blkioq_read() refuses it). */
static inline int rw_flags(const struct req *r, unsigned op)
{
	bool write = op == REQ_WRITE || op == REQ_WRITEV;

	return write && (r->flags & BLKIO_REQ_FUA) ? RWF_DSYNC : 0;
}

static inline unsigned rw_opcode(unsigned op)
{
	switch (op) {
	case REQ_READ:
		return IORING_OP_READ;
	case REQ_WRITE:
		return IORING_OP_WRITE;
	case REQ_READV:
		return IORING_OP_READV;
	default:
		return IORING_OP_WRITEV;
	}
}

/*
 * The hot path: a fresh read or write, plain or vectored (QEMU sends
 * everything as vectors), with room in the ring.  The SQE is written
 * whole, in the order of its layout, so a previous use leaves nothing.
 * op and async are constants in every copy.
 */
static __attribute__((always_inline)) inline void
submit_rw(struct blkioq *q, struct req *r, unsigned op, bool async)
{
	struct iou_queue *iq = iou_queue(q);
	struct io_uring_sq *sq = &iq->uq.ring.sq;
	unsigned tail = sq->sqe_tail;
	bool vectored = op == REQ_READV || op == REQ_WRITEV;
	struct io_uring_sqe *sqe;

	/* No credits while a backlog waits, so it keeps its place. */
	if (unlikely(!iq->uq.credits)) {
		submit_slow(iq, r);
		return;
	}
	iq->uq.credits--;
	sqe = &sq->sqes[tail & sq->ring_mask];
	sq->sqe_tail = tail + 1;

	/* Read the request before writing the SQE: the stores may alias. */
	*sqe = (struct io_uring_sqe){
		.opcode = (uint8_t)rw_opcode(op),
		.flags = rw_sqe_flags(async),
		.off = r->start,
		.addr = (uintptr_t)r->buf,	/* or r->iov: a union */
		.len = vectored ? (uint32_t)r->iovcnt : (uint32_t)r->len,
		.rw_flags = rw_flags(r, op),
		.user_data = (uintptr_t)r,
	};
}

/* Any request: reads and writes straight into the ring, the rest slowly. */
static __attribute__((always_inline)) inline void
submit_any(struct blkioq *q, struct req *r, bool async)
{
	switch (r->op) {
	case REQ_READ:
		submit_rw(q, r, REQ_READ, async);
		break;
	case REQ_WRITE:
		submit_rw(q, r, REQ_WRITE, async);
		break;
	case REQ_READV:
		submit_rw(q, r, REQ_READV, async);
		break;
	case REQ_WRITEV:
		submit_rw(q, r, REQ_WRITEV, async);
		break;
	default:
		submit_slow(iou_queue(q), r);
		break;
	}
}

/*
 * The same for a queue whose ring has the memory regions registered (its
 * own queue_ops, so that queues without pay nothing): a buffer inside
 * the region the queue's last lookup found (uq->fx) goes as READ_FIXED or
 * WRITE_FIXED with the region's slot.  Any other buffer takes the
 * general path, which looks it up (rw_slot()) and refreshes uq->fx: the
 * hot path calls nothing, so it saves no registers.
 */
static __attribute__((always_inline)) inline void
submit_fixed(struct blkioq *q, struct req *r, unsigned op, bool async)
{
	struct iou_queue *iq = iou_queue(q);
	struct uring_queue *uq = &iq->uq;
	const struct uring_buf_cache *fx = &uq->fx;
	struct io_uring_sq *sq = &uq->ring.sq;
	unsigned tail = sq->sqe_tail;
	struct io_uring_sqe *sqe;

	if (unlikely(op > REQ_WRITE || !uq->credits ||
		     fx->seq != __atomic_load_n(&uq->bufs->seq,
						__ATOMIC_RELAXED) ||
		     !uring_buf_holds(fx->start, fx->len, (uintptr_t)r->buf,
				      r->len))) {
		submit_slow(iq, r);
		return;
	}
	r->stage = IOU_RW_FIXED;
	uq->credits--;
	sqe = &sq->sqes[tail & sq->ring_mask];
	sq->sqe_tail = tail + 1;

	*sqe = (struct io_uring_sqe){
		.opcode = op == REQ_READ ? IORING_OP_READ_FIXED :
					   IORING_OP_WRITE_FIXED,
		.flags = rw_sqe_flags(async),
		.off = r->start,
		.addr = (uintptr_t)r->buf,
		.len = (uint32_t)r->len,
		.rw_flags = rw_flags(r, op),
		.user_data = (uintptr_t)r,
		.buf_index = (uint16_t)fx->slot,
	};
}

/*
 * The entry points of the queue operations (iou-queue.c), one set per
 * kind of queue: queue_ops.submit, .submit_read and .submit_write.
 */
#define IOU_SUBMIT_SET(suffix, any, one, async)				\
	void iou_submit##suffix(struct blkioq *q, struct req *r)	\
	{								\
		any;							\
	}								\
	void iou_submit##suffix##_read(struct blkioq *q, struct req *r)	\
	{								\
		one(q, r, REQ_READ, async);				\
	}								\
	void iou_submit##suffix##_write(struct blkioq *q, struct req *r) \
	{								\
		one(q, r, REQ_WRITE, async);				\
	}

IOU_SUBMIT_SET(, submit_any(q, r, false), submit_rw, false)
IOU_SUBMIT_SET(_async, submit_any(q, r, true), submit_rw, true)
IOU_SUBMIT_SET(_fixed, submit_fixed(q, r, r->op, false), submit_fixed, false)
IOU_SUBMIT_SET(_fixed_async, submit_fixed(q, r, r->op, true), submit_fixed,
	       true)
