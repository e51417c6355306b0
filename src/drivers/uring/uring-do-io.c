/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * The io_uring layer of blkioq_do_io(), for every driver built on
 * io_uring: reap, submit and wait, and the completion-fd hint.
 * In steady state one call makes one io_uring_enter: it submits what was
 * queued and waits for what is needed in the same system call.
 */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "uring.h"

#define NSEC_PER_SEC 1000000000L

/*
 * Publish prepared SQEs to the kernel.  liburing's own helper is private;
 * this is the same tail update for rings without SQPOLL, made whether or
 * not the tail moved (rewriting the same value costs less than the test).
 * sq->sqe_head is not kept: the kernel's tail is what was published.
 * Returns how many SQEs the kernel has yet to consume.
 */
static inline unsigned flush_sq(struct io_uring *ring)
{
	struct io_uring_sq *sq = &ring->sq;
	unsigned tail = sq->sqe_tail;

	io_uring_smp_store_release(sq->ktail, tail);
	return tail - *sq->khead;
}

/*
 * io_uring_enter without a signal mask, made in place on x86-64: the
 * system call instruction clobbers three registers, where a call into
 * liburing clobbers all caller-saved ones, so the fast path needs no
 * frame of saved registers (about 20 instructions per call at QD1).
 */
static inline int enter_inline(int fd, unsigned to_submit, unsigned wait_nr,
			       unsigned flags)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = flags;
	register long r8 __asm__("r8") = 0;
	register long r9 __asm__("r9") = 0;
	long ret = __NR_io_uring_enter;

	__asm__ volatile("syscall"
			 : "+a"(ret)
			 : "D"((long)fd), "S"((long)to_submit),
			   "d"((long)wait_nr), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return (int)ret;
#else
	return io_uring_enter(fd, to_submit, wait_nr, flags, NULL);
#endif
}

/*
 * SQPOLL (sq-poll-idle): a kernel thread takes published SQEs by itself;
 * a system call is needed only to wake it after it went idle.  Returns
 * what is left for io_uring_enter to submit: nothing.
 */
