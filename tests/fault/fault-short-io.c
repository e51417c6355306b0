// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Short reads and writes must be resubmitted until the request is done,
 * with every byte landing at the right offset and in the right iovec;
 * a transfer that makes no progress must end the request (EOF zero-fill on
 * a growable regular file, -EIO on a block device), never spin.
 *
 * faultfs' /disk with FOPEN_DIRECT_IO hands short reads to io_uring as
 * short results; without it (write-through) short writes arrive as short
 * results too.  So reads are tested with direct-io 1, writes with 0.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault-util.h"

#define FS_SIZE (8u << 20)
#define BASE (64 * 1024 + 3)	/* deliberately unaligned */

/* An iovec layout with empty entries, 1-byte entries and odd sizes. */
static const size_t lens[] = { 100, 0, 412, 1, 3583, 4096, 0, 0, 2000, 7, 1 };
#define NR_IOV ((int)FU_ARRAY_SIZE(lens))

static size_t total_len(void)
{
	size_t t = 0;

	for (int i = 0; i < NR_IOV; i++)
		t += lens[i];
	return t;
}

static void setup(void)
{
	fu_reset();
}

/* Offsets (relative to the request) where one iovec ends and the next begins. */
static int boundaries(size_t *out)
{
	size_t sum = 0, total = total_len();
	int n = 0;

	for (int i = 0; i < NR_IOV; i++) {
		sum += lens[i];
		if (sum == 0 || sum == total || (n && out[n - 1] == sum))
			continue;
		out[n++] = sum;
	}
	return n;
}

static void read_and_check(struct blkioq *q, uint64_t off, size_t len,
			   unsigned int seed, const char *what)
{
	uint8_t *buf = fu_alloc(len);
	int ret = fu_read(q, off, buf, len);

	ck_assert_msg(ret == 0, "%s: read ret %d", what, ret);
	fu_assert_buf(buf, off, len, seed, what);
	free(buf);
}

START_TEST(short_read_sizes)
{
	static const size_t caps[] = { 1, 7, 511, 512, 4095, 4096, 5000 };
	struct blkioq *q;
	struct blkio *b;
	char what[64];

	fu_ctl_ok("direct-io 1");
	fu_fill(0, 256 * 1024, 11);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	for (size_t i = 0; i < FU_ARRAY_SIZE(caps); i++) {
		/* byte-at-a-time costs a round trip per byte: keep it small */
		size_t len = caps[i] < 64 ? 3000 : 100 * 1024 + 17;

		fu_ctl_ok("reset\nmax-io %zu", caps[i]);
		snprintf(what, sizeof(what), "read capped at %zu", caps[i]);
		read_and_check(q, BASE, len, 11, what);
		ck_assert_msg(fu_stat("shorts") > 0, "%s: faultfs served no "
			      "short read, the test did not test", what);
	}
	blkio_destroy(&b);
}
END_TEST

/* O_DIRECT on the FUSE file goes through the kernel's async FUSE DIO path. */
START_TEST(short_read_odirect)
{
	/* 1000: the resubmissions start at unaligned offsets (FUSE allows it) */
	static const size_t caps[] = { 512, 1000, 4096, 12288 };
	struct blkioq *q;
	struct blkio *b;
	char what[64];

	fu_ctl_ok("direct-io 1");
	fu_fill(0, 512 * 1024, 12);
	b = fu_open(fu_fs->disk, true, false, 0, &q);
	for (size_t i = 0; i < FU_ARRAY_SIZE(caps); i++) {
		fu_ctl_ok("reset\nmax-io %zu", caps[i]);
		snprintf(what, sizeof(what), "O_DIRECT read capped at %zu",
			 caps[i]);
		read_and_check(q, 128 * 1024, 192 * 1024, 12, what);
		ck_assert_msg(fu_stat("shorts") > 0, "%s: no short read served",
			      what);
	}
	blkio_destroy(&b);
}
END_TEST

