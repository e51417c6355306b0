/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The per-thread I/O loop.
 *
 * Three ways to wait for completions:
 *  - event mode (default): epoll on the queue's completion fd, then drain
 *    with non-blocking do_io calls, using the "disable, drain, enable,
 *    re-check" pattern so no wakeup is lost;
 *  - --wait=block: do_io(min_completions = 1) sleeps in the library, the
 *    way fio's io_uring engine and a raw liburing loop wait;
 *  - --poll (--wait=poll): busy-loop on non-blocking do_io, completion fd
 *    disabled;
 *  - --poll-queues: IOPOLL queues, block mode by default so the kernel
 *    spins (or, with --poll as well, the application-level loop).
 * A completed request is recorded and immediately replaced by the next
 * one, so the queue always holds iodepth requests.
 */
#define _GNU_SOURCE	/* RUSAGE_THREAD */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util.h"
#include "verify.h"
#include "worker.h"

static inline bool stopping(const struct worker *w)
{
	return atomic_load_explicit(&w->run->stop, memory_order_relaxed);
}

static noreturn void request_failed(const struct worker *w,
				    const struct blkio_completion *c)
{
	const struct request *r = c->user_data;
	const char *msg = c->error_msg && *c->error_msg ? c->error_msg : NULL;

	fatal_begin();
	/* The first line is worded as in libblkio's example: scripts grep it. */
	fprintf(stderr, "I/O request failed: %d\n", c->ret);
	fprintf(stderr,
		"blkio-bench: %s of %u bytes at offset %" PRIu64 " (thread %u): %s%s%s\n",
		r->is_read ? "read" : "write", w->cfg->blocksize, r->offset,
		w->index, strerror(-c->ret), msg ? ": " : "", msg ? msg : "");
	exit(EXIT_FAILURE);
}

static void check_read(const struct worker *w, const struct request *r)
{
	char why[192];

	if (likely(verify_check(r->buf, w->cfg->blocksize, r->offset,
				w->cfg->verify_seed, why, sizeof(why))))
		return;
	fatal_begin();
	fprintf(stderr,
		"blkio-bench: verify failed at offset %" PRIu64 " (thread %u): %s\n",
		r->offset, w->index, why);
	exit(EXIT_VERIFY_FAILED);
}

/* Give r its data (or a poisoned buffer to read into) for r->offset. */
static inline void fill_buffer(const struct worker *w, struct request *r)
{
	if (!w->cfg->verify)
		return;
	if (r->is_read)
		verify_poison(r->buf);
	else
		verify_stamp(r->buf, w->cfg->blocksize, r->offset,
			     w->cfg->verify_seed);
}

static inline void enqueue(struct worker *w, struct request *r, uint64_t t)
{
	r->start_ns = t;
	if (r->is_read)
		blkioq_read(w->q, r->offset, r->buf, w->cfg->blocksize, r, 0);
	else
		blkioq_write(w->q, r->offset, r->buf, w->cfg->blocksize, r, 0);
	w->inflight++;
}

static int do_io(struct worker *w, int min)
{
	int n = blkioq_do_io(w->q, w->comps, min, (int)w->cfg->iodepth, NULL);

	if (unlikely(n < 0))
		die("blkioq_do_io failed: %s: %s", strerror(-n),
		    blkio_get_error_msg());
	return n;
}

/* A do_io call of the measured run that may reap (counted in "calls"). */
static inline int reap(struct worker *w, int min)
{
	w->stats.calls++;
	return do_io(w, min);
}

static inline void submit(struct worker *w)
{
	int ret = blkioq_do_io(w->q, NULL, 0, 0, NULL);

	if (unlikely(ret < 0))
		die("submitting requests failed: %s: %s", strerror(-ret),
		    blkio_get_error_msg());
}

static inline void publish(struct worker *w)
{
	atomic_store_explicit(&w->pub_ios, w->stats.ios,
			      memory_order_relaxed);
	atomic_store_explicit(&w->pub_lat_ns, w->stats.lat_sum_ns,
			      memory_order_relaxed);
}

/*
 * Account n completions and queue their replacements.  One clock read for
 * the whole batch on each side: the batch completed "now", and the new
 * requests start once their buffers are ready.
 */
static void handle_batch(struct worker *w, int n)
{
	uint64_t t = now_ns();

	stats_record_batch(&w->stats, (unsigned)n);
	for (int i = 0; i < n; i++) {
		struct request *r = w->comps[i].user_data;

		if (unlikely(w->comps[i].ret != 0))
			request_failed(w, &w->comps[i]);
		stats_record_latency(&w->stats, t - r->start_ns, r->is_read);
		if (w->cfg->verify && r->is_read) {
			check_read(w, r);
			w->stats.verified++;
		}
		r->offset = workload_next(&w->wl, &r->is_read);
		fill_buffer(w, r);
	}
	w->inflight -= (unsigned)n;

	t = now_ns();
	for (int i = 0; i < n; i++)
		enqueue(w, w->comps[i].user_data, t);
	publish(w);
}

