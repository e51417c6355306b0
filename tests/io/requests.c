/* SPDX-License-Identifier: (MIT OR Apache-2.0) */
/*
 * Every request type completes with ret 0 and its user_data; flags,
 * lengths and iovcnt are validated with the contract's exact messages;
 * zone requests are refused; error completions signal the completion fd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotest.h"
#include "test-driver.h"

#define FILE_SIZE (1 << 20)
#define BLK 4096

enum req_type {
	R_READ, R_WRITE, R_READV, R_WRITEV, R_WRITE_ZEROES, R_DISCARD,
	R_FLUSH, NR_TYPES
};

static const char *const type_name[NR_TYPES] = {
	"read", "write", "readv", "writev", "write_zeroes", "discard", "flush",
};

/* Contract §5.6: the flags each request type accepts. */
static const uint32_t allowed[NR_TYPES] = {
	[R_WRITE] = BLKIO_REQ_FUA,
	[R_WRITEV] = BLKIO_REQ_FUA,
	[R_WRITE_ZEROES] = BLKIO_REQ_FUA | BLKIO_REQ_NO_UNMAP |
			   BLKIO_REQ_NO_FALLBACK,
};

static char *path;
static struct blkio *b;
static struct blkioq *q;
static uint8_t *buf;
static struct iovec iov[3];

static void setup(void)
{
	const struct iot_opts o = { 0 };

	path = iot_make_file("requests", FILE_SIZE, 1);
	b = iot_open(path, &o);
	q = blkio_get_queue(b, 0);
	ck_assert_ptr_nonnull(q);
	buf = iot_alloc(BLK);
}

static void teardown(void)
{
	blkio_destroy(&b);
	iot_free(buf);
	iot_remove_file(&path);
}

/* Queue one request of @type in block @blk of the file. */
static void queue(enum req_type type, int blk, void *ud, uint32_t flags)
{
	uint64_t off = (uint64_t)blk * BLK;

	test_fill(buf, BLK, off, 2);
	iov[0] = (struct iovec){ buf, 512 };
	iov[1] = (struct iovec){ buf + 512, 1536 };
	iov[2] = (struct iovec){ buf + 2048, 2048 };
	switch (type) {
	case R_READ:
		blkioq_read(q, off, buf, BLK, ud, flags);
		break;
	case R_WRITE:
		blkioq_write(q, off, buf, BLK, ud, flags);
		break;
	case R_READV:
		blkioq_readv(q, off, iov, 3, ud, flags);
		break;
	case R_WRITEV:
		blkioq_writev(q, off, iov, 3, ud, flags);
		break;
	case R_WRITE_ZEROES:
		blkioq_write_zeroes(q, off, BLK, ud, flags);
		break;
	case R_DISCARD:
		blkioq_discard(q, off, BLK, ud, flags);
		break;
	case R_FLUSH:
		blkioq_flush(q, ud, flags);
		break;
	default:
		ck_abort();
	}
}

/* Discard needs a working discard; libblkio 1.5's does not (design §4). */
static bool type_skipped(enum req_type t)
{
	return t == R_DISCARD && iot_reference();
}

START_TEST(test_each_type_ok)
{
	struct blkio_completion c;
	enum req_type t = (enum req_type)_i;
	void *ud = (void *)(uintptr_t)(0x1000 + t);

	queue(t, t, ud, 0);
	iot_wait1(q, &c);
	iot_assert_ok(&c, ud);
}
END_TEST

