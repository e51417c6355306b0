/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * aio-ref: the workload of uring-ref through kernel AIO with nothing in
 * between: what the linux-aio driver and fio's libaio engine are measured
 * against.
 *
 *   aio-ref PATH DEPTH COUNT[s] [direct|buffered [linux-aio[+busy=NS]]]
 *
 * Random 4 KiB reads over PATH, DEPTH in flight, one buffer per request
 * slot, IOCB_CMD_PREAD.  Each round submits everything queued in one
 * io_submit and waits for at least one completion in io_getevents
 * (min_nr 1, nr DEPTH), then queues a read for every event: the pattern of
 * fio's libaio engine with iodepth_batch_complete_min=1.
 *
 * busy=NS spends NS nanoseconds of user-space CPU between the two system
 * calls of every round, doing nothing.  On a virtual machine whose idle
 * vCPUs halt at once (guest_halt_poll_ns=0) a program that sleeps less
 * often runs faster; this shows how much (docs/performance.md).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/aio_abi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

struct ref {
	aio_context_t ctx;
	int fd;
	char *bufs;
	struct iocb *iocbs;	/* one per slot */
	struct iocb **queued;	/* what the next io_submit takes */
	struct io_event *events;
	unsigned int nqueued;
	uint64_t nblocks;
	uint64_t rng;
	uint64_t submitted;
	uint64_t done;
	unsigned int inflight;
	double busy_s;
};

/* "linux-aio" or "linux-aio+busy=NS". */
static int parse_driver(struct ref *r, const char *driver)
{
	const char *busy = "linux-aio+busy=";
	char *end;
	long ns;

	if (strcmp(driver, "linux-aio") == 0)
		return 0;
	if (strncmp(driver, busy, strlen(busy)) != 0)
		return -1;
	ns = strtol(driver + strlen(busy), &end, 10);
	if (*end || ns < 0)
		return -1;
	r->busy_s = (double)ns * 1e-9;
	return 0;
}

static void *alloc_array(unsigned int n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		fprintf(stderr, "out of memory\n");
	return p;
}

static int setup(struct ref *r, const struct bench_args *args)
{
	size_t len = (size_t)args->depth * BENCH_BLOCK_SIZE;
	int ret;

	r->fd = bench_open_target(args, &r->nblocks);
	if (r->fd < 0)
		return -1;
	if (syscall(SYS_io_setup, args->depth, &r->ctx) < 0) {
		fprintf(stderr, "io_setup: %s\n", strerror(errno));
		return -1;
	}
	ret = posix_memalign((void **)&r->bufs, BENCH_BLOCK_SIZE, len);
	if (ret) {
		fprintf(stderr, "posix_memalign: %s\n", strerror(ret));
		return -1;
	}
	memset(r->bufs, 0, len);
	r->iocbs = alloc_array(args->depth, sizeof(*r->iocbs));
	r->queued = alloc_array(args->depth, sizeof(*r->queued));
	r->events = alloc_array(args->depth, sizeof(*r->events));
	if (!r->iocbs || !r->queued || !r->events)
		return -1;
	r->rng = BENCH_SEED;
	return 0;
}

static void teardown(struct ref *r)
{
	if (r->ctx)
		syscall(SYS_io_destroy, r->ctx);
	if (r->fd >= 0)
		close(r->fd);
	free(r->bufs);
	free(r->iocbs);
	free(r->queued);
	free(r->events);
}

static void queue_read(struct ref *r, unsigned int slot)
{
	struct iocb *cb = &r->iocbs[slot];

	*cb = (struct iocb){
		.aio_data = slot,
		.aio_lio_opcode = IOCB_CMD_PREAD,
		.aio_fildes = (uint32_t)r->fd,
		.aio_buf = (uintptr_t)(r->bufs +
				       (size_t)slot * BENCH_BLOCK_SIZE),
		.aio_nbytes = BENCH_BLOCK_SIZE,
		.aio_offset = (int64_t)bench_offset(&r->rng, r->nblocks),
	};
	r->queued[r->nqueued++] = cb;
	r->submitted++;
}

static int submit(struct ref *r)
{
	long n;

	if (!r->nqueued)
		return 0;
	n = syscall(SYS_io_submit, r->ctx, (long)r->nqueued, r->queued);
	if (n != (long)r->nqueued) {
		fprintf(stderr, "io_submit: %s\n",
			n < 0 ? strerror(errno) : "took fewer than given");
		return -1;
	}
	r->nqueued = 0;
	return 0;
}

static void spend(double seconds)
{
	double until = bench_now() + seconds;

	while (bench_now() < until)
		;
}

/* Waits for at least one event and queues a read into each freed slot. */
static int reap(struct ref *r, const struct bench_args *args, bool *stop,
		unsigned int *checks, double deadline)
{
	long n, i;

	do {
		n = syscall(SYS_io_getevents, r->ctx, 1L, (long)args->depth,
			    r->events, NULL);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		fprintf(stderr, "io_getevents: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (r->events[i].res != (int64_t)BENCH_BLOCK_SIZE) {
			fprintf(stderr, "read failed: %s\n",
				r->events[i].res < 0 ?
				strerror((int)-r->events[i].res) :
				"short read");
			return -1;
		}
		if (!*stop)
			*stop = bench_should_stop(args, r->submitted, checks,
						  deadline);
		if (*stop)
			r->inflight--;
		else
			queue_read(r, (unsigned int)r->events[i].data);
	}
	r->done += (uint64_t)n;
	return 0;
}

static int run(struct ref *r, const struct bench_args *args, double *secs)
{
	unsigned int checks = 0;
	double start = bench_now(), deadline = start + args->seconds;
	bool stop = false;

	while (r->inflight < args->depth &&
	       !(args->count && r->submitted >= args->count)) {
		queue_read(r, r->inflight);
		r->inflight++;
	}
	while (r->inflight) {
		if (submit(r) < 0)
			return -1;
		if (r->busy_s > 0)
			spend(r->busy_s);
		if (reap(r, args, &stop, &checks, deadline) < 0)
			return -1;
	}
	*secs = bench_now() - start;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_args args;
	struct ref r = { .fd = -1 };
	double secs = 0;
	int ret;

	if (bench_parse_args(&args, argc, argv) < 0)
		return 2;
	if (argc < 6)	/* common.c's default driver is io_uring */
		args.driver = "linux-aio";
	if (parse_driver(&r, args.driver) < 0) {
		fprintf(stderr, "aio-ref takes linux-aio[+busy=NS], not %s\n",
			args.driver);
		return 2;
	}
	ret = setup(&r, &args) < 0 ? -1 : run(&r, &args, &secs);
	teardown(&r);
	if (ret < 0)
		return 1;
	bench_report(&args, r.done, secs);
	return 0;
}
