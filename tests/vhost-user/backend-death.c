/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * A backend that dies: qemu-storage-daemon killed with SIGKILL while
 * requests are in flight, or while idle.  Every request completes
 * exactly once (with its result or -EIO), blkioq_do_io() returns, later
 * requests and control calls fail at once, and destroy cleans up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vu-test.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * n completions without a timeout: the call the driver's do_io_fast
 * takes, whose wait must notice the hang-up too.
 */
static void wait_n_no_timeout(struct blkioq *q, struct blkio_completion *c,
			      int n)
{
	int got, ret;

	for (got = 0; got < n; got += ret) {
		ret = blkioq_do_io(q, c + got, 1, n - got, NULL);
		ck_assert_msg(ret > 0, "do_io: %d %s", ret,
			      blkio_get_error_msg());
	}
}

/*
 * n completions, each exactly once, each 0 or -EIO with a message;
 * with a timeout (the general do_io) or without (do_io_fast).
 */
static void reap_all(struct blkioq *q, int n, bool timeout)
{
	struct blkio_completion *c = calloc(n, sizeof(*c));
	char *seen = calloc(n, 1);
	int i;

	if (timeout)
		vut_wait_n(q, c, n);
	else
		wait_n_no_timeout(q, c, n);
	for (i = 0; i < n; i++) {
		uintptr_t id = (uintptr_t)c[i].user_data;

		ck_assert(id >= 1 && id <= (uintptr_t)n && !seen[id - 1]);
		seen[id - 1] = 1;
		ck_assert_msg(c[i].ret == 0 || c[i].ret == -EIO,
			      "ret %d", c[i].ret);
		if (c[i].ret)
			ck_assert_ptr_nonnull(c[i].error_msg);
	}
	free(seen);
	free(c);
}

static void after_death(struct vut *t, struct blkioq *q)
{
	uint64_t cap;
	double t0;

	blkioq_read(q, 0, t->buf, 4096, t, 0);
	vut_wait(q, t, -EIO);
	ck_assert_int_lt(blkio_get_uint64(t->b, "capacity", &cap), 0);
	blkio_unmap_mem_region(t->b, &t->region);
	ck_assert_int_lt(blkio_map_mem_region(t->b, &t->region), 0);
	t0 = now();
	blkio_destroy(&t->b);
	ck_assert_msg(now() - t0 < 5, "destroy took %.1f s", now() - t0);
}

static void in_flight(bool poll, bool timeout)
{
	struct vut_opts o = { .num_queues = poll ? 0 : 1,
			      .num_poll_queues = poll ? 1 : 0,
			      .region_len = 64 << 20 };
	const int n = 64;
	struct blkioq *q;
	struct vut t;
	int i;

	vut_setup(&t, &o);
	q = poll ? blkio_get_poll_queue(t.b, 0) : blkio_get_queue(t.b, 0);
	for (i = 0; i < n; i++)
		blkioq_write(q, (uint64_t)i << 20, t.buf + ((size_t)i << 20),
			     1 << 20, (void *)(uintptr_t)(i + 1), 0);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	qsd_kill(&t.qsd);
	reap_all(q, n, timeout);
	after_death(&t, q);
	vut_teardown(&t);
}

START_TEST(death_in_flight)
{
	in_flight(false, true);
}
END_TEST

START_TEST(death_in_flight_no_timeout)
{
	in_flight(false, false);
}
END_TEST

START_TEST(death_in_flight_poll_queue)
{
	in_flight(true, true);
}
END_TEST

START_TEST(death_in_flight_poll_queue_no_timeout)
{
	in_flight(true, false);
}
END_TEST

/* Dead before the request: the wait notices the socket's hangup. */
static void idle(bool timeout)
{
	struct vut_opts o = { 0 };
	struct blkioq *q;
	struct vut t;

	vut_setup(&t, &o);
	q = blkio_get_queue(t.b, 0);
	qsd_kill(&t.qsd);
	blkioq_read(q, 0, t.buf, 4096, (void *)1, 0);
	reap_all(q, 1, timeout);
	after_death(&t, q);
	vut_teardown(&t);
}

START_TEST(death_idle)
{
	idle(true);
}
END_TEST

START_TEST(death_idle_no_timeout)
{
	idle(false);
}
END_TEST

/* A live backend: destroy waits for the requests it holds. */
START_TEST(destroy_in_flight)
{
	struct vut_opts o = { .region_len = 64 << 20 };
	struct blkioq *q;
	struct vut t;
	int i;

	vut_setup(&t, &o);
	q = blkio_get_queue(t.b, 0);
	for (i = 0; i < 64; i++)
		blkioq_read(q, (uint64_t)i << 20, t.buf + ((size_t)i << 20),
			    1 << 20, NULL, 0);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	blkio_destroy(&t.b);
	vut_teardown(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vhost-user-death");
	TCase *tc = tcase_create("death");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, death_in_flight);
	tcase_add_test(tc, death_in_flight_no_timeout);
	tcase_add_test(tc, death_in_flight_poll_queue);
	tcase_add_test(tc, death_in_flight_poll_queue_no_timeout);
	tcase_add_test(tc, death_idle);
	tcase_add_test(tc, death_idle_no_timeout);
	tcase_add_test(tc, destroy_in_flight);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