START_TEST(test_batch_all_types)
{
	struct blkio_completion c[NR_TYPES];
	uint8_t *bufs[NR_TYPES];
	bool seen[NR_TYPES] = { false };
	int t, i, n = 0;

	/* Separate buffers: all requests are in flight at the same time. */
	for (t = 0; t < NR_TYPES; t++) {
		bufs[t] = iot_alloc(BLK);
		if (type_skipped((enum req_type)t))
			continue;
		switch (t) {
		case R_READ:
			blkioq_read(q, 0, bufs[t], BLK, &seen[t], 0);
			break;
		case R_WRITE:
			blkioq_write(q, 1 * BLK, bufs[t], BLK, &seen[t],
				     BLKIO_REQ_FUA);
			break;
		case R_READV:
		case R_WRITEV: {
			static struct iovec v[2][2];
			struct iovec *vi = v[t == R_WRITEV];

			vi[0] = (struct iovec){ bufs[t], 1024 };
			vi[1] = (struct iovec){ bufs[t] + 1024, 3072 };
			if (t == R_READV)
				blkioq_readv(q, 2 * BLK, vi, 2, &seen[t], 0);
			else
				blkioq_writev(q, 3 * BLK, vi, 2, &seen[t], 0);
			break;
		}
		case R_WRITE_ZEROES:
			blkioq_write_zeroes(q, 4 * BLK, BLK, &seen[t],
					    BLKIO_REQ_NO_UNMAP);
			break;
		case R_DISCARD:
			blkioq_discard(q, 5 * BLK, BLK, &seen[t], 0);
			break;
		case R_FLUSH:
			blkioq_flush(q, &seen[t], 0);
			break;
		}
		n++;
	}
	iot_wait_n(q, c, n);
	for (i = 0; i < n; i++) {
		bool *s = c[i].user_data;

		ck_assert_msg(s >= seen && s < seen + NR_TYPES,
			      "unknown user_data %p", c[i].user_data);
		ck_assert_msg(!*s, "%s completed twice", type_name[s - seen]);
		*s = true;
		ck_assert_msg(c[i].ret == 0, "%s: %d %s", type_name[s - seen],
			      c[i].ret, c[i].error_msg ? c[i].error_msg : "");
		ck_assert_ptr_null(c[i].error_msg);
		iot_assert_reserved_zero(&c[i]);
	}
	for (t = 0; t < NR_TYPES; t++)
		iot_free(bufs[t]);
}
END_TEST

/* The message libblkio gives for @flags on @type, or NULL if accepted. */
static const char *flag_error(enum req_type type, uint32_t flags)
{
	uint32_t bad;

	if (flags & ~(uint32_t)0x7)
		return "unsupported bits in request flags";
	bad = flags & ~allowed[type];
	if (bad & BLKIO_REQ_FUA)
		return "BLKIO_REQ_FUA is invalid for this request type";
	if (bad & BLKIO_REQ_NO_UNMAP)
		return "BLKIO_REQ_NO_UNMAP is invalid for this request type";
	if (bad & BLKIO_REQ_NO_FALLBACK)
		return "BLKIO_REQ_NO_FALLBACK is invalid for this request type";
	return NULL;
}

static const uint32_t flag_values[] = {
	1, 2, 3, 4, 5, 6, 7, 0x8, 0x9, 0xf, 0x10, 0x100, 0x80000000u,
	0xffffffffu,
};

START_TEST(test_flag_validation)
{
	enum req_type t = (enum req_type)_i;
	struct blkio_completion c;
	const char *want;
	size_t i;

	for (i = 0; i < sizeof(flag_values) / sizeof(flag_values[0]); i++) {
		uint32_t f = flag_values[i];
		void *ud = (void *)(uintptr_t)(0x5000 + i);

		want = flag_error(t, f);
		if (!want && type_skipped(t))
			continue;
		queue(t, 8 + (int)t, ud, f);
		iot_wait1(q, &c);
		ck_assert_ptr_eq(c.user_data, ud);
		iot_assert_reserved_zero(&c);
		if (!want) {
			ck_assert_msg(c.ret == 0, "%s flags 0x%x: %d %s",
				      type_name[t], f, c.ret,
				      c.error_msg ? c.error_msg : "");
			continue;
		}
		ck_assert_msg(c.ret == -EINVAL, "%s flags 0x%x: ret %d",
			      type_name[t], f, c.ret);
		ck_assert_msg(c.error_msg && strcmp(c.error_msg, want) == 0,
			      "%s flags 0x%x: message \"%s\", want \"%s\"",
			      type_name[t], f,
			      c.error_msg ? c.error_msg : "(null)", want);
	}
}
END_TEST

