/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkioq_read() and friends: validate, take a slot, hand it to the driver.
 * Nothing here blocks, allocates (in steady state) or makes a system call;
 * invalid requests complete immediately through the completion list.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include "queue.h"

#define ALL_FLAGS (BLKIO_REQ_FUA | BLKIO_REQ_NO_UNMAP | BLKIO_REQ_NO_FALLBACK)

/* The message for flags a request type does not accept. */
__attribute__((cold))
static const char *flags_error(uint32_t flags, uint32_t allowed)
{
	uint32_t bad = flags & ~allowed;

	if (flags & ~ALL_FLAGS)
		return "unsupported bits in request flags";
	if (bad & BLKIO_REQ_FUA)
		return "BLKIO_REQ_FUA is invalid for this request type";
	if (bad & BLKIO_REQ_NO_UNMAP)
		return "BLKIO_REQ_NO_UNMAP is invalid for this request type";
	return "BLKIO_REQ_NO_FALLBACK is invalid for this request type";
}

/*
 * Offsets are signed in the kernel, and io_uring reads an offset of -1
 * (UINT64_MAX here) as "the current file position": without this check a
 * write to 2^64 - 1 would land wherever the file position happens to be.
 */
static inline bool bad_offset(uint64_t start)
{
	return start > INT64_MAX;
}

#define BAD_OFFSET_MSG "start must fit in a signed 64-bit integer"

__attribute__((cold, noinline))
static void fail(struct blkioq *q, void *user_data, int ret, const char *msg)
{
	struct req *r = req_alloc(q);

	r->user_data = user_data;
	queue_post(q, r, ret, msg);
}

/*
 * Common checks; true if the request was completed with an error.  The
 * flags test comes first, as in libblkio.
 */
static inline bool rejected(struct blkioq *q, void *user_data, uint32_t flags,
			    uint32_t allowed)
{
	if (unlikely(flags & ~allowed)) {
		fail(q, user_data, -EINVAL, flags_error(flags, allowed));
		return true;
	}
	return false;
}

static inline bool rejected_on_poll_queue(struct blkioq *q, void *user_data)
{
	if (unlikely(q->poll && !q->ops->poll_takes_all)) {
		fail(q, user_data, -ENOTSUP,
		     "request not supported on poll queues for this driver");
		return true;
	}
	return false;
}

static inline void fill_rw(struct req *r, enum req_op op, uint64_t start,
			   void *buf, size_t len, void *user_data,
			   uint32_t flags)
{
	r->user_data = user_data;
	r->start = start;
	r->buf = buf;
	r->len = len;
	r->expect = req_expect_len(len);
	/*
	 * Adjacent fields, all written: the compiler merges the stores.  A
	 * stage of 0 is every driver's fresh request.
	 */
	r->op = op;
	r->flags = flags;
	r->stage = 0;
	r->partial_head = false;
	r->retries = 0;
}

/* Oversized, or the first request past every slot sized so far. */
__attribute__((noinline))
static void submit_rw_slow(struct blkioq *q, enum req_op op, uint64_t start,
			   void *buf, size_t len, void *user_data,
			   uint32_t flags, uint32_t allowed)
{
	struct req *r;

	if (rejected(q, user_data, flags, allowed))
		return;
	if (bad_offset(start)) {
		fail(q, user_data, -EINVAL, BAD_OFFSET_MSG);
		return;
	}
	if (len > UINT32_MAX) {
		fail(q, user_data, -EINVAL,
		     "len must fit in an unsigned 32-bit integer");
		return;
	}
	r = req_alloc(q);
	fill_rw(r, op, start, buf, len, user_data, flags);
	q->ops->submit(q, r);
}

/*
 * The hot path of blkioq_read()/blkioq_write(): no call but the final
 * (tail) call into the driver, so no stack frame either.
 */
static inline void submit_rw(struct blkioq *q, enum req_op op, uint64_t start,
			     void *buf, size_t len, void *user_data,
			     uint32_t flags, uint32_t allowed)
{
	struct req *r = q->free_reqs;

	if (unlikely((flags & ~allowed) || !r || len > INT32_MAX ||
		     bad_offset(start))) {
		submit_rw_slow(q, op, start, buf, len, user_data, flags,
			       allowed);
		return;
	}
	q->free_reqs = r->next;
	fill_rw(r, op, start, buf, len, user_data, flags);
	if (op == REQ_READ)
		q->submit_read(q, r);
	else
		q->submit_write(q, r);
}

/*
 * The total length of a vector into *len; false when the lengths add up
 * past SSIZE_MAX (preadv's limit), where they would wrap around: two of
 * 2^63 look like an empty request.
 */
static inline bool vector_len(const struct iovec *iov, int iovcnt,
			      uint64_t *len)
{
	uint64_t sum = 0, seen = 0;
	int i;

	/*
	 * SSIZE_MAX is 2^63 - 1: every length and every partial sum must
	 * keep the top bit clear.  Two numbers below 2^63 cannot wrap, so
	 * one test after the loop covers them all.
	 */
	for (i = 0; i < iovcnt; i++) {
		seen |= iov[i].iov_len;
		sum += iov[i].iov_len;
		seen |= sum;
	}
	*len = sum;
	return (int64_t)seen >= 0;
}

static inline void fill_rwv(struct req *r, enum req_op op, uint64_t start,
			    const struct iovec *iov, int iovcnt, uint64_t len,
			    void *user_data, uint32_t flags)
{
	r->user_data = user_data;
	r->start = start;
	r->len = len;
	r->expect = req_expect_len(len);
	r->iov = iov;
	r->iovcnt = iovcnt;
	/* One word, as in fill_rw(). */
	r->op = op;
	r->flags = flags;
	r->stage = 0;
	r->partial_head = false;
	r->retries = 0;
}

