/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * A lone request done in the caller's thread.
 *
 * io_uring first tries every read and write without blocking, and a file
 * that cannot say "would block" (no NOWAIT support: zram, brd, pmem,
 * many FUSE and network file systems) goes to one of io_uring's worker
 * threads instead, every time.  When blkioq_do_io() is about to sleep
 * until its one outstanding request completes, that handoff buys nothing:
 * a worker wakes, makes the system call, posts the CQE and wakes the
 * caller, which could have made the same system call itself.  Here it
 * does: preadv2()/pwritev2() with the SQE's own buffer, offset and
 * RWF_* flags, and the result goes through the same checks as a CQE's
 * (short transfers go round again, errors get their message).
 *
 * Only the common call comes here (queue_ops.do_io_fast: no timeout, no
 * signal mask; blkioq_do_io() restarts after signals anyway, so a
 * request that blocks here behaves as one the caller sleeps on), and
 * only with exactly one request outstanding, still unsubmitted, and one
 * completion wanted.  Anything else, and every other opcode, takes the
 * ring (uring_do_io_fast()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/uio.h>

#include "uring.h"

/* run_sqe(): the SQE is not one done here. */
#define NOT_INLINE INT_MIN

/* One request outstanding, and its SQE not taken by the kernel yet. */
static inline bool lone_request(const struct uring_queue *uq)
{
	const struct io_uring_sq *sq = &uq->ring.sq;

	return sq->sqe_tail - *uq->ring.cq.khead == 1 &&
	       *sq->khead != sq->sqe_tail;
}

/* The system call the worker thread would make for sqe, or NOT_INLINE. */
static int run_sqe(int fd, const struct io_uring_sqe *sqe)
{
	struct iovec one = {
		.iov_base = (void *)(uintptr_t)sqe->addr,
		.iov_len = sqe->len,
	};
	const struct iovec *iov = &one;
	int iovcnt = 1;
	bool write;
	ssize_t ret;

	if (sqe->flags & ~(IOSQE_FIXED_FILE | IOSQE_ASYNC))
		return NOT_INLINE;
	switch (sqe->opcode) {
	case IORING_OP_READ:
	case IORING_OP_READ_FIXED:
		write = false;
		break;
	case IORING_OP_WRITE:
	case IORING_OP_WRITE_FIXED:
		write = true;
		break;
	case IORING_OP_READV:
	case URING_OP_READV_FIXED:
	case IORING_OP_WRITEV:
	case URING_OP_WRITEV_FIXED:
		write = sqe->opcode == IORING_OP_WRITEV ||
			sqe->opcode == URING_OP_WRITEV_FIXED;
		iov = (const struct iovec *)(uintptr_t)sqe->addr;
		iovcnt = (int)sqe->len;
		break;
	default:
		return NOT_INLINE;
	}
	do {
		if (write)
			ret = pwritev2(fd, iov, iovcnt, (off_t)sqe->off,
				       (int)sqe->rw_flags);
		else
			ret = preadv2(fd, iov, iovcnt, (off_t)sqe->off,
				      (int)sqe->rw_flags);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : (int)ret;
}

/*
 * Done as a CQE with res would be: true with c[0] filled, false when the
 * request went round again (a short transfer: a new SQE, or the backlog).
 */
static bool finish(struct uring_queue *uq, struct req *r, int res,
		   struct blkio_completion *c)
{
	const struct io_uring_cqe cqe = {
		.user_data = (uintptr_t)r,
		.res = res,
	};

	if (likely(res == r->expect))
		*c = (struct blkio_completion){ .user_data = r->user_data };
	else if (!uring_reap_slow(uq, r, &cqe, c))
		return false;
	req_free(&uq->q, r);
	return true;
}

int uring_do_io_inline(struct blkioq *q, struct blkio_completion *c, int min,
		       int max)
{
	struct uring_queue *uq = uring_queue(q);
	struct io_uring_sq *sq = &uq->ring.sq;

	while (min == 1 && lone_request(uq)) {
		const struct io_uring_sqe *sqe =
			&sq->sqes[((sq->sqe_tail - 1) & sq->ring_mask)
				  << uq->sqe_shift];
		struct req *r = (struct req *)(uintptr_t)sqe->user_data;
		int res = run_sqe(uq->fd, sqe);

		if (res == NOT_INLINE)
			break;
		/*
		 * The kernel never took the SQE: take it back (a submit-only
		 * call that batched may have published it already).
		 */
		sq->sqe_tail--;
		io_uring_smp_store_release(sq->ktail, sq->sqe_tail);
		uq->credits++;
		if (finish(uq, r, res, c))
			return 1;
	}
	/* A request that went round again may wait in the backlog. */
	if (unlikely(q->backlog.head))
		return do_io_resume(q, c, min, max, 0);
	return uring_do_io_fast(q, c, min, max);
}
