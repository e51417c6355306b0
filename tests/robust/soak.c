/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * soak: one thread per queue doing verified I/O (vio.c) on its own region
 * of a buffered scratch file (driver: BLKIO_TEST_DRIVER), while the main
 * thread keeps adding queues with blkio_add_queue() (starting a thread on
 * each), stopping threads and removing their queues with
 * blkio_remove_queue(), and reading "capacity" - instance calls racing
 * with I/O on other queues, as fio, ZFS and QEMU do.  The run (env BLKIO_SOAK_SECONDS, default 4) has two
 * halves; after each, all threads stop, all queues are removed, and the
 * resident set size is sampled: the second sample must not exceed the
 * first by more than 1 MiB (skipped under valgrind and sanitizers), and
 * the number of open descriptors must be the same.
 *
 * Also checked: add_queue returns the lowest free index, a removed index
 * has no queue, and after each thread stops its region of the file
 * (read without the library) matches that thread's shadow copy.
 */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "robust.h"
#include "test-driver.h"
#include "vio.h"

#define MAX_WORKERS	4
#define REGION_BLOCKS	512			/* 256 KiB per queue */
#define REGION_SIZE	(REGION_BLOCKS * VIO_BLOCK)
#define FILE_SIZE	(MAX_WORKERS * REGION_SIZE)
#define RSS_SLACK	(1u << 20)

struct worker {
	int idx;		/* queue index == region index */
	bool running;
	pthread_t thread;
	struct blkioq *q;
	atomic_bool stop;
	uint64_t seed;
	unsigned int zmodes;
	uint64_t ops;		/* requests completed in this run */
	uint8_t *shadow;	/* region contents; owned by the thread */
};

struct soak {
	struct blkio *b;
	uint64_t rng;
	uint64_t starts;	/* threads started */
	uint64_t ops;		/* requests completed by all threads */
	unsigned int zmodes;
	struct worker w[MAX_WORKERS];
};

static char *path;

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct vio_opts o = {
		.base = (uint64_t)w->idx * REGION_SIZE,
		.nr_blocks = REGION_BLOCKS,
		.shadow = w->shadow,
		.seed = w->seed,
		.max_depth = 32,
		.zmodes = w->zmodes,
		.use_fd = w->seed & 1,
	};
	struct vio *v = vio_new(w->q, &o);

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed))
		vio_step(v);
	vio_drain(v);
	vio_check_all_done(v);
	w->ops = vio_stats(v)->completed;
	vio_free(v);
	return NULL;
}

/*
 * The lowest index without a queue, which add_queue must return: worker
 * slots are 0 .. MAX_WORKERS - 1, and churn() removes what it adds.
 */
static int lowest_free(const struct soak *s)
{
	int i;

	for (i = 0; i < MAX_WORKERS; i++)
		if (!s->w[i].running)
			return i;
	return MAX_WORKERS;
}

static void start_worker(struct soak *s, int idx)
{
	struct worker *w = &s->w[idx];

	w->q = blkio_get_queue(s->b, idx);
	ck_assert_msg(w->q != NULL, "no queue %d", idx);
	atomic_store(&w->stop, false);
	w->seed = rb_rand(&s->rng);
	w->zmodes = s->zmodes;
	ck_assert_int_eq(pthread_create(&w->thread, NULL, worker_main, w), 0);
	w->running = true;
	s->starts++;
}

static void add_worker(struct soak *s)
{
	int want = lowest_free(s);
	int idx = blkio_add_queue(s->b);

	ck_assert_msg(idx >= 0, "add_queue: %d %s", idx, blkio_get_error_msg());
	ck_assert_msg(idx == want, "add_queue returned %d, lowest free is %d",
		      idx, want);
	start_worker(s, idx);
}

/* The region, read without the library, must equal the shadow copy. */
static void check_region(const struct worker *w)
{
	uint8_t *data = malloc(REGION_SIZE);
	int fd = open(path, O_RDONLY);
	long d;

	ck_assert(data && fd >= 0);
	ck_assert_int_eq(pread(fd, data, REGION_SIZE,
			       (off_t)w->idx * REGION_SIZE), REGION_SIZE);
	close(fd);
	d = rb_first_diff(data, w->shadow, REGION_SIZE);
	ck_assert_msg(d < 0, "queue %d region byte %ld is 0x%02x, expected "
		      "0x%02x", w->idx, d, data[d], w->shadow[d]);
	free(data);
}

static void stop_worker(struct soak *s, int idx)
{
	struct worker *w = &s->w[idx];
	int ret;

	atomic_store(&w->stop, true);
	ck_assert_int_eq(pthread_join(w->thread, NULL), 0);
	w->running = false;
	s->ops += w->ops;
	check_region(w);
	ret = blkio_remove_queue(s->b, idx);
	ck_assert_msg(ret == 0, "remove_queue(%d): %d %s", idx, ret,
		      blkio_get_error_msg());
	ck_assert_msg(blkio_get_queue(s->b, idx) == NULL,
		      "queue %d still there after removal", idx);
}

static void stop_all(struct soak *s)
{
	int i;

	for (i = 0; i < MAX_WORKERS; i++)
		if (s->w[i].running)
			stop_worker(s, i);
}

