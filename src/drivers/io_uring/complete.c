/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Reaping CQEs: convert each result into a completion, or send the request
 * round again when it is not finished (short transfer, FUA flush).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "iou.h"

/*
 * Bytes from start to the end of the file, or 0 if it cannot be known.
 * Asking (rather than waiting for a 0-byte read) matters with O_DIRECT,
 * where a read resubmitted at the unaligned end of the data would fail.
 */
static uint64_t bytes_to_eof(const struct iou_queue *iq, uint64_t start)
{
	struct stat st;

	if (fstat(iq->dev->b.fd, &st) < 0 || (uint64_t)st.st_size <= start)
		return 0;
	return (uint64_t)st.st_size - start;
}

static bool is_read(const struct req *r)
{
	return r->op == REQ_READ || r->op == REQ_READV;
}

static void zero_rest(struct req *r)
{
	int i;

	if (r->op == REQ_READ) {
		memset(r->buf, 0, r->len);
		return;
	}
	if (r->partial_head)
		memset(r->partial.iov_base, 0, r->partial.iov_len);
	for (i = 0; i < r->iovcnt; i++)
		memset(r->iov[i].iov_base, 0, r->iov[i].iov_len);
}

/* Step a vectored request past res transferred bytes. */
static void advance_iov(struct req *r, uint64_t res)
{
	if (r->partial_head) {
		if (res < r->partial.iov_len) {
			r->partial.iov_base = (char *)r->partial.iov_base + res;
			r->partial.iov_len -= res;
			return;
		}
		res -= r->partial.iov_len;
		r->partial_head = false;
	}
	while (r->iovcnt > 0 && res >= r->iov[0].iov_len) {
		res -= r->iov[0].iov_len;
		r->iov++;
		r->iovcnt--;
	}
	if (res > 0) {
		r->partial.iov_base = (char *)r->iov[0].iov_base + res;
		r->partial.iov_len = r->iov[0].iov_len - res;
		r->partial_head = true;
		r->iov++;
		r->iovcnt--;
	}
}

/*
 * What the next submission of a partly done request must return to finish
 * it.  A vectored request whose current round is only the remainder of one
 * iovec is not finished by that round when more iovecs follow.
 */
static void expect_rest(struct req *r)
{
	bool vectored = r->op == REQ_READV || r->op == REQ_WRITEV;

	if (vectored && r->partial_head && r->partial.iov_len != r->len)
		r->expect = REQ_EXPECT_NOTHING;
	else
		r->expect = req_expect_len(r->len);
}

/* A read or write transferred less than asked: finish or go round again. */
__attribute__((cold, noinline))
static int short_transfer(struct iou_queue *iq, struct req *r, int res)
{
	if (res > 0) {
		r->start += (uint64_t)res;
		r->len -= (uint64_t)res;
		if (r->op == REQ_READ || r->op == REQ_WRITE)
			r->buf = (char *)r->buf + res;
		else
			advance_iov(r, (uint64_t)res);
	}
	/*
	 * A growable file reads as zeros where it has no data: at its end,
	 * and wherever a read makes no progress (as libblkio does).
	 */
	if (is_read(r) && iq->dev->b.info.can_grow &&
	    (res == 0 || bytes_to_eof(iq, r->start) == 0)) {
		zero_rest(r);
		return 0;
	}
	/* No progress on a device or a write: never spin on it. */
	if (res == 0)
		return -EIO;
	expect_rest(r);
	iou_resubmit(iq, r);
	return IOU_CONTINUED;
}

/* Keeping the range allocated, the way tmpfs allows. */
static bool can_punch_and_allocate(const struct iou_queue *iq,
				   const struct req *r)
{
	return !iq->dev->is_blockdev && (r->flags & BLKIO_REQ_NO_UNMAP);
}

/* Step a write-zeroes request through its stages (see iou.h). */
static int write_zeroes_next(struct iou_queue *iq, struct req *r, int res)
{
	if (res == -EOPNOTSUPP && r->stage == WZ_ZERO &&
	    can_punch_and_allocate(iq, r))
		r->stage = WZ_PUNCH;
	else if (res < 0)
		return res;
	else if (r->stage == WZ_PUNCH)
		r->stage = WZ_ALLOC;
	else if (r->stage != WZ_FLUSH && (r->flags & BLKIO_REQ_FUA))
		r->stage = WZ_FLUSH;
	else
		return 0;
	/* Every stage's result comes back here, even plain success. */
	r->expect = REQ_EXPECT_NOTHING;
	iou_resubmit(iq, r);
	return IOU_CONTINUED;
}

/*
 * Everything but the plain "finished" result: errors, short transfers,
 * the tail of a vectored request after a partial head, the flush after a
 * FUA write-zeroes.  Returns the completion's ret, or CONTINUED.
 */
__attribute__((noinline))
int iou_advance_slow(struct iou_queue *iq, struct req *r, int res)
{
	if (res < 0 && r->op != REQ_WRITE_ZEROES)
		return res;
	switch (r->op) {
	case REQ_READ:
	case REQ_WRITE:
		return short_transfer(iq, r, res);
	case REQ_READV:
	case REQ_WRITEV:
		if (r->partial_head && (uint64_t)res == r->partial.iov_len &&
		    res < (int64_t)r->len) {
			/* The partial head is done: continue with the tail. */
			r->start += (uint64_t)res;
			r->len -= (uint64_t)res;
			r->partial_head = false;
			expect_rest(r);
			iou_resubmit(iq, r);
			return IOU_CONTINUED;
		}
		if ((uint64_t)res == r->len)
			return 0;
		return short_transfer(iq, r, res);
	case REQ_WRITE_ZEROES:
		return write_zeroes_next(iq, r, res);
	default:
		return 0;
	}
}