/* Invalid, or the first request past every slot sized so far. */
static void submit_rwv_slow(struct blkioq *q, enum req_op op, uint64_t start,
			    const struct iovec *iov, int iovcnt,
			    void *user_data, uint32_t flags, uint32_t allowed)
{
	uint64_t len;
	struct req *r;

	if (rejected(q, user_data, flags, allowed))
		return;
	if (iovcnt < 0) {
		fail(q, user_data, -EINVAL,
		     "iovcnt must be non-negative and fit in a signed 32-bit integer");
		return;
	}
	if (bad_offset(start)) {
		fail(q, user_data, -EINVAL, BAD_OFFSET_MSG);
		return;
	}
	if (!vector_len(iov, iovcnt, &len)) {
		fail(q, user_data, -EINVAL,
		     "iovec lengths add up to more than SSIZE_MAX");
		return;
	}
	r = req_alloc(q);
	fill_rwv(r, op, start, iov, iovcnt, len, user_data, flags);
	q->ops->submit(q, r);
}

/* Six arguments each, so that the hot path's call to them is a jump. */
__attribute__((noinline))
static void submit_readv_slow(struct blkioq *q, uint64_t start,
			      const struct iovec *iov, int iovcnt,
			      void *user_data, uint32_t flags)
{
	submit_rwv_slow(q, REQ_READV, start, iov, iovcnt, user_data, flags, 0);
}

__attribute__((noinline))
static void submit_writev_slow(struct blkioq *q, uint64_t start,
			       const struct iovec *iov, int iovcnt,
			       void *user_data, uint32_t flags)
{
	submit_rwv_slow(q, REQ_WRITEV, start, iov, iovcnt, user_data, flags,
			BLKIO_REQ_FUA);
}

/*
 * blkioq_readv()/blkioq_writev(): as submit_rw(), the hot path calls
 * nothing but the driver.
 */
static inline void submit_rwv(struct blkioq *q, enum req_op op, uint64_t start,
			      const struct iovec *iov, int iovcnt,
			      void *user_data, uint32_t flags, uint32_t allowed)
{
	struct req *r = q->free_reqs;
	uint64_t len;

	if (unlikely((flags & ~allowed) || iovcnt < 0 || !r ||
		     bad_offset(start) || !vector_len(iov, iovcnt, &len))) {
		if (op == REQ_READV)
			submit_readv_slow(q, start, iov, iovcnt, user_data,
					  flags);
		else
			submit_writev_slow(q, start, iov, iovcnt, user_data,
					   flags);
		return;
	}
	q->free_reqs = r->next;
	fill_rwv(r, op, start, iov, iovcnt, len, user_data, flags);
	q->ops->submit(q, r);
}

static inline void submit_range(struct blkioq *q, enum req_op op,
				uint64_t start, uint64_t len, void *user_data,
				uint32_t flags)
{
	struct req *r = req_alloc(q);

	r->user_data = user_data;
	r->op = op;
	r->flags = flags;
	r->start = start;
	r->len = len;
	r->expect = 0;
	r->stage = 0;
	r->retries = 0;
	q->ops->submit(q, r);
}

BLKIO_EXPORT void blkioq_read(struct blkioq *q, uint64_t start, void *buf,
			      size_t len, void *user_data, uint32_t flags)
{
	if (unlikely(!q))
		return;
	submit_rw(q, REQ_READ, start, buf, len, user_data, flags, 0);
}

BLKIO_EXPORT void blkioq_write(struct blkioq *q, uint64_t start,
			       const void *buf, size_t len, void *user_data,
			       uint32_t flags)
{
	if (unlikely(!q))
		return;
	submit_rw(q, REQ_WRITE, start, (void *)buf, len, user_data, flags,
		  BLKIO_REQ_FUA);
}

BLKIO_EXPORT void blkioq_readv(struct blkioq *q, uint64_t start,
			       const struct iovec *iovec, int iovcnt,
			       void *user_data, uint32_t flags)
{
	if (unlikely(!q))
		return;
	submit_rwv(q, REQ_READV, start, iovec, iovcnt, user_data, flags, 0);
}

BLKIO_EXPORT void blkioq_writev(struct blkioq *q, uint64_t start,
				struct iovec *iovec, int iovcnt,
				void *user_data, uint32_t flags)
{
	if (unlikely(!q))
		return;
	submit_rwv(q, REQ_WRITEV, start, iovec, iovcnt, user_data, flags,
		   BLKIO_REQ_FUA);
}

BLKIO_EXPORT void blkioq_write_zeroes(struct blkioq *q, uint64_t start,
				      uint64_t len, void *user_data,
				      uint32_t flags)
{
	if (unlikely(!q) || rejected(q, user_data, flags, ALL_FLAGS) ||
	    rejected_on_poll_queue(q, user_data))
		return;
	submit_range(q, REQ_WRITE_ZEROES, start, len, user_data, flags);
}

BLKIO_EXPORT void blkioq_discard(struct blkioq *q, uint64_t start,
				 uint64_t len, void *user_data, uint32_t flags)
{
	if (unlikely(!q) || rejected(q, user_data, flags, 0) ||
	    rejected_on_poll_queue(q, user_data))
		return;
	submit_range(q, REQ_DISCARD, start, len, user_data, 0);
}

BLKIO_EXPORT void blkioq_flush(struct blkioq *q, void *user_data,
			       uint32_t flags)
{
	if (unlikely(!q) || rejected(q, user_data, flags, 0) ||
	    rejected_on_poll_queue(q, user_data))
		return;
	submit_range(q, REQ_FLUSH, 0, 0, user_data, 0);
}
