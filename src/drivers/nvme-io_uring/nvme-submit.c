/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Requests -> NVMe commands in 128-byte SQEs (IORING_OP_URING_CMD).
 * Requests the device could only refuse are refused here, as libblkio
 * does, and complete at once with a static message; the rest go into the
 * ring, or the backlog while it is full.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "nvme.h"
#include "nvme-spec.h"

_Static_assert(offsetof(struct io_uring_sqe, addr3) == 48 &&
	       sizeof(union nvme_sqe) == 128 &&
	       sizeof(struct nvme_uring_cmd) <= 80,
	       "the NVMe command fills the second half of a 128-byte SQE");
_Static_assert(sizeof(struct nvme_dsm_range) <= sizeof(((struct req *)0)->drv),
	       "a DSM range fits in the request's scratch");

#define READ_ONLY_MSG "driver is in read-only mode"

static bool is_write(const struct req *r)
{
	return r->op == REQ_WRITE || r->op == REQ_WRITEV ||
	       r->op == REQ_WRITE_ZEROES || r->op == REQ_DISCARD;
}

/* Why r cannot be sent (and *err), or NULL. */
__attribute__((noinline))
static const char *refused(const struct nvme_dev *d, const struct req *r,
			   int *err)
{
	uint64_t mask = (1u << d->lba_shift) - 1;

	if (r->op >= REQ_ZONE_REPORT)
		return nvme_zone_refused(d, r, err);
	if (r->op == REQ_FLUSH)
		return NULL;
	*err = -EBADF;
	if (d->read_only && is_write(r))
		return READ_ONLY_MSG;
	*err = -ENOTSUP;
	if (r->op == REQ_WRITE_ZEROES && !d->max_write_zeroes)
		return "the device does not support Write Zeroes";
	if (r->op == REQ_DISCARD && !d->max_discard)
		return "the device does not support Dataset Management (discard)";
	*err = -EINVAL;
	if ((r->start | r->len) & mask)
		return "start and len must be multiples of property \"request-alignment\"";
	switch (r->op) {
	case REQ_READV:
	case REQ_WRITEV:
		if (r->iovcnt > d->max_segments)
			return "iovcnt must not exceed property \"max-segments\"";
		/* fall through */
	case REQ_READ:
	case REQ_WRITE:
		if (r->len > d->max_transfer)
			return "len must not exceed property \"max-transfer\"";
		break;
	case REQ_WRITE_ZEROES:
		if (r->len > d->max_write_zeroes)
			return "len must not exceed property \"max-write-zeroes-len\"";
		break;
	case REQ_DISCARD:
		if (r->len > d->max_discard)
			return "len must not exceed property \"max-discard-len\"";
		break;
	}
	return NULL;
}

static void rw_cmd(const struct nvme_dev *d, const struct req *r,
		   struct nvme_uring_cmd *c)
{
	uint64_t slba = r->start >> d->lba_shift;
	uint32_t nlb = (uint32_t)(r->len >> d->lba_shift);

	c->cdw10 = (uint32_t)slba;
	c->cdw11 = (uint32_t)(slba >> 32);
	/* refused() keeps nlb within 1..NVME_MAX_NLB: 0-based, 16 bits */
	c->cdw12 = nlb - 1;
	if (r->flags & BLKIO_REQ_FUA)
		c->cdw12 |= NVME_RW_FUA;
}

/*
 * Discard is Dataset Management with one range, deallocate.  The range
 * is data the command points at: it lives in the request until the
 * completion.
 */
static void dsm_cmd(const struct nvme_dev *d, struct req *r,
		    struct nvme_uring_cmd *c)
{
	struct nvme_dsm_range range = {
		.cattr = 0,
		.nlb = htole32((uint32_t)(r->len >> d->lba_shift)),
		.slba = htole64(r->start >> d->lba_shift),
	};

	memcpy(r->drv, &range, sizeof(range));
	c->opcode = NVME_CMD_DSM;
	c->addr = (uintptr_t)r->drv;
	c->data_len = sizeof(range);
	c->cdw10 = 0;		/* one range (0-based) */
	c->cdw11 = NVME_DSM_AD;
}

/* The command of r's next round; true if it is vectored. */
static bool fill_cmd(const struct nvme_queue *nq, struct req *r,
		     struct nvme_uring_cmd *c)
{
	const struct nvme_dev *d = nq->dev;

