/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Requests that take more than one round: a read or write that transferred
 * less than asked goes round again for the rest, a read at the end of a
 * growable file is zero-filled, and write-zeroes steps through its stages.
 * The driver submits each round; these functions only decide.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"

/*
 * Bytes from start to the end of the file, or 0 if it cannot be known.
 * Asking (rather than waiting for a 0-byte read) matters with O_DIRECT,
 * where a read resubmitted at the unaligned end of the data would fail.
 */
static uint64_t bytes_to_eof(const struct file_dev *f, uint64_t start)
{
	struct stat st;

	if (fstat(f->fd, &st) < 0 || (uint64_t)st.st_size <= start)
		return 0;
	return (uint64_t)st.st_size - start;
}

static bool is_read(const struct req *r)
{
	return r->op == REQ_READ || r->op == REQ_READV;
}

static bool is_vectored(const struct req *r)
{
	return r->op == REQ_READV || r->op == REQ_WRITEV;
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
 * What the next round of a partly done request must return to finish
 * it.  A vectored request whose current round is only the remainder of one
 * iovec is not finished by that round when more iovecs follow.
 */
static void expect_rest(struct req *r)
{
	if (is_vectored(r) && r->partial_head && r->partial.iov_len != r->len)
		r->expect = REQ_EXPECT_NOTHING;
	else
		r->expect = req_expect_len(r->len);
}

/* A read or write transferred less than asked: finish or go round again. */
__attribute__((cold, noinline))
static int short_transfer(const struct file_dev *f, struct req *r,
			  int64_t res)
{
	if (res > 0) {
		r->start += (uint64_t)res;
		r->len -= (uint64_t)res;
		if (is_vectored(r))
			advance_iov(r, (uint64_t)res);
		else
			r->buf = (char *)r->buf + res;
	}
	/*
	 * A growable file reads as zeros where it has no data: at its end,
	 * and wherever a read makes no progress (as libblkio does).
	 */
	if (is_read(r) && f->can_grow &&
	    (res == 0 || bytes_to_eof(f, r->start) == 0)) {
		zero_rest(r);
		return 0;
	}
	/* No progress on a device or a write: never spin on it. */
	if (res == 0)
		return -EIO;
	expect_rest(r);
	return FILE_AGAIN;
}

/*
 * Everything but the plain "finished" result of a read or write round:
 * errors, short transfers, the tail of a vectored request after a
 * partial head.
 */
bool file_retry_eagain(struct req *r, int64_t res)
{
	return res == -EAGAIN && r->retries++ < FILE_EAGAIN_RETRIES;
}

int file_rw_result(const struct file_dev *f, struct req *r, int64_t res)
{
	if (file_retry_eagain(r, res))
		return FILE_AGAIN;
	if (res < 0)
		return (int)res;
	/* A round whose success could not be told by one number. */
	if ((uint64_t)res == r->len)
		return 0;
	if (is_vectored(r) && r->partial_head &&
	    (uint64_t)res == r->partial.iov_len) {
		/* The partial head is done: continue with the tail. */
		r->start += (uint64_t)res;
		r->len -= (uint64_t)res;
		r->partial_head = false;
		expect_rest(r);
		return FILE_AGAIN;
	}
	return short_transfer(f, r, res);
}

const char *file_wz_refused(const struct file_dev *f, const struct req *r)
{
	if (f->is_blockdev && !f->write_zeroes_native &&
	    (r->flags & BLKIO_REQ_NO_FALLBACK))
		return "the block device does not support write zeroes with BLKIO_REQ_NO_FALLBACK";
	return NULL;
}

/* The mode of the first stage, as libblkio chooses it. */
static int first_stage_mode(const struct file_dev *f, const struct req *r)
{
	bool keep_allocation = r->flags & BLKIO_REQ_NO_UNMAP;

	if (f->is_blockdev && !f->write_zeroes_native)
		return FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	if (keep_allocation)
		return f->is_blockdev ?
		       FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE :
		       FALLOC_FL_ZERO_RANGE;
	return FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
}

int file_wz_mode(const struct file_dev *f, const struct req *r)
{
	switch (r->stage) {
	case WZ_PUNCH:
		return FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	case WZ_ALLOC:
		return 0;
	default:
		return first_stage_mode(f, r);
	}
}

/* Keeping the range allocated, the way tmpfs allows. */
static bool can_punch_and_allocate(const struct file_dev *f,
				   const struct req *r)
{
	return !f->is_blockdev && (r->flags & BLKIO_REQ_NO_UNMAP);
}

int file_wz_result(const struct file_dev *f, struct req *r, int res)
{
	if (file_retry_eagain(r, res))
		return FILE_AGAIN;
	if (res == -EOPNOTSUPP && r->stage == WZ_ZERO &&
	    can_punch_and_allocate(f, r))
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
	return FILE_AGAIN;
}

int file_discard_mode(void)
{
	return FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
}
