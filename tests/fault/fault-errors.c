// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Errors must be reported on the request that failed, with the errno the
 * device gave, while the requests around it in the same batch succeed.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault-util.h"

#define FS_SIZE (8u << 20)
#define SLOT 4096u
#define NR_REQ 8
#define REGION (256u * 1024)	/* start of the requests */

/*
 * Errno injected on request i (0 = none); neighbours stay clean.  The
 * EAGAIN here is permanent: the library submits the request again up to
 * 1000 times (blkio(3)) and then completes it with -EAGAIN, which
 * check_rets() expects; fault-eagain.c has the transient and permanent
 * cases of every request type.  On a FOPEN_DIRECT_IO file io_uring
 * re-issues an -EAGAIN completion inside the kernel without end (observed
 * on 6.18; test-driver.h: kernel_reissues_eagain), so inject_dio has none
 * and EAGAIN is only injected where every driver's kernel passes it on:
 * write-through writes and page-cache reads.
 */
static const int inject_all[NR_REQ] = {
	0, EIO, 0, ENOSPC, EAGAIN, 0, EINTR, 0,
};
static const int inject_dio[NR_REQ] = {
	0, EIO, 0, ENOSPC, ENODATA, 0, EINTR, 0,
};
static const int *inject = inject_all;

static void setup(void)
{
	fu_reset();
}

static void add_error_rules(const char *op, uint64_t base, uint64_t stride)
{
	for (int i = 0; i < NR_REQ; i++)
		if (inject[i])
			fu_ctl_ok("rule op=%s start=%llu len=%u err=%d", op,
				  (unsigned long long)(base + i * stride), SLOT,
				  inject[i]);
}

static void check_rets(const int *rets, const char *what)
{
	for (int i = 0; i < NR_REQ; i++)
		ck_assert_msg(rets[i] == -inject[i], "%s %d: ret %d (%s), "
			      "expected %d (%s)", what, i, rets[i],
			      strerror(-rets[i]), -inject[i],
			      strerror(inject[i]));
}

/* A batch of reads (or readv) over a file, some of them failing. */
static void read_batch(const char *path, bool direct, uint64_t stride,
		       bool vectored)
{
	uint8_t *buf = fu_alloc(NR_REQ * SLOT);
	struct iovec iov[NR_REQ][2];
	int rets[NR_REQ];
	struct blkioq *q;
	struct blkio *b;

	b = fu_open(path, direct, false, 0, &q);
	for (int i = 0; i < NR_REQ; i++) {
		uint64_t off = REGION + i * stride;
		uint8_t *p = buf + i * SLOT;

		if (vectored) {
			iov[i][0] = (struct iovec){ p, 1024 };
			iov[i][1] = (struct iovec){ p + 1024, SLOT - 1024 };
			blkioq_readv(q, off, iov[i], 2, (void *)(intptr_t)i, 0);
		} else {
			blkioq_read(q, off, p, SLOT, (void *)(intptr_t)i, 0);
		}
	}
	fu_wait_all(q, NR_REQ, rets, NULL, 0);
	check_rets(rets, vectored ? "readv" : "read");
	for (int i = 0; i < NR_REQ; i++)
		if (!inject[i])
			fu_assert_buf(buf + i * SLOT, REGION + i * stride, SLOT,
				      5, "read next to failing ones");
	blkio_destroy(&b);
	free(buf);
}

static void write_batch(const char *path, bool direct, uint64_t stride,
			bool vectored)
{
	uint8_t *buf = fu_alloc(NR_REQ * SLOT);
	struct iovec iov[NR_REQ][2];
	int rets[NR_REQ];
	struct blkioq *q;
	struct blkio *b;

	b = fu_open(path, direct, false, 0, &q);
	for (int i = 0; i < NR_REQ; i++) {
		uint64_t off = REGION + i * stride;
		uint8_t *p = buf + i * SLOT;

		fu_pattern(p, off, SLOT, 6);
		if (vectored) {
			iov[i][0] = (struct iovec){ p, 512 };
			iov[i][1] = (struct iovec){ p + 512, SLOT - 512 };
			blkioq_writev(q, off, iov[i], 2, (void *)(intptr_t)i, 0);
		} else {
			blkioq_write(q, off, p, SLOT, (void *)(intptr_t)i, 0);
		}
	}
	fu_wait_all(q, NR_REQ, rets, NULL, 0);
	check_rets(rets, vectored ? "writev" : "write");
	for (int i = 0; i < NR_REQ; i++)
		fu_assert_raw(REGION + i * stride, SLOT, inject[i] ? 5 : 6,
			      inject[i] ? "failed write left data alone" :
			      "write next to failing ones");
	blkio_destroy(&b);
	free(buf);
}

