/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Poll queues (contract §5.5, §8.1): a poll queue has no completion fd,
 * poll queues have their own index space, and a signal mask is refused
 * on one.  Our io_uring driver makes poll queues on every device (an
 * IOPOLL ring where the device polls, a busy-polled ordinary ring
 * elsewhere); libblkio makes them where its probe claims support (an
 * O_DIRECT file).  Where none can be made the program exits 77 rather
 * than pass without having made a poll queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

static struct blkio *start_with_poll_queue(void)
{
	struct blkio *b = api_connect(true);

	ck_assert_ok(blkio_set_int(b, "num-poll-queues", 1));
	ck_assert_ok(blkio_start(b));
	return b;
}

START_TEST(poll_queue_basics)
{
	struct blkio *b = start_with_poll_queue();
	struct blkioq *pq;
	int idx;

	pq = blkio_get_poll_queue(b, 0);
	ck_assert_ptr_nonnull(pq);
	ck_assert_ptr_null(blkio_get_poll_queue(b, 1));
	ck_assert_ptr_ne(pq, blkio_get_queue(b, 0));
	ck_assert_int_eq(blkioq_get_completion_fd(pq), -1);
	/* Separate index space from regular queues. */
	idx = blkio_add_poll_queue(b);
	ck_assert_int_eq(idx, 1);
	ck_assert_int_eq(blkioq_get_completion_fd(blkio_get_poll_queue(b, 1)),
			 -1);
	ck_assert_int_eq(blkio_add_queue(b), 1);
	ck_assert_int_eq(blkio_remove_poll_queue(b, 0), 0);
	ck_assert_ptr_null(blkio_get_poll_queue(b, 0));
	ck_assert_ptr_nonnull(blkio_get_queue(b, 0));
	ck_assert_err(blkio_remove_poll_queue(b, 0), -ENOENT,
		      "no queue with index 0");
	ck_assert_int_eq(blkio_add_poll_queue(b), 0);
	blkio_destroy(&b);
}
END_TEST

START_TEST(interruptible_poll_queue)
{
	struct blkio *b = start_with_poll_queue();
	struct blkio_completion c;
	struct blkioq *pq;
	sigset_t set;

	pq = blkio_get_poll_queue(b, 0);
	ck_assert_ptr_nonnull(pq);
	sigemptyset(&set);
	ck_assert_err(blkioq_do_io_interruptible(pq, &c, 0, 1, NULL, &set),
		      -ENOTSUP,
		      "blkioq_do_io_interruptible() is not supported on poll queues");
	/* Without a mask it is accepted. */
	ck_assert_int_eq(blkioq_do_io_interruptible(pq, &c, 0, 1, NULL, NULL),
			 0);
	ck_assert_int_eq(blkioq_do_io(pq, &c, 0, 1, NULL), 0);
	blkio_destroy(&b);
}
END_TEST

/*
 * Outside Check, so without ck_assert: whether an O_DIRECT instance on
 * the scratch file starts with a poll queue.  Exits 77 when it refuses,
 * and 1 when the question cannot even be asked.
 */
static void require_poll_queues(void)
{
	struct blkio *b = NULL;
	int ret;

	ret = blkio_create("io_uring", &b);
	if (ret == 0)
		ret = blkio_set_str(b, "path", api_file());
	if (ret == 0)
		ret = blkio_set_bool(b, "direct", true);
	if (ret == 0)
		ret = blkio_connect(b);
	if (ret == 0)
		ret = blkio_set_int(b, "num-poll-queues", 1);
	if (ret < 0) {
		printf("FAIL: connecting to %s with direct=true: %d (%s)\n",
		       api_file(), ret, blkio_get_error_msg());
		if (b)	/* libblkio crashes on a NULL *bp */
			blkio_destroy(&b);
		exit(EXIT_FAILURE);
	}
	ret = blkio_start(b);
	blkio_destroy(&b);
	if (ret < 0)
		api_skip("no poll queue can be made on an O_DIRECT file in "
			 "BLKIO_TEST_DIR: blkio_start() refused it");
}

static Suite *poll_queues_suite(void)
{
	Suite *s = suite_create("poll-queues");
	TCase *tc = tcase_create("poll-queues");

	tcase_add_test(tc, poll_queue_basics);
	tcase_add_test(tc, interruptible_poll_queue);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	api_init();
	api_require_io_uring();
	require_poll_queues();
	return api_run(poll_queues_suite());
}
