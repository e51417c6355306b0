/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * One worker thread per queue: it keeps iodepth requests in flight on its
 * own queue and records what it sees in its own statistics.  Nothing on
 * the request path allocates, locks or makes a system call beyond the
 * library's do_io and, in event mode, the epoll wait and eventfd read.
 */
#ifndef BENCH_WORKER_H
#define BENCH_WORKER_H

#include <blkio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "stats.h"
#include "workload.h"

/* Shared by the main thread and all workers of one run. */
struct run_control {
	atomic_bool stop;
	int stop_fd;			/* eventfd, readable once stop is set */
	pthread_barrier_t ready;	/* workers set up (and filled) */
	pthread_barrier_t go;		/* main thread starts the clock */
	pthread_barrier_t drained;	/* nothing in flight anywhere */
	uint64_t run_seed;
};

struct request {
	uint64_t start_ns;
	uint64_t offset;
	char *buf;
	bool is_read;
};

struct worker {
	const struct bench_config *cfg;
	struct run_control *run;
	struct blkioq *q;
	unsigned index;
	char *buf;			/* iodepth blocks, inside the region */
	struct request *reqs;
	struct blkio_completion *comps;
	unsigned inflight;
	int epfd;			/* event mode only, else -1 */
	int completion_fd;
	struct workload wl;
	uint64_t filled;		/* blocks written by the fill pass */
	uint64_t read_back;		/* blocks checked after the run */
	pthread_t thread;
	struct bench_stats stats;

	/* Read by the progress line; written only by this worker. */
	_Alignas(64) _Atomic uint64_t pub_ios;
	_Atomic uint64_t pub_lat_ns;
};

/* Allocate and set up worker index on queue q; dies on failure. */
struct worker *worker_create(const struct bench_config *cfg,
			     struct run_control *run, struct blkioq *q,
			     unsigned index, char *buf);
void worker_start(struct worker *w);
void worker_join(struct worker *w);
void worker_destroy(struct worker *w);

#endif /* BENCH_WORKER_H */
