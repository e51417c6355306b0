/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Turning requests into iocbs.  A request with room in the context is
 * staged at once (io_submit() happens in blkioq_do_io()); otherwise it
 * waits in the backlog.  Write-zeroes, discard and zone requests have no
 * AIO command and wait on the queue's deferred list, to run as system
 * calls.
 */
#include <errno.h>
#include <linux/fs.h>

#include "aio.h"

static unsigned iocb_opcode(const struct req *r)
{
	switch (r->op) {
	case REQ_READ:
		return IOCB_CMD_PREAD;
	case REQ_WRITE:
		return IOCB_CMD_PWRITE;
	case REQ_READV:
		return IOCB_CMD_PREADV;
	case REQ_WRITEV:
		return IOCB_CMD_PWRITEV;
	default:
		return IOCB_CMD_FDSYNC;
	}
}

/* The iocb's buffer and length: a vectored one points at its iovecs. */
static void iocb_data(struct iocb *cb, const struct req *r)
{
	switch (r->op) {
	case REQ_READV:
	case REQ_WRITEV:
		if (r->partial_head) {
			cb->aio_buf = (uintptr_t)&r->partial;
			cb->aio_nbytes = 1;
		} else {
			cb->aio_buf = (uintptr_t)r->iov;
			cb->aio_nbytes = (uint64_t)r->iovcnt;
		}
		break;
	case REQ_FLUSH:
		break;
	default:
		cb->aio_buf = (uintptr_t)r->buf;
		cb->aio_nbytes = r->len;
		break;
	}
}

/* Fill the next staging slot; the caller has checked there is room. */
static inline void stage(struct aio_queue *aq, struct req *r)
{
	struct iocb *cb = &aq->iocbs[aq->staged++];

	*cb = (struct iocb){
		.aio_data = (uintptr_t)r,
		.aio_lio_opcode = (uint16_t)iocb_opcode(r),
		.aio_fildes = (uint32_t)aq->dev->file.fd,
		.aio_offset = (int64_t)r->start,
		.aio_rw_flags = (r->flags & BLKIO_REQ_FUA) ? RWF_DSYNC : 0,
	};
	iocb_data(cb, r);
	if (likely(aq->resfd >= 0)) {
		cb->aio_flags = IOCB_FLAG_RESFD;
		cb->aio_resfd = (uint32_t)aq->resfd;
	} else {
		r->flags |= REQ_F_QUIET;
		aq->quiet++;
	}
}

/* Everything but a read or write staged at once. */
__attribute__((noinline))
static void submit_slow(struct aio_queue *aq, struct req *r)
{
	struct blkioq *q = &aq->q;
	const char *refused;

	if (file_zone_submit(&aq->dev->file, q, r))
		return;
	switch (r->op) {
	case REQ_WRITE_ZEROES:
		refused = file_wz_refused(&aq->dev->file, r);
		if (refused) {
			queue_post(q, r, -ENOTSUP, refused);
			return;
		}
		queue_defer(q, r);
		return;
	case REQ_DISCARD:
		queue_defer(q, r);
		return;
	case REQ_FLUSH:
		if (aq->fdsync_refused) {
			queue_defer(q, r);
			return;
		}
		break;
	}
	if (!q->backlog.head && aio_room(aq))
		stage(aq, r);
	else
		backlog_push(q, r);
}

void aio_submit(struct blkioq *q, struct req *r)
{
	struct aio_queue *aq = aio_queue(q);

	if (unlikely(r->op > REQ_WRITEV || q->backlog.head || !aio_room(aq))) {
		submit_slow(aq, r);
		return;
	}
	stage(aq, r);
}

/* Send a request that needs another round (short transfer, -EAGAIN). */
void aio_resubmit(struct aio_queue *aq, struct req *r)
{
	if (aio_room(aq))
		stage(aq, r);
	else
		backlog_push_front(&aq->q, r);
}

/* Move backlogged requests into staging while there is room. */
void aio_refill(struct aio_queue *aq)
{
	struct blkioq *q = &aq->q;

	while (q->backlog.head && aio_room(aq))
		stage(aq, backlog_pop(q));
}
