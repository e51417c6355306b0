/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Poll queues where the device cannot poll (a regular file, a loop
 * device: queue/io_poll is 0).  supports-poll-queues is false there
 * (design §4: the property tells the truth, where libblkio's probe says
 * true with direct=true), yet a driver that serves poll queues never
 * refuses them: the io_uring driver busy-polls an ordinary ring
 * ("poll-queue-mode" is "busy-poll"), so num-poll-queues > 0 starts and
 * every read and write on such a queue completes, data intact, with no
 * completion fd.  A driver without poll queues (linux-aio) refuses them
 * at start and in blkio_add_poll_queue() with -EINVAL.
 *
 * Polled I/O on a device that really polls (IOPOLL) is pollqueues.c's,
 * which skips where there is none, and the VM test world's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "iotest.h"
#include "loop.h"
#include "test-driver.h"

#define SIZE (1 << 20)
#define SEED 7

static char *path;
static struct loopdev ld;

static struct blkio *connect_to(const char *p, bool direct)
{
	struct blkio *bb;

	ck_assert_int_eq(blkio_create(test_driver_name(), &bb), 0);
	ck_assert_int_eq(blkio_set_str(bb, "path", p), 0);
	ck_assert_int_eq(blkio_set_bool(bb, "direct", direct), 0);
	ck_assert_msg(blkio_connect(bb) == 0, "connect %s: %s", p,
		      blkio_get_error_msg());
	return bb;
}

static void check_property(struct blkio *bb, const char *p, bool direct)
{
	bool sup = true;

	ck_assert_int_eq(blkio_get_bool(bb, "supports-poll-queues", &sup), 0);
	ck_assert_msg(!sup, "%s (direct=%d): supports-poll-queues is true",
		      p, direct);
}

/* linux-aio and the like: poll queues are refused, regular ones work. */
static void check_refused(const char *p, bool direct)
{
	struct blkio *bb = connect_to(p, direct);

	check_property(bb, p, direct);
	ck_assert_int_eq(blkio_set_int(bb, "num-poll-queues", 1), 0);
	ck_assert_int_eq(blkio_start(bb), -EINVAL);
	ck_assert_ptr_nonnull(strstr(blkio_get_error_msg(),
				     "Poll queues not supported"));
	blkio_destroy(&bb);

	bb = connect_to(p, direct);
	ck_assert_int_eq(blkio_start(bb), 0);
	ck_assert_int_eq(blkio_add_poll_queue(bb), -EINVAL);
	ck_assert_ptr_null(blkio_get_poll_queue(bb, 0));
	ck_assert_int_eq(blkio_add_queue(bb), 1);
	blkio_destroy(&bb);
}

/* Wait for n completions by polling with min_completions = 0. */
static void poll_n(struct blkioq *pq, int n)
{
	struct blkio_completion c[32];
	int got = 0, i, ret;

	while (got < n) {
		ret = blkioq_do_io(pq, c, 0, 32, NULL);
		ck_assert_msg(ret >= 0, "do_io: %d %s", ret,
			      blkio_get_error_msg());
		for (i = 0; i < ret; i++)
			ck_assert_msg(c[i].ret == 0, "request failed: %d %s",
				      c[i].ret, c[i].error_msg);
		got += ret;
	}
}

/* 32 writes of 4 KiB with the pattern, reaped by polling. */
static void write_blocks(struct blkioq *pq, char *buf)
{
	int i;

	test_fill(buf, 32 * 4096, 0, SEED + 1);
	for (i = 0; i < 32; i++)
		blkioq_write(pq, (uint64_t)i * 4096, buf + i * 4096, 4096,
			     NULL, 0);
	poll_n(pq, 32);
}

/* Read them back in one readv and in 4 KiB reads waited for with min. */
static void read_blocks(struct blkioq *pq, char *buf)
{
	struct blkio_completion c[32];
	struct iovec iov[2] = {
		{ buf, 64 * 1024 }, { buf + 64 * 1024, 64 * 1024 },
	};
	int i;

	memset(buf, 0, 32 * 4096);
	blkioq_readv(pq, 0, iov, 2, NULL, 0);
	iot_wait1(pq, c);
	iot_assert_ok(c, NULL);
	ck_assert_uint_eq(test_check(buf, 32 * 4096, 0, SEED + 1), 32 * 4096);

	memset(buf, 0, 32 * 4096);
	for (i = 0; i < 32; i++)
		blkioq_read(pq, (uint64_t)i * 4096, buf + i * 4096, 4096,
			    NULL, 0);
	iot_wait_n(pq, c, 32);
	ck_assert_uint_eq(test_check(buf, 32 * 4096, 0, SEED + 1), 32 * 4096);
}

/* What a poll queue refuses, and a wait that can never end. */
static void check_limits(struct blkioq *pq)
{
	struct blkio_completion c;
	struct timespec zero = { 0, 0 };

	ck_assert_int_eq(blkioq_get_completion_fd(pq), -1);
	blkioq_flush(pq, NULL, 0);
	iot_wait1(pq, &c);
	ck_assert_int_eq(c.ret, -ENOTSUP);
	ck_assert_int_eq(blkioq_do_io(pq, &c, 1, 1, NULL), -EINVAL);
	ck_assert_int_eq(blkioq_do_io(pq, &c, 0, 1, &zero), 0);
}

