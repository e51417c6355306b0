/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * single-issuer: each queue's ring belongs to the first thread that calls
 * blkioq_do_io() on it (IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN,
 * created disabled and enabled by that call).
 *
 *  - data: reads and writes complete with the right data, waiting in
 *    blkioq_do_io() and through the completion fd (an event loop reaping
 *    one completion per call, as QEMU does);
 *  - moved before use: a queue set up in one thread and first used in
 *    another works there;
 *  - another thread: once a queue has its owner, blkioq_do_io() from any
 *    other thread fails at once with -EEXIST and a message that names
 *    the property, and never hangs; the owner goes on working.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "test-driver.h"

#define BLK 4096
#define NR_BLOCKS 256
#define SIZE ((uint64_t)NR_BLOCKS * BLK)
#define DEPTH 16
#define SEED 9

static char *file;

static struct blkio *open_file(void)
{
	struct blkio *b;
	int ret;

	ck_assert_int_eq(blkio_create(test_driver_name(), &b), 0);
	ck_assert_int_eq(blkio_set_str(b, "path", file), 0);
	ret = blkio_set_bool(b, "single-issuer", true);
	ck_assert_msg(ret == 0, "single-issuer: %s", blkio_get_error_msg());
	ret = blkio_connect(b);
	ck_assert_msg(ret == 0, "connect: %s", blkio_get_error_msg());
	ret = blkio_start(b);
	ck_assert_msg(ret == 0, "start: %s", blkio_get_error_msg());
	return b;
}

/* DEPTH reads of consecutive blocks from first, checked. */
static void read_blocks(struct blkioq *q, uint8_t *buf, unsigned first)
{
	struct blkio_completion c[DEPTH];
	unsigned i;

	for (i = 0; i < DEPTH; i++)
		blkioq_read(q, (uint64_t)(first + i) * BLK, buf + i * BLK, BLK,
			    NULL, 0);
	iot_wait_n(q, c, DEPTH);
	for (i = 0; i < DEPTH; i++) {
		iot_assert_ok(&c[i], NULL);
		ck_assert_uint_eq(test_check(buf + i * BLK, BLK,
					    (uint64_t)(first + i) * BLK, SEED),
				  BLK);
	}
}

START_TEST(test_data)
{
	struct blkio *b = open_file();
	struct blkioq *q = blkio_get_queue(b, 0);
	uint8_t *buf = iot_alloc(DEPTH * BLK);
	struct blkio_completion c;
	unsigned done = 0, i;
	int fd;

	read_blocks(q, buf, 0);

	/* A write and its read back. */
	test_fill(buf, BLK, 5 * BLK, SEED + 1);
	blkioq_write(q, 5 * BLK, buf, BLK, NULL, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, NULL);
	memset(buf, 0, BLK);
	blkioq_read(q, 5 * BLK, buf, BLK, NULL, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, NULL);
	ck_assert_uint_eq(test_check(buf, BLK, 5 * BLK, SEED + 1), BLK);
	test_fill(buf, BLK, 5 * BLK, SEED);
	blkioq_write(q, 5 * BLK, buf, BLK, NULL, 0);
	iot_wait1(q, &c);

	/* The completion fd: submit-only calls, reap one per call. */
	fd = blkioq_get_completion_fd(q);
	ck_assert_int_ge(fd, 0);
	blkioq_set_completion_fd_enabled(q, true);
	for (i = 0; i < DEPTH; i++) {
		blkioq_read(q, (uint64_t)(32 + i) * BLK, buf + i * BLK, BLK,
			    (void *)(uintptr_t)i, 0);
		ck_assert_int_ge(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	}
	while (done < DEPTH) {
		ck_assert_msg(iot_fd_readable(fd, 5000), "no completion "
			      "signalled for 5 s (%u of %d done)", done, DEPTH);
		iot_drain_fd(fd);
		while (blkioq_do_io(q, &c, 0, 1, NULL) == 1) {
			unsigned slot = (unsigned)(uintptr_t)c.user_data;

			ck_assert_int_eq(c.ret, 0);
			ck_assert_uint_eq(test_check(buf + slot * BLK, BLK,
						    (uint64_t)(32 + slot) * BLK,
						    SEED), BLK);
			done++;
		}
	}
	free(buf);
	blkio_destroy(&b);
}
END_TEST

struct other {
	struct blkioq *q;
	uint8_t *buf;
	int ret;
	char msg[256];
};

static void *first_use(void *arg)
{
	struct other *o = arg;

	read_blocks(o->q, o->buf, 64);
	return NULL;
}

START_TEST(test_moved_before_use)
{
	struct blkio *b = open_file();
	struct other o = { .q = blkio_get_queue(b, 0) };
	pthread_t t;

	o.buf = iot_alloc(DEPTH * BLK);
	ck_assert_int_eq(pthread_create(&t, NULL, first_use, &o), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	free(o.buf);
	blkio_destroy(&b);
}
END_TEST

static void *intruder(void *arg)
{
	struct other *o = arg;
	struct blkio_completion c;

	blkioq_read(o->q, 0, o->buf, BLK, NULL, 0);
	o->ret = blkioq_do_io(o->q, &c, 1, 1, NULL);
	snprintf(o->msg, sizeof(o->msg), "%s", blkio_get_error_msg());
	return NULL;
}

START_TEST(test_other_thread)
{
	struct blkio *b = open_file();
	struct other o = { .q = blkio_get_queue(b, 0) };
	uint8_t *buf = iot_alloc(DEPTH * BLK);
	struct blkio_completion c;
	pthread_t t;

	read_blocks(o.q, buf, 0);	/* this thread owns the ring now */
	o.buf = iot_alloc(BLK);
	ck_assert_int_eq(pthread_create(&t, NULL, intruder, &o), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_msg(o.ret == -EEXIST, "do_io from another thread returned "
		      "%d (%s), not -EEXIST", o.ret, o.msg);
	ck_assert_msg(strstr(o.msg, "single-issuer"), "unclear message: %s",
		      o.msg);
	/* The intruder's read is queued: the owner submits and reaps it. */
	iot_wait1(o.q, &c);
	iot_assert_ok(&c, NULL);
	ck_assert_uint_eq(test_check(o.buf, BLK, 0, SEED), BLK);
	read_blocks(o.q, buf, 128);
	free(o.buf);
	free(buf);
	blkio_destroy(&b);
}
END_TEST

static void setup_file(void)
{
	file = iot_make_file("single", SIZE, SEED);
}

static void teardown_file(void)
{
	iot_remove_file(&file);
}

int main(void)
{
	Suite *s = suite_create("single-issuer");
	TCase *tc = tcase_create("owner");

	iot_require_property("single-issuer", "true");
	tcase_add_checked_fixture(tc, setup_file, teardown_file);
	tcase_add_test(tc, test_data);
	tcase_add_test(tc, test_moved_before_use);
	tcase_add_test(tc, test_other_thread);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return iot_run(s);
}