START_TEST(test_invalid_flags_keep_data)
{
	struct blkio_completion c;
	uint8_t *chk = iot_alloc(BLK);

	/* A refused write must not have touched the file. */
	test_fill(buf, BLK, 0, 9);
	blkioq_write(q, 0, buf, BLK, buf, BLKIO_REQ_NO_UNMAP);
	iot_wait1(q, &c);
	ck_assert_int_eq(c.ret, -EINVAL);
	blkioq_write_zeroes(q, BLK, BLK, buf, 0x40);
	iot_wait1(q, &c);
	ck_assert_int_eq(c.ret, -EINVAL);
	iot_pread(path, chk, BLK, 0);
	ck_assert_uint_eq(test_check(chk, BLK, 0, 1), BLK);
	iot_pread(path, chk, BLK, BLK);
	ck_assert_uint_eq(test_check(chk, BLK, BLK, 1), BLK);
	iot_free(chk);
}
END_TEST

static void assert_einval(const struct blkio_completion *c, void *ud,
			  const char *msg)
{
	ck_assert_ptr_eq(c->user_data, ud);
	ck_assert_int_eq(c->ret, -EINVAL);
	ck_assert_msg(c->error_msg && strcmp(c->error_msg, msg) == 0,
		      "message \"%s\", want \"%s\"",
		      c->error_msg ? c->error_msg : "(null)", msg);
	iot_assert_reserved_zero(c);
}

START_TEST(test_len_over_u32)
{
	const char *msg = "len must fit in an unsigned 32-bit integer";
	static size_t lens[] = { (size_t)UINT32_MAX + 1, SIZE_MAX,
				(size_t)1 << 40 };
	struct blkio_completion c;
	size_t i;

	/* The buffer is small on purpose: nothing may be transferred. */
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		blkioq_read(q, 0, buf, lens[i], &lens[i], 0);
		iot_wait1(q, &c);
		assert_einval(&c, (void *)&lens[i], msg);
		blkioq_write(q, 0, buf, lens[i], (char *)&lens[i] + 1, 0);
		iot_wait1(q, &c);
		assert_einval(&c, (char *)&lens[i] + 1, msg);
	}
}
END_TEST

START_TEST(test_negative_iovcnt)
{
	const char *msg =
		"iovcnt must be non-negative and fit in a signed 32-bit integer";
	static int counts[] = { -1, -2, INT_MIN };
	struct blkio_completion c;
	size_t i;

	iov[0] = (struct iovec){ buf, BLK };
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		blkioq_readv(q, 0, iov, counts[i], (void *)&counts[i], 0);
		iot_wait1(q, &c);
		assert_einval(&c, (void *)&counts[i], msg);
		blkioq_writev(q, 0, iov, counts[i], (char *)&counts[i] + 1,
			      0);
		iot_wait1(q, &c);
		assert_einval(&c, (char *)&counts[i] + 1, msg);
	}
}
END_TEST

START_TEST(test_zone_requests)
{
	const char *msg = "request not supported for this driver";
	struct blkio_zone zones[4];
	struct blkio_completion c[9];
	bool seen[9] = { false };
	int i;

	blkioq_report_zones(q, 0, zones, 4, &seen[0], 0);
	blkioq_close_zone(q, 0, &seen[1], 0);
	blkioq_finish_zone(q, 0, &seen[2], 0);
	blkioq_open_zone(q, 0, &seen[3], 0);
	blkioq_reset_zone(q, 0, &seen[4], 0);
	blkioq_close_all_zones(q, &seen[5], 0);
	blkioq_finish_all_zones(q, &seen[6], 0);
	blkioq_open_all_zones(q, &seen[7], 0);
	blkioq_reset_all_zones(q, &seen[8], 0);
	iot_wait_n(q, c, 9);
	for (i = 0; i < 9; i++) {
		bool *s = c[i].user_data;

		ck_assert_msg(s >= seen && s < seen + 9, "bad user_data");
		ck_assert(!*s);
		*s = true;
		ck_assert_msg(c[i].ret == -ENOTSUP, "zone op %td: ret %d",
			      s - seen, c[i].ret);
		ck_assert_msg(c[i].error_msg &&
			      strcmp(c[i].error_msg, msg) == 0,
			      "zone op %td: message \"%s\"", s - seen,
			      c[i].error_msg ? c[i].error_msg : "(null)");
		iot_assert_reserved_zero(&c[i]);
	}
}
END_TEST

