/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkioq_do_io() timeouts (contract §8.3): the remaining time is written
 * back on success and on failure, expiry gives -ETIME with *timeout
 * zeroed, huge timeouts work, and completions reaped before an -ETIME are
 * not lost.  The request that does not complete is a read held back by
 * slowfs, an in-process FUSE server.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iotest.h"
#include "slowfs.h"

#define FILE_SIZE (1 << 20)
#define SLOW_OFF (512 * 1024)	/* reads from here on are held */
#define BLK 4096
#define NSEC 1000000000LL

static struct slowfs *fs;
static struct blkio *b;
static struct blkioq *q;
static uint8_t *buf;

static void setup(void)
{
	const struct iot_opts o = { .read_only = true };
	const char *why;

	ck_assert_int_eq(slowfs_start(&fs, iot_dir(), FILE_SIZE, &why), 0);
	b = iot_open(slowfs_path(fs), &o);
	q = blkio_get_queue(b, 0);
	ck_assert_ptr_nonnull(q);
	buf = iot_alloc(16 * BLK);
}

static void teardown(void)
{
	/* Let held reads finish before the ring goes away. */
	slowfs_cancel_timers(fs);
	slowfs_release(fs);
	blkio_destroy(&b);
	slowfs_stop(&fs);
	iot_free(buf);
}

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * NSEC + t->tv_nsec;
}

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ns(&t);
}

static void check_data(const uint8_t *p, size_t len, uint64_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		ck_assert_msg(p[i] == slowfs_byte(off + i),
			      "byte %zu of read at %llu differs", i,
			      (unsigned long long)off);
}

/* Held read of block @i of the slow area into buf block @i. */
static void queue_slow(int i, void *ud)
{
	blkioq_read(q, SLOW_OFF + (uint64_t)i * BLK, buf + i * BLK, BLK, ud, 0);
}

static void queue_fast(int i, void *ud)
{
	blkioq_read(q, (uint64_t)i * BLK, buf + i * BLK, BLK, ud, 0);
}

START_TEST(test_zero_timeout_polls)
{
	struct blkio_completion c[8];
	bool seen[8] = { false };
	int got = 0, ret, i, rounds = 0;

	for (i = 0; i < 8; i++)
		queue_fast(i, &seen[i]);
	while (got < 8) {
		struct timespec to = { 0, 0 };

		ret = blkioq_do_io(q, c, 0, 8, &to);
		ck_assert_msg(ret >= 0 && ret <= 8 - got, "do_io: %d %s", ret,
			      ret < 0 ? blkio_get_error_msg() : "");
		ck_assert_int_eq(to.tv_sec, 0);
		ck_assert_int_eq(to.tv_nsec, 0);
		for (i = 0; i < ret; i++) {
			bool *s = c[i].user_data;

			ck_assert(s >= seen && s < seen + 8 && !*s);
			*s = true;
			iot_assert_ok(&c[i], s);
		}
		got += ret;
		if (!ret) {
			struct timespec ms = { 0, 1000000 };

			ck_assert_msg(++rounds < 5000, "reads never completed");
			nanosleep(&ms, NULL);
		}
	}
	check_data(buf, 8 * BLK, 0);
}
END_TEST

START_TEST(test_remaining_written_back)
{
	struct blkio_completion c[8];
	struct timespec to = { 30, 0 };
	int64_t t0, elapsed;
	int ret;

	/* Fast requests, generous budget: most of it must be left. */
	for (int i = 0; i < 8; i++)
		queue_fast(i, buf + i);
	t0 = now_ns();
	ret = blkioq_do_io(q, c, 8, 8, &to);
	elapsed = now_ns() - t0;
	ck_assert_msg(ret == 8, "do_io: %d %s", ret, blkio_get_error_msg());
	ck_assert_int_ge(to.tv_nsec, 0);
	ck_assert_int_lt(to.tv_nsec, NSEC);
	ck_assert_int_le(ns(&to), 30 * NSEC);
	ck_assert_int_ge(ns(&to), 30 * NSEC - elapsed - NSEC / 100);

	/* A held read released after 200 ms: about that much is used. */
	to = (struct timespec){ 30, 0 };
	slowfs_hold_from(fs, SLOW_OFF);
	queue_slow(0, buf);
	slowfs_release_later(fs, 1, 200);
	t0 = now_ns();
	ret = blkioq_do_io(q, c, 1, 1, &to);
	elapsed = now_ns() - t0;
	ck_assert_msg(ret == 1, "do_io: %d %s", ret, blkio_get_error_msg());
	iot_assert_ok(&c[0], buf);
	ck_assert_int_ge(elapsed, 190 * 1000000LL);
	ck_assert_int_le(ns(&to), 30 * NSEC - 190 * 1000000LL);
	ck_assert_int_ge(ns(&to), 30 * NSEC - elapsed - NSEC / 100);
	check_data(buf, BLK, SLOW_OFF);
}
END_TEST