START_TEST(short_write_sizes)
{
	static const size_t caps[] = { 1, 7, 512, 4095, 4096, 5000 };
	struct blkioq *q;
	struct blkio *b;
	char what[64];

	b = fu_open(fu_fs->disk, false, false, 0, &q);
	for (size_t i = 0; i < FU_ARRAY_SIZE(caps); i++) {
		size_t len = caps[i] < 64 ? 3000 : 100 * 1024 + 17;
		unsigned int seed = 100 + (unsigned int)i;
		uint8_t *buf = fu_alloc(len);
		int ret;

		fu_ctl_ok("reset\nmax-io %zu", caps[i]);
		fu_fill(0, 256 * 1024, 21);
		fu_pattern(buf, BASE, len, seed);
		ret = fu_write(q, BASE, buf, len, 0);
		snprintf(what, sizeof(what), "write capped at %zu", caps[i]);
		ck_assert_msg(ret == 0, "%s: ret %d", what, ret);
		ck_assert_msg(fu_stat("shorts") > 0, "%s: no short write "
			      "served", what);
		fu_assert_raw(BASE, len, seed, what);
		fu_assert_raw(0, BASE, 21, "bytes before the write");
		fu_assert_raw(BASE + len, 4096, 21, "bytes after the write");
		free(buf);
	}
	blkio_destroy(&b);
}
END_TEST

static void readv_and_check(struct blkioq *q, unsigned int seed,
			    const char *what)
{
	size_t total = total_len();
	struct iovec iov[NR_IOV];
	uint8_t *buf = fu_alloc(total);
	int ret;

	fu_iov(iov, buf, lens, NR_IOV);
	blkioq_readv(q, BASE, iov, NR_IOV, NULL, 0);
	ret = fu_wait1(q);
	ck_assert_msg(ret == 0, "%s: readv ret %d", what, ret);
	/* iovecs are contiguous in buf: any misplacement shows up here */
	fu_assert_buf(buf, BASE, total, seed, what);
	free(buf);
}

static void writev_and_check(struct blkioq *q, unsigned int seed,
			     const char *what)
{
	size_t total = total_len();
	struct iovec iov[NR_IOV];
	uint8_t *buf = fu_alloc(total);
	int ret;

	fu_fill(0, 64 * 1024, 1);
	fu_fill(BASE, total + 4096, 2);
	fu_pattern(buf, BASE, total, seed);
	fu_iov(iov, buf, lens, NR_IOV);
	blkioq_writev(q, BASE, iov, NR_IOV, NULL, 0);
	ret = fu_wait1(q);
	ck_assert_msg(ret == 0, "%s: writev ret %d", what, ret);
	fu_assert_raw(BASE, total, seed, what);
	fu_assert_raw(BASE + total, 4096, 2, "bytes after the writev");
	free(buf);
}

/*
 * Cut points at absolute offsets: every transfer ends exactly at the
 * next one, so the resubmissions start exactly on (delta 0) or next to
 * (delta -1/+1) every iovec boundary, including around empty iovecs.
 */
static int cut_rules(const char *op, const size_t *bounds, int nb, int delta)
{
	size_t total = total_len();
	int cuts = 0;

	fu_ctl_ok("reset");
	for (int i = 0; i < nb; i++) {
		size_t at = bounds[i] + (size_t)delta;

		if (at == 0 || at >= total)
			continue;
		fu_ctl_ok("rule op=%s start=%llu clip", op,
			  (unsigned long long)(BASE + at));
		cuts++;
	}
	return cuts;
}

START_TEST(readv_cut_at_boundaries)
{
	size_t bounds[NR_IOV];
	int nb = boundaries(bounds), cuts;
	struct blkioq *q;
	struct blkio *b;
	char what[64];

	fu_ctl_ok("direct-io 1");
	fu_fill(0, BASE + 64 * 1024, 31);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	for (int delta = -1; delta <= 1; delta++) {
		cuts = cut_rules("read", bounds, nb, delta);
		snprintf(what, sizeof(what), "readv cut at boundaries%+d",
			 delta);
		readv_and_check(q, 31, what);
		/*
		 * A library may split at iovec boundaries itself, so not
		 * every cut shows up as a short transfer; some must.
		 */
		ck_assert_msg(fu_stat("shorts") > 0, "%s: no short reads served "
			      "(%d cuts)", what, cuts);
	}
	blkio_destroy(&b);
}
END_TEST

