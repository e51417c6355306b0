// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Small wrappers around the public blkio API used by every fault test:
 * open an instance of the driver under test (BLKIO_TEST_DRIVER), wait for completions with a deadline and
 * check that each request completes exactly once.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fault-util.h"
#include "test-driver.h"

/* Generous: faultfs latency rules add at most tens of milliseconds. */
#define WAIT_SECONDS 10

static int setup(struct blkio *b, const char *path, bool direct,
		 bool read_only, int num_entries)
{
	int ret;

	ret = blkio_set_str(b, "path", path);
	if (!ret)
		ret = blkio_set_bool(b, "direct", direct);
	if (!ret)
		ret = blkio_set_bool(b, "read-only", read_only);
	if (!ret)
		ret = blkio_connect(b);
	if (!ret && num_entries > 0)
		ret = blkio_set_int(b, "num-entries", num_entries);
	if (!ret)
		ret = blkio_start(b);
	return ret;
}

struct blkio *fu_open(const char *path, bool direct, bool read_only,
		      int num_entries, struct blkioq **q)
{
	struct blkio *b = NULL;
	int ret;

	ret = blkio_create(test_driver_name(), &b);
	ck_assert_msg(ret == 0, "blkio_create: %d %s", ret,
		      blkio_get_error_msg());
	ret = setup(b, path, direct, read_only, num_entries);
	ck_assert_msg(ret == 0, "opening %s (direct=%d read-only=%d): %d %s",
		      path, direct, read_only, ret, blkio_get_error_msg());
	*q = blkio_get_queue(b, 0);
	ck_assert_msg(*q != NULL, "blkio_get_queue(0) returned NULL");
	return b;
}

int fu_try_open(const char *path, bool direct, bool read_only)
{
	struct blkio *b = NULL;
	int ret;

	ret = blkio_create(test_driver_name(), &b);
	ck_assert_msg(ret == 0, "blkio_create: %d", ret);
	ret = setup(b, path, direct, read_only, 0);
	if (ret)
		ck_assert_msg(blkio_get_error_msg()[0] != '\0',
			      "error %d without a message", ret);
	blkio_destroy(&b);
	return ret;
}

static void check_completion(const struct blkio_completion *c, int n,
			     int *rets, bool *seen)
{
	intptr_t idx = (intptr_t)c->user_data;

	ck_assert_msg(idx >= 0 && idx < n, "completion with unknown "
		      "user_data %p", c->user_data);
	ck_assert_msg(!seen[idx], "request %ld completed twice", (long)idx);
	seen[idx] = true;
	rets[idx] = c->ret;
	ck_assert_msg(c->ret <= 0, "request %ld: ret %d is positive (a byte "
		      "count?)", (long)idx, c->ret);
	ck_assert_msg(c->ret < 0 || c->error_msg == NULL,
		      "request %ld succeeded but error_msg is \"%s\"",
		      (long)idx, c->error_msg);
	/* on failure error_msg is NULL or a real message */
	ck_assert_msg(c->ret == 0 || c->error_msg == NULL ||
		      c->error_msg[0] != '\0',
		      "request %ld failed (%d) with an empty error_msg",
		      (long)idx, c->ret);
}

void fu_wait_all(struct blkioq *q, int n, int *rets, int *order,
		 int max_batch)
{
	struct blkio_completion c[64];
	bool *seen = calloc((size_t)n, sizeof(*seen));
	int got = 0;

	ck_assert(seen != NULL);
	if (max_batch <= 0 || max_batch > 64)
		max_batch = 64;
	while (got < n) {
		struct timespec ts = { .tv_sec = WAIT_SECONDS };
		int want = n - got < max_batch ? n - got : max_batch;
		int r = blkioq_do_io(q, c, 1, want, &ts);

		ck_assert_msg(r > 0, "blkioq_do_io waiting for %d of %d "
			      "requests: %d (%s)", n - got, n, r,
			      r < 0 ? blkio_get_error_msg() : "no completion");
		ck_assert_msg(r <= want, "blkioq_do_io returned %d > max %d",
			      r, want);
		for (int i = 0; i < r; i++) {
			check_completion(&c[i], n, rets, seen);
			if (order)
				order[got] = (int)(intptr_t)c[i].user_data;
			got++;
		}
	}
	free(seen);
}

int fu_wait1(struct blkioq *q)
{
	int ret;

	fu_wait_all(q, 1, &ret, NULL, 1);
	return ret;
}

int fu_read(struct blkioq *q, uint64_t off, void *buf, size_t len)
{
	blkioq_read(q, off, buf, len, NULL, 0);
	return fu_wait1(q);
}

int fu_write(struct blkioq *q, uint64_t off, const void *buf, size_t len,
	     uint32_t flags)
{
	blkioq_write(q, off, buf, len, NULL, flags);
	return fu_wait1(q);
}

int fu_flush(struct blkioq *q)
{
	blkioq_flush(q, NULL, 0);
	return fu_wait1(q);
}