__attribute__((noinline))
static unsigned sqpoll_submit(struct uring_queue *uq)
{
	flush_sq(&uq->ring);
	/* The tail must be visible before the thread's flag is read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (IO_URING_READ_ONCE(*uq->ring.sq.kflags) & IORING_SQ_NEED_WAKEUP)
		io_uring_enter(uq->enter_fd, 0, 0,
			       IORING_ENTER_SQ_WAKEUP | uq->enter_flags, NULL);
	return 0;
}

static inline unsigned submit_sq(struct uring_queue *uq)
{
	if (unlikely(uq->sqpoll))
		return sqpoll_submit(uq);
	return flush_sq(&uq->ring);
}

/*
 * A CQE other than the expected one: the driver decides.  True when it
 * filled *c; false when the request went round again or the driver kept
 * it (nothing to report, r still in use).
 */
__attribute__((noinline))
bool uring_reap_slow(struct uring_queue *uq, struct req *r,
		     const struct io_uring_cqe *cqe, struct blkio_completion *c)
{
	const char *msg = NULL;
	int ret = uq->ops->complete(uq, r, cqe, &msg);

	if (ret == URING_CONTINUED)
		return false;
	*c = (struct blkio_completion){
		.user_data = r->user_data,
		.error_msg = msg,
		.ret = ret,
	};
	return true;
}

/*
 * Move finished requests from the CQ ring into c[filled..max); returns the
 * new fill.  Inline: it runs on every blkioq_do_io() call.  A CQE whose
 * result is the one the request expects finishes it here; anything else
 * is the driver's to judge.  The CQE size is a constant in each copy
 * (big: 32-byte CQEs).
 *
 * The fast copy (uring_do_io_fast()) calls nothing: it stops before a
 * CQE it cannot finish and returns ~filled (negative), leaving that CQE
 * to the general path.  With no call in the loop its counters need no
 * callee-saved registers.
 */
static __attribute__((always_inline)) inline int
reap_cqes(struct uring_queue *uq, struct blkio_completion *c, int filled,
	  int max, const bool big, const bool fast)
{
	struct io_uring_cq *cq = &uq->ring.cq;
	unsigned head = *cq->khead;
	unsigned tail = io_uring_smp_load_acquire(cq->ktail);

	while (head != tail && filled < max) {
		struct io_uring_cqe *cqe =
			&cq->cqes[(head & cq->ring_mask) << big];
		struct req *r = (struct req *)(uintptr_t)cqe->user_data;

		if (likely(cqe->res == r->expect)) {
			head++;
			c[filled++] = (struct blkio_completion){
				.user_data = r->user_data,
			};
		} else if (fast) {
			filled = ~filled;
			break;
		} else {
			head++;
			if (!uring_reap_slow(uq, r, cqe, &c[filled]))
				continue;
			filled++;
		}
		req_free(&uq->q, r);
	}
	io_uring_smp_store_release(cq->khead, head);
	return filled;
}

static __attribute__((always_inline)) inline int
reap_into(struct uring_queue *uq, struct blkio_completion *c, int filled,
	  int max)
{
	if (uq->cqe_shift)
		return reap_cqes(uq, c, filled, max, true, false);
	return reap_cqes(uq, c, filled, max, false, false);
}

/*
 * reap_into() for uring_do_io_fast(): ~filled (negative) when a CQE is
 * left for the general path.  Rings with 32-byte CQEs never come here
 * (uring_update_fast()).
 */
static __attribute__((always_inline)) inline int
reap_fast(struct uring_queue *uq, struct blkio_completion *c, int filled,
	  int max)
{
	return reap_cqes(uq, c, filled, max, false, true);
}

static __attribute__((always_inline)) inline void
reap(struct uring_queue *uq, struct do_io_ctx *ctx)
{
	ctx->filled = reap_into(uq, ctx->c, ctx->filled, ctx->max);
}

/* A poll queue whose ring the kernel polls (IORING_SETUP_IOPOLL). */
static inline bool iopoll_ring(const struct uring_queue *uq)
{
	return uq->q.poll && !uq->busy_poll;
}

static void remaining(const struct do_io_ctx *ctx,
		      struct __kernel_timespec *ts)
{
	struct timespec left;

	do_io_time_left(ctx, &left);
	ts->tv_sec = left.tv_sec;
	ts->tv_nsec = left.tv_nsec;
}

static bool expired(const struct do_io_ctx *ctx)
{
	struct __kernel_timespec ts;

	remaining(ctx, &ts);
	return ts.tv_sec == 0 && ts.tv_nsec == 0;
}

/* io_uring_enter with a timeout and/or signal mask (EXT_ARG). */
__attribute__((noinline))
static int enter_ext(struct uring_queue *uq, unsigned to_submit,
		     unsigned wait_nr, unsigned flags,
		     const struct do_io_ctx *ctx)
{
	struct io_uring_getevents_arg arg = {
		.sigmask = (uintptr_t)ctx->sig,
		/* The kernel wants _NSIG / 8 bytes, not sizeof(sigset_t). */
		.sigmask_sz = _NSIG / 8,
	};
	struct __kernel_timespec ts;
	int fd = uq->enter_fd;

	flags |= uq->enter_flags;
	if (!uq->ext_arg) {
		if (ctx->has_deadline && wait_nr)
			return blkio_err(-ENOTSUP,
					 "Timeouts need IORING_FEAT_EXT_ARG (Linux 5.11)");
		return io_uring_enter2(fd, to_submit, wait_nr, flags,
				       (sigset_t *)ctx->sig, _NSIG / 8);
	}
	if (ctx->has_deadline) {
		remaining(ctx, &ts);
		arg.ts = (uintptr_t)&ts;
	}
	return io_uring_enter2(fd, to_submit, wait_nr,
			       flags | IORING_ENTER_EXT_ARG,
			       (sigset_t *)&arg, sizeof(arg));
}

static inline int enter(struct uring_queue *uq, unsigned to_submit,
			unsigned wait_nr, const struct do_io_ctx *ctx)
{
	unsigned flags = 0;

	if (wait_nr || iopoll_ring(uq))
		flags |= IORING_ENTER_GETEVENTS;
	if (unlikely(ctx->has_deadline || ctx->sig))
		return enter_ext(uq, to_submit, wait_nr, flags, ctx);
	return io_uring_enter(uq->enter_fd, to_submit, wait_nr,
			      flags | uq->enter_flags, NULL);
}

/*
 * A registered ring index means nothing to any task but the one that
 * registered it (-EINVAL); the fd tells whether the ring belongs to
 * another thread (-EEXIST).
 */
__attribute__((cold))
static int foreign_thread(const struct uring_queue *uq, int ret)
{
	if (ret == -EINVAL && uq->enter_flags &&
	    io_uring_enter(uq->ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS,
			   NULL) == -EEXIST)
		return -EEXIST;
	return ret;
}

/* What an io_uring_enter error means for this call: 0 to go on. */
__attribute__((cold))
static int enter_failed(const struct uring_queue *uq,
			const struct do_io_ctx *ctx, int ret)
{
	ret = foreign_thread(uq, ret);
	switch (ret) {
	case -EINTR:
		if (ctx->interruptible)
			return blkio_err(-EINTR, "Interrupted by a signal");
		return 0;
	case -EEXIST:	/* IORING_SETUP_SINGLE_ISSUER */
		return blkio_err(-EEXIST,
				 "The queue belongs to the thread that first called blkioq_do_io() on it (single-issuer=true)");
	case -ETIME:	/* the deadline is checked by the caller */
	case -EAGAIN:	/* kernel short of resources: reap and retry */
	case -EBUSY:
		return 0;
	default:
		return blkio_err_os(ret, "io_uring_enter failed");
	}
}

static inline bool cq_nonempty(const struct io_uring *ring)
{
	return *ring->cq.khead != io_uring_smp_load_acquire(ring->cq.ktail);
}

/*
 * Completions are waiting for this task to enter the kernel (COOP_TASKRUN
 * with TASKRUN_FLAG; always false on kernels without them).
 */
static inline bool taskrun_pending(const struct io_uring *ring)
{
	return IO_URING_READ_ONCE(*ring->sq.kflags) & IORING_SQ_TASKRUN;
}

/* Run pending task work so its completions reach the CQ, then reap. */
__attribute__((noinline))
static int run_taskrun(struct uring_queue *uq, struct do_io_ctx *ctx)
{
	int ret = io_uring_enter(uq->enter_fd, 0, 0,
				 IORING_ENTER_GETEVENTS | uq->enter_flags,
				 NULL);

	if (ret < 0 && (ret = enter_failed(uq, ctx, ret)) < 0)
		return ret;
	reap(uq, ctx);
	return 0;
}

/* The general loop: backlog refills, timeouts, signals, poll queues. */
static int do_io_loop(struct uring_queue *uq, struct do_io_ctx *ctx,
		      bool entered)
{
	struct blkioq *q = &uq->q;

	for (;;) {
		unsigned to_submit, wait_nr;
		int want, ret;

		if (cq_nonempty(&uq->ring))
			reap(uq, ctx);
		if (unlikely(q->backlog.head))
			uring_refill(uq);
		to_submit = submit_sq(uq);
		want = ctx->min - ctx->filled;

		/*
		 * Poll queues make progress only inside the kernel, and so do
		 * completions that wait for task work.
		 */
		if (want <= 0 && !to_submit &&
		    (entered || (!iopoll_ring(uq) &&
				  !taskrun_pending(&uq->ring))))
			return 0;
		if (unlikely(want > 0 && entered && ctx->has_deadline) &&
		    expired(ctx))
			return blkio_err(-ETIME, "Timer expired (os error %d)",
					 ETIME);
		/* Nothing can arrive: waiting would never end. */
		if (unlikely(want > 0 && !uring_in_flight(uq)))
			return blkio_err(-EINVAL,
					 "min_completions is larger than total outstanding requests");

		wait_nr = want > 0 ? (unsigned)want : 0;
		if (wait_nr > uring_in_flight(uq))
			wait_nr = uring_in_flight(uq);
		/*
		 * A signal during a wait that also submitted makes the kernel
		 * report the submission, not -EINTR; an interruptible call
		 * therefore submits first and waits on its own.
		 */
		if (ctx->interruptible && to_submit && wait_nr) {
			ret = enter(uq, to_submit, 0, ctx);
			if (ret < 0 && (ret = enter_failed(uq, ctx, ret)) < 0)
				return ret;
			to_submit = 0;
		}
		ret = enter(uq, to_submit, wait_nr, ctx);
		entered = true;
		if (unlikely(ret < 0)) {
			ret = enter_failed(uq, ctx, ret);
			if (ret < 0)
				return ret;
		}
	}
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * A poll queue on a device that cannot poll: submit without waiting and
 * spin on the completion queue in user space until enough completions
 * are there, entering the kernel only to submit or to run the task work
 * that completions wait for (IORING_SQ_TASKRUN).  The thread never
 * sleeps, as on an IOPOLL ring, and no interrupt-driven wakeup is
 * involved; the device itself still interrupts.
 */
__attribute__((noinline))
static int do_io_busy_poll(struct uring_queue *uq, struct do_io_ctx *ctx)
{
	struct blkioq *q = &uq->q;
	int ret;

	for (;;) {
		unsigned to_submit;

		if (cq_nonempty(&uq->ring))
			reap(uq, ctx);
		if (unlikely(q->backlog.head))
			uring_refill(uq);
		to_submit = flush_sq(&uq->ring);
		if (to_submit || taskrun_pending(&uq->ring)) {
			ret = io_uring_enter(uq->enter_fd, to_submit, 0,
					     IORING_ENTER_GETEVENTS |
					     uq->enter_flags, NULL);
			if (ret < 0 && (ret = enter_failed(uq, ctx, ret)) < 0)
				return ret;
			if (cq_nonempty(&uq->ring))
				reap(uq, ctx);
		}
		if (ctx->filled >= ctx->min)
			return 0;
		if (unlikely(!uring_in_flight(uq)))
			return blkio_err(-EINVAL,
					 "min_completions is larger than total outstanding requests");
		if (unlikely(ctx->has_deadline) && expired(ctx))
			return blkio_err(-ETIME, "Timer expired (os error %d)",
					 ETIME);
		cpu_relax();
	}
}

/*
 * Into the general loop before any system call.  Reaping only moves
 * requests from in flight to filled (or back into the ring), so checking
 * the outstanding count here is the same as checking it on entry.
 */
static int do_io_start_loop(struct uring_queue *uq, struct do_io_ctx *ctx)
{
	if (unlikely(do_io_check_outstanding(&uq->q, ctx,
					     uring_in_flight(uq) + uq->held)))
		return blkio_err(-EINVAL,
				 "min_completions is larger than total outstanding requests");
	if (uq->busy_poll)
		return do_io_busy_poll(uq, ctx);
	return do_io_loop(uq, ctx, false);
}

/*
 * Requests the kernel has taken and not completed yet: each will post a
 * CQE, and so signal the completion fd where notifications are on.
 */
static inline unsigned kernel_pending(const struct io_uring *ring)
{
	return io_uring_smp_load_acquire(ring->sq.khead) -
	       io_uring_smp_load_acquire(ring->cq.ktail);
}

/*
 * Whether a call that need not wait may leave its SQEs for the next call
 * instead of entering the kernel for them (submit batching).  Event-loop
 * applications such as QEMU follow every request with a submit-only
 * blkioq_do_io() and reap one completion per call; one io_uring_enter per
 * request is what made them slow.  Leaving the SQEs is safe only when the
 * next call is certain to come on its own:
 *  - the application watches the completion fd (taken and enabled);
 *  - completions wait in the CQ, which it must come back to reap (it
 *    cannot know of them otherwise: their signal has been consumed);
 *  - and the kernel holds requests that will signal the fd again, so even
 *    an application that stops reaping early is woken.
 * The last call of a drain finds the CQ empty and submits everything at
 * once, as QEMU's own io_uring code does after a batch of completions.
 * At most URING_BATCH_MAX SQEs wait.
 */
#define URING_BATCH_MAX 32

static inline bool may_batch(const struct uring_queue *uq, unsigned to_submit)
{
	return uq->batch_submit && to_submit < URING_BATCH_MAX &&
	       queue_notifications_on(&uq->q) && cq_nonempty(&uq->ring) &&
	       kernel_pending(&uq->ring) > 0;
}

/*
 * Steady state takes one pass: reap what is ready, then one
 * io_uring_enter that submits and waits, then reap again.  Anything
 * unusual continues in do_io_loop().
 */
static int do_io_once(struct uring_queue *uq, struct do_io_ctx *ctx)
{
	struct blkioq *q = &uq->q;
	unsigned to_submit, wait_nr;
	int want, ret;

	if (unlikely(uq->disabled)) {
		ret = uring_enable(uq);
		if (ret < 0)
			return ret;
	}
	if (cq_nonempty(&uq->ring))
		reap(uq, ctx);
	if (unlikely(q->backlog.head || q->poll || ctx->has_deadline ||
		     ctx->interruptible || uq->sqpoll))
		return do_io_start_loop(uq, ctx);

	to_submit = flush_sq(&uq->ring);
	want = ctx->min - ctx->filled;
	if (want <= 0) {
		if (!to_submit)
			return unlikely(taskrun_pending(&uq->ring)) ?
			       run_taskrun(uq, ctx) : 0;
		if (may_batch(uq, to_submit))
			return 0;
		wait_nr = 0;
	} else {
		/* No backlog here: in flight is all that is outstanding. */
		wait_nr = (unsigned)want;
		if (unlikely(wait_nr > uring_in_flight(uq)))
			return do_io_start_loop(uq, ctx);
	}
	ret = io_uring_enter(uq->enter_fd, to_submit, wait_nr,
			     (wait_nr ? IORING_ENTER_GETEVENTS : 0) |
			     uq->enter_flags, NULL);
	if (likely(ret >= 0) && wait_nr) {
		reap(uq, ctx);
		if (likely(ctx->filled >= ctx->min && !q->backlog.head &&
			   !io_uring_sq_ready(&uq->ring)))
			return 0;
	} else if (unlikely(ret < 0)) {
		ret = enter_failed(uq, ctx, ret);
		if (ret < 0)
			return ret;
	}
	return do_io_loop(uq, ctx, true);
}

int uring_do_io(struct blkioq *q, struct do_io_ctx *ctx)
{
	struct uring_queue *uq = uring_queue(q);
	int ret = do_io_once(uq, ctx);

	/*
	 * Credits never exceed the room in the ring (reaping and the kernel
	 * only add room), and try_prep() recounts them when they run out, so
	 * they need no refresh here.  A backlog, though, must keep its place:
	 * new requests join it until do_io_loop() has moved it into the ring.
	 */
	if (unlikely(q->backlog.head))
		uq->credits = 0;
	return ret;
}

/* The general path from uring_do_io_fast(), filled as reap_fast() left it. */
static __attribute__((always_inline)) inline int
fast_resume(struct uring_queue *uq, struct blkio_completion *c, int min,
	    int max, int filled)
{
	return do_io_resume(&uq->q, c, min, max, filled < 0 ? ~filled : filled);
}

/*
 * The io_uring_enter of uring_do_io_fast() and the reaping after it; a
 * copy at each of its two call sites, so that the one with nothing
 * reaped yet keeps no count across the system call.
 */
static __attribute__((always_inline)) inline int
fast_enter(struct uring_queue *uq, struct blkio_completion *c, int filled,
	   int min, int max, unsigned to_submit, unsigned wait_nr)
{
	int ret = enter_inline(uq->enter_fd, to_submit, wait_nr,
			       (wait_nr ? IORING_ENTER_GETEVENTS : 0) |
			       uq->enter_flags);

	if (unlikely(ret != (int)to_submit))
		return do_io_resume(&uq->q, c, min, max, filled);
	/* Usually not empty after a wait: no separate look first. */
	filled = reap_fast(uq, c, filled, max);
	/*
	 * Done unless a CQE was left (filled < 0 <= min).  The kernel took
	 * every SQE (ret), and reap_fast() makes no new ones.
	 */
	if (likely(filled >= min))
		return filled;
	return fast_resume(uq, c, min, max, filled);
}

/*
 * uring_do_io_fast() when there is nothing to submit or nothing to wait
 * for: look at the CQ first, and enter the kernel only if needed.  Its
 * own function, so that the registers it needs cost the other case
 * nothing.
 */
__attribute__((noinline))
static int fast_reap_first(struct uring_queue *uq,
			   struct blkio_completion *c, int min, int max)
{
	unsigned to_submit, wait_nr;
	int filled = 0;

	if (cq_nonempty(&uq->ring)) {
		filled = reap_fast(uq, c, 0, max);
		if (unlikely(filled < 0))
			return fast_resume(uq, c, min, max, filled);
	}
	to_submit = flush_sq(&uq->ring);
	if (filled >= min) {
		if (!to_submit) {
			if (likely(!taskrun_pending(&uq->ring)))
				return filled;
			goto resume;
		}
		if (may_batch(uq, to_submit))
			return filled;
		wait_nr = 0;
	} else {
		wait_nr = (unsigned)(min - filled);
		if (unlikely(wait_nr > uring_in_flight(uq)))
			goto resume;
	}
	return fast_enter(uq, c, filled, min, max, to_submit, wait_nr);
resume:
	return do_io_resume(&uq->q, c, min, max, filled);
}

/*
 * blkioq_do_io() in the common case, straight from the exported function
 * (queue_ops.do_io_fast): no context to build, no frame in the core.  It
 * makes the same decisions as do_io_once() and hands anything else
 * (errors, CQEs other than the expected) to the general path, with what
 * it reaped so far.
 *
 * A call that has requests to submit and completions to wait for enters
 * the kernel at once, without looking at the CQ first: the kernel counts
 * the CQEs already there towards wait_nr, so the one system call needed
 * anyway both submits and finds them.  That is the loop of every program
 * that keeps a queue depth (QD1 above all).
 */
int uring_do_io_fast(struct blkioq *q, struct blkio_completion *c, int min,
		     int max)
{
	struct uring_queue *uq = uring_queue(q);
	struct io_uring_sq *sq = &uq->ring.sq;
	unsigned tail = sq->sqe_tail;
	/* Only io_uring_enter moves it here (no SQPOLL on this path). */
	unsigned khead = *sq->khead;

	if (!(min > 0 && tail != khead))
		return fast_reap_first(uq, c, min, max);
	/* 0 < min <= max (blkioq_do_io() checked): room for a completion. */
	if (max < 1)
		__builtin_unreachable();
	io_uring_smp_store_release(sq->ktail, tail);
	/* No backlog here: in flight is all that is outstanding. */
	if (unlikely((unsigned)min > tail - *uq->ring.cq.khead))
		return do_io_resume(q, c, min, max, 0);
	return fast_enter(uq, c, 0, min, max, tail - khead, (unsigned)min);
}

/*
 * Notifications map onto IORING_CQ_EVENTFD_DISABLED, which spares the
 * kernel an eventfd write per completion while nobody waits on the fd.
 * After enabling, completions that arrived while disabled would never
 * signal, so signal for them here: no wakeup is ever lost.
 */
void uring_set_completion_fd_enabled(struct blkioq *q, bool enable)
{
	struct uring_queue *uq = uring_queue(q);
	unsigned *kflags = uq->ring.cq.kflags;
	unsigned flags;

	if (!kflags)	/* before Linux 5.8: notifications stay on */
		return;
	flags = __atomic_load_n(kflags, __ATOMIC_RELAXED);
	if (enable)
		flags &= ~IORING_CQ_EVENTFD_DISABLED;
	else
		flags |= IORING_CQ_EVENTFD_DISABLED;
	/*
	 * Sequentially consistent: the flag must be visible before the CQ
	 * tail is read below, or a completion posted in between could be
	 * missed by both the kernel and us.
	 */
	__atomic_store_n(kflags, flags, __ATOMIC_SEQ_CST);
	/*
	 * Completions waiting as task work (IORING_SQ_TASKRUN) signalled no
	 * one either; with DEFER_TASKRUN only the first of them would.
	 */
	if (enable && (*uq->ring.cq.khead !=
		       __atomic_load_n(uq->ring.cq.ktail, __ATOMIC_SEQ_CST) ||
		       taskrun_pending(&uq->ring)))
		queue_signal(q);
}
