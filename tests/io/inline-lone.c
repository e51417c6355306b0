/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * inline-lone-requests: on a file without NOWAIT support (here a zram
 * device of the test's own), blkioq_do_io() does a lone read or write it
 * is about to wait for itself instead of through an io_uring worker
 * thread (src/drivers/uring/uring-inline.c).
 *
 *  - data: reads, writes (some FUA), readv and writev one at a time,
 *    and a batch of eight at once, all land where they should (checked
 *    through the library and through a plain fd); also with the
 *    property off, when they all go through the ring (IOSQE_ASYNC);
 *  - bad buffer: a read into inaccessible memory completes with -EFAULT,
 *    and the queue goes on working;
 *  - no ring: 1000 reads at queue depth 1 make no io_uring_enter at all
 *    (counted by a seccomp listener) ...
 *  - ... and at least 900 with inline-lone-requests=false (so the count,
 *    and the property, are real);
 *  - a file with NOWAIT support (a loop device) keeps using the ring.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "iotest.h"
#include "loop.h"
#include "syscall-count.h"
#include "test-driver.h"
#include "zram.h"

#define BLK 4096
#define NR_BLOCKS 256
#define SIZE ((uint64_t)NR_BLOCKS * BLK)
#define SEED 23
#define COUNTED 1000

static struct zramdev zd;

static void setup_zram(void)
{
	const char *why;
	int ret = zram_attach(&zd, SIZE, &why);

	ck_assert_msg(ret == 0, "zram: %s (%s)", why, strerror(-ret));
}

static void teardown_zram(void)
{
	zram_detach(&zd);
}

static struct blkio *open_dev(const char *path, bool inline_lone)
{
	const struct iot_opts o = {
		.direct = true,
		.prop = "inline-lone-requests",
		.value = inline_lone ? "true" : "false",
	};

	return iot_open(path, &o);
}

static void run1(struct blkioq *q)
{
	struct blkio_completion c;

	iot_wait1(q, &c);
	iot_assert_ok(&c, NULL);
}

/* Block i's pattern, written one request at a time in four ways. */
static void write_blocks(struct blkioq *q, uint8_t *buf)
{
	for (unsigned i = 0; i < NR_BLOCKS; i++) {
		uint64_t off = (uint64_t)i * BLK;
		struct iovec iov[2] = {
			{ buf, BLK / 2 }, { buf + BLK / 2, BLK / 2 },
		};

		test_fill(buf, BLK, off, SEED);
		switch (i % 4) {
		case 0:
			blkioq_write(q, off, buf, BLK, NULL, 0);
			break;
		case 1:
			blkioq_write(q, off, buf, BLK, NULL, BLKIO_REQ_FUA);
			break;
		case 2:
			blkioq_writev(q, off, iov, 2, NULL, 0);
			break;
		default:
			blkioq_writev(q, off, iov, 2, NULL, BLKIO_REQ_FUA);
			break;
		}
		run1(q);
	}
}

/* Everything lands where it should, with or without the property. */
static void check_data(bool inline_lone)
{
	struct blkio *b = open_dev(zd.path, inline_lone);
	struct blkioq *q = blkio_get_queue(b, 0);
	uint8_t *buf = iot_alloc(8 * BLK);
	struct blkio_completion c[8];

	write_blocks(q, buf);
	iot_pread(zd.path, buf, BLK, 77 * BLK);
	ck_assert_msg(test_check(buf, BLK, 77 * BLK, SEED) == BLK,
		      "a write did not reach the device");
	for (unsigned i = 0; i < NR_BLOCKS; i++) {
		uint64_t off = (uint64_t)i * BLK;
		struct iovec iov[2] = {
			{ buf, BLK / 4 }, { buf + BLK / 4, 3 * BLK / 4 },
		};

		memset(buf, 0, BLK);
		if (i % 2)
			blkioq_readv(q, off, iov, 2, NULL, 0);
		else
			blkioq_read(q, off, buf, BLK, NULL, 0);
		run1(q);
		ck_assert_msg(test_check(buf, BLK, off, SEED) == BLK,
			      "block %u read back wrong", i);
	}
	/* Eight at once: not lone, they go through the ring. */
	memset(buf, 0, 8 * BLK);
	for (unsigned i = 0; i < 8; i++)
		blkioq_read(q, (uint64_t)(100 + i) * BLK, buf + i * BLK, BLK,
			    NULL, 0);
	iot_wait_n(q, c, 8);
	ck_assert_msg(test_check(buf, 8 * BLK, 100 * BLK, SEED) == 8 * BLK,
		      "a batch of eight read back wrong");
	iot_free(buf);
	blkio_destroy(&b);
}

START_TEST(test_data)
{
	check_data(true);
}
END_TEST

/* The ring path on such a file: every read and write IOSQE_ASYNC. */
START_TEST(test_data_ring)
{
	check_data(false);
}
END_TEST

START_TEST(test_bad_buffer)
{
	struct blkio *b = open_dev(zd.path, true);
	struct blkioq *q = blkio_get_queue(b, 0);
	void *none = mmap(NULL, BLK, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	uint8_t *buf = iot_alloc(BLK);
	struct blkio_completion c;

	ck_assert_ptr_ne(none, MAP_FAILED);
	blkioq_read(q, 0, none, BLK, NULL, 0);
	iot_wait1(q, &c);
	ck_assert_msg(c.ret == -EFAULT, "a read into inaccessible memory "
		      "completed with %d", c.ret);
	blkioq_read(q, 0, buf, BLK, NULL, 0);
	run1(q);
	munmap(none, BLK);
	iot_free(buf);
	blkio_destroy(&b);
}
END_TEST

/* io_uring_enter calls for COUNTED reads at queue depth 1 on path. */
static long enters_for_reads(const char *path, bool inline_lone)
{
	struct blkio *b = open_dev(path, inline_lone);
	struct blkioq *q = blkio_get_queue(b, 0);
	uint8_t *buf = iot_alloc(BLK);
	struct syscall_counter sc;
	const char *why;
	unsigned long n;

	/* The filter stays with this process: Check forks one per case. */
	why = syscall_counter_start(&sc, __NR_io_uring_enter);
	ck_assert_msg(!why, "counting io_uring_enter: %s", why);
	for (unsigned i = 0; i < COUNTED; i++) {
		blkioq_read(q, (uint64_t)(i * 37 % NR_BLOCKS) * BLK, buf, BLK,
			    NULL, 0);
		run1(q);
	}
	n = syscall_counter_read(&sc);
	printf("%s, inline-lone-requests=%d: %lu io_uring_enter for %u "
	       "reads\n", path, inline_lone, n, COUNTED);
	iot_free(buf);
	blkio_destroy(&b);
	return (long)n;
}

START_TEST(test_no_ring)
{
	long n = enters_for_reads(zd.path, true);

	ck_assert_msg(n <= COUNTED / 100, "%ld io_uring_enter for %d lone "
		      "reads on zram", n, COUNTED);
}
END_TEST

START_TEST(test_ring_when_off)
{
	long n = enters_for_reads(zd.path, false);

	ck_assert_msg(n >= COUNTED * 9 / 10, "only %ld "
		      "io_uring_enter for %d reads without "
		      "inline-lone-requests: the counter does not count",
		      n, COUNTED);
}
END_TEST

START_TEST(test_ring_with_nowait)
{
	struct loopdev ld;
	const char *why;
	long n;

	if (loop_attach(&ld, SIZE, SEED, &why) < 0) {
		iot_note_skip("loop device", why);
		return;
	}
	n = enters_for_reads(ld.path, true);
	ck_assert_msg(n >= COUNTED * 9 / 10, "only %ld "
		      "io_uring_enter for %d reads on a loop device, which "
		      "supports NOWAIT", n, COUNTED);
	loop_detach(&ld);
}
END_TEST

static Suite *inline_suite(void)
{
	Suite *s = suite_create("inline-lone-requests");
	TCase *tc = tcase_create("zram");

	tcase_add_checked_fixture(tc, setup_zram, teardown_zram);
	tcase_add_test(tc, test_data);
	tcase_add_test(tc, test_data_ring);
	/*
	 * valgrind reports the bad buffer, as it should; and it runs a
	 * seccomp-notified system call through its own machinery, one
	 * thread at a time: the counter would deadlock.
	 */
	if (iot_under_valgrind()) {
		iot_note_skip("bad buffer, io_uring_enter counts",
			      "not under valgrind");
	} else {
		tcase_add_test(tc, test_bad_buffer);
		tcase_add_test(tc, test_no_ring);
		tcase_add_test(tc, test_ring_when_off);
		tcase_add_test(tc, test_ring_with_nowait);
	}
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *why;

	iot_require_property("inline-lone-requests", "true");
	/* Each case adds its own device; see first whether one can be had. */
	if (zram_attach(&zd, SIZE, &why) < 0)
		iot_skip(why);
	zram_detach(&zd);
	return iot_run(inline_suite());
}
