/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * sq-poll-idle: a kernel thread submits each regular queue's requests
 * (IORING_SETUP_SQPOLL).  Requests must complete whether the thread is
 * awake or has gone idle (it must then be woken), waiting in
 * blkioq_do_io() and through the completion fd, and submit-only calls
 * must not strand a request.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iotest.h"
#include "test-driver.h"

#define BLK 4096
#define NR_BLOCKS 256
#define SIZE ((uint64_t)NR_BLOCKS * BLK)
#define DEPTH 8
#define SEED 13
#define IDLE_MS 20

static char *file;

static struct blkio *open_file(void)
{
	struct blkio *b;
	int ret;

	ck_assert_int_eq(blkio_create(test_driver_name(), &b), 0);
	ck_assert_int_eq(blkio_set_str(b, "path", file), 0);
	ck_assert_int_eq(blkio_set_bool(b, "read-only", true), 0);
	ret = blkio_set_int(b, "sq-poll-idle", IDLE_MS);
	ck_assert_msg(ret == 0, "sq-poll-idle: %s", blkio_get_error_msg());
	ret = blkio_connect(b);
	ck_assert_msg(ret == 0, "connect: %s", blkio_get_error_msg());
	ret = blkio_start(b);
	ck_assert_msg(ret == 0, "start: %s", blkio_get_error_msg());
	return b;
}

static void sleep_ms(int ms)
{
	struct timespec t = { 0, ms * 1000000L };

	nanosleep(&t, NULL);
}

static void check(const uint8_t *buf, unsigned block)
{
	ck_assert_uint_eq(test_check(buf, BLK, (uint64_t)block * BLK, SEED),
			  BLK);
}

START_TEST(test_wait_awake_and_idle)
{
	struct blkio *b = open_file();
	struct blkioq *q = blkio_get_queue(b, 0);
	uint8_t *buf = iot_alloc(DEPTH * BLK);
	struct blkio_completion c[DEPTH];
	unsigned round, i;

	for (round = 0; round < 6; round++) {
		/* Every other round after the thread went to sleep. */
		if (round & 1)
			sleep_ms(3 * IDLE_MS);
		for (i = 0; i < DEPTH; i++)
			blkioq_read(q, (uint64_t)(round * DEPTH + i) * BLK,
				    buf + i * BLK, BLK, NULL, 0);
		iot_wait_n(q, c, DEPTH);
		for (i = 0; i < DEPTH; i++) {
			iot_assert_ok(&c[i], NULL);
			check(buf + i * BLK, round * DEPTH + i);
		}
	}
	free(buf);
	blkio_destroy(&b);
}
END_TEST

START_TEST(test_completion_fd)
{
	struct blkio *b = open_file();
	struct blkioq *q = blkio_get_queue(b, 0);
	uint8_t *buf = iot_alloc(DEPTH * BLK);
	struct blkio_completion c;
	unsigned round, i, done;
	int fd = blkioq_get_completion_fd(q);

	ck_assert_int_ge(fd, 0);
	blkioq_set_completion_fd_enabled(q, true);
	for (round = 0; round < 4; round++) {
		if (round & 1)
			sleep_ms(3 * IDLE_MS);
		for (i = 0; i < DEPTH; i++) {
			blkioq_read(q, (uint64_t)(64 + i) * BLK, buf + i * BLK,
				    BLK, (void *)(uintptr_t)i, 0);
			ck_assert_int_ge(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
		}
		for (done = 0; done < DEPTH;) {
			ck_assert_msg(iot_fd_readable(fd, 5000), "no completion "
				      "signalled for 5 s (%u of %d done): the "
				      "thread was not woken", done, DEPTH);
			iot_drain_fd(fd);
			while (blkioq_do_io(q, &c, 0, 1, NULL) == 1) {
				i = (unsigned)(uintptr_t)c.user_data;
				iot_assert_ok(&c, c.user_data);
				check(buf + i * BLK, 64 + i);
				done++;
			}
		}
	}
	free(buf);
	blkio_destroy(&b);
}
END_TEST

static void setup_file(void)
{
	file = iot_make_file("sqpoll", SIZE, SEED);
}

static void teardown_file(void)
{
	iot_remove_file(&file);
}

int main(void)
{
	Suite *s = suite_create("sq-poll");
	TCase *tc = tcase_create("thread");

	iot_require_property("sq-poll-idle", "1");
	tcase_add_checked_fixture(tc, setup_file, teardown_file);
	tcase_add_test(tc, test_wait_awake_and_idle);
	tcase_add_test(tc, test_completion_fd);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return iot_run(s);
}