	c->nsid = d->nsid;
	switch (r->op) {
	case REQ_READ:
	case REQ_WRITE:
		c->opcode = r->op == REQ_READ ? NVME_CMD_READ : NVME_CMD_WRITE;
		c->addr = (uintptr_t)r->buf;
		c->data_len = (uint32_t)r->len;
		rw_cmd(d, r, c);
		return false;
	case REQ_READV:
	case REQ_WRITEV:
		/* NVME_URING_CMD_IO_VEC: addr is the iovec array. */
		c->opcode = r->op == REQ_READV ? NVME_CMD_READ : NVME_CMD_WRITE;
		c->addr = (uintptr_t)r->iov;
		c->data_len = (uint32_t)r->iovcnt;
		rw_cmd(d, r, c);
		return true;
	case REQ_FLUSH:
		c->opcode = NVME_CMD_FLUSH;
		return false;
	case REQ_WRITE_ZEROES:
		c->opcode = NVME_CMD_WRITE_ZEROES;
		rw_cmd(d, r, c);
		if (!(r->flags & BLKIO_REQ_NO_UNMAP))
			c->cdw12 |= NVME_WZ_DEAC;
		return false;
	case REQ_DISCARD:
		dsm_cmd(d, r, c);
		return false;
	default:
		nvme_zone_cmd(nq, r, c);
		return false;
	}
}

void nvme_prep(struct uring_queue *uq, struct io_uring_sqe *sqe,
	       struct req *r)
{
	union nvme_sqe *s = (union nvme_sqe *)sqe;
	bool vectored;

	memset(s, 0, sizeof(*s));
	vectored = fill_cmd(nvme_uq(uq), r, &s->cmd);
	s->sqe.opcode = IORING_OP_URING_CMD;
	s->sqe.flags = IOSQE_FIXED_FILE;
	s->sqe.fd = 0;
	s->sqe.cmd_op = vectored ? NVME_URING_CMD_IO_VEC : NVME_URING_CMD_IO;
	s->sqe.user_data = (uintptr_t)r;
}

/* What only some requests need before they can go into the ring. */
__attribute__((noinline))
static bool submit_slow(struct nvme_queue *nq, struct req *r)
{
	const char *msg;
	int err = 0;

	msg = refused(nq->dev, r, &err);
	if (msg) {
		queue_post(&nq->uq.q, r, err, msg);
		return false;
	}
	/* Nothing to do, and NVMe cannot say "0 blocks". */
	if (r->len == 0 && r->op <= REQ_DISCARD) {	/* not flush */
		queue_post(&nq->uq.q, r, 0, NULL);
		return false;
	}
	if (r->op == REQ_ZONE_REPORT) {
		if (!r->buf && r->len) {
			queue_post(&nq->uq.q, r, -EINVAL,
				   "zones must be non-NULL");
			return false;
		}
		if (r->len == 0 || r->start >= nq->dev->capacity) {
			queue_post(&nq->uq.q, r, 0, NULL);
			return false;
		}
		/* The completion's ret counts the zones: keep it an int. */
		if (r->len > INT_MAX)
			r->len = INT_MAX;
		r->drv[0] = 0;	/* zones filled so far */
		r->expect = REQ_EXPECT_NOTHING;	/* 0 is not the end */
		return nvme_zone_take_buffer(nq, r);
	}
	return true;
}

static inline bool plain_rw(const struct nvme_dev *d, const struct req *r)
{
	uint64_t mask = (1u << d->lba_shift) - 1;

	return r->op <= REQ_WRITE && !((r->start | r->len) & mask) &&
	       r->len - 1 < d->max_transfer &&
	       !(r->op == REQ_WRITE && d->read_only);
}

void nvme_submit(struct blkioq *q, struct req *r)
{
	struct nvme_queue *nq = nvme_queue(q);
	struct uring_queue *uq = &nq->uq;

	r->expect = 0;
	r->retries = 0;
	if (unlikely(!plain_rw(nq->dev, r)) && !submit_slow(nq, r))
		return;
	if (likely(uq->credits && !q->backlog.head)) {
		uq->credits--;
		nvme_prep(uq, uring_next_sqe(uq), r);
		return;
	}
	uring_submit_slow(uq, r);
}
