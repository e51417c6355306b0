/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Far more requests than the ring holds (num-entries 16, 20 000 mixed
 * reads and writes, contract §5.6 "unbounded internal backlog"), queued
 * before and between blkioq_do_io() calls that use small max_completions
 * and a spread of min_completions, or from an event loop on the completion
 * fd.  Every request completes exactly once (a bitmap), with the right
 * data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "test-driver.h"

#define NR_REQS 20000
#define BLK 512
#define NR_READ_BLOCKS 4096		/* reads cycle over these */
#define WRITE_BASE ((uint64_t)NR_READ_BLOCKS * BLK)
#define FILE_SIZE (WRITE_BASE + (uint64_t)NR_REQS * BLK)

struct req {
	bool is_write;
	bool vectored;
	uint64_t off;
	struct iovec iov[2];
};

static char *path;
static struct blkio *b;
static struct blkioq *q;
static uint8_t *bufs;
static struct req *reqs;
static uint8_t *done;	/* one bit per request */
static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* Request i: a read of a read-area block or a write of its own block. */
static void plan(void)
{
	int i;

	for (i = 0; i < NR_REQS; i++) {
		struct req *r = &reqs[i];
		uint8_t *p = bufs + (size_t)i * BLK;

		r->is_write = next_rand() & 1;
		r->vectored = (next_rand() & 3) == 0;
		r->off = r->is_write ? WRITE_BASE + (uint64_t)i * BLK :
			 (uint64_t)(next_rand() % NR_READ_BLOCKS) * BLK;
		if (r->is_write)
			test_fill(p, BLK, r->off, 2);
		else
			memset(p, 0xee, BLK);
		r->iov[0] = (struct iovec){ p, BLK / 2 };
		r->iov[1] = (struct iovec){ p + BLK / 2, BLK / 2 };
	}
}

static void setup_common(bool direct)
{
	const struct iot_opts o = { .direct = direct, .num_entries = 16 };
	int entries = 0;

	path = iot_make_file("backlog", FILE_SIZE, 0);
	/* Only the read area needs content; writes fill the rest. */
	bufs = iot_alloc(WRITE_BASE);
	test_fill(bufs, WRITE_BASE, 0, 1);
	iot_pwrite(path, bufs, WRITE_BASE, 0);
	iot_free(bufs);

	b = iot_open(path, &o);
	ck_assert_int_eq(blkio_get_int(b, test_driver()->entries_prop,
				       &entries), 0);
	ck_assert_int_eq(entries, 16);
	q = blkio_get_queue(b, 0);
	ck_assert_ptr_nonnull(q);
	bufs = iot_alloc((size_t)NR_REQS * BLK);
	reqs = calloc(NR_REQS, sizeof(*reqs));
	done = calloc(NR_REQS / 8 + 1, 1);
	ck_assert(reqs && done);
	plan();
}

static void setup_buffered(void)
{
	setup_common(false);
}

static void setup_direct(void)
{
	setup_common(true);
}

static void teardown(void)
{
	blkio_destroy(&b);
	iot_remove_file(&path);
	iot_free(bufs);
	iot_free(reqs);
	iot_free(done);
}

static void queue_req(int i)
{
	struct req *r = &reqs[i];
	void *ud = r;

	if (r->is_write && r->vectored)
		blkioq_writev(q, r->off, r->iov, 2, ud, 0);
	else if (r->is_write)
		blkioq_write(q, r->off, r->iov[0].iov_base, BLK, ud, 0);
	else if (r->vectored)
		blkioq_readv(q, r->off, r->iov, 2, ud, 0);
	else
		blkioq_read(q, r->off, r->iov[0].iov_base, BLK, ud, 0);
}

static void complete(const struct blkio_completion *c)
{
	struct req *r = c->user_data;
	ptrdiff_t i = r - reqs;

	ck_assert_msg(i >= 0 && i < NR_REQS, "unknown user_data %p",
		      c->user_data);
	ck_assert_msg(!(done[i / 8] & (1 << (i % 8))),
		      "request %td completed twice", i);
	done[i / 8] |= (uint8_t)(1 << (i % 8));
	ck_assert_msg(c->ret == 0, "request %td: %d %s", i, c->ret,
		      c->error_msg ? c->error_msg : "");
	ck_assert_ptr_null(c->error_msg);
	if (!r->is_write)
		ck_assert_msg(test_check(r->iov[0].iov_base, BLK, r->off, 1) ==
			      BLK, "read %td got wrong data", i);
}