static void issue_all(struct worker *w)
{
	uint64_t t;

	for (unsigned i = 0; i < w->cfg->iodepth; i++) {
		struct request *r = &w->reqs[i];

		r->offset = workload_next(&w->wl, &r->is_read);
		fill_buffer(w, r);
	}
	t = now_ns();
	for (unsigned i = 0; i < w->cfg->iodepth; i++) {
		enqueue(w, &w->reqs[i], t);
		if (w->cfg->wait == WAIT_VMM)
			submit(w);	/* one call per request, as QEMU */
	}
}

/* Wait for the completion fd (true) or the stop fd (false). */
static bool wait_event(struct worker *w)
{
	int timeout = w->cfg->completion_timeout_ms ?
		      (int)w->cfg->completion_timeout_ms : -1;
	struct epoll_event ev;
	uint64_t val;
	int n;

	for (;;) {
		n = epoll_wait(w->epfd, &ev, 1, timeout);
		if (n > 0)
			break;
		if (n == 0) {
			/* A lost wakeup in the library: keep the core dump. */
			fprintf(stderr, "Timeout receiving completion event - aborting\n");
			abort();
		}
		if (errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
	}
	if (ev.data.fd == w->run->stop_fd)
		return false;

	/* Reset the eventfd before do_io; the value itself means nothing. */
	if (read(w->completion_fd, &val, sizeof(val)) < 0 && errno != EAGAIN)
		die("reading the completion fd: %s", strerror(errno));
	return true;
}

static void run_event(struct worker *w)
{
	int n;

	while (!stopping(w)) {
		submit(w);
		if (!wait_event(w))
			return;

		blkioq_set_completion_fd_enabled(w->q, false);
		for (;;) {
			n = reap(w, 0);
			if (n == 0) {
				/*
				 * Re-arm, then look once more: a completion
				 * racing with the enable is either reaped here
				 * or makes the fd readable.
				 */
				blkioq_set_completion_fd_enabled(w->q, true);
				n = reap(w, 0);
				if (n == 0)
					break;
				blkioq_set_completion_fd_enabled(w->q, false);
			}
			handle_batch(w, n);
			if (stopping(w))
				return;
		}
	}
}

/*
 * The path QEMU's blkio block driver takes (block/blkio.c): each request
 * is followed by a submit-only blkioq_do_io(q, NULL, 0, 0, NULL); the
 * event loop waits on the completion fd, which stays enabled, and then
 * reaps one completion per call, blkioq_do_io(q, &c, 0, 1, NULL), until
 * none is left; each completion's callback queues the next request and
 * submits it at once.
 */
static void run_vmm(struct worker *w)
{
	while (!stopping(w)) {
		if (!wait_event(w))
			return;
		for (;;) {
			int n;

			w->stats.calls++;
			n = blkioq_do_io(w->q, w->comps, 0, 1, NULL);
			if (unlikely(n < 0))
				die("blkioq_do_io failed: %s: %s", strerror(-n),
				    blkio_get_error_msg());
			if (n == 0)
				break;
			handle_batch(w, 1);	/* queues the next request */
			submit(w);
			if (stopping(w))
				return;
		}
	}
}

static void run_poll(struct worker *w, int min)
{
	while (!stopping(w)) {
		int n = reap(w, min);

		if (n > 0)
			handle_batch(w, n);
	}
}

/* Wait for everything still in flight; checked, not counted. */
static void drain(struct worker *w)
{
	while (w->inflight) {
		int n = do_io(w, 1);

		for (int i = 0; i < n; i++) {
			const struct request *r = w->comps[i].user_data;

			if (w->comps[i].ret != 0)
				request_failed(w, &w->comps[i]);
			if (w->cfg->verify && r->is_read)
				check_read(w, r);
		}
		w->inflight -= (unsigned)n;
	}
}

static void issue_at(struct worker *w, struct request *r, uint64_t block,
		     bool is_read)
{
	r->offset = block * w->cfg->blocksize;
	r->is_read = is_read;
	fill_buffer(w, r);
	enqueue(w, r, 0);
}

/*
 * Read or write every block in [first, end) in order, iodepth at a time:
 * the --verify fill before the run and the read-back after it.
 */
static uint64_t sequential_pass(struct worker *w, uint64_t first,
				uint64_t end, bool is_read)
{
	uint64_t next = first, done = 0;

	for (unsigned i = 0; i < w->cfg->iodepth && next < end; i++)
		issue_at(w, &w->reqs[i], next++, is_read);

	while (w->inflight) {
		int n = do_io(w, 1);

		for (int i = 0; i < n; i++) {
			struct request *r = w->comps[i].user_data;

			if (w->comps[i].ret != 0)
				request_failed(w, &w->comps[i]);
			if (r->is_read)
				check_read(w, r);
			w->inflight--;
			done++;
			if (next < end)
				issue_at(w, r, next++, is_read);
		}
	}
	return done;
}

/* This thread's share of the target for the fill and read-back passes. */
static void pass_range(const struct worker *w, uint64_t *first, uint64_t *end)
{
	unsigned __int128 n = w->cfg->num_blocks;

	*first = (uint64_t)(n * w->index / w->cfg->num_threads);
	*end = (uint64_t)(n * (w->index + 1) / w->cfg->num_threads);
}

/*
 * CPU time of this thread: under a loaded machine, CPU seconds per request
 * compare libraries more steadily than wall-clock rates.
 */
static void thread_cpu(double *user, double *sys)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0) {
		*user = *sys = 0;
		return;
	}
	*user = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void barrier(pthread_barrier_t *b)
{
	pthread_barrier_wait(b);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct bench_config *cfg = w->cfg;
	double user0, sys0, user1, sys1;
	uint64_t first, end, t0;

	pass_range(w, &first, &end);
	if (cfg->verify && cfg->fill)
		w->filled = sequential_pass(w, first, end, false);

	barrier(&w->run->ready);
	barrier(&w->run->go);

	thread_cpu(&user0, &sys0);
	t0 = now_ns();
	issue_all(w);
	if (cfg->wait == WAIT_VMM)
		run_vmm(w);
	else if (w->epfd >= 0)
		run_event(w);
	else
		run_poll(w, cfg->wait == WAIT_BLOCK ? 1 : 0);
	w->stats.runtime_secs = (double)(now_ns() - t0) / 1e9;
	thread_cpu(&user1, &sys1);
	w->stats.cpu_user_secs = user1 - user0;
	w->stats.cpu_sys_secs = sys1 - sys0;
	drain(w);

	/* Every block must hold what the last write put there: check all. */
	if (cfg->verify && rw_writes(cfg->rw)) {
		barrier(&w->run->drained);
		w->read_back = sequential_pass(w, first, end, true);
	}
	return NULL;
}