START_TEST(test_etime)
{
	struct blkio_completion c;
	struct timespec to = { 0, 150 * 1000000 };
	int64_t t0, elapsed;
	int ret;

	slowfs_hold_from(fs, SLOW_OFF);
	queue_slow(0, buf);
	t0 = now_ns();
	ret = blkioq_do_io(q, &c, 1, 1, &to);
	elapsed = now_ns() - t0;
	ck_assert_msg(ret == -ETIME, "do_io: %d, want -ETIME", ret);
	ck_assert_str_ne(blkio_get_error_msg(), "");
	ck_assert_int_eq(to.tv_sec, 0);
	ck_assert_int_eq(to.tv_nsec, 0);
	ck_assert_int_ge(elapsed, 140 * 1000000LL);
	ck_assert_int_eq(slowfs_held(fs), 1);

	/* A zero budget expires at once, still -ETIME. */
	ret = blkioq_do_io(q, &c, 1, 1, &to);
	ck_assert_int_eq(ret, -ETIME);
	ck_assert_int_eq(ns(&to), 0);

	/* Several short waits in a row; the request is still there. */
	for (int i = 0; i < 3; i++) {
		to = (struct timespec){ 0, 20 * 1000000 };
		ck_assert_int_eq(blkioq_do_io(q, &c, 1, 1, &to), -ETIME);
		ck_assert_int_eq(ns(&to), 0);
	}

	slowfs_release(fs);
	iot_wait1(q, &c);
	iot_assert_ok(&c, buf);
	check_data(buf, BLK, SLOW_OFF);
}
END_TEST

START_TEST(test_etime_keeps_reaped)
{
	struct blkio_completion c[8];
	struct timespec to = { 0, 100 * 1000000 };
	bool seen[6] = { false };
	int ret, i;

	/* Five fast reads complete; the held sixth makes min unreachable. */
	slowfs_hold_from(fs, SLOW_OFF);
	for (i = 0; i < 5; i++)
		queue_fast(i, &seen[i]);
	queue_slow(5, &seen[5]);
	ret = blkioq_do_io(q, c, 6, 8, &to);
	ck_assert_msg(ret == -ETIME, "do_io: %d, want -ETIME", ret);
	ck_assert_int_eq(ns(&to), 0);

	slowfs_release(fs);
	iot_wait_n(q, c, 6);
	for (i = 0; i < 6; i++) {
		bool *s = c[i].user_data;

		ck_assert_msg(s >= seen && s < seen + 6, "bad user_data %p",
			      c[i].user_data);
		ck_assert_msg(!*s, "completion %td returned twice", s - seen);
		*s = true;
		iot_assert_ok(&c[i], s);
	}
	check_data(buf, 5 * BLK, 0);
	check_data(buf + 5 * BLK, BLK, SLOW_OFF + 5 * BLK);
	/* Nothing more is pending. */
	ck_assert_int_eq(blkioq_do_io(q, c, 0, 8, NULL), 0);
}
END_TEST

START_TEST(test_huge_timeout)
{
	const struct timespec budgets[] = {
		{ LONG_MAX, 0 }, { LONG_MAX, NSEC - 1 }, { LONG_MAX / 2, 5 },
	};
	struct blkio_completion c;
	size_t i;
	int ret;

	slowfs_hold_from(fs, SLOW_OFF);
	for (i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		struct timespec to = budgets[i];

		queue_slow(0, buf);
		slowfs_release_later(fs, 1, 100);
		ret = blkioq_do_io(q, &c, 1, 1, &to);
		ck_assert_msg(ret == 1, "budget %zu: do_io %d %s", i, ret,
			      ret < 0 ? blkio_get_error_msg() : "");
		iot_assert_ok(&c, buf);
		ck_assert_int_ge(to.tv_sec, budgets[i].tv_sec - 60);
		ck_assert_int_le(to.tv_sec, budgets[i].tv_sec);
		ck_assert_int_ge(to.tv_nsec, 0);
		ck_assert_int_lt(to.tv_nsec, NSEC);
		slowfs_hold_from(fs, SLOW_OFF);
	}

	/* Nothing to wait for: returns at once with the budget intact. */
	struct timespec to = { LONG_MAX, 0 };

	ck_assert_int_eq(blkioq_do_io(q, &c, 0, 1, &to), 0);
	ck_assert_int_ge(to.tv_sec, LONG_MAX - 60);
}
END_TEST

START_TEST(test_invalid_timeout)
{
	struct blkio_completion c;
	struct timespec to;

	to = (struct timespec){ 0, NSEC };
	ck_assert_int_eq(blkioq_do_io(q, &c, 0, 1, &to), -EINVAL);
	ck_assert_str_eq(blkio_get_error_msg(),
			 "tv_nsec must be less than one second");
	to = (struct timespec){ 0, -1 };
	ck_assert_int_eq(blkioq_do_io(q, &c, 0, 1, &to), -EINVAL);
	ck_assert_str_eq(blkio_get_error_msg(),
			 "tv_nsec must be less than one second");
	to = (struct timespec){ -1, 0 };
	ck_assert_int_eq(blkioq_do_io(q, &c, 0, 1, &to), -EINVAL);
	ck_assert_str_eq(blkio_get_error_msg(), "tv_sec cannot be negative");

	/* Nothing was lost by the refused calls. */
	queue_fast(0, buf);
	to = (struct timespec){ 5, 0 };
	ck_assert_int_eq(blkioq_do_io(q, &c, 1, 1, &to), 1);
	iot_assert_ok(&c, buf);
}
END_TEST

static Suite *timeout_suite(void)
{
	Suite *s = suite_create("timeout");
	TCase *tc = tcase_create("timeout");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zero_timeout_polls);
	tcase_add_test(tc, test_remaining_written_back);
	tcase_add_test(tc, test_etime);
	tcase_add_test(tc, test_etime_keeps_reaped);
	tcase_add_test(tc, test_huge_timeout);
	tcase_add_test(tc, test_invalid_timeout);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct slowfs *probe;
	const char *why;

	/* Mounting once here turns a missing FUSE into a SKIP. */
	if (slowfs_start(&probe, iot_dir(), FILE_SIZE, &why) != 0)
		iot_skip(why);
	slowfs_stop(&probe);
	return iot_run(timeout_suite());
}