START_TEST(writev_cut_at_boundaries)
{
	size_t bounds[NR_IOV];
	int nb = boundaries(bounds), cuts;
	struct blkioq *q;
	struct blkio *b;
	char what[64];

	b = fu_open(fu_fs->disk, false, false, 0, &q);
	for (int delta = -1; delta <= 1; delta++) {
		cuts = cut_rules("write", bounds, nb, delta);
		snprintf(what, sizeof(what), "writev cut at boundaries%+d",
			 delta);
		writev_and_check(q, 40 + (unsigned int)(delta + 1), what);
		/*
		 * A library may split at iovec boundaries itself, so not
		 * every cut shows up as a short transfer; some must.
		 */
		ck_assert_msg(fu_stat("shorts") > 0, "%s: no short writes served "
			      "(%d cuts)", what, cuts);
	}
	blkio_destroy(&b);
}
END_TEST

/* Fixed caps: results land on, just before and just after boundaries. */
START_TEST(readv_writev_capped)
{
	static const size_t caps[] = { 1, 99, 100, 101, 511, 512, 513, 4096 };
	struct blkioq *q;
	struct blkio *b;
	char what[64];

	fu_ctl_ok("direct-io 1");
	fu_fill(0, BASE + 64 * 1024, 51);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	for (size_t i = 0; i < FU_ARRAY_SIZE(caps); i++) {
		fu_ctl_ok("reset\nmax-io %zu", caps[i]);
		snprintf(what, sizeof(what), "readv capped at %zu", caps[i]);
		readv_and_check(q, 51, what);
	}
	blkio_destroy(&b);

	fu_ctl_ok("direct-io 0");
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	for (size_t i = 0; i < FU_ARRAY_SIZE(caps); i++) {
		fu_ctl_ok("reset\nmax-io %zu", caps[i]);
		snprintf(what, sizeof(what), "writev capped at %zu", caps[i]);
		writev_and_check(q, 60 + (unsigned int)i, what);
	}
	blkio_destroy(&b);
}
END_TEST

/*
 * A regular file that returns 0 bytes mid-request looks like EOF: the
 * library (can-grow) zero-fills the rest and succeeds.  It must not
 * resubmit forever.
 */
START_TEST(zero_progress_read_file)
{
	static const size_t cuts[] = { 0, 1, 4096, 10000 };
	int rets[FU_ARRAY_SIZE(cuts)];
	size_t len = 16384;
	struct blkioq *q;
	struct blkio *b;
	bool grow = false;

	fu_ctl_ok("direct-io 1");
	fu_fill(0, BASE + 64 * 1024, 71);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	ck_assert_int_eq(blkio_get_bool(b, "can-grow", &grow), 0);
	ck_assert_msg(grow, "a regular file should report can-grow");
	for (size_t i = 0; i < FU_ARRAY_SIZE(cuts); i++) {
		uint8_t *buf = fu_alloc(len);

		fu_ctl_ok("reset\nrule op=read start=%llu eof",
			  (unsigned long long)(BASE + cuts[i]));
		rets[i] = fu_read(q, BASE, buf, len);
		ck_assert_msg(fu_stat("eofs") >= 1, "faultfs served no EOF");
		if (rets[i] == 0) {
			fu_assert_buf(buf, BASE, cuts[i], 71,
				      "bytes before EOF");
			fu_assert_zero(buf + cuts[i], len - cuts[i],
				       "bytes after premature EOF");
		}
		free(buf);
	}
	/* report every case before failing on one */
	for (size_t i = 0; i < FU_ARRAY_SIZE(cuts); i++)
		if (rets[i])
			printf("0-byte read after %zu bytes: ret %d\n", cuts[i],
			       rets[i]);
	for (size_t i = 0; i < FU_ARRAY_SIZE(cuts); i++)
		ck_assert_msg(rets[i] == 0, "read hitting EOF after %zu bytes: "
			      "ret %d, expected 0 and zero-fill", cuts[i],
			      rets[i]);
	blkio_destroy(&b);
}
END_TEST

