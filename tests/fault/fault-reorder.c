// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Completions arriving in a different order than submission: every request
 * completes exactly once, with its own result and its own data.
 *
 * faultfs runs multithreaded and delays requests by byte range (reverse
 * order, or random jitter), so later requests overtake earlier ones.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fault-util.h"
#include "test-driver.h"

#define FS_SIZE (16u << 20)
#define SLOT 8192u
#define REGION (1u << 20)

static void setup(void)
{
	fu_reset();
}

static int inversions(const int *order, int n)
{
	int inv = 0;

	for (int i = 1; i < n; i++)
		if (order[i] < order[i - 1])
			inv++;
	return inv;
}

/* Request i is delayed (n - i) * step_us: the last submitted finishes first. */
static void reverse_delays(const char *op, uint64_t base, uint64_t stride,
			   int n, unsigned int step_us)
{
	for (int i = 0; i < n; i++)
		fu_ctl_ok("rule op=%s start=%llu len=%u delay=%u", op,
			  (unsigned long long)(base + i * stride), SLOT,
			  (unsigned int)(n - i) * step_us);
}

static void assert_reordered(const int *order, int n, const char *what)
{
	/* guards the harness: without reordering this test proves nothing */
	ck_assert_msg(inversions(order, n) > 0, "%s: completions arrived in "
		      "submission order, faultfs did not reorder them", what);
}

/* _i: 0 = page-cache path, 1 = O_DIRECT (async FUSE DIO) */
START_TEST(reverse_latency_file_reads)
{
	const int n = 16;
	uint8_t *buf = fu_alloc(n * SLOT);
	int rets[16], order[16];
	struct blkioq *q;
	struct blkio *b;

	fu_ctl_ok("direct-io 1");
	fu_fill(REGION, n * SLOT, 1);
	b = fu_open(fu_fs->disk, _i, false, 0, &q);
	reverse_delays("read", REGION, SLOT, n, 3000);
	for (int i = 0; i < n; i++)
		blkioq_read(q, REGION + i * SLOT, buf + i * SLOT, SLOT,
			    (void *)(intptr_t)i, 0);
	fu_wait_all(q, n, rets, order, 0);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(rets[i] == 0, "read %d: ret %d", i, rets[i]);
		fu_assert_buf(buf + i * SLOT, REGION + i * SLOT, SLOT, 1,
			      "reordered read");
	}
	assert_reordered(order, n, "file reads");
	blkio_destroy(&b);
	free(buf);
}
END_TEST

START_TEST(reverse_latency_odirect_writes)
{
	const int n = 16;
	uint8_t *buf = fu_alloc(n * SLOT);
	int rets[16], order[16];
	struct blkioq *q;
	struct blkio *b;

	fu_ctl_ok("direct-io 1");
	fu_fill(REGION, n * SLOT, 2);
	b = fu_open(fu_fs->disk, true, false, 0, &q);
	reverse_delays("write", REGION, SLOT, n, 3000);
	for (int i = 0; i < n; i++) {
		fu_pattern(buf + i * SLOT, REGION + i * SLOT, SLOT, 3);
		blkioq_write(q, REGION + i * SLOT, buf + i * SLOT, SLOT,
			     (void *)(intptr_t)i, 0);
	}
	fu_wait_all(q, n, rets, order, 0);
	for (int i = 0; i < n; i++)
		ck_assert_msg(rets[i] == 0, "write %d: ret %d", i, rets[i]);
	fu_assert_raw(REGION, n * SLOT, 3, "reordered writes");
	assert_reordered(order, n, "O_DIRECT file writes");
	blkio_destroy(&b);
	free(buf);
}
END_TEST

enum kind { K_READ, K_WRITE, K_READV, K_WRITEV, K_FLUSH };