START_TEST(test_backlog)
{
	static const int maxes[] = { 1, 3, 7, 16, 64, 2 };
	static const int batches[] = { 0, 1, 17, 100, 333, 5, 0, 1000 };
	struct blkio_completion c[64];
	int queued = 0, completed = 0, calls = 0, ret, i;
	uint8_t *chk;

	/* A deep backlog before the first call. */
	while (queued < 5000)
		queue_req(queued++);

	while (completed < NR_REQS) {
		int outstanding = queued - completed;
		int max = maxes[calls % 6];
		int min;

		switch ((calls / 6) % 4) {
		case 0: min = 0; break;
		case 1: min = 1; break;
		case 2: min = max / 2; break;
		default: min = max; break;
		}
		if (min > outstanding)
			min = outstanding;
		memset(c, 0xa5, sizeof(c));
		ret = blkioq_do_io(q, c, min, max, NULL);
		ck_assert_msg(ret >= min && ret <= max,
			      "do_io(min %d, max %d) with %d outstanding: %d %s",
			      min, max, outstanding, ret,
			      ret < 0 ? blkio_get_error_msg() : "");
		for (i = 0; i < ret; i++)
			complete(&c[i]);
		completed += ret;
		calls++;
		ck_assert_msg(calls < 10000000, "no progress");

		/* More requests between calls, in varying amounts. */
		for (i = batches[calls % 8]; i > 0 && queued < NR_REQS; i--)
			queue_req(queued++);
		if (queued == completed && queued < NR_REQS)
			queue_req(queued++);
	}
	ck_assert_int_eq(queued, NR_REQS);
	for (i = 0; i < NR_REQS; i++)
		ck_assert_msg(done[i / 8] & (1 << (i % 8)),
			      "request %d never completed", i);
	/* Nothing left over, nothing duplicated later. */
	ck_assert_int_eq(blkioq_do_io(q, c, 0, 64, NULL), 0);

	chk = iot_alloc((size_t)NR_REQS * BLK);
	iot_pread(path, chk, (size_t)NR_REQS * BLK, WRITE_BASE);
	for (i = 0; i < NR_REQS; i++) {
		const uint8_t *p = chk + (size_t)i * BLK;
		uint64_t off = WRITE_BASE + (uint64_t)i * BLK;

		if (reqs[i].is_write)
			ck_assert_msg(test_check(p, BLK, off, 2) == BLK,
				      "write %d not on disk", i);
		else
			ck_assert_msg(test_check_zero(p, BLK) == BLK,
				      "block %d written without a write", i);
	}
	iot_free(chk);
}
END_TEST

START_TEST(test_all_at_once)
{
	struct blkio_completion c[64];
	int completed = 0, ret, i;

	/* Everything queued, then reaped with min == max == 64. */
	for (i = 0; i < NR_REQS; i++)
		queue_req(i);
	while (completed < NR_REQS) {
		int want = NR_REQS - completed < 64 ? NR_REQS - completed : 64;

		ret = blkioq_do_io(q, c, want, 64, NULL);
		ck_assert_msg(ret >= want && ret <= 64, "do_io: %d %s", ret,
			      ret < 0 ? blkio_get_error_msg() : "");
		for (i = 0; i < ret; i++)
			complete(&c[i]);
		completed += ret;
	}
	ck_assert_int_eq(blkioq_do_io(q, c, 0, 64, NULL), 0);
}
END_TEST

/*
 * An event loop: everything queued and submitted once, then the queue is
 * only driven when its completion fd fires, with min_completions 0.  A
 * call that reaps must also move the backlog into the room it freed, or
 * nothing is left in flight to signal the fd and the loop starves.
 */
START_TEST(test_event_loop)
{
	struct blkio_completion c[64];
	int fd = blkioq_get_completion_fd(q);
	int completed = 0, ret, i;

	ck_assert_int_ge(fd, 0);
	if (test_driver()->completion_fd_starts_disabled)
		blkioq_set_completion_fd_enabled(q, true);
	for (i = 0; i < NR_REQS; i++)
		queue_req(i);
	ck_assert_int_ge(blkioq_do_io(q, c, 0, 0, NULL), 0);
	while (completed < NR_REQS) {
		ck_assert_msg(iot_fd_readable(fd, 5000),
			      "no completion signalled for 5 s with %d of %d "
			      "done: the backlog stalled", completed, NR_REQS);
		iot_drain_fd(fd);
		do {
			ret = blkioq_do_io(q, c, 0, 64, NULL);
			ck_assert_msg(ret >= 0, "do_io: %d %s", ret,
				      blkio_get_error_msg());
			for (i = 0; i < ret; i++)
				complete(&c[i]);
			completed += ret;
		} while (ret == 64);
	}
}
END_TEST

static Suite *backlog_suite(void)
{
	Suite *s = suite_create("backlog");
	TCase *buffered = tcase_create("buffered");
	TCase *direct = tcase_create("direct");

	tcase_add_checked_fixture(buffered, setup_buffered, teardown);
	tcase_add_checked_fixture(direct, setup_direct, teardown);
	tcase_add_test(buffered, test_backlog);
	tcase_add_test(buffered, test_all_at_once);
	tcase_add_test(buffered, test_event_loop);
	/* O_DIRECT costs real device time: the mixed run only. */
	tcase_add_test(direct, test_backlog);
	/* Generous for valgrind; a normal run takes about a second. */
	tcase_set_timeout(buffered, 120);
	tcase_set_timeout(direct, 120);
	suite_add_tcase(s, buffered);
	suite_add_tcase(s, direct);
	return s;
}

int main(void)
{
	return iot_run(backlog_suite());
}