static void setup_event_mode(struct worker *w)
{
	struct epoll_event ev = { .events = EPOLLIN };

	w->completion_fd = blkioq_get_completion_fd(w->q);
	if (w->completion_fd < 0)
		die("queue %u has no completion fd", w->index);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		die("epoll_create1: %s", strerror(errno));

	ev.data.fd = w->completion_fd;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->completion_fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	ev.data.fd = w->run->stop_fd;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->run->stop_fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	blkioq_set_completion_fd_enabled(w->q, true);
}

/*
 * Write buffers get pseudo-random bytes once, so compressing or
 * deduplicating targets (zram, thin pools) see real data, not zero pages.
 */
static void randomize(char *buf, size_t len, uint64_t seed)
{
	for (size_t i = 0; i + 8 <= len; i += 8) {
		uint64_t v = splitmix64(&seed);

		memcpy(buf + i, &v, 8);
	}
}

struct worker *worker_create(const struct bench_config *cfg,
			     struct run_control *run, struct blkioq *q,
			     unsigned index, char *buf)
{
	size_t size = (sizeof(struct worker) + 63) & ~(size_t)63;
	struct worker *w = aligned_alloc(64, size);

	if (!w)
		die("out of memory");
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->run = run;
	w->q = q;
	w->index = index;
	w->buf = buf;
	w->epfd = -1;
	w->completion_fd = -1;
	stats_init(&w->stats);
	workload_init(&w->wl, cfg, index, run->run_seed);
	atomic_init(&w->pub_ios, 0);
	atomic_init(&w->pub_lat_ns, 0);

	w->reqs = calloc(cfg->iodepth, sizeof(*w->reqs));
	w->comps = calloc(cfg->iodepth, sizeof(*w->comps));
	if (!w->reqs || !w->comps)
		die("out of memory for %u requests", cfg->iodepth);
	for (unsigned i = 0; i < cfg->iodepth; i++)
		w->reqs[i].buf = buf + (size_t)i * cfg->blocksize;

	if (rw_writes(cfg->rw) && !cfg->verify)
		randomize(buf, (size_t)cfg->iodepth * cfg->blocksize,
			  run->run_seed + index);

	if (cfg->wait == WAIT_EVENT || cfg->wait == WAIT_VMM)
		setup_event_mode(w);
	else if (!cfg->poll_queues)
		blkioq_set_completion_fd_enabled(q, false);
	return w;
}

void worker_start(struct worker *w)
{
	int ret = pthread_create(&w->thread, NULL, worker_main, w);

	if (ret != 0)
		die("pthread_create: %s", strerror(ret));
}

void worker_join(struct worker *w)
{
	pthread_join(w->thread, NULL);
}

void worker_destroy(struct worker *w)
{
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->reqs);
	free(w->comps);
	free(w);
}
