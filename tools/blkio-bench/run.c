/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "progress.h"
#include "run.h"
#include "signals.h"
#include "util.h"

static void barrier_init(pthread_barrier_t *b, unsigned count)
{
	int ret = pthread_barrier_init(b, NULL, count);

	if (ret != 0)
		die("pthread_barrier_init: %s", strerror(ret));
}

void run_setup(struct run *r, const struct bench_config *cfg,
	       struct target *t)
{
	unsigned n = cfg->num_threads;

	memset(r, 0, sizeof(*r));
	atomic_init(&r->ctl.stop, false);
	r->ctl.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (r->ctl.stop_fd < 0)
		die("eventfd: %s", strerror(errno));
	/* Offsets differ from run to run, like libblkio's example. */
	r->ctl.run_seed = now_ns() ^ ((uint64_t)getpid() << 40);
	barrier_init(&r->ctl.ready, n + 1);
	barrier_init(&r->ctl.go, n + 1);
	barrier_init(&r->ctl.drained, n);

	r->workers = calloc(n, sizeof(*r->workers));
	if (!r->workers)
		die("out of memory");
	r->num_workers = n;
	for (unsigned i = 0; i < n; i++)
		r->workers[i] = worker_create(cfg, &r->ctl,
					      target_queue(t, cfg, i), i,
					      target_buffer(t, cfg, i));
}

static void sleep_until(uint64_t deadline)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline / NSEC_PER_SEC),
		.tv_nsec = (long)(deadline % NSEC_PER_SEC),
	};

	/* EINTR is fine: the caller looks at the stop flag and the clock. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static void report_progress(struct run *r, struct progress *p,
			    uint64_t start, uint64_t now)
{
	uint64_t ios = 0, lat = 0;

	for (unsigned i = 0; i < r->num_workers; i++) {
		ios += atomic_load_explicit(&r->workers[i]->pub_ios,
					    memory_order_relaxed);
		lat += atomic_load_explicit(&r->workers[i]->pub_lat_ns,
					    memory_order_relaxed);
	}
	progress_tick(p, start, now, ios, lat);
}

static void wait_runtime(struct run *r, const struct bench_config *cfg,
			 uint64_t start)
{
	uint64_t deadline = start + cfg->runtime_secs * NSEC_PER_SEC;
	uint64_t tick = start + NSEC_PER_SEC;
	struct progress p;

	progress_init(&p, cfg, start);
	for (;;) {
		uint64_t now = now_ns();

		if (signals_stop_requested() || now >= deadline)
			break;
		if (now >= tick) {
			if (p.enabled)
				report_progress(r, &p, start, now);
			while (tick <= now)
				tick += NSEC_PER_SEC;
			continue;
		}
		sleep_until(tick < deadline ? tick : deadline);
	}
	progress_finish(&p);
}

static void stop_workers(struct run *r)
{
	uint64_t one = 1;

	atomic_store_explicit(&r->ctl.stop, true, memory_order_relaxed);
	if (write(r->ctl.stop_fd, &one, sizeof(one)) != sizeof(one))
		die("writing the stop eventfd: %s", strerror(errno));
}

void run_execute(struct run *r, const struct bench_config *cfg)
{
	sigset_t old;
	uint64_t start;

	/* Stop signals go to the main thread, which is waiting for them. */
	signals_block(&old);
	for (unsigned i = 0; i < r->num_workers; i++)
		worker_start(r->workers[i]);
	signals_restore(&old);

	pthread_barrier_wait(&r->ctl.ready);
	signals_set_running(true);
	start = now_ns();
	pthread_barrier_wait(&r->ctl.go);

	wait_runtime(r, cfg, start);
	stop_workers(r);
	for (unsigned i = 0; i < r->num_workers; i++)
		worker_join(r->workers[i]);
	signals_set_running(false);

	r->stopped_early = signals_stop_requested();
	if (r->stopped_early)
		fprintf(stderr, "Stopped early by a signal...\n");
}

void run_teardown(struct run *r)
{
	for (unsigned i = 0; i < r->num_workers; i++)
		worker_destroy(r->workers[i]);
	free(r->workers);
	pthread_barrier_destroy(&r->ctl.ready);
	pthread_barrier_destroy(&r->ctl.go);
	pthread_barrier_destroy(&r->ctl.drained);
	close(r->ctl.stop_fd);
}