/* _i: 0 read, 1 readv (FOPEN_DIRECT_IO), 2 read, 3 readv (page cache) */
START_TEST(file_read_errors)
{
	bool dio = _i < 2;

	inject = dio ? inject_dio : inject_all;
	fu_ctl_ok("direct-io %d", dio);
	fu_fill(REGION, NR_REQ * SLOT, 5);
	add_error_rules("read", REGION, SLOT);
	read_batch(fu_fs->disk, false, SLOT, _i & 1);
	ck_assert_int_ge(fu_stat("errors"), 4);
}
END_TEST

START_TEST(file_write_errors)
{
	fu_fill(REGION, NR_REQ * SLOT, 5);
	add_error_rules("write", REGION, SLOT);
	write_batch(fu_fs->disk, false, SLOT, _i);
	ck_assert_int_ge(fu_stat("errors"), 4);
}
END_TEST

/*
 * Through a loop device.  Requests are spread out so the block layer
 * cannot merge neighbours into one failing request.  The block layer maps
 * errnos to its own status codes; EIO and ENOSPC survive the round trip.
 */
static const int blk_inject[NR_REQ] = { 0, EIO, 0, ENOSPC, 0, EIO, 0, 0 };

static void blk_rules(const char *op, uint64_t stride)
{
	for (int i = 0; i < NR_REQ; i++)
		if (blk_inject[i])
			fu_ctl_ok("rule op=%s start=%llu len=%u err=%d", op,
				  (unsigned long long)(REGION + i * stride),
				  SLOT, blk_inject[i]);
}

START_TEST(blockdev_errors)
{
	const uint64_t stride = 64 * 1024;
	uint8_t *buf = fu_alloc(NR_REQ * SLOT);
	int rets[NR_REQ];
	struct fu_loop l;
	struct blkioq *q;
	struct blkio *b;

	fu_fill(REGION, NR_REQ * stride, 5);
	fu_loop_attach(&l, fu_fs->disk, false);
	b = fu_open(l.path, true, false, 0, &q);
	blk_rules("rw", stride);
	for (int i = 0; i < NR_REQ; i++)
		blkioq_read(q, REGION + i * stride, buf + i * SLOT, SLOT,
			    (void *)(intptr_t)i, 0);
	fu_wait_all(q, NR_REQ, rets, NULL, 0);
	for (int i = 0; i < NR_REQ; i++) {
		ck_assert_msg(rets[i] == -blk_inject[i], "block read %d: ret "
			      "%d, expected %d", i, rets[i], -blk_inject[i]);
		if (!rets[i])
			fu_assert_buf(buf + i * SLOT, REGION + i * stride,
				      SLOT, 5, "block read next to failing");
	}
	for (int i = 0; i < NR_REQ; i++) {
		fu_pattern(buf + i * SLOT, REGION + i * stride, SLOT, 7);
		blkioq_write(q, REGION + i * stride, buf + i * SLOT, SLOT,
			     (void *)(intptr_t)i, 0);
	}
	fu_wait_all(q, NR_REQ, rets, NULL, 0);
	for (int i = 0; i < NR_REQ; i++) {
		ck_assert_msg(rets[i] == -blk_inject[i], "block write %d: ret "
			      "%d, expected %d", i, rets[i], -blk_inject[i]);
		fu_assert_raw(REGION + i * stride, SLOT, rets[i] ? 5 : 7,
			      "block write");
	}
	blkio_destroy(&b);
	fu_loop_detach(&l);
	free(buf);
}
END_TEST