static void queue_one(struct blkioq *q, enum kind k, uint64_t off,
		      uint8_t *p, struct iovec *iov, int idx)
{
	void *ud = (void *)(intptr_t)idx;

	switch (k) {
	case K_READ:
		blkioq_read(q, off, p, SLOT, ud, 0);
		break;
	case K_WRITE:
		blkioq_write(q, off, p, SLOT, ud, 0);
		break;
	case K_READV:
		iov[0] = (struct iovec){ p, 4096 };
		iov[1] = (struct iovec){ p + 4096, SLOT - 4096 };
		blkioq_readv(q, off, iov, 2, ud, 0);
		break;
	case K_WRITEV:
		iov[0] = (struct iovec){ p, 512 };
		iov[1] = (struct iovec){ p + 512, SLOT - 512 };
		blkioq_writev(q, off, iov, 2, ud, 0);
		break;
	case K_FLUSH:
		blkioq_flush(q, ud, 0);
		break;
	}
}

/*
 * Many more requests than ring entries, mixed types, random latency and
 * short reads, harvested a few at a time.
 */
START_TEST(jitter_mixed_stress)
{
	enum { N = 96 };
	uint8_t *buf = fu_alloc(N * SLOT);
	struct iovec iov[N][2];
	enum kind kinds[N];
	int rets[N], order[N];
	struct blkioq *q;
	struct blkio *b;

	fu_ctl_ok("direct-io 1");
	fu_fill(REGION, N * SLOT, 4);
	b = fu_open(fu_fs->disk, true, false, 8, &q);
	/* short O_DIRECT writes come back as -EIO from FUSE: cap reads only */
	fu_ctl_ok("latency 0 2000\nrule op=read max=3072");
	for (int i = 0; i < N; i++) {
		kinds[i] = (enum kind)(i % 5);
		if (kinds[i] == K_WRITE || kinds[i] == K_WRITEV)
			fu_pattern(buf + i * SLOT, REGION + i * SLOT, SLOT, 5);
		queue_one(q, kinds[i], REGION + i * SLOT, buf + i * SLOT, iov[i],
			  i);
	}
	fu_wait_all(q, N, rets, order, 5);
	for (int i = 0; i < N; i++) {
		ck_assert_msg(rets[i] == 0, "request %d (kind %d): ret %d", i,
			      kinds[i], rets[i]);
		if (kinds[i] == K_READ || kinds[i] == K_READV)
			fu_assert_buf(buf + i * SLOT, REGION + i * SLOT, SLOT,
				      4, "read under jitter");
		else if (kinds[i] != K_FLUSH)
			fu_assert_raw(REGION + i * SLOT, SLOT, 5,
				      "write under jitter");
	}
	assert_reordered(order, N, "jittered mix");
	ck_assert_int_gt(fu_stat("shorts"), 0);
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/* Through a loop device: reads and writes overtaking each other. */
START_TEST(reorder_blockdev)
{
	const uint64_t stride = 64 * 1024;
	const int n = 12;
	uint8_t *buf = fu_alloc(n * SLOT);
	int rets[12], order[12];
	struct fu_loop l;
	struct blkioq *q;
	struct blkio *b;

	fu_fill(REGION, n * stride, 6);
	fu_loop_attach(&l, fu_fs->disk, false);
	b = fu_open(l.path, true, false, 0, &q);
	reverse_delays("rw", REGION, stride, n, 4000);
	for (int i = 0; i < n; i++) {
		if (i & 1) {
			fu_pattern(buf + i * SLOT, REGION + i * stride, SLOT, 7);
			blkioq_write(q, REGION + i * stride, buf + i * SLOT,
				     SLOT, (void *)(intptr_t)i, 0);
		} else {
			blkioq_read(q, REGION + i * stride, buf + i * SLOT,
				    SLOT, (void *)(intptr_t)i, 0);
		}
	}
	fu_wait_all(q, n, rets, order, 3);
	for (int i = 0; i < n; i++) {
		ck_assert_msg(rets[i] == 0, "request %d: ret %d", i, rets[i]);
		if (i & 1)
			fu_assert_raw(REGION + i * stride, SLOT, 7,
				      "reordered block write");
		else
			fu_assert_buf(buf + i * SLOT, REGION + i * stride,
				      SLOT, 6, "reordered block read");
	}
	assert_reordered(order, n, "loop device");
	blkio_destroy(&b);
	fu_loop_detach(&l);
	free(buf);
}
END_TEST

/*
 * A request slower than the timeout: -ETIME, the time left is rewritten
 * to 0, and the request still completes (once) on a later call.
 */
START_TEST(timeout_then_complete)
{
	struct blkio_completion c[2];
	uint8_t *buf = fu_alloc(SLOT);
	struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
	struct blkioq *q;
	struct blkio *b;
	int r;

	fu_ctl_ok("direct-io 1");
	fu_fill(REGION, SLOT, 8);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	fu_ctl_ok("rule op=read start=%u len=%u delay=400000", REGION, SLOT);
	blkioq_read(q, REGION, buf, SLOT, (void *)7, 0);
	r = blkioq_do_io(q, c, 1, 2, &ts);
	ck_assert_msg(r == -ETIME, "do_io with a 50 ms timeout on a 400 ms "
		      "read: %d", r);
	ck_assert_msg(ts.tv_sec == 0 && ts.tv_nsec == 0, "time left after "
		      "-ETIME: %ld.%09ld", (long)ts.tv_sec, ts.tv_nsec);
	ts = (struct timespec){ .tv_sec = 10 };
	r = blkioq_do_io(q, c, 1, 2, &ts);
	ck_assert_int_eq(r, 1);
	ck_assert_ptr_eq(c[0].user_data, (void *)7);
	ck_assert_int_eq(c[0].ret, 0);
	fu_assert_buf(buf, REGION, SLOT, 8, "read after a timeout");
	ck_assert_int_eq(blkioq_do_io(q, c, 0, 2, NULL), 0);
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/* Two queues with overtaking requests: completions stay on their queue. */
START_TEST(two_queues)
{
	enum { N = 12 };
	uint8_t *buf = fu_alloc(N * SLOT);
	struct blkio_completion c[N];
	struct blkioq *qs[2];
	struct blkio *b = NULL;
	int got = 0, spins = 0;

	fu_ctl_ok("direct-io 1");
	fu_fill(REGION, N * SLOT, 9);
	ck_assert_int_eq(blkio_create(test_driver_name(), &b), 0);
	ck_assert_int_eq(blkio_set_str(b, "path", fu_fs->disk), 0);
	ck_assert_int_eq(blkio_connect(b), 0);
	ck_assert_int_eq(blkio_set_int(b, "num-queues", 2), 0);
	ck_assert_int_eq(blkio_start(b), 0);
	qs[0] = blkio_get_queue(b, 0);
	qs[1] = blkio_get_queue(b, 1);
	ck_assert(qs[0] && qs[1]);
	reverse_delays("read", REGION, SLOT, N, 2000);
	/* user_data: index; queue = index & 1 */
	for (int i = 0; i < N; i++)
		blkioq_read(qs[i & 1], REGION + i * SLOT, buf + i * SLOT, SLOT,
			    (void *)(intptr_t)i, 0);
	while (got < N) {
		for (int k = 0; k < 2; k++) {
			int r = blkioq_do_io(qs[k], c, 0, N, NULL);

			ck_assert_int_ge(r, 0);
			for (int i = 0; i < r; i++) {
				intptr_t idx = (intptr_t)c[i].user_data;

				ck_assert_msg((idx & 1) == k, "request %ld "
					      "completed on queue %d", (long)idx,
					      k);
				ck_assert_int_eq(c[i].ret, 0);
				got++;
			}
		}
		ck_assert_msg(++spins < 100000, "requests did not complete");
		usleep(100);
	}
	for (int i = 0; i < N; i++)
		fu_assert_buf(buf + i * SLOT, REGION + i * SLOT, SLOT, 9,
			      "read on two queues");
	blkio_destroy(&b);
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fault-reorder");
	TCase *tc = tcase_create("reorder");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, reverse_latency_file_reads, 0, 2);
	tcase_add_test(tc, reverse_latency_odirect_writes);
	tcase_add_test(tc, jitter_mixed_stress);
	tcase_add_test(tc, reorder_blockdev);
	tcase_add_test(tc, timeout_then_complete);
	tcase_add_test(tc, two_queues);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	fu_init(argc, argv, FU_NEED_LOOP, FS_SIZE, NULL);
	return fu_run_suite(suite());
}
