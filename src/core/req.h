/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Request slots.  Every accepted request occupies one slot from the moment
 * it is queued until its completion is handed to the application; the
 * intrusive `next` link puts it on the free list, the backlog or the
 * completion list without any allocation on the data path.
 */
#ifndef BLKIO_CORE_REQ_H
#define BLKIO_CORE_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

enum req_op {
	REQ_READ,
	REQ_WRITE,
	REQ_READV,
	REQ_WRITEV,
	REQ_WRITE_ZEROES,
	REQ_DISCARD,
	REQ_FLUSH,
	/* Zoned storage (src/core/zones.c): only to queues with zone_ops. */
	REQ_ZONE_REPORT,	/* buf: struct blkio_zone[len] from start */
	REQ_ZONE_OPEN,		/* start: the zone; REQ_F_ALL_ZONES: every zone */
	REQ_ZONE_CLOSE,
	REQ_ZONE_FINISH,
	REQ_ZONE_RESET,
};

struct req {
	struct req *next;
	void *user_data;

	uint64_t start;		/* device offset of what is left to do */
	uint64_t len;		/* bytes left to do */
	union {
		void *buf;			/* read, write */
		const struct iovec *iov;	/* readv, writev: untouched tail */
	};
	int iovcnt;		/* iovecs left in iov */

	/*
	 * The CQE result that means "finished, success" for the current
	 * submission: the byte count for reads and writes, 0 for the rest,
	 * and REQ_EXPECT_NOTHING where no result may finish the request
	 * directly (huge transfers, write-zeroes followed by a flush).
	 * Reaping compares one int and takes the slow path otherwise.
	 */
	int expect;
	uint8_t op;		/* enum req_op */
	uint8_t flags;		/* BLKIO_REQ_*, and REQ_F_DRIVER */
	uint8_t stage;		/* driver's step in a multi-step request */
	bool partial_head;	/* vectored: `partial` is submitted before iov */
	/*
	 * Rounds resubmitted after -EAGAIN.  32 bits so that op..retries
	 * make one 8-byte word, which blkioq_read() clears in one store.
	 */
	uint32_t retries;

	union {
		/*
		 * A vectored request that came back short in the middle of an
		 * iovec continues with this remainder; the caller's array is
		 * never written.
		 */
		struct iovec partial;

		/*
		 * Scratch for the driver on requests that have no partial
		 * (not vectored): data a command points at while in flight,
		 * progress of a request that takes several rounds.
		 */
		uint64_t drv[2];
	};

	/* Result, while the request waits on the completion list. */
	int ret;
	const char *error_msg;
};

#define REQ_EXPECT_NOTHING INT32_MIN

/* A bit of req.flags no BLKIO_REQ_* flag uses, free for the driver. */
#define REQ_F_DRIVER (1u << 7)

/* A zone management request for every zone (blkioq_open_all_zones() ...). */
#define REQ_F_ALL_ZONES (1u << 6)

static inline int req_expect_len(uint64_t len)
{
	return len <= INT32_MAX ? (int)len : REQ_EXPECT_NOTHING;
}

struct req_list {
	struct req *head;
	struct req *tail;
};

static inline void req_list_push(struct req_list *l, struct req *r)
{
	r->next = NULL;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
}

static inline void req_list_push_front(struct req_list *l, struct req *r)
{
	r->next = l->head;
	l->head = r;
	if (!l->tail)
		l->tail = r;
}

static inline struct req *req_list_pop(struct req_list *l)
{
	struct req *r = l->head;

	if (r) {
		l->head = r->next;
		if (!l->head)
			l->tail = NULL;
	}
	return r;
}

/* Slots come in chunks that are never moved, so pointers stay valid. */
struct req_chunk {
	struct req_chunk *next;
	struct req reqs[];
};

#endif
