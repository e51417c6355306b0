/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Poll queues on this host: supports-poll-queues is false for regular
 * files and loop devices (design §4: the property tells the truth, where
 * libblkio's probe says true with direct=true), and then num-poll-queues
 * > 0 fails blkio_start() and blkio_add_poll_queue() fails, both with
 * -EINVAL "Poll queues not supported".  If a device with io_poll enabled
 * exists, a real poll-queue read is checked; otherwise that case is
 * skipped with a message.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "loop.h"

static char *path;
static struct loopdev ld;
static bool have_loop;

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

/* A block device whose queue has io_poll enabled, or NULL. */
static char *find_iopoll_device(void)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	char *found = NULL;

	if (!d)
		return NULL;
	while (!found && (e = readdir(d))) {
		char attr[512];
		FILE *f;
		int v = 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(attr, sizeof(attr), "/sys/block/%s/queue/io_poll",
			 e->d_name);
		f = fopen(attr, "r");
		if (!f)
			continue;
		if (fscanf(f, "%d", &v) == 1 && v == 1 &&
		    asprintf(&found, "/dev/%s", e->d_name) < 0)
			found = NULL;
		fclose(f);
	}
	closedir(d);
	return found;
}

static char *iopoll_dev;

START_TEST(test_real_poll_queue)
{
	struct blkio_completion c;
	struct blkio *bb;
	struct blkioq *pq;
	uint8_t *a = iot_alloc(4096), *r = iot_alloc(4096);
	bool sup = false;
	int ret;

	/* Read-only and a single block: harmless on any device. */
	ck_assert_int_eq(blkio_create("io_uring", &bb), 0);
	ck_assert_int_eq(blkio_set_str(bb, "path", iopoll_dev), 0);
	ck_assert_int_eq(blkio_set_bool(bb, "direct", true), 0);
	ck_assert_int_eq(blkio_set_bool(bb, "read-only", true), 0);
	ck_assert_int_eq(blkio_connect(bb), 0);
	ck_assert_int_eq(blkio_get_bool(bb, "supports-poll-queues", &sup), 0);
	ck_assert_msg(sup, "%s has io_poll=1 but supports-poll-queues is "
		      "false", iopoll_dev);
	ck_assert_int_eq(blkio_set_int(bb, "num-poll-queues", 1), 0);
	ck_assert_int_eq(blkio_start(bb), 0);
	pq = blkio_get_poll_queue(bb, 0);
	ck_assert_ptr_nonnull(pq);
	ck_assert_int_eq(blkioq_get_completion_fd(pq), -1);

	blkioq_read(pq, 0, a, 4096, a, 0);
	ret = blkioq_do_io(pq, &c, 1, 1, NULL);
	ck_assert_int_eq(ret, 1);
	iot_assert_ok(&c, a);
	blkioq_read(blkio_get_queue(bb, 0), 0, r, 4096, r, 0);
	ck_assert_int_eq(blkioq_do_io(blkio_get_queue(bb, 0), &c, 1, 1, NULL),
			 1);
	iot_assert_ok(&c, r);
	ck_assert_int_eq(memcmp(a, r, 4096), 0);

	/* Flush is not a poll-queue request. */
	blkioq_flush(pq, pq, 0);
	ck_assert_int_eq(blkioq_do_io(pq, &c, 1, 1, NULL), 1);
	ck_assert_int_eq(c.ret, -ENOTSUP);
	blkio_destroy(&bb);
	free(a);
	free(r);
}
END_TEST

static Suite *pollqueues_suite(void)
{
	Suite *s = suite_create("pollqueues");
	TCase *file = tcase_create("file");
	TCase *loop = tcase_create("loop");
	const char *why;

	tcase_add_checked_fixture(file, setup_file, teardown_file);
	tcase_add_test(file, test_file_buffered);
	suite_add_tcase(s, file);

	if (loop_attach(&ld, 1 << 20, 0, &why) == 0) {
		loop_detach(&ld);
		have_loop = true;
		tcase_add_checked_fixture(loop, setup_loop, teardown_loop);
		tcase_add_test(loop, test_loop_buffered);
		suite_add_tcase(s, loop);
	} else {
		iot_note_skip("loop_buffered, loop_direct", why);
	}

	if (iot_reference()) {
		iot_note_skip("file_direct, loop_direct",
			      "libblkio 1.5 claims poll support with "
			      "direct=true (design §4)");
	} else {
		tcase_add_test(file, test_file_direct);
		if (have_loop)
			tcase_add_test(loop, test_loop_direct);
	}

	iopoll_dev = find_iopoll_device();
	if (iopoll_dev) {
		TCase *real = tcase_create("iopoll");

		tcase_add_test(real, test_real_poll_queue);
		suite_add_tcase(s, real);
	} else {
		iot_note_skip("real_poll_queue", "no block device here has "
			      "/sys/block/*/queue/io_poll = 1");
	}
	return s;
}

int main(void)
{
	return iot_run(pollqueues_suite());
}
