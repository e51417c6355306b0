/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * uring-ref: the user-space limit for the workload the library is measured
 * on, written against liburing with nothing in between.
 *
 *   uring-ref PATH DEPTH COUNT[s] [direct|buffered [io_uring[+FEATURE...]]]
 *
 * Random 4 KiB reads over PATH, DEPTH in flight, the file registered as
 * fixed file 0, one buffer per request slot, IORING_OP_READ (no registered
 * buffers: the library does not register them either). Each round submits
 * everything queued and waits for at least one completion in one system
 * call, then resubmits a read for every completion reaped: the pattern
 * api-loop gets from blkioq_do_io(q, c, 1, depth, NULL).  FEATUREs
 * (uring-features.h) add kernel features, to compare with a library that
 * uses them.  Built a second time as uring-ref-async (URING_REF_ASYNC=1),
 * whose reads all go straight to an io_uring worker (IOSQE_ASYNC), as the
 * library's do on a file without NOWAIT support; a constant, so that
 * uring-ref itself stays the user-space limit it is, to the instruction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <liburing.h>

#include "common.h"
#include "uring-features.h"

#ifndef URING_REF_ASYNC
#define URING_REF_ASYNC 0
#endif

struct ref {
	struct io_uring ring;
	struct uring_features f;
	char *bufs;
	uint64_t nblocks;
	uint64_t rng;
	uint64_t submitted;
	uint64_t done;
	unsigned int inflight;
};

static int setup(struct ref *r, const struct bench_args *args)
{
	size_t len = (size_t)args->depth * BENCH_BLOCK_SIZE;
	int fd, ret;

	fd = bench_open_target(args, &r->nblocks);
	if (fd < 0)
		return -1;

	ret = uring_features_init(&r->f, args->depth, &r->ring);
	if (ret < 0) {
		fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-ret));
		goto out_close;
	}
	ret = io_uring_register_files(&r->ring, &fd, 1);
	if (ret < 0) {
		fprintf(stderr, "io_uring_register_files: %s\n", strerror(-ret));
		goto out_exit_ring;
	}
	/* The ring holds its own reference to the registered file. */
	close(fd);

	ret = posix_memalign((void **)&r->bufs, BENCH_BLOCK_SIZE, len);
	if (ret) {
		fprintf(stderr, "posix_memalign: %s\n", strerror(ret));
		io_uring_queue_exit(&r->ring);
		return -1;
	}
	memset(r->bufs, 0, len);
	ret = uring_features_register(&r->f, &r->ring, r->bufs, len);
	if (ret < 0) {
		fprintf(stderr, "registering features: %s\n", strerror(-ret));
		io_uring_queue_exit(&r->ring);
		return -1;
	}
	r->rng = BENCH_SEED;
	return 0;

out_exit_ring:
	io_uring_queue_exit(&r->ring);
out_close:
	close(fd);
	return -1;
}

/* The SQ has at least DEPTH entries, so a free SQE always exists. */
static void queue_read(struct ref *r, unsigned int slot)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	char *buf = r->bufs + (size_t)slot * BENCH_BLOCK_SIZE;
	uint64_t off = bench_offset(&r->rng, r->nblocks);

	if (r->f.fixed)
		io_uring_prep_read_fixed(sqe, 0, buf, BENCH_BLOCK_SIZE, off, 0);
	else
		io_uring_prep_read(sqe, 0, buf, BENCH_BLOCK_SIZE, off);
	sqe->flags |= IOSQE_FIXED_FILE;
	if (URING_REF_ASYNC)
		sqe->flags |= IOSQE_ASYNC;
	io_uring_sqe_set_data64(sqe, slot);
	r->submitted++;
}

/* Reaps every CQE available and resubmits into the freed slots. */
static int reap(struct ref *r, const struct bench_args *args, bool *stop,
		unsigned int *checks, double deadline)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;

	io_uring_for_each_cqe(&r->ring, head, cqe) {
		if (cqe->res != (int)BENCH_BLOCK_SIZE) {
			fprintf(stderr, "read failed: %s\n", cqe->res < 0 ?
				strerror(-cqe->res) : "short read");
			return -1;
		}
		seen++;
		if (!*stop)
			*stop = bench_should_stop(args, r->submitted, checks,
						  deadline);
		if (*stop)
			r->inflight--;
		else
			queue_read(r, (unsigned int)cqe->user_data);
	}
	io_uring_cq_advance(&r->ring, seen);
	r->done += seen;
	return 0;
}

static int run(struct ref *r, const struct bench_args *args, double *secs)
{
	unsigned int checks = 0;
	double start, deadline;
	bool stop = false;
	int ret;

	start = bench_now();
	deadline = start + args->seconds;
	while (r->inflight < args->depth &&
	       !(args->count && r->submitted >= args->count)) {
		queue_read(r, r->inflight);
		r->inflight++;
	}
	while (r->inflight) {
		ret = io_uring_submit_and_wait(&r->ring, 1);
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			fprintf(stderr, "io_uring_submit_and_wait: %s\n",
				strerror(-ret));
			return -1;
		}
		if (reap(r, args, &stop, &checks, deadline) < 0)
			return -1;
	}
	*secs = bench_now() - start;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_args args;
	struct ref r = { 0 };
	double secs = 0;
	int ret;

	if (bench_parse_args(&args, argc, argv) < 0)
		return 2;
	if (uring_features_parse(args.driver, &r.f) < 0) {
		fprintf(stderr, "uring-ref is io_uring[+FEATURE...] only, not "
			"%s\n", args.driver);
		return 2;
	}
	if (setup(&r, &args) < 0)
		return 1;
	ret = run(&r, &args, &secs);
	io_uring_queue_exit(&r.ring);
	free(r.bufs);
	if (ret < 0)
		return 1;
	bench_report(&args, r.done, secs);
	return 0;
}
