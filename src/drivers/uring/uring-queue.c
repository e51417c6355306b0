/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * One io_uring per queue: the ring, the device as fixed file 0, the
 * request slots and, on regular queues, the completion eventfd.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

#define SINGLE_ISSUER (IORING_SETUP_SUBMIT_ALL | IORING_SETUP_TASKRUN_FLAG | \
		       IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | \
		       IORING_SETUP_R_DISABLED)

/*
 * SUBMIT_ALL keeps the kernel submitting a batch past an SQE that fails
 * early (Linux 5.18).  COOP_TASKRUN (5.19) lets a completion that needs
 * the submitting task wait for that task's next kernel entry instead of
 * interrupting it with an IPI: 20-30 % more IOPS on a loop device at
 * QD 32 and nearly twice as many when the application busy-polls
 * (docs/performance.md).  A task asleep (in do_io, epoll or another ring)
 * is still woken at once; TASKRUN_FLAG tells do_io when a task that polls
 * without sleeping must enter the kernel to get its completions.  Older
 * kernels refuse the flags, so retry with fewer.
 */
static int setup_ring(struct uring_queue *uq, const struct uring_setup *s,
		      struct io_uring_params *p)
{
	static const unsigned extra[] = {
		IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
			IORING_SETUP_TASKRUN_FLAG,
		IORING_SETUP_SUBMIT_ALL,
		0,
	};
	unsigned base = s->flags;
	int ret = -EINVAL;

	if (s->poll && s->iopoll)
		base |= IORING_SETUP_IOPOLL;
	if (s->sqpoll_idle && !s->poll) {
		*p = (struct io_uring_params){
			.flags = base | IORING_SETUP_SQPOLL |
				 IORING_SETUP_SUBMIT_ALL,
			.sq_thread_idle = s->sqpoll_idle,
		};
		ret = io_uring_queue_init_params(s->entries, &uq->ring, p);
		uq->sqpoll = ret == 0;
		if (ret < 0)	/* an old kernel: the ordinary ring */
			ret = -EINVAL;
	}
	if (s->single_issuer && ret == -EINVAL) {
		*p = (struct io_uring_params){ .flags = base | SINGLE_ISSUER };
		ret = io_uring_queue_init_params(s->entries, &uq->ring, p);
		uq->disabled = ret == 0;
		if (ret < 0)
			ret = -EINVAL;
	}
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]) &&
			   ret == -EINVAL; i++) {
		*p = (struct io_uring_params){ .flags = base | extra[i] };
		ret = io_uring_queue_init_params(s->entries, &uq->ring, p);
	}
	return ret;
}

/*
 * single-issuer (Linux 6.1): DEFER_TASKRUN runs completions only when the
 * submitting task asks for them, with no interruption and no other task
 * touching the ring; SINGLE_ISSUER, which it needs, ties the ring to one
 * task.  A queue may move between threads before its first
 * blkioq_do_io(), so the ring starts disabled and uring_enable() makes
 * the caller of the first one the owner.
 */
int uring_enable(struct uring_queue *uq)
{
	int ret = (int)syscall(__NR_io_uring_register, uq->ring.ring_fd,
			       IORING_REGISTER_ENABLE_RINGS, NULL, 0);

	if (ret < 0)
		return blkio_err_os(-errno, "Enabling the queue's io_uring failed");
	uq->disabled = false;
	uring_update_fast(uq);
	/*
	 * The fd is registered with the calling task only, which is the only
	 * one that may enter this ring now: the kernel skips the fd lookup.
	 */
	if (io_uring_register_ring_fd(&uq->ring) == 1) {
		uq->enter_fd = uq->ring.enter_ring_fd;
		uq->enter_flags = IORING_ENTER_REGISTERED_RING;
	}
	return 0;
}

/* kernel.io_uring_disabled: 0, 1 (only io_uring_group), 2; -1 if unknown. */
static int io_uring_disabled_sysctl(void)
{
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "re");
	int value = -1;

	if (f) {
		if (fscanf(f, "%d", &value) != 1)
			value = -1;
		fclose(f);
	}
	return value;
}

/*
 * Where io_uring is switched off or filtered, say why (and, through the
 * driver's hint, what works without it); there is no silent switching of
 * drivers.
 */
__attribute__((cold))
static void setup_failed(int ret, const struct uring_setup *s)
{
	const char *cause;
	int sysctl;

	if (ret != -ENOSYS && ret != -EPERM) {
		blkio_err_os(ret, "io_uring_setup with %u entries failed",
			     s->entries);
		return;
	}
	sysctl = io_uring_disabled_sysctl();
	if (ret == -ENOSYS)
		cause = "the kernel has no io_uring, or a seccomp filter refuses it";
	else if (sysctl == 2)
		cause = "kernel.io_uring_disabled is 2";
	else if (sysctl == 1)
		cause = "kernel.io_uring_disabled is 1 and this process is not in kernel.io_uring_group";
	else
		cause = "a seccomp filter or security module refuses it";
	blkio_err(ret, "io_uring is unavailable (%s: %s)%s%s", cause,
		  strerror(-ret), s->unavailable_hint ? "; " : "",
		  s->unavailable_hint ? s->unavailable_hint : "");
}