/* io_uring: the poll queue busy-polls and does real I/O. */
static void check_busy_poll(const char *p, bool direct)
{
	struct blkio *bb = connect_to(p, direct);
	struct blkioq *pq;
	char *mode = NULL;
	char *buf = iot_alloc(32 * 4096);

	check_property(bb, p, direct);
	ck_assert_int_eq(blkio_get_str(bb, "poll-queue-mode", &mode), 0);
	ck_assert_str_eq(mode, "busy-poll");
	iot_free(mode);
	/* Few entries: the backlog of a poll queue is exercised too. */
	ck_assert_int_eq(blkio_set_int(bb, "num-entries", 4), 0);
	ck_assert_int_eq(blkio_set_int(bb, "num-poll-queues", 1), 0);
	ck_assert_msg(blkio_start(bb) == 0, "start: %s",
		      blkio_get_error_msg());
	pq = blkio_get_poll_queue(bb, 0);
	ck_assert_ptr_nonnull(pq);

	write_blocks(pq, buf);
	read_blocks(pq, buf);
	check_limits(pq);

	/* Added at run time, too. */
	ck_assert_int_eq(blkio_add_poll_queue(bb), 1);
	read_blocks(blkio_get_poll_queue(bb, 1), buf);
	iot_free(buf);
	blkio_destroy(&bb);
}

static void check_target(const char *p, bool direct)
{
	if (test_driver()->poll_queues)
		check_busy_poll(p, direct);
	else
		check_refused(p, direct);
}

static void setup_file(void)
{
	path = iot_make_file("poll", SIZE, 1);
}

static void teardown_file(void)
{
	iot_remove_file(&path);
}

static void setup_loop(void)
{
	const char *why;

	ck_assert_msg(loop_attach(&ld, SIZE, 1, &why) == 0, "%s", why);
}

static void teardown_loop(void)
{
	loop_detach(&ld);
}

START_TEST(test_file_buffered)
{
	check_target(path, false);
}
END_TEST

START_TEST(test_file_direct)
{
	check_target(path, true);
}
END_TEST

START_TEST(test_loop_buffered)
{
	check_target(ld.path, false);
}
END_TEST

START_TEST(test_loop_direct)
{
	check_target(ld.path, true);
}
END_TEST

/* The number in a sysfs attribute, or -1. */
static int read_attr(const char *attr)
{
	FILE *f = fopen(attr, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * queue/io_poll of the block device under the scratch directory (for a
 * partition, its disk's): 1, 0, or -1 when sysfs does not say (tmpfs,
 * overlay, a device-mapper stack).
 */
static int scratch_io_poll(void)
{
	char attr[128];
	struct stat st;
	int v;

	if (stat(iot_dir(), &st) < 0)
		return -1;
	snprintf(attr, sizeof(attr), "/sys/dev/block/%u:%u/queue/io_poll",
		 major(st.st_dev), minor(st.st_dev));
	v = read_attr(attr);
	if (v >= 0)
		return v;
	snprintf(attr, sizeof(attr), "/sys/dev/block/%u:%u/../queue/io_poll",
		 major(st.st_dev), minor(st.st_dev));
	return read_attr(attr);
}

static void add_file_cases(Suite *s)
{
	TCase *file = tcase_create("file");

	tcase_add_checked_fixture(file, setup_file, teardown_file);
	tcase_add_test(file, test_file_buffered);
	if (scratch_io_poll() != 0)
		iot_note_skip("file_direct", "the device under "
			      "BLKIO_TEST_DIR may poll (queue/io_poll is not "
			      "0), so O_DIRECT polling may really work there");
	else
		tcase_add_test(file, test_file_direct);
	suite_add_tcase(s, file);
}

static void add_loop_cases(Suite *s)
{
	TCase *loop = tcase_create("loop");
	const char *why;

	if (loop_attach(&ld, SIZE, 0, &why) < 0) {
		iot_note_skip("loop_buffered, loop_direct", why);
		return;
	}
	loop_detach(&ld);
	tcase_add_checked_fixture(loop, setup_loop, teardown_loop);
	tcase_add_test(loop, test_loop_buffered);
	tcase_add_test(loop, test_loop_direct);
	suite_add_tcase(s, loop);
}

static Suite *poll_fallback_suite(void)
{
	Suite *s = suite_create("poll-fallback");

	add_file_cases(s);
	add_loop_cases(s);
	return s;
}

int main(void)
{
	/*
	 * libblkio refuses poll queues on a buffered file and fails every
	 * polled request where its probe said yes: nothing here is shared.
	 */
	if (iot_reference())
		iot_skip("libblkio 1.5 has no poll queues on devices that "
			 "cannot poll (design §4)");
	return iot_run(poll_fallback_suite());
}
