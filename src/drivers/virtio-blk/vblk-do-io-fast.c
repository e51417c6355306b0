/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * queue_ops.do_io_fast: the common blkioq_do_io() call (no timeout, no
 * signal mask) straight from the exported function, without a context:
 * kick, reap the used entries that end their requests, and on a regular
 * queue of an unwatched device sleep on the call eventfd with
 * interrupts enabled for just that long, the system calls made in place
 * (vblk-sys.h).
 *
 * Whatever else comes up goes on in the general vblk_do_io() through
 * do_io_resume(), with the completions written so far: a backlog, a
 * broken device, min beyond what is in flight, a used entry that does
 * not simply end its request (an error, a piece of a split request, a
 * FUA flush to follow, a device breaking the rules), a wait on a poll
 * queue or a watched device, a wakeup that is not the call fd's alone.
 * This path consumes nothing the general one would have to know about:
 * an entry it stops at is still on the ring, and an interrupted wait is
 * simply waited again there.
 */
#define _GNU_SOURCE
#include "vblk-reap.h"
#include "vblk-sys.h"

/* vblk_kick() with the eventfd write in place. */
static inline void kick(struct vblk_queue *vbq)
{
	static const uint64_t one = 1;

	if (vbq->vq.avail_pub == vbq->vq.avail_idx || !vq_publish(&vbq->vq))
		return;
	if (vbq->notify)
		vbq->notify(vbq);
	else
		/* EAGAIN: the counter is saturated, the device is told anyway. */
		vblk_sys_write(vbq->kick_fd, &one, sizeof(one));
}

/*
 * Sleep until the call eventfd is readable, then empty it.  False on
 * anything else (an error, a signal, the liveness fd's events): the
 * general path, which waits on the same fds, finds out what it was.
 */
static inline bool sleep_on_call(struct vblk_queue *vbq)
{
	struct pollfd *p = vbq->wait_fds;
	uint64_t count;

	/* The kernel writes every revents it is given. */
	if (vblk_sys_poll(p, vbq->nr_wait_fds) != 1 || p[0].revents != POLLIN)
		return false;
	/* Non-blocking: another reader may have emptied it. */
	vblk_sys_read(vbq->call_fd, &count, sizeof(count));
	return true;
}

/* The general path's settle_notifications(), for a call that is done. */
static inline void settle(struct vblk_queue *vbq)
{
	if (likely(!queue_notifications_on(&vbq->q)))
		vq_irq_off(&vbq->vq);
	else if (vq_irq_enable(&vbq->vq))
		queue_signal(&vbq->q);
}

int vblk_do_io_fast(struct blkioq *q, struct blkio_completion *c, int min,
		    int max)
{
	struct vblk_queue *vbq = vblk_queue(q);
	struct vq *vq = &vbq->vq;
	int filled = 0;
	uint16_t used;

	/*
	 * The core calls this only with the backlog empty (struct blkioq's
	 * fast): in flight is all that is outstanding.
	 */
	if (unlikely((unsigned)min > vbq->in_flight || vblk_broken(vbq->dev)))
		return do_io_resume(q, c, min, max, 0);
	kick(vbq);
	for (;;) {
		used = vq_used_idx(vq);
		if (used != vq->last_used) {
			filled = vblk_reap_ends(vbq, c, filled, max, used);
			if (unlikely(vq->last_used != used && filled < max))
				break;
		}
		if (filled >= min) {
			settle(vbq);
			return filled;
		}
		/*
		 * Each completion taken left one fewer in flight, so some
		 * are still: the wait ends.  Entries that came before the
		 * device could see the wish mean no sleep.
		 */
		if (unlikely(!vbq->sleeps_fast))
			break;
		if (vq_irq_enable(vq))
			continue;
		if (unlikely(!sleep_on_call(vbq) || vblk_broken(vbq->dev)))
			break;
	}
	return do_io_resume(q, c, min, max, filled);
}
