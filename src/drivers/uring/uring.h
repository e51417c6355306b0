/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * What the drivers built on io_uring share (io_uring, nvme-io_uring): one
 * ring per queue with the device as fixed file 0, an eventfd on regular
 * queues, the credit count that keeps the completion queue from
 * overflowing, the backlog refill, and the io_uring layer of
 * blkioq_do_io() (reap, submit, wait, busy-poll).  A driver supplies how a
 * request becomes an SQE and what a CQE other than the expected one means
 * (struct uring_ops); everything else is here.
 */
#ifndef BLKIO_DRIVERS_URING_H
#define BLKIO_DRIVERS_URING_H

#include <limits.h>
#include <liburing.h>
#include <stdbool.h>

#include "../../core/driver-api.h"

struct uring_queue;

/*
 * Registered buffers (uring-bufs.c): the memory regions of an instance,
 * in the same slot of every ring's buffer table.
 */
#define URING_BUF_SLOTS 64	/* a bit each in uring_bufs.used */

struct uring_buf {
	uintptr_t start;
	uintptr_t len;
	unsigned slot;
};

struct uring_bufs {
	unsigned seq;		/* odd while the table changes */
	unsigned nr;		/* entries of buf[], sorted by start */
	struct uring_buf buf[URING_BUF_SLOTS];
	uint64_t used;		/* slots taken */
	struct uring_queue *queues;	/* the rings that register them */
	bool vectored;		/* READV_FIXED, WRITEV_FIXED (Linux 6.15) */
};

/* A queue's last hit: valid while the table's seq is still seq. */
struct uring_buf_cache {
	uintptr_t start;
	uintptr_t len;
	unsigned slot;
	unsigned seq;
};

struct uring_ops {
	/*
	 * Write r's SQE for its next round, all of it (the slot may hold a
	 * previous SQE), with r as the user data.
	 */
	void (*prep)(struct uring_queue *uq, struct io_uring_sqe *sqe,
		     struct req *r);

	/*
	 * A CQE whose res is not r->expect.  Returns the completion's ret
	 * and sets *msg (a static string, or left NULL), or URING_CONTINUED
	 * when r went round again (uring_resubmit()) or is kept by the
	 * driver, and there is nothing to report.
	 */
	int (*complete)(struct uring_queue *uq, struct req *r,
			const struct io_uring_cqe *cqe, const char **msg);
};

/* Not an errno and not a count: complete() reports no completion. */
#define URING_CONTINUED INT_MIN

struct uring_queue {
	struct blkioq q;
	struct io_uring ring;
	const struct uring_ops *ops;
	unsigned max_in_flight;	/* CQ ring size: never overflow it */

	/*
	 * SQEs that may be prepared without looking: no more than the free
	 * SQ entries and no more than the CQ can take.  Counted down by
	 * every prepared SQE and recomputed only when it runs out (room never
	 * shrinks behind our back), so the hot path tests one number; 0 while
	 * a backlog waits.
	 */
	unsigned credits;

	/*
	 * Requests the driver holds outside the ring and the backlog until
	 * something it needs is free; they count as outstanding.
	 */
	unsigned held;

	unsigned char sqe_shift;	/* 1 with IORING_SETUP_SQE128 */
	unsigned char cqe_shift;	/* 1 with IORING_SETUP_CQE32 */
	bool ext_arg;		/* IORING_FEAT_EXT_ARG: timeouts + sigmask */

	/*
	 * A poll queue on a device that cannot poll: an ordinary ring whose
	 * completion queue do_io polls in user space, never sleeping.
	 */
	bool busy_poll;

	/* Submit batching (uring-do-io.c, may_batch()). */
	bool batch_submit;

	/*
	 * single-issuer: the ring is created disabled and the first thread
	 * that calls blkioq_do_io() enables it and registers its fd
	 * (uring_enable()); io_uring_enter then takes the registered index.
	 */
	bool disabled;
	bool sqpoll;		/* a kernel thread submits (sq-poll-idle) */
	int enter_fd;		/* the ring fd, or its registered index */
	unsigned enter_flags;	/* IORING_ENTER_REGISTERED_RING with the index */

	int fd;			/* the device (fixed file 0): uring-inline.c */

	/* Registered buffers: NULL when the queue does without. */
	struct uring_bufs *bufs;
	struct uring_queue *bufs_next;	/* on bufs->queues */
	struct uring_buf_cache fx;
};

/* Linux 6.15: vectored reads and writes of registered buffers. */
#define URING_OP_READV_FIXED 60
#define URING_OP_WRITEV_FIXED 61

/* How uring_queue_init() sets a queue up. */
struct uring_setup {
	const struct queue_ops *queue_ops;
	const struct uring_ops *ops;
	unsigned entries;	/* SQ entries (the num-entries property) */
	unsigned flags;		/* more IORING_SETUP_* (SQE128, CQE32) */
	int fd;			/* registered as fixed file 0 */
	bool poll;		/* a poll queue */
	bool iopoll;		/* the device polls: IORING_SETUP_IOPOLL */
	bool batch_submit;	/* the "submit-batching" property */
	bool single_issuer;	/* the "single-issuer" property */
	unsigned sqpoll_idle;	/* "sq-poll-idle" in ms; 0: no SQPOLL */
	struct uring_bufs *bufs;	/* register these buffers (may be NULL) */

