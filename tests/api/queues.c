/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Queues (contract §5.5, §8.5): lookup, adding and removing, index reuse,
 * errors, and the completion fd of each queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "util.h"

/* Neither index space has anything at these indices. */
static void check_no_queues(struct blkio *b, int from)
{
	ck_assert_ptr_null(blkio_get_queue(b, -1));
	ck_assert_ptr_null(blkio_get_queue(b, INT_MIN));
	ck_assert_ptr_null(blkio_get_queue(b, from));
	ck_assert_ptr_null(blkio_get_queue(b, INT_MAX));
	ck_assert_ptr_null(blkio_get_poll_queue(b, -1));
	ck_assert_ptr_null(blkio_get_poll_queue(b, 0));
	ck_assert_ptr_null(blkio_get_poll_queue(b, INT_MAX));
}

START_TEST(get_before_start)
{
	struct blkio *b = api_create();

	check_no_queues(b, 0);
	blkio_destroy(&b);
	b = api_connect(false);
	check_no_queues(b, 0);
	blkio_destroy(&b);
}
END_TEST

START_TEST(get_after_start)
{
	struct blkio *b = api_start(false, 2);

	ck_assert_ptr_nonnull(blkio_get_queue(b, 0));
	ck_assert_ptr_nonnull(blkio_get_queue(b, 1));
	ck_assert_ptr_ne(blkio_get_queue(b, 0), blkio_get_queue(b, 1));
	/* Same pointer every time. */
	ck_assert_ptr_eq(blkio_get_queue(b, 1), blkio_get_queue(b, 1));
	check_no_queues(b, 2);
	blkio_destroy(&b);
}
END_TEST

START_TEST(add_before_start)
{
	struct blkio *b = api_create();

	ck_assert_err(blkio_add_queue(b), -EBUSY, "Device must be started");
	ck_assert_err(blkio_add_poll_queue(b), -EBUSY,
		      "Device must be started");
	blkio_destroy(&b);
	b = api_connect(false);
	ck_assert_err(blkio_add_queue(b), -EBUSY, "Device must be started");
	ck_assert_err(blkio_add_poll_queue(b), -EBUSY,
		      "Device must be started");
	blkio_destroy(&b);
}
END_TEST

START_TEST(remove_errors)
{
	struct blkio *b = api_create();

	ck_assert_err(blkio_remove_queue(b, 0), -ENOENT,
		      "no queue with index 0");
	ck_assert_err(blkio_remove_poll_queue(b, 0), -ENOENT,
		      "no queue with index 0");
	blkio_destroy(&b);

	b = api_connect(false);
	ck_assert_err(blkio_remove_queue(b, 0), -ENOENT,
		      "no queue with index 0");
	blkio_destroy(&b);

	b = api_start(false, 2);
	ck_assert_err(blkio_remove_queue(b, 2), -ENOENT,
		      "no queue with index 2");
	ck_assert_err(blkio_remove_queue(b, -1), -ENOENT,
		      "no queue with index -1");
	ck_assert_err(blkio_remove_queue(b, INT_MAX), -ENOENT,
		      "no queue with index 2147483647");
	ck_assert_err(blkio_remove_poll_queue(b, 0), -ENOENT,
		      "no queue with index 0");
	ck_assert_int_eq(blkio_remove_queue(b, 1), 0);
	ck_assert_err(blkio_remove_queue(b, 1), -ENOENT,
		      "no queue with index 1");
	/* The other index is not shifted. */
	ck_assert_ptr_nonnull(blkio_get_queue(b, 0));
	ck_assert_ptr_null(blkio_get_queue(b, 1));
	blkio_destroy(&b);
}
END_TEST

/* A removed slot is reused first; otherwise the index space grows. */
START_TEST(add_lowest_free_index)
{
	struct blkio *b = api_start(false, 2);
	struct blkioq *q1 = blkio_get_queue(b, 1);

	ck_assert_int_eq(blkio_remove_queue(b, 0), 0);
	ck_assert_ptr_null(blkio_get_queue(b, 0));
	ck_assert_ptr_eq(blkio_get_queue(b, 1), q1);
	ck_assert_int_eq(blkio_add_queue(b), 0);
	ck_assert_ptr_nonnull(blkio_get_queue(b, 0));
	ck_assert_int_eq(blkio_add_queue(b), 2);
	ck_assert_int_eq(blkio_add_queue(b), 3);
	ck_assert_int_eq(blkio_remove_queue(b, 2), 0);
	ck_assert_int_eq(blkio_remove_queue(b, 1), 0);
	ck_assert_int_eq(blkio_add_queue(b), 1);
	ck_assert_int_eq(blkio_add_queue(b), 2);
	ck_assert_int_eq(blkio_add_queue(b), 4);
	ck_assert_ptr_nonnull(blkio_get_queue(b, 4));
	ck_assert_ptr_null(blkio_get_queue(b, 5));
	blkio_destroy(&b);
}
END_TEST

