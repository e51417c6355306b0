/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * blkio_destroy() and blkio_remove_queue() with requests in flight: many
 * reads outstanding (held by slowfs, more than num-entries, so some wait
 * in the library's backlog), then the instance or the queue goes away.
 * Nothing may crash or leak (the ASan and valgrind runs check the leaks),
 * the other queue keeps working, and the call waits for the kernel to be
 * done with the requests (kernel AIO's io_destroy; io_uring: cancel, then
 * reap every CQE before closing the ring): no buffer may be written after
 * it returned.  The buffers are poisoned right after it and must still be
 * poisoned once the held reads were answered.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iotest.h"
#include "slowfs.h"
#include "test-driver.h"

#define FILE_SIZE (1 << 20)
#define SLOW_OFF (512 * 1024)	/* reads from here on are held */
#define BLK 4096
/*
 * FUSE answers at most max_background (12) requests at a time and makes
 * the next submitter wait for a slot: keep what the kernel holds below
 * that (io_uring: at most twice num-entries in flight), the rest waits in
 * the library's backlog.
 */
#define NR_READS 32
#define ENTRIES 4
#define RELEASE_MS 300
#define POISON 0xee

static struct slowfs *fs;
static uint8_t *buf;

static void setup(void)
{
	const char *why;

	ck_assert_int_eq(slowfs_start(&fs, iot_dir(), FILE_SIZE, &why), 0);
	buf = iot_alloc((size_t)NR_READS * BLK);
}

static void teardown(void)
{
	slowfs_cancel_timers(fs);
	slowfs_stop(&fs);
	iot_free(buf);
}

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/*
 * NR_READS held reads on q; returns once the first reached the server
 * and do_io has submitted what the queue holds.
 */
static void queue_held_reads(struct blkioq *q)
{
	int i;

	slowfs_hold_from(fs, SLOW_OFF);
	for (i = 0; i < NR_READS; i++)
		blkioq_read(q, SLOW_OFF + (uint64_t)i * BLK, buf + i * BLK,
			    BLK, buf + i * BLK, 0);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	ck_assert_msg(slowfs_wait_held(fs, 1, 5000),
		      "no read reached slowfs within 5 s");
}

/*
 * After the teardown returned: poison the buffers, let every held read be
 * answered, and check nothing was written into them.
 */
static void check_no_late_writes(const char *what)
{
	size_t i;

	memset(buf, POISON, (size_t)NR_READS * BLK);
	slowfs_release(fs);
	sleep_ms(RELEASE_MS);
	for (i = 0; i < (size_t)NR_READS * BLK; i++)
		ck_assert_msg(buf[i] == POISON, "%s: buffer byte %zu (read %zu) "
			      "written after the call returned", what, i,
			      i / BLK);
}

START_TEST(test_destroy_in_flight)
{
	const struct iot_opts o = { .read_only = true,
				    .num_entries = ENTRIES };
	struct blkio *b = iot_open(slowfs_path(fs), &o);
	int64_t t0, took;

	queue_held_reads(blkio_get_queue(b, 0));
	/* The server answers while (or after) destroy runs. */
	slowfs_release_later(fs, 1, RELEASE_MS);
	t0 = now_ms();
	blkio_destroy(&b);
	took = now_ms() - t0;
	ck_assert_ptr_null(b);
	printf("destroy with %d reads outstanding took %lld ms\n", NR_READS,
	       (long long)took);
	ck_assert_msg(took >= RELEASE_MS / 2, "destroy returned after "
		      "%lld ms while the server still held the reads",
		      (long long)took);
	check_no_late_writes("destroy");
}
END_TEST

START_TEST(test_remove_queue_in_flight)
{
	const struct iot_opts o = { .read_only = true,
				    .num_entries = ENTRIES,
				    .num_queues = 2 };
	struct blkio_completion c;
	struct blkioq *q1;
	uint8_t *other;
	struct blkio *b;
	size_t i;

	if (iot_max_queues(2) < 2) {
		iot_note_skip("remove_queue_in_flight", "it needs a second "
			      "queue; the export has 1");
		return;
	}
	b = iot_open(slowfs_path(fs), &o);
	other = iot_alloc(BLK);

	queue_held_reads(blkio_get_queue(b, 0));
	slowfs_release_later(fs, 1, RELEASE_MS);
	ck_assert_int_eq(blkio_remove_queue(b, 0), 0);
	ck_assert_ptr_null(blkio_get_queue(b, 0));
	check_no_late_writes("remove_queue");

	/* The other queue is untouched and works. */
	q1 = blkio_get_queue(b, 1);
	ck_assert_ptr_nonnull(q1);
	blkioq_read(q1, 0, other, BLK, other, 0);
	iot_wait1(q1, &c);
	iot_assert_ok(&c, other);
	for (i = 0; i < BLK; i++)
		ck_assert_int_eq(other[i], slowfs_byte(i));
	blkio_destroy(&b);
	iot_free(other);
}
END_TEST

static Suite *destroy_suite(void)
{
	Suite *s = suite_create("destroy");
	TCase *tc = tcase_create("in-flight");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_destroy_in_flight);
	tcase_add_test(tc, test_remove_queue_in_flight);
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
	return iot_run(destroy_suite());
}