/* The real end of the regular file: data, then zeros (_i: O_DIRECT). */
START_TEST(read_across_end_of_file)
{
	uint64_t size = fu_fs->size;
	uint8_t *buf = fu_alloc(16384);
	struct blkioq *q;
	struct blkio *b;
	int ret;

	fu_ctl_ok("direct-io 1");
	fu_fill(size - 65536, 65536, 72);
	b = fu_open(fu_fs->disk, _i, false, 0, &q);
	ret = fu_read(q, size - 4096, buf, 16384);
	ck_assert_msg(ret == 0, "read across EOF: ret %d", ret);
	fu_assert_buf(buf, size - 4096, 4096, 72, "bytes before EOF");
	fu_assert_zero(buf + 4096, 16384 - 4096, "bytes past EOF");
	memset(buf, 0xa5, 16384);
	ret = fu_read(q, size + 4096, buf, 4096);
	ck_assert_msg(ret == 0, "read past EOF: ret %d", ret);
	fu_assert_zero(buf, 4096, "bytes past EOF");
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/*
 * A write that transfers 0 bytes cannot be completed by resubmitting: it
 * must fail (not report success, not loop).
 */
START_TEST(zero_progress_write_file)
{
	static const size_t cuts[] = { 0, 4096 };
	size_t len = 16384;
	struct blkioq *q;
	struct blkio *b;

	b = fu_open(fu_fs->disk, false, false, 0, &q);
	for (size_t i = 0; i < FU_ARRAY_SIZE(cuts); i++) {
		uint8_t *buf = fu_alloc(len);
		int ret;

		fu_fill(BASE, len, 81);
		fu_ctl_ok("reset\nrule op=write start=%llu eof",
			  (unsigned long long)(BASE + cuts[i]));
		fu_pattern(buf, BASE, len, 82);
		ret = fu_write(q, BASE, buf, len, 0);
		ck_assert_msg(ret < 0, "write making no progress after %zu "
			      "bytes: ret %d, expected an error", cuts[i], ret);
		printf("zero-progress write after %zu bytes: %s\n", cuts[i],
		       strerror(-ret));
		ck_assert_msg(fu_stat("eofs") >= 1, "faultfs served no "
			      "zero-byte write");
		fu_assert_raw(BASE, cuts[i], 82, "bytes written before the "
			      "stall");
		fu_assert_raw(BASE + cuts[i], len - cuts[i], 81,
			      "bytes never written");
		free(buf);
	}
	blkio_destroy(&b);
}
END_TEST

/*
 * A block device returns 0 bytes at its end: a read running into it must
 * fail with -EIO, not be zero-filled (block devices cannot grow).
 */
START_TEST(zero_progress_read_blockdev)
{
	uint8_t *buf = fu_alloc(16384);
	uint64_t cap = 0;
	struct fu_loop l;
	struct blkioq *q;
	struct blkio *b;
	bool grow = true;
	int ret;

	fu_fill(0, fu_fs->size, 91);
	fu_loop_attach(&l, fu_fs->disk, false);
	b = fu_open(l.path, true, false, 0, &q);
	ck_assert_int_eq(blkio_get_uint64(b, "capacity", &cap), 0);
	ck_assert_int_eq(blkio_get_bool(b, "can-grow", &grow), 0);
	ck_assert_msg(!grow, "a block device must not report can-grow");
	ret = fu_read(q, cap - 4096, buf, 16384);
	ck_assert_msg(ret == -EIO, "read across the end of the device: ret "
		      "%d, expected -EIO", ret);
	ret = fu_read(q, cap, buf, 4096);
	ck_assert_msg(ret == -EIO, "read at the end of the device: ret %d, "
		      "expected -EIO", ret);
	ret = fu_read(q, cap - 4096, buf, 4096);
	ck_assert_msg(ret == 0, "last block of the device: ret %d", ret);
	fu_assert_buf(buf, cap - 4096, 4096, 91, "last block");
	blkio_destroy(&b);
	fu_loop_detach(&l);
	free(buf);
}
END_TEST

/*
 * Resubmissions while the ring is full and requests wait in the backlog:
 * long reads come back in 3072-byte pieces, short ones in one go, and the
 * completions are harvested one at a time.
 */
START_TEST(resubmit_with_backlog)
{
	enum { N = 10 };
	const int entries = _i ? 2 : 1;
	const size_t big = 8192, small = 2048;
	uint8_t *buf = fu_alloc(N * big);
	int rets[N];
	struct blkioq *q;
	struct blkio *b;

	fu_ctl_ok("direct-io 1");
	fu_fill(0, 1 << 20, 95);
	b = fu_open(fu_fs->disk, true, false, entries, &q);
	fu_ctl_ok("max-io 3072");
	for (int i = 0; i < N; i++)
		blkioq_read(q, 65536 + i * big, buf + i * big,
			    i & 1 ? small : big, (void *)(intptr_t)i, 0);
	fu_wait_all(q, N, rets, NULL, 1);
	for (int i = 0; i < N; i++) {
		ck_assert_msg(rets[i] == 0, "read %d: ret %d", i, rets[i]);
		fu_assert_buf(buf + i * big, 65536 + i * big,
			      i & 1 ? small : big, 95, "backlogged read");
	}
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/*
 * The event-loop pattern (QEMU): submit without waiting, sleep on the
 * completion fd, harvest with min_completions 0.  Resubmitted pieces of
 * short reads (and requests waiting in the backlog) must reach the kernel
 * without a blocking blkioq_do_io(), or the fd never fires again.
 */
START_TEST(event_loop_resubmit)
{
	enum { N = 24 };
	const size_t len = 8192;
	struct blkio_completion c[8];
	uint8_t *buf = fu_alloc(N * len);
	bool seen[N] = { false };
	struct pollfd pfd;
	struct blkioq *q;
	struct blkio *b;
	int got = 0;

	fu_ctl_ok("direct-io 1");
	fu_fill(0, 1 << 20, 96);
	b = fu_open(fu_fs->disk, false, false, 4, &q);
	fu_ctl_ok("max-io 3000\nlatency 200 300");
	pfd.fd = blkioq_get_completion_fd(q);
	pfd.events = POLLIN;
	ck_assert_int_ge(pfd.fd, 0);
	for (int i = 0; i < N; i++)
		blkioq_read(q, 65536 + i * len, buf + i * len, len,
			    (void *)(intptr_t)i, 0);
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	while (got < N) {
		uint64_t val;
		int r;

		r = poll(&pfd, 1, 5000);
		ck_assert_msg(r == 1, "completion fd silent for 5 s with %d of "
			      "%d requests done", got, N);
		if (read(pfd.fd, &val, sizeof(val)) < 0)
			ck_assert_msg(errno == EAGAIN, "read eventfd: %s",
				      strerror(errno));
		while ((r = blkioq_do_io(q, c, 0, 8, NULL)) > 0) {
			for (int i = 0; i < r; i++) {
				intptr_t idx = (intptr_t)c[i].user_data;

				ck_assert(idx >= 0 && idx < N && !seen[idx]);
				ck_assert_msg(c[i].ret == 0, "read %ld: ret %d",
					      (long)idx, c[i].ret);
				seen[idx] = true;
				got++;
			}
		}
		ck_assert_msg(r == 0, "blkioq_do_io: %d", r);
	}
	for (int i = 0; i < N; i++)
		fu_assert_buf(buf + i * len, 65536 + i * len, len, 96,
			      "event-loop read");
	ck_assert_int_gt(fu_stat("shorts"), N);
	blkio_destroy(&b);
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fault-short-io");
	TCase *tc = tcase_create("short-io");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, short_read_sizes);
	tcase_add_test(tc, short_read_odirect);
	tcase_add_test(tc, short_write_sizes);
	tcase_add_test(tc, readv_cut_at_boundaries);
	tcase_add_test(tc, writev_cut_at_boundaries);
	tcase_add_test(tc, readv_writev_capped);
	tcase_add_test(tc, zero_progress_read_file);
	tcase_add_loop_test(tc, read_across_end_of_file, 0, 2);
	tcase_add_test(tc, zero_progress_write_file);
	tcase_add_test(tc, zero_progress_read_blockdev);
	suite_add_tcase(s, tc);

	/* a library that spins here spins forever: give up early */
	tc = tcase_create("backlog");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, resubmit_with_backlog, 0, 2);
	tcase_add_test(tc, event_loop_resubmit);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	fu_init(argc, argv, FU_NEED_LOOP, FS_SIZE, NULL);
	return fu_run_suite(suite());
}