START_TEST(test_error_completion_signals_fd)
{
	struct blkio_completion c[2];
	int fd = blkioq_get_completion_fd(q);
	int ret;

	ck_assert_int_ge(fd, 0);
	if (test_driver()->completion_fd_starts_disabled)
		blkioq_set_completion_fd_enabled(q, true);
	iot_drain_fd(fd);
	ck_assert(!iot_fd_readable(fd, 0));

	/* No do_io in between: queueing the refused request must signal. */
	blkioq_read(q, 0, buf, BLK, buf, BLKIO_REQ_FUA);
	ck_assert_msg(iot_fd_readable(fd, 2000),
		      "completion fd not readable after a refused request");
	iot_drain_fd(fd);

	blkioq_flush(q, buf + 1, 0x80);
	ck_assert(iot_fd_readable(fd, 2000));
	iot_drain_fd(fd);

	memset(c, 0xa5, sizeof(c));
	ret = blkioq_do_io(q, c, 0, 2, NULL);
	ck_assert_int_eq(ret, 2);
	ck_assert_ptr_eq(c[0].user_data, buf);
	ck_assert_int_eq(c[0].ret, -EINVAL);
	ck_assert_ptr_eq(c[1].user_data, buf + 1);
	ck_assert_int_eq(c[1].ret, -EINVAL);
	iot_assert_reserved_zero(&c[0]);
	iot_assert_reserved_zero(&c[1]);
}
END_TEST

START_TEST(test_errors_mixed_with_io)
{
	struct blkio_completion c[6];
	uint8_t *b2 = iot_alloc(BLK);
	int i, ok = 0, bad = 0;

	/* Refused and real requests interleaved: each completes once. */
	blkioq_read(q, 0, buf, BLK, (void *)1, 0);
	blkioq_read(q, 0, b2, BLK, (void *)2, BLKIO_REQ_NO_UNMAP);
	blkioq_flush(q, (void *)3, 0);
	blkioq_discard(q, 0, BLK, (void *)4, BLKIO_REQ_FUA);
	blkioq_write(q, 2 * BLK, b2, BLK, (void *)5, BLKIO_REQ_FUA);
	blkioq_write(q, 2 * BLK, b2, (size_t)UINT32_MAX + 1, (void *)6, 0);
	iot_wait_n(q, c, 6);
	for (i = 0; i < 6; i++) {
		uintptr_t ud = (uintptr_t)c[i].user_data;

		ck_assert(ud >= 1 && ud <= 6);
		if (ud == 2 || ud == 4 || ud == 6) {
			ck_assert_int_eq(c[i].ret, -EINVAL);
			ck_assert_ptr_nonnull(c[i].error_msg);
			bad |= 1 << ud;
		} else {
			ck_assert_int_eq(c[i].ret, 0);
			ok |= 1 << ud;
		}
	}
	ck_assert_int_eq(ok, (1 << 1) | (1 << 3) | (1 << 5));
	ck_assert_int_eq(bad, (1 << 2) | (1 << 4) | (1 << 6));
	ck_assert_uint_eq(test_check(buf, BLK, 0, 1), BLK);
	iot_free(b2);
}
END_TEST

/*
 * Write-zeroes and discard reach the kernel only in blkioq_do_io(), like
 * every request: queueing them leaves the file alone.  Where the driver
 * runs them as system calls inside that call (capability
 * zeroes_complete_in_do_io) the very call returns their completions, even
 * with min_completions 0; otherwise they are reaped as they finish.
 */
START_TEST(test_zeroes_on_next_do_io)
{
	struct blkio_completion c[2];
	uint8_t *data = iot_alloc(2 * BLK);
	int got = 0, ret, i;

	blkioq_write_zeroes(q, 4 * BLK, BLK, &c[0], 0);
	blkioq_discard(q, 5 * BLK, BLK, &c[1], 0);
	iot_pread(path, data, 2 * BLK, 4 * BLK);
	ck_assert_msg(test_check(data, 2 * BLK, 4 * BLK, 1) == 2 * BLK,
		      "write_zeroes or discard ran before blkioq_do_io");

	ret = blkioq_do_io(q, c, 0, 2, NULL);
	ck_assert_int_ge(ret, 0);
	if (test_driver()->zeroes_complete_in_do_io)
		ck_assert_msg(ret == 2, "do_io(min 0) returned %d of the "
			      "2 completions it ran", ret);
	got = ret;
	while (got < 2) {
		ret = blkioq_do_io(q, c + got, 1, 2 - got, NULL);
		ck_assert_int_ge(ret, 1);
		got += ret;
	}
	for (i = 0; i < 2; i++) {
		ck_assert_msg(c[i].ret == 0, "%s: ret %d (%s)",
			      c[i].user_data == &c[0] ? "write_zeroes" :
			      "discard", c[i].ret,
			      c[i].error_msg ? c[i].error_msg : "");
		ck_assert(c[i].user_data == &c[0] || c[i].user_data == &c[1]);
	}
	ck_assert(c[0].user_data != c[1].user_data);
	iot_pread(path, data, 2 * BLK, 4 * BLK);
	ck_assert_int_eq(test_check_zero(data, 2 * BLK), 2 * BLK);
	iot_free(data);
}
END_TEST

