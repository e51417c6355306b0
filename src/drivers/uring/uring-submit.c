/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Requests into the ring, or into the queue's backlog when it is full.
 * The driver's prep writes the SQE; here is only when and where.
 */
#include "uring.h"

bool uring_try_prep(struct uring_queue *uq, struct req *r)
{
	if (!uq->credits) {
		uq->credits = uring_room(uq);
		if (!uq->credits)
			return false;
	}
	uq->credits--;
	uq->ops->prep(uq, uring_next_sqe(uq), r);
	return true;
}

/* Into the ring if nothing waits before it and there is room, else wait. */
void uring_submit_slow(struct uring_queue *uq, struct req *r)
{
	struct blkioq *q = &uq->q;

	if (likely(!q->backlog.head) && uring_try_prep(uq, r))
		return;
	backlog_push(q, r);
}

/* Send a request that needs another round (short I/O, FUA flush). */
void uring_resubmit(struct uring_queue *uq, struct req *r)
{
	if (!uring_try_prep(uq, r))
		backlog_push_front(&uq->q, r);
}

/* Move backlogged requests into the ring while there is room. */
void uring_refill(struct uring_queue *uq)
{
	struct blkioq *q = &uq->q;

	while (q->backlog.head && uring_try_prep(uq, q->backlog.head))
		backlog_pop(q);
}