	/* Appended to the message when io_uring is unavailable (may be NULL). */
	const char *unavailable_hint;
};

/*
 * The "poll-queue-mode" property's value: how poll queues poll on a device
 * that does (an IOPOLL ring) or does not (a busy-polled ordinary ring).
 */
static inline const char *uring_poll_queue_mode(bool iopoll)
{
	return iopoll ? "iopoll" : "busy-poll";
}

static inline struct uring_queue *uring_queue(struct blkioq *q)
{
	return container_of(q, struct uring_queue, q);
}

/*
 * Whether blkioq_do_io()'s common call may take uring_do_io_fast(): not
 * while the ring is still disabled (single-issuer), a kernel thread
 * submits (sqpoll), the queue polls, or CQEs are 32 bytes (the fast path
 * is built for 16).
 */
static inline void uring_update_fast(struct uring_queue *uq)
{
	queue_use_fast(&uq->q, !(uq->q.poll || uq->disabled || uq->sqpoll ||
				 uq->cqe_shift));
}

/* uring-queue.c: set up / tear down uq (embedded in the driver's queue). */
int uring_queue_init(struct uring_queue *uq, const struct uring_setup *s);
void uring_queue_fini(struct uring_queue *uq);
int uring_enable(struct uring_queue *uq);

/*
 * Requests in the ring and not yet reaped.  Every SQE prepared yields
 * exactly one CQE, so the count falls out of the ring's own counters
 * instead of being kept on every submission and completion.
 */
static inline unsigned uring_in_flight(const struct uring_queue *uq)
{
	return uq->ring.sq.sqe_tail - *uq->ring.cq.khead;
}

/* How many SQEs may be prepared now (see credits). */
static inline unsigned uring_room(const struct uring_queue *uq)
{
	const struct io_uring_sq *sq = &uq->ring.sq;
	unsigned sq_free = sq->ring_entries -
			   (sq->sqe_tail - io_uring_smp_load_acquire(sq->khead));
	unsigned cq_free = uq->max_in_flight - uring_in_flight(uq);

	return sq_free < cq_free ? sq_free : cq_free;
}

/* The next SQE slot, which the caller fills; only with a credit taken. */
static inline struct io_uring_sqe *uring_next_sqe(struct uring_queue *uq)
{
	struct io_uring_sq *sq = &uq->ring.sq;
	unsigned tail = sq->sqe_tail;

	sq->sqe_tail = tail + 1;
	return &sq->sqes[(tail & sq->ring_mask) << uq->sqe_shift];
}

/* uring-bufs.c */
void uring_bufs_attach(struct uring_bufs *bb, struct uring_queue *uq);
void uring_bufs_detach(struct uring_queue *uq);
void uring_bufs_map(struct uring_bufs *bb, const struct blkio_mem_region *r);
void uring_bufs_unmap(struct uring_bufs *bb, const struct blkio_mem_region *r);
int uring_buf_lookup(struct uring_queue *uq, uintptr_t addr, size_t len);

/* [addr, addr + len) lies inside [start, start + span). */
static inline bool uring_buf_holds(uintptr_t start, uintptr_t span,
				   uintptr_t addr, size_t len)
{
	uintptr_t off = addr - start;

	return off < span && len <= span - off;
}

/*
 * The registered-buffer slot holding [addr, addr + len), or -1: the hot
 * path's check against the queue's last hit, then the table.
 */
static inline int uring_buf_index(struct uring_queue *uq, uintptr_t addr,
				  size_t len)
{
	const struct uring_buf_cache *fx = &uq->fx;

	if (likely(fx->seq == __atomic_load_n(&uq->bufs->seq,
					      __ATOMIC_RELAXED) &&
		   uring_buf_holds(fx->start, fx->len, addr, len)))
		return (int)fx->slot;
	return uring_buf_lookup(uq, addr, len);
}

/* uring-submit.c */
bool uring_try_prep(struct uring_queue *uq, struct req *r);
void uring_submit_slow(struct uring_queue *uq, struct req *r);
void uring_resubmit(struct uring_queue *uq, struct req *r);
void uring_refill(struct uring_queue *uq);

/* uring-do-io.c: queue_ops.do_io and .set_completion_fd_enabled */
int uring_do_io(struct blkioq *q, struct do_io_ctx *ctx);
int uring_do_io_fast(struct blkioq *q, struct blkio_completion *c, int min,
		     int max);
void uring_set_completion_fd_enabled(struct blkioq *q, bool enable);
bool uring_reap_slow(struct uring_queue *uq, struct req *r,
		     const struct io_uring_cqe *cqe, struct blkio_completion *c);

/* uring-inline.c: queue_ops.do_io_fast for files without NOWAIT support */
int uring_do_io_inline(struct blkioq *q, struct blkio_completion *c, int min,
		       int max);

#endif
