/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Polled I/O through a poll queue, on a block device whose queue has
 * io_poll enabled: supports-poll-queues is true there, a read on a poll
 * queue (no completion fd) returns the same data as one on a regular
 * queue, and a flush on a poll queue is refused.  Read-only, one block.
 *
 * Without such a device there is nothing to poll, and the program exits
 * 77 saying so rather than pass having polled nothing.  Poll queues on
 * devices that cannot poll (busy-polled rings) are poll-fallback.c's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "test-driver.h"

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
	ck_assert_int_eq(blkio_create(test_driver_name(), &bb), 0);
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
	iot_free(a);
	iot_free(r);
}
END_TEST

static Suite *pollqueues_suite(void)
{
	Suite *s = suite_create("pollqueues");
	TCase *real = tcase_create("iopoll");

	tcase_add_test(real, test_real_poll_queue);
	suite_add_tcase(s, real);
	return s;
}

int main(void)
{
	if (!test_driver()->poll_queues)
		iot_skip("the driver has no poll queues (refusing them is "
			 "poll-fallback's to check)");
	iopoll_dev = find_iopoll_device();
	if (!iopoll_dev)
		iot_skip("no block device here has /sys/block/*/queue/io_poll "
			 "= 1, so there is no polled I/O to test (the "
			 "busy-polled poll queues are in poll-fallback)");
	fprintf(stderr, "polling on %s\n", iopoll_dev);
	return iot_run(pollqueues_suite());
}
