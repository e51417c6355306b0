/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * uring-vmm: the raw liburing program a library driven the way QEMU's
 * blkio driver drives it (blkio-bench --wait=vmm) is compared with.  It
 * batches like QEMU's own io_uring backend (block/io_uring.c): the event
 * loop waits on an eventfd registered with the ring, then handles every
 * completion there is, queues a replacement for each, and submits them all
 * with one io_uring_enter at the end of the batch.
 *
 *   uring-vmm PATH DEPTH COUNT[s] [direct|buffered [io_uring[+FEATURE...]]]
 *
 * Random 4 KiB reads, DEPTH in flight, the file registered as fixed file 0.
 * Prints the report line of the other bench programs, then
 * "enters N per_io X" (io_uring_enter calls made, and per request).
 * FEATUREs (uring-features.h) add kernel features.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <liburing.h>

#include "common.h"
#include "uring-features.h"

struct vmm {
	struct io_uring ring;
	struct uring_features f;
	int efd;
	char *bufs;
	uint64_t nblocks;
	uint64_t rng;
	uint64_t submitted;
	uint64_t done;
	uint64_t enters;
	unsigned int inflight;
};

static int setup(struct vmm *v, const struct bench_args *args)
{
	int fd = bench_open_target(args, &v->nblocks), ret;

	if (fd < 0)
		return -1;
	ret = uring_features_init(&v->f, args->depth, &v->ring);
	if (ret == 0)
		ret = io_uring_register_files(&v->ring, &fd, 1);
	close(fd);
	if (ret < 0) {
		fprintf(stderr, "io_uring setup: %s\n", strerror(-ret));
		return -1;
	}
	v->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->efd < 0 || io_uring_register_eventfd(&v->ring, v->efd) < 0) {
		fprintf(stderr, "eventfd: %s\n", strerror(errno));
		return -1;
	}
	if (posix_memalign((void **)&v->bufs, BENCH_BLOCK_SIZE,
			   (size_t)args->depth * BENCH_BLOCK_SIZE))
		return -1;
	memset(v->bufs, 0, (size_t)args->depth * BENCH_BLOCK_SIZE);
	ret = uring_features_register(&v->f, &v->ring, v->bufs,
				      (size_t)args->depth * BENCH_BLOCK_SIZE);
	if (ret < 0) {
		fprintf(stderr, "registering features: %s\n", strerror(-ret));
		return -1;
	}
	v->rng = BENCH_SEED;
	return 0;
}

static void queue_read(struct vmm *v, unsigned int slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&v->ring);
	char *buf = v->bufs + (size_t)slot * BENCH_BLOCK_SIZE;
	uint64_t off = bench_offset(&v->rng, v->nblocks);

	if (v->f.fixed)
		io_uring_prep_read_fixed(sqe, 0, buf, BENCH_BLOCK_SIZE, off, 0);
	else
		io_uring_prep_read(sqe, 0, buf, BENCH_BLOCK_SIZE, off);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, slot);
	v->submitted++;
}

static int submit(struct vmm *v)
{
	int ret;

	if (!io_uring_sq_ready(&v->ring))
		return 0;
	/* A kernel thread that is awake submits without a system call. */
	if (!v->f.sqpoll ||
	    (IO_URING_READ_ONCE(*v->ring.sq.kflags) & IORING_SQ_NEED_WAKEUP))
		v->enters++;
	ret = io_uring_submit(&v->ring);
	if (ret < 0) {
		fprintf(stderr, "io_uring_submit: %s\n", strerror(-ret));
		return -1;
	}
	return 0;
}

/* Every completion there is, a replacement for each, one submit. */
static int handle_batch(struct vmm *v, const struct bench_args *args,
			bool *stop, unsigned int *checks, double deadline)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;

	/*
	 * With DEFER_TASKRUN completions reach the CQ only when the task
	 * asks; with COOP_TASKRUN they may wait for it (IORING_SQ_TASKRUN).
	 */
	if (v->f.defer || (v->f.coop && (IO_URING_READ_ONCE(*v->ring.sq.kflags) &
					 IORING_SQ_TASKRUN))) {
		v->enters++;
		if (io_uring_get_events(&v->ring) < 0)
			return -1;
	}
	io_uring_for_each_cqe(&v->ring, head, cqe) {
		if (cqe->res != (int)BENCH_BLOCK_SIZE) {
			fprintf(stderr, "read failed: %s\n", cqe->res < 0 ?
				strerror(-cqe->res) : "short read");
			return -1;
		}
		seen++;
		if (!*stop)
			*stop = bench_should_stop(args, v->submitted, checks,
						  deadline);
		if (*stop)
			v->inflight--;
		else
			queue_read(v, (unsigned int)cqe->user_data);
	}
	io_uring_cq_advance(&v->ring, seen);
	v->done += seen;
	return submit(v);
}

static int wait_event(struct vmm *v)
{
	struct pollfd p = { .fd = v->efd, .events = POLLIN };
	uint64_t val;

	while (poll(&p, 1, 5000) < 0)
		if (errno != EINTR)
			return -1;
	if (!(p.revents & POLLIN)) {
		fprintf(stderr, "no completion for 5 s\n");
		return -1;
	}
	if (read(v->efd, &val, sizeof(val)) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}

static int run(struct vmm *v, const struct bench_args *args, double *secs)
{
	unsigned int checks = 0;
	double start = bench_now(), deadline = start + args->seconds;
	bool stop = false;

	while (v->inflight < args->depth &&
	       !(args->count && v->submitted >= args->count))
		queue_read(v, v->inflight++);
	if (submit(v) < 0)
		return -1;
	while (v->inflight) {
		if (wait_event(v) < 0 ||
		    handle_batch(v, args, &stop, &checks, deadline) < 0)
			return -1;
	}
	*secs = bench_now() - start;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_args args;
	struct vmm v = { .efd = -1 };
	double secs = 0;

	if (bench_parse_args(&args, argc, argv) < 0)
		return 2;
	if (uring_features_parse(args.driver, &v.f) < 0) {
		fprintf(stderr, "uring-vmm is io_uring[+FEATURE...] only\n");
		return 2;
	}
	if (setup(&v, &args) < 0 || run(&v, &args, &secs) < 0)
		return 1;
	bench_report(&args, v.done, secs);
	printf("enters %llu per_io %.3f\n", (unsigned long long)v.enters,
	       v.done ? (double)v.enters / (double)v.done : 0.0);
	io_uring_queue_exit(&v.ring);
	close(v.efd);
	free(v.bufs);
	return 0;
}