START_TEST(start_with_zero_queues)
{
	struct blkio *b = api_start(false, 0);
	int n = -1;

	check_no_queues(b, 0);
	ck_assert_ok(blkio_get_int(b, "num-queues", &n));
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(blkio_add_queue(b), 0);
	ck_assert_ptr_nonnull(blkio_get_queue(b, 0));
	ck_assert_int_eq(blkio_remove_queue(b, 0), 0);
	check_no_queues(b, 0);
	blkio_destroy(&b);
}
END_TEST

/*
 * A device that cannot poll still gets poll queues, added at run time
 * too: they busy-poll an ordinary ring (libblkio refuses them).
 */
START_TEST(add_poll_queue_without_device_polling)
{
	struct blkio *b;
	bool v = true;

	API_SKIP_IF_REFERENCE("libblkio refuses poll queues here");
	b = api_start(false, 1);
	ck_assert_ok(blkio_get_bool(b, "supports-poll-queues", &v));
	ck_assert(!v);
	ck_assert_int_eq(blkio_add_poll_queue(b), 0);
	ck_assert_ptr_nonnull(blkio_get_poll_queue(b, 0));
	ck_assert_int_eq(blkioq_get_completion_fd(blkio_get_poll_queue(b, 0)),
			 -1);
	blkio_destroy(&b);
}
END_TEST

static void check_completion_fd(int fd)
{
	int fl;

	ck_assert_int_ge(fd, 0);
	fl = fcntl(fd, F_GETFL);
	ck_assert_int_ge(fl, 0);
	ck_assert_int_eq(fl & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	ck_assert_int_eq(api_fd_cloexec(fd), 1);
}

START_TEST(four_queues)
{
	struct blkio *b = api_start(false, 4);
	struct blkioq *q[4];
	int fd[4], i, j;

	for (i = 0; i < 4; i++) {
		q[i] = blkio_get_queue(b, i);
		ck_assert_ptr_nonnull(q[i]);
		fd[i] = blkioq_get_completion_fd(q[i]);
		check_completion_fd(fd[i]);
		/* Same fd on every call. */
		ck_assert_int_eq(blkioq_get_completion_fd(q[i]), fd[i]);
		for (j = 0; j < i; j++) {
			ck_assert_ptr_ne(q[i], q[j]);
			ck_assert_int_ne(fd[i], fd[j]);
		}
	}
	check_no_queues(b, 4);
	blkio_destroy(&b);
	for (i = 0; i < 4; i++)
		ck_assert(!api_fd_is_open(fd[i]));
}
END_TEST

/* An added queue has its own completion fd; removal closes it. */
START_TEST(added_queue_fd)
{
	struct blkio *b = api_start(false, 1);
	int fd0 = blkioq_get_completion_fd(blkio_get_queue(b, 0));
	int idx = blkio_add_queue(b);
	int fd1;

	ck_assert_int_eq(idx, 1);
	fd1 = blkioq_get_completion_fd(blkio_get_queue(b, idx));
	check_completion_fd(fd1);
	ck_assert_int_ne(fd0, fd1);
	ck_assert_int_eq(blkio_remove_queue(b, idx), 0);
	ck_assert(!api_fd_is_open(fd1));
	ck_assert(api_fd_is_open(fd0));
	blkio_destroy(&b);
	ck_assert(!api_fd_is_open(fd0));
}
END_TEST

/* A queue works after others were removed around it. */
START_TEST(queue_usable_after_removals)
{
	struct blkio *b = api_start(false, 3);
	struct blkio_completion c[2];
	struct blkioq *q;
	char buf[512];

	ck_assert_int_eq(blkio_remove_queue(b, 0), 0);
	ck_assert_int_eq(blkio_remove_queue(b, 2), 0);
	q = blkio_get_queue(b, 1);
	ck_assert_ptr_nonnull(q);
	blkioq_read(q, 0, buf, sizeof(buf), buf, 0);
	ck_assert_int_eq(blkioq_do_io(q, c, 1, 2, NULL), 1);
	ck_assert_ptr_eq(c[0].user_data, buf);
	ck_assert_int_eq(c[0].ret, 0);
	blkio_destroy(&b);
}
END_TEST

static Suite *queues_suite(void)
{
	Suite *s = suite_create("queues");
	TCase *tc = tcase_create("queues");

	tcase_add_test(tc, get_before_start);
	tcase_add_test(tc, get_after_start);
	tcase_add_test(tc, add_before_start);
	tcase_add_test(tc, remove_errors);
	tcase_add_test(tc, add_lowest_free_index);
	tcase_add_test(tc, start_with_zero_queues);
	tcase_add_test(tc, add_poll_queue_without_device_polling);
	tcase_add_test(tc, four_queues);
	tcase_add_test(tc, added_queue_fd);
	tcase_add_test(tc, queue_usable_after_removals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	api_init();
	api_require_io_uring();
	return api_run(queues_suite());
}
