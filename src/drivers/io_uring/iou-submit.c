/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Turning requests into SQEs.  A request goes straight into the ring when
 * there is room; otherwise it waits in the queue's backlog until
 * blkioq_do_io() makes room.
 */
#include <errno.h>

#include "iou.h"

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

static void prep_vectored(struct io_uring_sqe *sqe, const struct req *r)
{
	const struct iovec *iov = r->partial_head ? &r->partial : r->iov;
	int cnt = r->partial_head ? 1 : r->iovcnt;

	if (r->op == REQ_READV)
		io_uring_prep_readv(sqe, 0, iov, (unsigned)cnt, r->start);
	else
		io_uring_prep_writev(sqe, 0, iov, (unsigned)cnt, r->start);
}

void iou_prep(struct uring_queue *uq, struct io_uring_sqe *sqe,
	      struct req *r)
{
	const struct iou_queue *iq = iou_uq(uq);

	switch (r->op) {
	case REQ_READ:
		io_uring_prep_read(sqe, 0, r->buf, (unsigned)r->len, r->start);
		break;
	case REQ_WRITE:
		io_uring_prep_write(sqe, 0, r->buf, (unsigned)r->len, r->start);
		if (r->flags & BLKIO_REQ_FUA)
			sqe->rw_flags = RWF_DSYNC;
		break;
	case REQ_READV:
	case REQ_WRITEV:
		prep_vectored(sqe, r);
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
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data(sqe, (void *)r);
}

/* Everything but a read or write going straight into the ring. */
__attribute__((noinline))
static void submit_slow(struct iou_queue *iq, struct req *r)
{
	struct blkioq *q = &iq->uq.q;

	if (unlikely(file_zone_submit(&iq->dev->file, q, r)))
		return;
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

/*
 * The hot path: a read or write with room in the ring.  The SQE is written
 * whole, in the order of its layout, so a previous use leaves nothing.
 */
void iou_submit(struct blkioq *q, struct req *r)
{
	struct iou_queue *iq = iou_queue(q);
	struct io_uring_sq *sq = &iq->uq.ring.sq;
	unsigned tail = sq->sqe_tail;
	struct io_uring_sqe *sqe;
	unsigned op = r->op;

	/* No credits while a backlog waits, so it keeps its place. */
	if (unlikely(op > REQ_WRITE || !iq->uq.credits)) {
		submit_slow(iq, r);
		return;
	}
	iq->uq.credits--;
	sqe = &sq->sqes[tail & sq->ring_mask];
	sq->sqe_tail = tail + 1;

	/* Read the request before writing the SQE: the stores may alias. */
	*sqe = (struct io_uring_sqe){
		.opcode = op == REQ_READ ? IORING_OP_READ : IORING_OP_WRITE,
		.flags = IOSQE_FIXED_FILE,
		.off = r->start,
		.addr = (uintptr_t)r->buf,
		.len = (uint32_t)r->len,
		.rw_flags = (r->flags & BLKIO_REQ_FUA) ? RWF_DSYNC : 0,
		.user_data = (uintptr_t)r,
	};
}