static int setup_eventfd(struct uring_queue *uq)
{
	int efd, ret;

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return blkio_err_os(-errno, "eventfd failed");
	ret = io_uring_register_eventfd(&uq->ring, efd);
	if (ret < 0) {
		close(efd);
		return blkio_err_os(ret, "Registering the completion eventfd with io_uring failed");
	}
	uq->q.completion_fd = efd;
	/* Quiet until the application takes the fd (src/core/do-io.c). */
	uring_set_completion_fd_enabled(&uq->q, false);
	return 0;
}

int uring_queue_init(struct uring_queue *uq, const struct uring_setup *s)
{
	struct io_uring_params p;
	int ret;

	uq->ops = s->ops;
	uq->fd = s->fd;
	uq->bufs = NULL;
	uq->disabled = false;
	uq->sqpoll = false;
	/* Where the device cannot poll, a poll queue polls an ordinary ring. */
	uq->busy_poll = s->poll && !s->iopoll;
	ret = setup_ring(uq, s, &p);
	if (ret < 0) {
		setup_failed(ret, s);
		return ret;
	}
	uq->enter_fd = uq->ring.ring_fd;
	uq->enter_flags = 0;
	uq->max_in_flight = p.cq_entries;
	uq->credits = p.sq_entries;
	uq->held = 0;
	uq->batch_submit = s->batch_submit;
	uq->ext_arg = p.features & IORING_FEAT_EXT_ARG;
	uq->sqe_shift = (p.flags & IORING_SETUP_SQE128) ? 1 : 0;
	uq->cqe_shift = (p.flags & IORING_SETUP_CQE32) ? 1 : 0;

	ret = io_uring_register_files(&uq->ring, &s->fd, 1);
	if (ret < 0) {
		blkio_err_os(ret, "Registering the device with io_uring failed");
		goto out_exit_ring;
	}
	if (s->bufs)
		uring_bufs_attach(s->bufs, uq);
	ret = queue_init(&uq->q, s->queue_ops, s->poll, p.cq_entries);
	if (ret < 0) {
		blkio_err(ret, "Out of memory for request slots");
		goto out_exit_ring;
	}
	uring_update_fast(uq);
	if (!s->poll) {
		ret = setup_eventfd(uq);
		if (ret < 0)
			goto out_fini_queue;
	}
	return 0;

out_fini_queue:
	queue_fini(&uq->q);
out_exit_ring:
	uring_bufs_detach(uq);
	io_uring_queue_exit(&uq->ring);
	return ret;
}

/* Ask the kernel to cancel every request of the ring (Linux 5.19). */
static bool cancel_all(struct uring_queue *uq)
{
	struct io_uring_sq *sq = &uq->ring.sq;
	struct io_uring_sqe *sqe;

	if (sq->sqe_tail - io_uring_smp_load_acquire(sq->khead) >=
	    sq->ring_entries)
		return false;
	sqe = uring_next_sqe(uq);
	memset(sqe, 0, sizeof(*sqe) << uq->sqe_shift);
	io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
	io_uring_sqe_set_data64(sqe, 0);
	return true;
}

/*
 * The kernel keeps working on requests after their ring is closed, and a
 * read finishing then writes into memory the application got back from
 * blkio_destroy() or blkio_remove_queue().  So before closing: cancel
 * what can be cancelled, and wait for every request the kernel has (those
 * it completes anyway, and the cancellations).  SQEs never published stay
 * unsubmitted; the completions are dropped, their slots freed with the
 * queue.  Like kernel AIO's io_destroy(), this waits as long as the
 * device takes.
 */
static void drain(struct uring_queue *uq)
{
	struct io_uring_sq *sq = &uq->ring.sq;
	struct io_uring_cq *cq = &uq->ring.cq;
	unsigned published = *sq->ktail;
	unsigned pending;

	/* Unpublished SQEs are forgotten: the kernel never sees them. */
	sq->sqe_tail = published;
	pending = published - *cq->khead;
	if (!pending)
		return;
	if (cancel_all(uq)) {
		io_uring_smp_store_release(sq->ktail, sq->sqe_tail);
		pending++;
	}
	while (pending) {
		unsigned head = *cq->khead;
		unsigned ready = io_uring_smp_load_acquire(cq->ktail) - head;
		int ret;

		if (ready) {
			if (ready > pending)
				ready = pending;
			io_uring_smp_store_release(cq->khead, head + ready);
			pending -= ready;
			continue;
		}
		ret = io_uring_enter(uq->ring.ring_fd,
				     *sq->ktail - *sq->khead, pending,
				     IORING_ENTER_GETEVENTS, NULL);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN &&
		    ret != -EBUSY)
			return;	/* the ring is unusable: nothing to wait on */
	}
}

void uring_queue_fini(struct uring_queue *uq)
{
	uring_bufs_detach(uq);
	drain(uq);
	io_uring_queue_exit(&uq->ring);
	if (uq->q.completion_fd >= 0)
		close(uq->q.completion_fd);
	queue_fini(&uq->q);
}
