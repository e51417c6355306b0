/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Poll queues where the device cannot poll: supports-poll-queues is false
 * for regular files and loop devices (design §4: the property tells the
 * truth, where libblkio's probe says true with direct=true), and then
 * num-poll-queues > 0 fails blkio_start() and blkio_add_poll_queue()
 * fails, both with -EINVAL "Poll queues not supported".
 *
 * Nothing here polls, so every case runs on any machine with io_uring;
 * polled I/O itself is the business of pollqueues.c, which skips where
 * no device can poll.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "iotest.h"
#include "loop.h"

static char *path;
static struct loopdev ld;

static struct blkio *connect_to(const char *p, bool direct)
{
	struct blkio *bb;

	ck_assert_int_eq(blkio_create("io_uring", &bb), 0);
	ck_assert_int_eq(blkio_set_str(bb, "path", p), 0);
	ck_assert_int_eq(blkio_set_bool(bb, "direct", direct), 0);
	ck_assert_msg(blkio_connect(bb) == 0, "connect %s: %s", p,
		      blkio_get_error_msg());
	return bb;
}

/* The whole unsupported story for one target. */
static void check_unsupported(const char *p, bool direct)
{
	struct blkio *bb = connect_to(p, direct);
	bool sup = true;
	int ret;

	ck_assert_int_eq(blkio_get_bool(bb, "supports-poll-queues", &sup), 0);
	ck_assert_msg(!sup, "%s (direct=%d): supports-poll-queues is true",
		      p, direct);

	ck_assert_int_eq(blkio_set_int(bb, "num-poll-queues", 1), 0);
	ret = blkio_start(bb);
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_str_eq(blkio_get_error_msg(), "Poll queues not supported");
	blkio_destroy(&bb);

	/* Started without poll queues, none can be added later. */
	bb = connect_to(p, direct);
	ck_assert_int_eq(blkio_start(bb), 0);
	ck_assert_ptr_null(blkio_get_poll_queue(bb, 0));
	ret = blkio_add_poll_queue(bb);
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_str_eq(blkio_get_error_msg(), "Poll queues not supported");
	ck_assert_ptr_null(blkio_get_poll_queue(bb, 0));
	/* Regular queues are unaffected. */
	ck_assert_ptr_nonnull(blkio_get_queue(bb, 0));
	ck_assert_int_eq(blkio_add_queue(bb), 1);
	blkio_destroy(&bb);
}

static void setup_file(void)
{
	path = iot_make_file("poll", 1 << 20, 1);
}

static void teardown_file(void)
{
	iot_remove_file(&path);
}

static void setup_loop(void)
{
	const char *why;

	ck_assert_msg(loop_attach(&ld, 1 << 20, 1, &why) == 0, "%s", why);
}

static void teardown_loop(void)
{
	loop_detach(&ld);
}

START_TEST(test_file_buffered)
{
	check_unsupported(path, false);
}
END_TEST

START_TEST(test_file_direct)
{
	check_unsupported(path, true);
}
END_TEST

START_TEST(test_loop_buffered)
{
	check_unsupported(ld.path, false);
}
END_TEST

START_TEST(test_loop_direct)
{
	check_unsupported(ld.path, true);
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
	if (iot_reference())
		iot_note_skip("file_direct", "libblkio 1.5 claims poll "
			      "support with direct=true (design §4)");
	else if (scratch_io_poll() != 0)
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

	if (loop_attach(&ld, 1 << 20, 0, &why) < 0) {
		iot_note_skip("loop_buffered, loop_direct", why);
		return;
	}
	loop_detach(&ld);
	tcase_add_checked_fixture(loop, setup_loop, teardown_loop);
	tcase_add_test(loop, test_loop_buffered);
	if (iot_reference())
		iot_note_skip("loop_direct", "libblkio 1.5 claims poll "
			      "support with direct=true (design §4)");
	else
		tcase_add_test(loop, test_loop_direct);
	suite_add_tcase(s, loop);
}

static Suite *poll_unsupported_suite(void)
{
	Suite *s = suite_create("poll-unsupported");

	add_file_cases(s);
	add_loop_cases(s);
	return s;
}

int main(void)
{
	return iot_run(poll_unsupported_suite());
}