/*
 * Add a queue, do one read on it, remove it; a few times over.  Makes
 * leaks per queue (memory, ring or eventfd) big enough to see.
 */
static void churn(struct soak *s)
{
	struct blkio_completion c;
	char buf[512];
	int i, idx, n;

	for (i = 0; i < 8; i++) {
		int want = lowest_free(s);
		struct blkioq *q;

		idx = blkio_add_queue(s->b);
		ck_assert_msg(idx == want, "add_queue returned %d (%s), lowest "
			      "free is %d", idx, blkio_get_error_msg(), want);
		q = blkio_get_queue(s->b, idx);
		ck_assert_ptr_nonnull(q);
		blkioq_read(q, 0, buf, sizeof(buf), buf, 0);
		n = blkioq_do_io(q, &c, 1, 1, NULL);
		ck_assert_msg(n == 1 && c.ret == 0 && c.user_data == buf,
			      "read on added queue: %d %d", n, c.ret);
		ck_assert_int_eq(blkio_remove_queue(s->b, idx), 0);
	}
}

/* Capacity while other threads do I/O (QEMU reads it under I/O). */
static void check_capacity(struct soak *s)
{
	uint64_t cap = 0;
	int ret = blkio_get_uint64(s->b, "capacity", &cap);

	ck_assert_msg(ret == 0 && cap == FILE_SIZE, "capacity %d %llu", ret,
		      (unsigned long long)cap);
}

/* Add threads up to the maximum, then replace a random one, until @end. */
static void half(struct soak *s, double end)
{
	while (rb_now() < end) {
		if (lowest_free(s) < MAX_WORKERS)
			add_worker(s);
		else
			stop_worker(s, (int)rb_range(&s->rng, 0,
						     MAX_WORKERS - 1));
		check_capacity(s);
		churn(s);
		usleep((useconds_t)rb_range(&s->rng, 5000, 50000));
	}
	stop_all(s);
}

static void init(struct soak *s)
{
	uint8_t *all = malloc(FILE_SIZE);
	int fd, i;

	/* Probe first: it clobbers the first 4 KiB. */
	s->zmodes = rb_zeroes_modes(path);
	fd = open(path, O_WRONLY);
	ck_assert(all && fd >= 0);
	rb_fill(all, 0, FILE_SIZE, UINT64_MAX - 2);
	ck_assert_int_eq(pwrite(fd, all, FILE_SIZE, 0), FILE_SIZE);
	close(fd);
	for (i = 0; i < MAX_WORKERS; i++) {
		s->w[i].idx = i;
		s->w[i].shadow = malloc(REGION_SIZE);
		ck_assert_ptr_nonnull(s->w[i].shadow);
		memcpy(s->w[i].shadow, all + (size_t)i * REGION_SIZE,
		       REGION_SIZE);
	}
	free(all);
	s->rng = (uint64_t)rb_env_ll("BLKIO_ROBUST_SEED", 1);
	/* One queue from blkio_start, the others added at run time. */
	s->b = rb_start(path, false, 1, 16);
	start_worker(s, 0);
}

START_TEST(soak)
{
	double secs = (double)rb_env_ll("BLKIO_SOAK_SECONDS", 4);
	struct soak *s = calloc(1, sizeof(*s));
	uint64_t rss1, rss2;
	double t0 = rb_now();
	int i, fds1, fds2;

	ck_assert_ptr_nonnull(s);
	init(s);
	half(s, t0 + secs / 2);
	rss1 = rb_rss_bytes();
	fds1 = rb_count_fds();
	half(s, t0 + secs);
	rss2 = rb_rss_bytes();
	fds2 = rb_count_fds();

	printf("soak (%s): %.1f s, %llu threads started, %llu requests, RSS after "
	       "half 1: %llu KiB, after half 2: %llu KiB, open fds %d, %d\n",
	       test_driver_name(), rb_now() - t0, (unsigned long long)s->starts,
	       (unsigned long long)s->ops, (unsigned long long)rss1 >> 10,
	       (unsigned long long)rss2 >> 10, fds1, fds2);
	fflush(stdout);
	ck_assert_msg(s->starts > MAX_WORKERS, "no queue was ever replaced");
	ck_assert_msg(fds2 == fds1, "open fds went from %d to %d", fds1, fds2);
	if (rb_slow_runtime())
		printf("soak: RSS check skipped (valgrind or sanitizer)\n");
	else
		ck_assert_msg(rss2 <= rss1 + RSS_SLACK,
			      "RSS grew from %llu to %llu KiB",
			      (unsigned long long)rss1 >> 10,
			      (unsigned long long)rss2 >> 10);
	blkio_destroy(&s->b);
	for (i = 0; i < MAX_WORKERS; i++)
		free(s->w[i].shadow);
	free(s);
}
END_TEST

int main(void)
{
	SRunner *sr;
	Suite *s;
	TCase *tc;
	int failed;

	path = rb_scratch_file(FILE_SIZE);
	s = suite_create("soak");
	tc = tcase_create("threads");
	tcase_set_timeout(tc, (double)rb_env_ll("BLKIO_SOAK_SECONDS", 4) + 120);
	tcase_add_test(tc, soak);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* Worker threads report failures by ending the forked child. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rb_cleanup();
	return failed ? 1 : 0;
}