/* A transient error (first attempt only) is still reported, not retried. */
START_TEST(transient_error_reported)
{
	uint8_t *buf = fu_alloc(SLOT);
	struct blkioq *q;
	struct blkio *b;
	int ret;

	fu_ctl_ok("direct-io 1");
	fu_fill(REGION, SLOT, 8);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	fu_ctl_ok("rule op=read start=%u len=%u err=EIO count=1", REGION, SLOT);
	ret = fu_read(q, REGION, buf, SLOT);
	ck_assert_msg(ret == -EIO, "first read: ret %d, expected -EIO", ret);
	ret = fu_read(q, REGION, buf, SLOT);
	ck_assert_msg(ret == 0, "second read (rule exhausted): ret %d", ret);
	fu_assert_buf(buf, REGION, SLOT, 8, "second read");
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/*
 * Short transfers followed by an error: the request fails once, with that
 * errno, after the bytes before the bad range were transferred.
 */
/* _i: 0 read/write, 1 readv/writev (iovecs not aligned to the pieces) */
static int rw_one(struct blkioq *q, bool write, bool vectored, uint8_t *buf,
		  size_t len)
{
	struct iovec iov[4] = {
		{ buf, 5000 }, { buf + 5000, 1 }, { buf + 5001, 30000 },
		{ buf + 35001, len - 35001 },
	};

	if (!vectored)
		return write ? fu_write(q, REGION, buf, len, 0) :
			       fu_read(q, REGION, buf, len);
	if (write)
		blkioq_writev(q, REGION, iov, 4, NULL, 0);
	else
		blkioq_readv(q, REGION, iov, 4, NULL, 0);
	return fu_wait1(q);
}

START_TEST(error_after_short_transfers)
{
	const size_t len = 64 * 1024, bad = 40000;
	uint8_t *buf = fu_alloc(len);
	struct blkioq *q;
	struct blkio *b;
	int ret;

	fu_ctl_ok("direct-io 1");
	fu_fill(REGION, len, 9);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	fu_ctl_ok("max-io 3000\nrule op=rw start=%zu len=512 clip err=EIO",
		  REGION + bad);
	ret = rw_one(q, false, _i, buf, len);
	ck_assert_msg(ret == -EIO, "read into a bad range after short "
		      "reads: ret %d, expected -EIO", ret);
	ck_assert_int_ge(fu_stat("shorts"), 10);
	blkio_destroy(&b);

	fu_ctl_ok("direct-io 0");
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	fu_pattern(buf, REGION, len, 10);
	ret = rw_one(q, true, _i, buf, len);
	ck_assert_msg(ret == -EIO, "write into a bad range after short "
		      "writes: ret %d, expected -EIO", ret);
	fu_assert_raw(REGION, bad, 10, "bytes before the bad range");
	fu_assert_raw(REGION + bad, len - bad, 9, "bytes from the bad range");
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/* fsync failing: the flush request carries the error; the next one works. */
START_TEST(flush_error)
{
	uint8_t *buf = fu_alloc(SLOT);
	struct blkioq *q;
	struct blkio *b;
	int ret;

	b = fu_open(fu_fs->disk, false, false, 0, &q);
	fu_pattern(buf, REGION, SLOT, 11);
	ck_assert_int_eq(fu_write(q, REGION, buf, SLOT, 0), 0);
	fu_ctl_ok("rule op=fsync err=EIO count=1");
	ret = fu_flush(q);
	ck_assert_msg(ret == -EIO, "flush with failing fsync: ret %d", ret);
	ret = fu_flush(q);
	ck_assert_msg(ret == 0, "second flush: ret %d", ret);
	ck_assert_int_ge(fu_stat("fsyncs"), 2);
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/* Errors only for the first N attempts of a range, with reads interleaved. */
START_TEST(errors_for_first_attempts)
{
	uint8_t *buf = fu_alloc(SLOT);
	struct blkioq *q;
	struct blkio *b;

	fu_ctl_ok("direct-io 1");
	fu_fill(REGION, SLOT, 12);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	fu_ctl_ok("rule op=read start=%u len=%u err=EIO skip=1 count=3",
		  REGION, SLOT);
	ck_assert_int_eq(fu_read(q, REGION, buf, SLOT), 0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(fu_read(q, REGION, buf, SLOT), -EIO);
	memset(buf, 0, SLOT);
	ck_assert_int_eq(fu_read(q, REGION, buf, SLOT), 0);
	fu_assert_buf(buf, REGION, SLOT, 12, "read after the errors");
	blkio_destroy(&b);
	free(buf);
}
END_TEST

/*
 * Write zeroes (fallocate underneath): failing ones report the errno and
 * leave the data alone, the others zero their range.  _i: 0 plain, 1 FUA
 * (the library adds a flush after the zeroing; still one completion).
 */
START_TEST(write_zeroes_errors)
{
	static const int wz_inject[NR_REQ] = { 0, EIO, 0, 0, ENOSPC, 0, 0, EIO };
	uint32_t flags = _i ? BLKIO_REQ_FUA : 0;
	uint8_t *zero = fu_alloc(SLOT);
	int rets[NR_REQ];
	struct blkioq *q;
	struct blkio *b;

	memset(zero, 0, SLOT);
	fu_fill(REGION, NR_REQ * SLOT, 13);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	for (int i = 0; i < NR_REQ; i++)
		if (wz_inject[i])
			fu_ctl_ok("rule op=falloc start=%u len=%u err=%d",
				  REGION + i * SLOT, SLOT, wz_inject[i]);
	for (int i = 0; i < NR_REQ; i++)
		blkioq_write_zeroes(q, REGION + i * SLOT, SLOT,
				    (void *)(intptr_t)i,
				    flags | (i & 1 ? BLKIO_REQ_NO_UNMAP : 0));
	fu_wait_all(q, NR_REQ, rets, NULL, 0);
	for (int i = 0; i < NR_REQ; i++) {
		uint8_t *got = fu_alloc(SLOT);

		ck_assert_msg(rets[i] == -wz_inject[i], "write zeroes %d: ret "
			      "%d, expected %d", i, rets[i], -wz_inject[i]);
		fu_raw_read(got, REGION + i * SLOT, SLOT);
		if (wz_inject[i])
			fu_assert_buf(got, REGION + i * SLOT, SLOT, 13,
				      "failed write zeroes left data alone");
		else
			fu_assert_zero(got, SLOT, "zeroed range");
		free(got);
	}
	ck_assert_int_ge(fu_stat("fallocs"), NR_REQ);
	if (_i)
		ck_assert_int_gt(fu_stat("fsyncs"), 0);
	blkio_destroy(&b);
	free(zero);
}
END_TEST

/* FUA write zeroes whose trailing flush fails: one completion, -EIO. */
START_TEST(write_zeroes_fua_flush_fails)
{
	struct blkioq *q;
	struct blkio *b;
	int ret;

	fu_fill(REGION, SLOT, 14);
	b = fu_open(fu_fs->disk, false, false, 0, &q);
	fu_ctl_ok("rule op=fsync err=EIO count=1");
	blkioq_write_zeroes(q, REGION, SLOT, NULL, BLKIO_REQ_FUA);
	ret = fu_wait1(q);
	ck_assert_msg(ret == -EIO, "FUA write zeroes with failing flush: "
		      "ret %d, expected -EIO", ret);
	ck_assert_int_eq(fu_stat("fsyncs"), 1);
	/* nothing else may complete: the request finished exactly once */
	ck_assert_int_eq(blkioq_do_io(q, NULL, 0, 0, NULL), 0);
	ck_assert_int_eq(fu_flush(q), 0);
	blkio_destroy(&b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("fault-errors");
	TCase *tc = tcase_create("errors");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	/* loop index 0: read/write, 1: readv/writev */
	tcase_add_loop_test(tc, file_read_errors, 0, 4);
	tcase_add_loop_test(tc, file_write_errors, 0, 2);
	tcase_add_test(tc, blockdev_errors);
	tcase_add_test(tc, transient_error_reported);
	tcase_add_loop_test(tc, error_after_short_transfers, 0, 2);
	tcase_add_test(tc, flush_error);
	tcase_add_test(tc, errors_for_first_attempts);
	tcase_add_loop_test(tc, write_zeroes_errors, 0, 2);
	tcase_add_test(tc, write_zeroes_fua_flush_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(int argc, char **argv)
{
	fu_init(argc, argv, FU_NEED_LOOP, FS_SIZE, NULL);
	return fu_run_suite(suite());
}