/*
 * A flush on a file whose file system cannot sync (procfs has no fsync):
 * -EINVAL, delivered by the call that waits for it and, for an event
 * loop, signalled on the completion fd.  (linux-aio: io_submit refuses
 * IOCB_CMD_FDSYNC there and the library falls back to fdatasync(), which
 * must run in the same call.)
 */
START_TEST(test_flush_without_fsync)
{
	const struct iot_opts o = { .read_only = true };
	struct blkio *pb;
	struct blkioq *pq;
	struct timespec ts = { 5, 0 };
	struct blkio_completion c;
	int fd, ret;

	if (test_driver()->needs_backend) {
		iot_note_skip("flush_without_fsync", "the backend opens the "
			      "file; its flushes are the backend's");
		return;
	}
	pb = iot_open("/proc/self/status", &o);
	pq = blkio_get_queue(pb, 0);
	ck_assert_ptr_nonnull(pq);
	blkioq_flush(pq, &c, 0);
	ret = blkioq_do_io(pq, &c, 1, 1, &ts);
	ck_assert_msg(ret == 1, "do_io waiting for the flush: %d (%s)", ret,
		      ret < 0 ? blkio_get_error_msg() : "");
	ck_assert_ptr_eq(c.user_data, &c);
	ck_assert_int_eq(c.ret, -EINVAL);

	fd = blkioq_get_completion_fd(pq);
	ck_assert_int_ge(fd, 0);
	iot_drain_fd(fd);
	blkioq_flush(pq, &c, 0);
	ck_assert_int_eq(blkioq_do_io(pq, NULL, 0, 0, NULL), 0);
	ck_assert_msg(iot_fd_readable(fd, 5000), "no completion fd event "
		      "for the flush within 5 s");
	ret = blkioq_do_io(pq, &c, 0, 1, NULL);
	ck_assert_int_eq(ret, 1);
	ck_assert_int_eq(c.ret, -EINVAL);
	blkio_destroy(&pb);
}
END_TEST

static Suite *requests_suite(void)
{
	Suite *s = suite_create("requests");
	TCase *tc = tcase_create("requests");

	tcase_add_checked_fixture(tc, setup, teardown);
	if (iot_reference()) {
		iot_note_skip("each_type_ok/discard",
			      "libblkio 1.5 discard fails (design §4)");
		tcase_add_loop_test(tc, test_each_type_ok, 0, R_DISCARD);
		tcase_add_loop_test(tc, test_each_type_ok, R_DISCARD + 1,
				    NR_TYPES);
	} else {
		tcase_add_loop_test(tc, test_each_type_ok, 0, NR_TYPES);
	}
	tcase_add_test(tc, test_batch_all_types);
	tcase_add_loop_test(tc, test_flag_validation, 0, NR_TYPES);
	tcase_add_test(tc, test_invalid_flags_keep_data);
	tcase_add_test(tc, test_len_over_u32);
	tcase_add_test(tc, test_negative_iovcnt);
	tcase_add_test(tc, test_zone_requests);
	tcase_add_test(tc, test_error_completion_signals_fd);
	tcase_add_test(tc, test_errors_mixed_with_io);
	if (iot_reference())
		iot_note_skip("zeroes_on_next_do_io",
			      "libblkio 1.5 discard fails (design §4)");
	else
		tcase_add_test(tc, test_zeroes_on_next_do_io);
	tcase_add_test(tc, test_flush_without_fsync);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iot_run(requests_suite());
}
